"""The question bank's programs."""
