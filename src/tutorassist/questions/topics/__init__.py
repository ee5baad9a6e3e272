"""The question bank's topics."""
