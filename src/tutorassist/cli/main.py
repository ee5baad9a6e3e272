"""Entry point: `tutorassist --help` lists the commands and the configuration they read."""

from __future__ import annotations

import typer

from tutorassist.cli import db, programs

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
        "(default /var/lib/tutorassist as root, else ~/.local/share/tutorassist).\n\n"
        "TUTORASSIST_HOST, TUTORASSIST_PORT: where `serve` listens (default 127.0.0.1:8000)."
    ),
)
app.add_typer(db.app, name="db")
app.add_typer(programs.app, name="programs")


@app.command()
def serve(
    host: str = typer.Option("127.0.0.1", envvar="TUTORASSIST_HOST", help="Address to listen on."),
    port: int = typer.Option(8000, envvar="TUTORASSIST_PORT", min=1, max=65535, help="Port to listen on."),
) -> None:
    """Migrate the database, then serve the HTTP API (OpenAPI docs at /docs, health at /healthz)."""
    db.run_up()
    import uvicorn

    from tutorassist.api.app import create_app
    from tutorassist.db.connection import owner_url

    uvicorn.run(create_app(owner_url()), host=host, port=port, log_level="info")


@app.command()
def up() -> None:
    """Start the database (embedded unless DATABASE_URL is set), migrate it to the newest revision, report its status."""
    db.run_up()


if __name__ == "__main__":  # pragma: no cover
    app()
