"""`tutorassist analytics ...`: the operator's view across workspaces (members use the API)."""

from __future__ import annotations

import json
from datetime import datetime
from enum import Enum
from uuid import UUID

import typer
from rich.console import Console
from rich.progress import BarColumn, Progress, TaskProgressColumn, TextColumn, TimeElapsedColumn
from rich.table import Table

from tutorassist.cli.db import _fails_cleanly, _ready_url
from tutorassist.db.connection import owner_engine

app = typer.Typer(no_args_is_help=True, help="AI usage across workspaces and the item-statistics refresh (as the "
                                            "operator: every workspace; members use the API).")
console = Console()
err = Console(stderr=True)


class By(str, Enum):
    workspace = "workspace"
    model = "model"
    operation = "operation"
    day = "day"


class Format(str, Enum):
    table = "table"
    json = "json"


def _date(value: str | None, option: str):  # noqa: ANN202
    if value is None:
        return None
    try:
        return datetime.strptime(value, "%Y-%m-%d").date()
    except ValueError:
        err.print(f"[red]error:[/red] {option} must be a date YYYY-MM-DD, not {value!r}")
        raise typer.Exit(1) from None


@app.command("ai-usage")
@_fails_cleanly
def ai_usage(
    by: By = typer.Option(By.workspace, "--by", help="Group AI calls by workspace, model, operation or day (UTC)."),
    start: str | None = typer.Option(None, "--from", help="First day YYYY-MM-DD, UTC (default: 89 days before --to)."),
    end: str | None = typer.Option(None, "--to", help="Last day YYYY-MM-DD, included (default: today, UTC); the "
                                   "period spans at most 731 days."),
    format_: Format = typer.Option(Format.table, "--format", help="table, or json (one document)."),
) -> None:
    """AI calls, tokens and cost of every workspace from ai_usage_log, grouped, with the total."""
    from tutorassist.analytics import ai_usage as usage
    from tutorassist.kit.problems import Problem

    try:
        first, last = usage.period(_date(start, "--from"), _date(end, "--to"))
    except Problem as exc:
        err.print(f"[red]error:[/red] {exc.detail.replace('from:', '--from:').replace('to:', '--to:')}")
        raise typer.Exit(1) from None
    engine = owner_engine(_ready_url())
    try:
        with engine.connect() as conn:
            rows = usage.usage_rows(conn, by.value, first, last, None)
    finally:
        engine.dispose()
    total = usage.total_of(rows)
    if format_ is Format.json:
        console.print_json(json.dumps({"by": by.value, "from": str(first), "to": str(last), "rows": rows,
                                       "total": total}))
        return
    table = Table(by.value, "calls", "failed", "tokens in", "tokens out", "tokens", "cost $",
                  title=f"AI usage {first} .. {last}")
    for r in [*rows, total]:
        table.add_row(r["key"], str(r["calls"]), str(r["failed_calls"]), str(r["tokens_input"]),
                      str(r["tokens_output"]), str(r["tokens_total"]), f"{r['cost_usd']:.6f}")
    console.print(table)


@app.command("refresh-items")
@_fails_cleanly
def refresh_items(
    workspace: list[UUID] = typer.Option([], "--workspace", help="Only this workspace (repeatable)."),
    all_: bool = typer.Option(False, "--all", help="Every workspace, changed or not (after a bulk load or an import "
                                                  "with old submission times)."),
) -> None:
    """Recompute item statistics and wrong-answer notes now (default: the workspaces the periodic job would)."""
    from sqlalchemy import text

    from tutorassist.analytics import item_refresh

    engine = owner_engine(_ready_url())
    try:
        if workspace:
            targets = list(dict.fromkeys(workspace))
            with engine.connect() as conn:
                known = set(conn.execute(text("SELECT id FROM workspaces WHERE id = ANY(:ids)"),
                                         {"ids": targets}).scalars())
            missing = [str(w) for w in targets if w not in known]
            if missing:
                err.print(f"[red]error:[/red] no such workspace: {', '.join(missing)}")
                raise typer.Exit(1)
        elif all_:
            with engine.connect() as conn:
                targets = list(conn.execute(text("SELECT id FROM workspaces ORDER BY id")).scalars())
        else:
            targets = item_refresh.dirty_workspaces(engine)
        questions = notes = 0
        with Progress(TextColumn("{task.description}"), BarColumn(), TaskProgressColumn(), TimeElapsedColumn(),
                      console=err) as progress:
            task = progress.add_task("refreshing item statistics", total=len(targets))
            for ws in targets:
                with engine.begin() as conn:
                    done = item_refresh.refresh_workspace(conn, ws)
                questions, notes = questions + done["questions"], notes + done["notes"]
                progress.advance(task)
    finally:
        engine.dispose()
    console.print(f"refreshed {len(targets)} workspaces: {questions} questions, {notes} wrong-answer notes")
