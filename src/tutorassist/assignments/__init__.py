"""Assignments: sets of questions given to one student, and their items."""
