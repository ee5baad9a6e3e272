"""Every module that registers job types or periodic maintenance; a worker imports this before it starts."""

from tutorassist.jobs import maintenance  # noqa: F401
