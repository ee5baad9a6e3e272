"""`tutorassist db ...`: the database's life cycle."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import TypeVar

import typer
from pydantic import ValidationError
from rich.console import Console

from tutorassist.config import get_settings
from tutorassist.db import embedded, migrate
from tutorassist.db.connection import DatabaseError, check_server, connect, owner_url

app = typer.Typer(no_args_is_help=True, help="Start, migrate, inspect and verify the database.")
console = Console()
err = Console(stderr=True)
F = TypeVar("F", bound=Callable[..., None])


def _fails_cleanly(func: F) -> F:
    """Database problems end the command with their message and exit code 2, never a traceback."""

    @wraps(func)
    def wrapper(*args, **kwargs):
        try:
            return func(*args, **kwargs)
        except DatabaseError as exc:
            err.print(f"[red]error:[/red] {exc}")
            raise typer.Exit(2) from None
        except ValidationError as exc:
            for problem in exc.errors():
                where = ".".join(str(part) for part in problem["loc"]) or "configuration"
                err.print(f"[red]invalid configuration:[/red] {where}: {problem['msg'].removeprefix('Value error, ')}")
            raise typer.Exit(2) from None

    return wrapper  # type: ignore[return-value]


def _where(url: str) -> str:
    settings = get_settings()
    return "DATABASE_URL" if settings.database_url else f"embedded PostgreSQL in {settings.data_dir}"


def _ready_url() -> str:
    url = owner_url()
    check_server(url)
    return url


def _print_status(url: str) -> migrate.MigrationStatus:
    state = migrate.status(url)
    console.print(f"database: {_where(url)}")
    console.print(f"current revision: {state.current or '(none: empty database)'}")
    console.print(f"newest revision:  {state.head}")
    if state.pending:
        console.print(f"[yellow]pending:[/yellow] {', '.join(state.pending)}")
    else:
        console.print("[green]up to date[/green]")
    return state


@app.command()
@_fails_cleanly
def start() -> None:
    """Start the embedded PostgreSQL (no-op with DATABASE_URL) and print its URL."""
    console.print(owner_url())


@app.command()
@_fails_cleanly
def stop() -> None:
    """Stop the embedded PostgreSQL if it is running."""
    stopped = embedded.stop(get_settings().data_dir)
    console.print("stopped" if stopped else "not running")


@app.command("migrate")
@_fails_cleanly
def migrate_cmd() -> None:
    """Upgrade the database to the newest revision (does nothing when already there)."""
    url = _ready_url()
    before = migrate.status(url)
    migrate.upgrade(url)
    if before.pending:
        console.print(f"applied {len(before.pending)} migration(s): {', '.join(before.pending)}")
    else:
        console.print(f"already at the newest revision {before.head}")


@app.command()
@_fails_cleanly
def status() -> None:
    """Show the current and newest revision and the pending migrations."""
    _print_status(_ready_url())


@app.command()
@_fails_cleanly
def downgrade(revision: str = typer.Argument(..., help="Revision id to go down to, or 'base' for an empty schema.")) -> None:
    """Downgrade the database to REVISION."""
    if not migrate.known_revision(revision):
        known = ", ".join(["base", *reversed([r.revision for r in migrate.script_directory().walk_revisions()])])
        err.print(f"[red]error:[/red] unknown revision {revision!r}; known: {known}")
        raise typer.Exit(2)
    url = _ready_url()
    migrate.downgrade(url, revision)
    _print_status(url)


@app.command()
@_fails_cleanly
def verify() -> None:
    """Exit 0 only if every migration is applied and the live schema matches the code.

    Checks tables, columns, types, indexes, constraints, functions, triggers, policies, views and grants against a
    fresh migration, required extensions, forced row-level security on every tenant table, and a COMMENT on every
    table and column. Lists each problem and exits 1 otherwise.
    """
    from tutorassist.db.verify import verify as run_verify

    url = _ready_url()
    with console.status("verifying the schema against a fresh migration…"):
        report = run_verify(url)
    if report.ok:
        console.print(f"[green]ok[/green]: {report.objects_checked} objects match {report.reference}")
        return
    for problem in report.problems:
        console.print(f"[red]✗[/red] {problem}", soft_wrap=True)
    console.print(f"[red]{len(report.problems)} problem(s)[/red]")
    raise typer.Exit(1)


@app.command()
@_fails_cleanly
def docs(check: bool = typer.Option(False, "--check", help="Write nothing; exit 1 naming each stale file.")) -> None:
    """Generate docs/data-dictionary.md and docs/er-diagram.md (Mermaid) from the live catalog (migrate first)."""
    from tutorassist.db.generated_docs import GENERATED, stale, write_all

    with connect(_ready_url()) as conn:
        if check:
            outdated = stale(conn)
            for path in outdated:
                err.print(f"[red]stale:[/red] {path.name}: run `tutorassist db docs` on a database migrated to head", soft_wrap=True)
            if outdated:
                raise typer.Exit(1)
            console.print(f"up to date: {', '.join(path.name for path in GENERATED)}")
            return
        written = write_all(conn)
    console.print(f"wrote {', '.join(str(path) for path in written)}" if written else "already up to date", soft_wrap=True)


@app.command()
@_fails_cleanly
def dictionary(write: bool = typer.Option(False, "--write", help="Write every generated doc, as `db docs` does.")) -> None:
    """Print the data dictionary from the live database's COMMENTs; with --write the same as `db docs`."""
    from tutorassist.db.dictionary import render

    if write:
        docs(check=False)
        return
    with connect(_ready_url()) as conn:
        print(render(conn), end="")


@app.command()
@_fails_cleanly
def snapshot() -> None:
    """Record the schema catalog of this (freshly migrated) database as the committed reference for `db verify`."""
    from tutorassist.db.verify import write_snapshot

    console.print(f"wrote {write_snapshot(_ready_url())}")


def run_up() -> None:
    @_fails_cleanly
    def _up() -> None:
        url = _ready_url()
        migrate.upgrade(url)
        _print_status(url)

    _up()


from tutorassist.cli import (
    db_audit,  # noqa: E402,F401  (registers `db audit` on app)
    db_health,  # noqa: E402,F401  (registers `db health` on app)
    db_reconcile,  # noqa: E402,F401  (registers `db reconcile` on app)
    db_retention,  # noqa: E402,F401  (registers `db retention` on app)
)
