"""Entry point: `tutorassist --help` lists the commands and the configuration they read."""

from __future__ import annotations

import typer

from tutorassist.cli import db

app = typer.Typer(
    name="tutorassist",
    no_args_is_help=True,
    add_completion=False,
    help=(
        "TutorAssist: question bank, assignments, checked answers, spaced repetition and analytics on PostgreSQL.\n\n"
        "Configuration, from environment variables:\n\n"
        "DATABASE_URL: PostgreSQL >= 15 with pgvector, connecting as the schema owner (superuser or BYPASSRLS). "
        "Unset: an embedded PostgreSQL, started on demand and reused.\n\n"
        "TUTORASSIST_DATA_DIR: data directory of the embedded PostgreSQL "
        "(default /var/lib/tutorassist as root, else ~/.local/share/tutorassist)."
    ),
)
app.add_typer(db.app, name="db")


@app.command()
def up() -> None:
    """Start the database (embedded unless DATABASE_URL is set), migrate it to the newest revision, report its status."""
    db.run_up()


if __name__ == "__main__":  # pragma: no cover
    app()
