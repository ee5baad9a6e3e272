"""`tutorassist db health`: sizes and growth, index usage, cache hits, slow statements, jobs, maintenance, views."""

from __future__ import annotations

import json

import typer
from rich.table import Table

from tutorassist.cli.db import _fails_cleanly, _ready_url, app, console, err
from tutorassist.config import get_settings
from tutorassist.db.connection import owner_engine
from tutorassist.operations.health import HealthReport, Thresholds, measure

FORMATS = ("table", "json")


def _bytes(n: int | None) -> str:
    if n is None:
        return "—"
    size = float(abs(n))
    for unit in ("B", "kB", "MB", "GB", "TB"):
        if size < 1024 or unit == "TB":
            text = f"{size:.0f} {unit}" if unit == "B" else f"{size:.1f} {unit}"
            return ("-" if n < 0 else "") + text
        size /= 1024
    raise AssertionError("unreachable")


SHOWN = 15


def _table(title: str, columns: list[str], rows: list[list[object]], empty: str) -> Table | str:
    """A Rich table of at most SHOWN rows (JSON has them all), or one line saying there is nothing."""
    if not rows:
        return f"{title}: {empty}"
    table = Table(title=title, title_justify="left")
    for column in columns:
        table.add_column(column)
    for row in rows[:SHOWN]:
        table.add_row(*("—" if value is None else str(value) for value in row))
    if len(rows) > SHOWN:
        table.caption = f"{len(rows) - SHOWN} more with --format json"
    return table


def _print(r: HealthReport) -> None:
    growth = f"growth since the sample of {r.previous_sample_at}" if r.previous_sample_at else "growth: no HEALTH_SAMPLE yet"
    console.print(f"database size {_bytes(r.database_bytes)} at {r.taken_at}")
    console.print(_table(f"largest tables ({growth})",
                         ["table", "total", "table", "indexes", "rows ≈", "seq scans", "index scans", "growth", "per day"],
                         [[t["name"], _bytes(t["total_bytes"]), _bytes(t["table_bytes"]), _bytes(t["index_bytes"]),
                           t["rows_estimate"], t["seq_scans"], t["index_scans"], _bytes(t["growth_bytes"]),
                           _bytes(t["growth_bytes_per_day"])] for t in r.tables], "none"))
    unused = [i for i in r.indexes if i["unused"]]
    console.print(_table(f"unused indexes (no scan; not unique): {len(unused)} of {len(r.indexes)}",
                         ["index", "table", "size"], [[i["name"], i["table"], _bytes(i["bytes"])] for i in unused],
                         "none"))
    c = r.cache
    console.print(f"cache hit ratio since {c['since'] or 'the server started'}: tables {c['table_hit_ratio']} "
                  f"({c['table_hits'] + c['table_reads']} block reads), indexes {c['index_hit_ratio']} "
                  f"({c['index_hits'] + c['index_reads']} block reads)")
    slow = r.slow_statements
    if slow["available"]:
        console.print(_table("slowest statements (mean)", ["mean ms", "calls", "total ms", "query"],
                             [[s["mean_ms"], s["calls"], s["total_ms"], s["query"]] for s in slow["statements"]],
                             "none recorded yet"))
    else:
        console.print(f"slow statements: not available; {slow['reason']}")
    j = r.jobs
    console.print(_table("jobs needing attention", ["problem", "type", "id", "detail"],
                         [["failed", f["type"], f["id"], f["error_text"]] for f in j["failed"]]
                         + [["stuck", s["type"], s["id"], s["reason"]] for s in j["stuck"]]
                         + [["queued too long", q["type"], q["id"], f"due {q['run_after']}"] for q in j["queued_too_long"]]
                         + [["maintenance stuck", m["type"], m["id"], f"running since {m['started_at']}"]
                            for m in j["maintenance_stuck"]], "none"))
    console.print(_table("backlog", ["source", "type or task", "queue", "waiting", "oldest due"],
                         [[b["source"], b["name"], b["queue"], b["waiting"], b["oldest_due"]] for b in j["backlog"]],
                         "nothing waiting"))
    console.print(_table("periodic maintenance", ["type", "last run", "outcome", "last success", "error"],
                         [[m["type"], m["last_started_at"], m["last_status"], m["last_success_at"], m["last_error"]]
                          for m in r.maintenance], "no run recorded yet"))
    v = r.analytics_views
    console.print(f"analytics views: last refreshed {v['last_refresh_at'] or 'never (by REFRESH_ANALYTICS)'}"
                  + (" [red]stale[/red]" if v["stale"] else ""))
    for problem in r.problems:
        console.print(f"[red]✗[/red] {problem}", soft_wrap=True)
    if not r.problems:
        console.print("[green]no threshold crossed[/green]")


def _stalled_after() -> int:
    """A worker re-queues a dead worker's jobs within stalled-after plus one check interval: only later is it stuck."""
    settings = get_settings()
    return int(settings.job_stalled_after_seconds + settings.job_stalled_check_seconds)


@app.command()
@_fails_cleanly
def health(
    output: str = typer.Option("table", "--format", help="table (default) or json."),
    check: bool = typer.Option(False, "--check", help="Exit 1 when a threshold is crossed (for monitoring)."),
) -> None:
    """Table and index sizes and growth, index usage, cache hit ratio, slow statements, failed and stuck jobs,
    job backlog, periodic maintenance and analytics view freshness.

    With --check the exit code is 1 when a threshold is crossed (cache hit ratio, failed or stuck jobs, stale
    analytics views; docs/operations.md), so a monitor can run it.
    """
    if output not in FORMATS:
        err.print(f"[red]error:[/red] --format must be one of {', '.join(FORMATS)}, not {output!r}", soft_wrap=True)
        raise typer.Exit(2)
    engine = owner_engine(_ready_url())
    try:
        with engine.connect() as conn:
            report = measure(conn, Thresholds(stalled_after_seconds=_stalled_after()))
    finally:
        engine.dispose()
    if output == "json":
        print(json.dumps(report.as_dict(), default=str))
    else:
        _print(report)
    if check and report.problems:
        raise typer.Exit(1)
