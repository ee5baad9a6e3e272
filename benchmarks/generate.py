"""Fill a benchmark database: `python -m benchmarks.generate --scale S|M|L [--database-url URL] [--seed N]`.

The database is made anew and migrated to head; every table is loaded with COPY as the schema owner with triggers
and foreign-key checks off (`session_replication_role = replica`), one connection per table so the rows of one
workspace stream into all tables at once; then `rebuild_derived` recomputes what triggers would have kept (by the
project's own SQL functions) and ANALYZE runs. Same seed and as-of date: same data.
"""

from __future__ import annotations

import argparse
import sys
import time
from contextlib import ExitStack
from dataclasses import dataclass
from datetime import date, datetime, timezone
from datetime import time as clock

import psycopg
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn, TimeRemainingColumn

from benchmarks.content import templates
from benchmarks.database import exit_code, recreate, resolve_url
from benchmarks.scales import SCALES, Scale, workspace_shares
from benchmarks.simulate import COLUMNS, PASSWORD, Counts, Workspace
from tutorassist.db import migrate
from tutorassist.db.connection import check_server, connect
from tutorassist.identity.security import hash_password

DEFAULT_SEED = 7


@dataclass
class GenerateReport:
    url: str
    scale: Scale
    seed: int
    as_of: datetime
    counts: Counts
    load_seconds: float
    derive_seconds: float


def rebuild_derived(conn: psycopg.Connection) -> dict[str, float]:
    """Recompute every derived column and view from the loaded rows, by the project's own SQL functions.

    The one place a bulk load (triggers off) catches up with what the triggers keep current: question counters,
    assignment progress, mastery per student and topic, and the analytics materialized views. Returns the seconds each step took.
    """
    timings: dict[str, float] = {}
    started = time.perf_counter()
    conn.execute("SELECT app.reconcile_question_stats(NULL)")
    timings["question statistics"] = time.perf_counter() - started
    started = time.perf_counter()
    conn.execute("SELECT count(app.refresh_assignment_progress(workspace_id, id)) FROM assignments")
    timings["assignment progress"] = time.perf_counter() - started
    started = time.perf_counter()
    conn.execute("SELECT app.rebuild_learning_state(NULL)")
    timings["mastery state"] = time.perf_counter() - started
    started = time.perf_counter()
    conn.execute("SELECT app.refresh_analytics_views()")
    timings["analytics views"] = time.perf_counter() - started
    conn.commit()
    return timings


def load(url: str, scale: Scale, seed: int, as_of: datetime, console: Console) -> Counts:
    """Stream every workspace's rows into one COPY per table (all open at once, each on its own connection)."""
    password_hash = hash_password(PASSWORD)  # one hash for every generated user: sign-in works with PASSWORD
    templates()  # grade the template answers once, before the progress bars start
    shares = workspace_shares(scale.workspaces)
    total = Counts()
    with ExitStack() as stack:
        copies = {}
        for table, columns in COLUMNS.items():
            conn = stack.enter_context(connect(url))
            conn.execute("SET session_replication_role = replica")
            copy = stack.enter_context(conn.cursor().copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN"))
            copies[table] = copy
        columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                   TimeRemainingColumn())
        with Progress(*columns, console=console, transient=False) as progress:
            workspaces = progress.add_task("workspaces", total=scale.workspaces)
            attempts = progress.add_task("attempts (estimated)", total=scale.attempts)

            def sink(table: str, row: tuple) -> None:
                copies[table].write_row(row)

            for index, share in enumerate(shares):
                counts = Workspace(scale, seed, index, share, as_of, password_hash, sink).run()
                total.add(counts)
                progress.advance(workspaces)
                progress.update(attempts, completed=total.rows["attempts"])
        # Leaving the ExitStack ends every COPY and commits each connection (psycopg commits on a clean exit).
    return total


def generate(scale: Scale, database_url: str | None = None, seed: int = DEFAULT_SEED, as_of: date | None = None,
             console: Console | None = None) -> GenerateReport:
    console = console or Console()
    as_of_day = as_of or datetime.now(timezone.utc).date()
    as_of_at = datetime.combine(as_of_day, clock(0), tzinfo=timezone.utc)
    url = resolve_url(scale, database_url)
    console.print(f"[bold]benchmark scale {scale.name}[/bold]: {scale.workspaces} workspaces, {scale.students:,} students, "
                  f"{scale.questions:,} questions, about {scale.attempts:,} attempts (seed {seed}, as of {as_of_day})")
    recreate(url, f"scale {scale.name}, seed {seed}, as of {as_of_day}")
    check_server(url)  # PostgreSQL too old, no pgvector, not a superuser: one clear message, before migrating
    migrate.upgrade(url)
    started = time.perf_counter()
    counts = load(url, scale, seed, as_of_at, console)
    load_seconds = time.perf_counter() - started
    started = time.perf_counter()
    with connect(url) as conn:
        steps = rebuild_derived(conn)
        conn.autocommit = True
        conn.execute("ANALYZE")
    derive_seconds = time.perf_counter() - started
    console.print("rows: " + ", ".join(f"{table} {n:,}" for table, n in counts.rows.items()))
    console.print(f"loaded in {load_seconds:.1f} s; derived data and ANALYZE in {derive_seconds:.1f} s ("
                  + ", ".join(f"{k} {v:.1f} s" for k, v in steps.items()) + ")")
    return GenerateReport(url, scale, seed, as_of_at, counts, load_seconds, derive_seconds)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.generate", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--scale", required=True, type=str.upper, choices=sorted(SCALES),
                        help="S: seconds; M: 50 workspaces, 1M attempts (minutes); L: 500 workspaces, 10M attempts")
    parser.add_argument("--database-url", help="the database to (re)create and fill; default: tutorassist_bench_<scale> "
                                               "on the embedded server of TUTORASSIST_DATA_DIR or /var/tmp/tutorassist-bench")
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED, help="same seed and --as-of: same data")
    parser.add_argument("--as-of", type=date.fromisoformat, default=None,
                        help="the day the simulated year ends (YYYY-MM-DD; default today, UTC)")
    args = parser.parse_args(argv)
    console = Console()
    return exit_code(console, lambda: generate(SCALES[args.scale], args.database_url, args.seed, args.as_of, console))


if __name__ == "__main__":
    sys.exit(main())
