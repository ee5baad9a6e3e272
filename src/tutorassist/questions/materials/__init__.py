"""The question bank's materials."""
