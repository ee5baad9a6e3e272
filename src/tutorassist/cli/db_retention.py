"""`tutorassist db retention`: apply the data retention policy now, or show what it would take (docs/retention.md)."""

from __future__ import annotations

import json
from enum import Enum

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table
from sqlalchemy.exc import SQLAlchemyError

from tutorassist.cli.db import _fails_cleanly, _ready_url, app, console, err
from tutorassist.db.connection import owner_engine
from tutorassist.operations import retention


class OutputFormat(str, Enum):
    table = "table"
    json = "json"


def _summary(counts: dict[str, int], policy: retention.Policy, dry_run: bool) -> Table:
    title = "retention (dry run: nothing changed)" if dry_run else "retention"
    table = Table("rule", "what happens", "rows", title=title)
    for name, rows in counts.items():
        table.add_row(name, retention.ACTIONS[name], str(rows))
    return table


@app.command("retention")
@_fails_cleanly
def retention_cmd(
    dry_run: bool = typer.Option(False, "--dry-run", help="Count what each rule would take; change nothing."),
    output: OutputFormat = typer.Option(OutputFormat.table, "--format", help="table (with a progress bar) or json."),
) -> None:
    """Apply the retention policy: move attempts and audit rows to their archives, roll AI usage up by month,
    delete old question history and job records. Windows come from the TUTORASSIST_RETENTION_* settings."""
    try:
        policy = retention.Policy.from_settings()
    except ValueError as exc:
        err.print(f"[red]invalid configuration:[/red] {exc}")
        raise typer.Exit(2) from None
    engine = owner_engine(_ready_url())
    try:
        with engine.connect() as conn:
            planned = retention.plan(conn, policy)
        if dry_run:
            counts = planned
        elif output is OutputFormat.json:
            counts = retention.apply(engine, policy)
        else:
            with Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                          console=console, transient=True) as bar:
                task = bar.add_task("retention", total=sum(planned.values()))

                def advance(rule: str, rows: int) -> None:
                    bar.update(task, advance=rows, description=f"{rule}: {retention.ACTIONS[rule]}")

                counts = retention.apply(engine, policy, advance)
    except SQLAlchemyError as exc:
        err.print(f"[red]error:[/red] retention stopped: {str(exc.orig if hasattr(exc, 'orig') else exc).strip()}")
        raise typer.Exit(2) from None
    finally:
        engine.dispose()
    if output is OutputFormat.json:
        console.print_json(json.dumps({"dry_run": dry_run, "policy": policy.params(), "rows": counts}))
    else:
        console.print(_summary(counts, policy, dry_run))
