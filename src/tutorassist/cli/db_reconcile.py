"""`tutorassist db reconcile`: repair counters, progress and mastery that drifted from the attempts."""

from __future__ import annotations

import json
import uuid

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn
from rich.table import Table

from tutorassist.cli.db import _fails_cleanly, _ready_url, app, console, err
from tutorassist.db.connection import owner_engine
from tutorassist.operations.reconcile import KINDS, Drift, measure_drift, repair

FORMATS = ("table", "json")


def _shown(value: object) -> str:
    return "—" if value is None else str(value)


def _table(drifts: list[Drift], dry_run: bool) -> Table:
    table = Table(title="drift found (nothing changed: --dry-run)" if dry_run else "repaired")
    for column in ("kind", "workspace", "object", "field"):
        table.add_column(column)
    table.add_column("stored → recomputed" if dry_run else "before → after")
    for d in drifts:
        table.add_row(d.kind, d.workspace_id, d.object_id, d.field, f"{_shown(d.stored)} → {_shown(d.recomputed)}")
    return table


def _fail(message: str) -> None:
    err.print(f"[red]error:[/red] {message}", soft_wrap=True)
    raise typer.Exit(2)


@app.command()
@_fails_cleanly
def reconcile(
    dry_run: bool = typer.Option(False, "--dry-run", help="Only measure the drift; change nothing."),
    output: str = typer.Option("table", "--format", help="table (default) or json."),
    workspace: str | None = typer.Option(None, "--workspace", help="Only this workspace (its id)."),
    kind: list[str] = typer.Option([], "--kind", help=f"Only these kinds (repeatable): {', '.join(KINDS)}."),
) -> None:
    """Repair derived state that disagrees with its source rows, and print what changed.

    Kinds: question statistics against the attempts, assignment progress against items and attempts, each student's
    topic mastery against their graded attempts, job costs against the AI usage log, the analytics rollup
    (analytics_daily) against each student's attempts per topic and day. Each object is locked the way its
    triggers lock it, so attempts arriving meanwhile are not lost. The RECONCILE_STATS job runs the same repair.
    """
    if output not in FORMATS:
        _fail(f"--format must be one of {', '.join(FORMATS)}, not {output!r}")
    if workspace is not None:
        try:
            workspace = str(uuid.UUID(workspace))
        except ValueError:
            _fail(f"--workspace must be a workspace id (a UUID), not {workspace!r}")
    unknown = [name for name in kind if name not in KINDS]
    if unknown:
        _fail(f"unknown --kind {', '.join(unknown)}; known: {', '.join(KINDS)}")
    kinds = kind or None

    engine = owner_engine(_ready_url())
    try:
        if dry_run:
            with engine.connect() as conn:
                drifts = measure_drift(conn, workspace, kinds)
        elif output == "json":
            drifts = repair(engine, workspace, kinds)
        else:
            with Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), console=err,
                          transient=True) as bar:
                tasks = {name: bar.add_task(f"reconcile {name}", total=None) for name in (kinds or KINDS)}
                drifts = repair(engine, workspace, kinds,
                                progress=lambda name, done, total: bar.update(tasks[name], completed=done, total=total))
    finally:
        engine.dispose()

    if output == "json":
        print(json.dumps({"dry_run": dry_run, "drift": [d.as_dict() for d in drifts]}, default=str))
    elif drifts:
        console.print(_table(drifts, dry_run))
        objects = len({(d.kind, d.object_id) for d in drifts})
        console.print(f"{len(drifts)} field(s) of {objects} object(s) {'drifted' if dry_run else 'repaired'}")
    else:
        console.print("nothing drifted")
