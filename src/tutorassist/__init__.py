"""TutorAssist: a tutoring platform whose database is the heart of the product."""

__version__ = "0.1.0"
