"""The `tutorassist` command."""

from tutorassist.cli.main import app

__all__ = ["app"]
