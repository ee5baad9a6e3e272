"""`tutorassist workspace ...`: export a whole workspace to one file, and delete it (as the operator)."""

from __future__ import annotations

from pathlib import Path
from uuid import UUID

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from tutorassist.cli.db import _fails_cleanly, _ready_url

app = typer.Typer(no_args_is_help=True, help="Export a whole workspace to one file, and delete it (see "
                                            "docs/operations-workspaces.md).")
console = Console()
err = Console(stderr=True)


def _fail(message: str) -> None:
    err.print(f"[red]error:[/red] {message}", soft_wrap=True, markup=True, highlight=False)
    raise typer.Exit(1)


def _workspace_id(text: str) -> UUID:
    try:
        return UUID(text)
    except ValueError:
        _fail(f"{text!r} is not a workspace id (a UUID)")
        raise  # unreachable: _fail exits


@app.command()
@_fails_cleanly
def export(
    workspace_id: str = typer.Argument(..., help="The workspace's id."),
    out: Path = typer.Option(..., "--out", help="The file to write (.tar.gz); it must not exist yet."),
) -> None:
    """Write every row of the workspace into one .tar.gz (row counts, schema revision, checksums).

    Every tenant table, its members and the global rows it refers to, one JSON Lines file per table; no password
    hashes or OAuth tokens.
    """
    from tutorassist.operations.workspace_export import WorkspaceOperationError, check_destination, export_workspace

    workspace = _workspace_id(workspace_id)
    try:
        check_destination(out)
    except WorkspaceOperationError as exc:
        _fail(str(exc))
    url = _ready_url()
    with Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                  console=err, transient=True) as bar:
        task = bar.add_task("reading the catalog", total=None)

        def progress(table: str, rows: int, done: int, total: int) -> None:
            bar.update(task, description=f"{table}: {rows:,} rows", completed=done, total=total)

        try:
            report = export_workspace(url, workspace, out, progress)
        except WorkspaceOperationError as exc:
            _fail(str(exc))
    table = Table("table", "rows")
    for name, rows in report.counts.items():
        table.add_row(name, f"{rows:,}")
    console.print(table)
    console.print(f"wrote {report.path} ({sum(report.counts.values()):,} rows, schema {report.schema_revision})",
                  soft_wrap=True)


@app.command()
@_fails_cleanly
def delete(
    workspace_id: str = typer.Argument(..., help="The workspace's id."),
    yes: bool = typer.Option(False, "--yes", help="Really delete: it cannot be undone."),
    export_file: Path | None = typer.Option(None, "--export", help="An export of this workspace (`tutorassist "
                                            "workspace export`), recent and counting what is there now."),
    no_export: bool = typer.Option(False, "--no-export", help="Delete without an export."),
    max_export_age: int = typer.Option(60, "--max-export-age", min=1, help="Minutes an export stays good for."),
) -> None:
    """Delete the workspace and everything of it but its audit log, printing the rows deleted per table.

    Refuses without --yes, and without --export of a recent export that still counts what is there (or --no-export).
    """
    from tutorassist.operations.workspace_delete import delete_workspace
    from tutorassist.operations.workspace_export import WorkspaceOperationError

    workspace = _workspace_id(workspace_id)
    if export_file is not None and no_export:
        _fail("give either --export FILE or --no-export, not both")
    if not yes:
        _fail("deleting a workspace cannot be undone: add --yes")
    if export_file is None and not no_export:
        _fail(f"refusing without an export: export it first (`tutorassist workspace export {workspace} --out FILE`) "
              f"and pass --export FILE (made within {max_export_age} minutes), or pass --no-export")
    url = _ready_url()
    with console.status("deleting…"):
        try:
            report = delete_workspace(url, workspace, export=export_file, max_age_minutes=max_export_age)
        except WorkspaceOperationError as exc:
            _fail(str(exc))
    table = Table("table", "rows deleted")
    for name, rows in sorted(report.counts.items()):
        table.add_row(name, f"{rows:,}")
    console.print(table)
    kept = ", ".join(f"{name} {rows:,} rows" for name, rows in report.kept.items())
    console.print(f"deleted workspace {workspace}: {sum(report.counts.values()):,} rows" + (f"; kept {kept}" if kept
                                                                                               else ""), soft_wrap=True)
