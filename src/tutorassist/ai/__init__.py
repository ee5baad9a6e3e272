"""Calls to AI providers and what they cost."""
