"""Tutoring sessions and the calendar connections that sync them."""
