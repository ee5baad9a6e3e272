"""Analytics and maintenance at scale: `python -m benchmarks.analytics --scale S|M|L [--database-url URL] [--no-docs]`.

On the database `benchmarks.generate` filled (migrated to head first: the migration backfills the rollups), in one run:
- every analytics report through HTTP (`tutorassist serve`, signed in as the largest workspace's owner, about its
  most active student), p50/p95; then the SQL each report runs (captured from the application, benchmarks/capture.py)
  replayed as the application role with row-level security and as the owner without it, so the HTTP and
  serialisation cost is visible beside the bare statements;
- three of the seed's §3 queries written over raw attempts (no rollup), beside the report that answers them from the
  rollup, to show what the rollup buys;
- the maintenance: `app.refresh_analytics_views()`, the item statistics refresh of one workspace and of every
  workspace, `db reconcile --dry-run`'s measuring, a rebuild of the largest workspace's rollup, the retention plan and
  `db audit`; while each runs, a second connection reads a report's SQL in a loop and its p95/max latency is recorded
  (readers are not blocked when that stays near the idle figure).
Prints a table and writes a section of docs/performance.md.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import httpx
from rich.console import Console
from rich.table import Table

from benchmarks import report
from benchmarks.capture import Statement, capturing, open_connection, replay, request_sql
from benchmarks.database import BenchmarkError, description_of, exit_code, resolve_url
from benchmarks.measure import Latency, api_server, in_process_api, latency, timed
from benchmarks.run import find_subjects, sign_in
from benchmarks.scales import SCALES, Scale
from tutorassist.api.app import create_app
from tutorassist.db import migrate
from tutorassist.db.connection import connect

ROOT = Path(__file__).resolve().parent.parent
DOCS = ROOT / "docs" / "performance.md"
ITERATIONS = {"S": 5, "M": 30, "L": 40}
GOAL_REPORT_MS = 100.0
GOAL_MAINTENANCE_S = 60.0


@dataclass
class Report:
    name: str
    path: str
    actor: str  # "staff" or "student"
    params: dict[str, Any] = field(default_factory=dict)
    api: Latency | None = None
    rls: Latency | None = None
    owner: Latency | None = None
    statements: int = 0


@dataclass
class RawQuery:
    name: str
    answered_by: str  # the report that answers it from the rollup
    sql: str
    seconds: Latency | None = None


@dataclass
class Maintenance:
    name: str
    seconds: float = 0.0
    reader_p95_ms: float = 0.0
    reader_max_ms: float = 0.0
    reads: int = 0
    note: str = ""


def reports(ws: str, profile_id: str, since: date, until: date) -> list[Report]:
    staff = f"/workspaces/{ws}/analytics"
    me = f"/workspaces/{ws}/me/analytics"
    year = {"from": since.isoformat(), "to": until.isoformat()}
    student = f"{staff}/students/{profile_id}"
    return [
        Report("student accuracy, weekly, a year", student + "/accuracy", "staff", {"bucket": "week", **year}),
        Report("student accuracy, daily, 90 days", student + "/accuracy", "staff", {"bucket": "day"}),
        Report("student topic mastery progression", student + "/topics", "staff", {"bucket": "week", **year}),
        Report("student learning velocity", student + "/velocity", "staff", {"bucket": "week", **year}),
        Report("student needs help", student + "/needs-help", "staff"),
        Report("student cohort comparison", student + "/cohort", "staff"),
        Report("workspace needs help (ranked)", staff + "/needs-help", "staff"),
        Report("topics performance, a year", staff + "/topics", "staff", year),
        Report("tutors", staff + "/tutors", "staff", year),
        Report("overview", staff + "/overview", "staff"),
        Report("item statistics", staff + "/questions", "staff"),
        Report("difficulty calibration", staff + "/questions/calibration", "staff"),
        Report("question distribution", staff + "/questions/distribution", "staff"),
        Report("wrong answer notes", staff + "/wrong-answer-notes", "staff"),
        Report("coverage", staff + "/coverage", "staff"),
        Report("AI usage", staff + "/ai/usage", "staff"),
        Report("AI generation outcomes", staff + "/ai/generation", "staff"),
        Report("me: accuracy (student)", me + "/accuracy", "student", {"bucket": "week", **year}),
        Report("me: topics (student)", me + "/topics", "student", {"bucket": "week", **year}),
    ]


def raw_queries() -> list[RawQuery]:
    """The seed's §3 queries over raw attempts, as a database without the rollup would run them."""
    return [
        RawQuery("§3 accuracy over time (raw attempts)", "student accuracy, weekly, a year", """
            SELECT date_trunc('week', submitted_at), count(*) FILTER (WHERE is_correct) * 100.0 / count(*)
            FROM attempts WHERE workspace_id = %(ws)s AND student_user_id = %(student)s AND submitted_at > %(since)s
            GROUP BY 1"""),
        RawQuery("§3 topic mastery progression (raw attempts)", "student topic mastery progression", """
            SELECT q.topic_id, count(*), avg(CASE WHEN a.is_correct THEN 1 ELSE 0 END), avg(a.time_spent_seconds)
            FROM attempts a JOIN questions q ON q.workspace_id = a.workspace_id AND q.id = a.question_id
            WHERE a.workspace_id = %(ws)s AND a.student_user_id = %(student)s GROUP BY q.topic_id"""),
        RawQuery("topics performance (raw attempts)", "topics performance, a year", """
            SELECT q.topic_id, count(*), count(*) FILTER (WHERE a.is_correct) * 1.0 / nullif(count(a.is_correct), 0),
                   avg(a.time_spent_seconds), count(DISTINCT a.student_user_id)
            FROM attempts a JOIN questions q ON q.workspace_id = a.workspace_id AND q.id = a.question_id
            WHERE a.workspace_id = %(ws)s AND a.submitted_at > %(since)s GROUP BY q.topic_id"""),
    ]


def _get(client: httpx.Client, r: Report, headers: dict[str, str]) -> None:
    response = client.get(r.path, params=r.params, headers=headers)
    if response.status_code != 200:
        raise BenchmarkError(f"{r.name}: GET {r.path} answered {response.status_code}: {response.text[:300]}")


def capture(url: str, items: list[Report], headers: dict[str, dict[str, str]]) -> dict[str, list[Statement]]:
    app = create_app(url)
    captured: dict[str, list[Statement]] = {}
    with in_process_api(app) as base, httpx.Client(base_url=base, timeout=120) as client, \
            capturing(app.state.engine) as cap:
        for r in items:
            _get(client, r, headers[r.actor])
            cap.statements.clear()
            cap.recording = True
            _get(client, r, headers[r.actor])
            cap.recording = False
            captured[r.name] = request_sql(cap.statements)
    return captured


class Reader:
    """A second connection running one report's SQL in a loop, timing each run, while maintenance happens."""

    def __init__(self, url: str, statements: list[Statement]) -> None:
        self.url, self.statements = url, statements
        self.samples: list[float] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        with open_connection(self.url, rls=True) as conn:
            while not self._stop.is_set():
                self.samples.append(replay(conn, self.statements, commit=False))
                time.sleep(0.01)

    def __enter__(self) -> Reader:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join(timeout=60)


def _maintain(url: str, name: str, reader_sql: list[Statement], work: Callable[[], str | None]) -> Maintenance:
    m = Maintenance(name)
    with Reader(url, reader_sql) as reader:
        time.sleep(0.3)  # the reader's idle figure is in the samples too: it starts before the work
        started = time.perf_counter()
        m.note = work() or ""
        m.seconds = time.perf_counter() - started
    if reader.samples:
        m.reads = len(reader.samples)
        m.reader_p95_ms = latency(reader.samples).p95
        m.reader_max_ms = max(reader.samples) * 1000
    return m


def _sql(url: str, sql: str, params: tuple = ()) -> str | None:
    with connect(url, autocommit=True) as conn:
        row = conn.execute(sql, params).fetchone()
    return None if row is None else str(row[0])


def _audit(url: str) -> str:
    """`tutorassist db audit --format json` with the repository's suppressions: its exit code and findings per level."""
    command = [str(Path(sys.executable).with_name("tutorassist")), "db", "audit", "--format", "json",
               "--suppressions", str(ROOT / "db-audit-suppressions.toml")]
    done = subprocess.run(command, env=os.environ | {"DATABASE_URL": url}, capture_output=True, text=True,
                          timeout=1800)
    try:
        counts = json.loads(done.stdout)["counts"]
    except (ValueError, KeyError):
        return f"exit {done.returncode}: {(done.stdout + done.stderr).strip()[:200]}"
    return f"exit {done.returncode}; " + ", ".join(f"{level} {n}" for level, n in counts.items())


def maintenance(url: str, ws: str, reader_sql: list[Statement]) -> list[Maintenance]:
    from tutorassist.analytics import item_refresh
    from tutorassist.db.connection import owner_engine
    from tutorassist.operations import reconcile, retention

    engine = owner_engine(url)
    try:
        def items(workspace: str | None) -> str:
            with engine.begin() as conn:  # forget the refreshes, so the job sees every chosen workspace as changed
                if workspace is None:
                    conn.exec_driver_sql("DELETE FROM item_statistics_refreshes")
                else:
                    conn.exec_driver_sql("DELETE FROM item_statistics_refreshes WHERE workspace_id = %s", (workspace,))
            done = item_refresh.refresh(engine, None if workspace is None else [workspace])
            return f"{done['workspaces_refreshed']} workspace(s), {done['questions']:,} questions"

        def drift() -> str:
            with engine.connect() as conn:
                return f"{len(reconcile.measure_drift(conn))} drifted field(s)"

        def plan() -> str:
            with engine.connect() as conn:
                planned = retention.plan(conn, retention.Policy.from_settings())
            return ", ".join(f"{k} {v}" for k, v in planned.items() if v) or "nothing due"

        jobs: list[tuple[str, Callable[[], str | None]]] = [
            ("REFRESH_ANALYTICS: app.refresh_analytics_views()",
             lambda: _sql(url, "SELECT app.refresh_analytics_views()") and None),
            ("item statistics: the largest workspace", lambda: items(ws)),
            ("item statistics: every workspace changed", lambda: items(None)),
            ("rollup rebuild: the largest workspace",
             lambda: f"{_sql(url, 'SELECT app.rebuild_analytics_daily(%s)', (ws,))} row(s) changed"),
            ("db reconcile --dry-run (measure every kind)", drift),
            ("db retention --dry-run (plan)", plan),
            ("db audit", lambda: _audit(url)),
        ]
        return [_maintain(url, name, reader_sql, work) for name, work in jobs]
    finally:
        engine.dispose()


def run(scale: Scale, database_url: str | None, iterations: int | None, docs: Path | None,
        console: Console) -> tuple[list[Report], list[RawQuery], list[Maintenance]]:
    url = resolve_url(scale, database_url)
    description = description_of(url)
    if description is None:
        raise BenchmarkError(f"no benchmark database at {url.split('@')[-1]}: run "
                             f"`python -m benchmarks.generate --scale {scale.name}` first")
    status = migrate.status(url)
    if status.pending:
        console.print(f"  migrating to {status.head} (the rollups are backfilled)")
        started = time.perf_counter()
        migrate.upgrade(url)
        console.print(f"  migrated in {time.perf_counter() - started:.1f} s")
    iterations = iterations or ITERATIONS[scale.name]
    warmup = max(1, iterations // 5)
    s = find_subjects(url, 1)
    with connect(url) as conn:
        until = conn.execute("SELECT (max(submitted_at) AT TIME ZONE 'UTC')::date FROM attempts "
                             "WHERE workspace_id = %s", (s.workspace_id,)).fetchone()[0]
    since = until - timedelta(days=364)
    items = reports(s.workspace_id, s.student_profile_id, since, until)
    with api_server(url) as base, httpx.Client(base_url=base, timeout=120) as client:
        headers = {"staff": sign_in(client, s.owner_email), "student": sign_in(client, s.student_email)}
        for r in items:
            console.print(f"  API: {r.name}")
            r.api = latency(timed(lambda r=r: _get(client, r, headers[r.actor]), warmup, iterations))
    console.print("  capturing the SQL of each report")
    captured = capture(url, items, headers)
    for r in items:
        r.statements = len(captured[r.name])
        for rls in (True, False):
            with open_connection(url, rls=rls) as conn:
                samples = timed(lambda conn=conn, r=r: replay(conn, captured[r.name], commit=False), warmup, iterations)
            if rls:
                r.rls = latency(samples)
            else:
                r.owner = latency(samples)
    raws = raw_queries()
    params = {"ws": s.workspace_id, "student": s.student_user_id, "since": since}
    with connect(url) as conn:
        for q in raws:
            console.print(f"  raw: {q.name}")
            q.seconds = latency(timed(lambda q=q: conn.execute(q.sql, params).fetchall(), warmup, iterations))
    console.print("  maintenance, with a reader of the topics report beside it")
    jobs = maintenance(url, s.workspace_id, captured["topics performance, a year"])
    with connect(url) as conn:
        counts = {t: conn.execute(f"SELECT count(*) FROM {t}").fetchone()[0]
                  for t in ("workspaces", "questions", "attempts", "analytics_daily", "question_item_statistics")}
    table, markdown = render(scale, description, items, raws, jobs, counts, report.machine(url))
    console.print(table)
    console.print(markdown)
    if docs is not None:
        report.write_section(docs, f"analytics-{scale.name.lower()}", markdown)
        console.print(f"written to {docs}")
    return items, raws, jobs


def _ms(x: Latency | None) -> str:
    return "—" if x is None else f"{x.p50:.1f} / {x.p95:.1f}"


def render(scale: Scale, description: str, items: list[Report], raws: list[RawQuery], jobs: list[Maintenance],
           counts: dict[str, int], machine: dict[str, str]) -> tuple[Table, str]:
    table = Table(title=f"analytics at scale {scale.name}")
    for col in ("report", "API p50/p95 ms", "SQL as app p50/p95", "SQL as owner p50/p95", "stmts"):
        table.add_column(col)
    for r in items:
        table.add_row(r.name, _ms(r.api), _ms(r.rls), _ms(r.owner), str(r.statements))
    worst = max(r.api.p95 for r in items if r.api)
    idle = statistics.median([j.reader_p95_ms for j in jobs]) if jobs else 0.0
    lines = [
        f"### Analytics, scale {scale.name}",
        "",
        f"`python -m benchmarks.analytics --scale {scale.name}`; {description}. Rows: "
        + ", ".join(f"{k} {v:,}" for k, v in counts.items()) + ".",
        f"Machine: {machine['cores']} cores, {machine['ram']}, PostgreSQL {machine['postgresql']}.",
        "",
        f"Reports (largest workspace, its most active student; p50 / p95 ms; goal p95 ≤ {GOAL_REPORT_MS:.0f} ms): "
        f"worst API p95 **{worst:.1f} ms** — {'met' if worst <= GOAL_REPORT_MS else 'not met'}.",
        "",
        "| report | API | its SQL as the app role (RLS) | its SQL as the owner | statements |",
        "|---|---|---|---|---|",
    ]
    lines += [f"| {r.name} | {_ms(r.api)} | {_ms(r.rls)} | {_ms(r.owner)} | {r.statements} |" for r in items]
    by_name = {r.name: r for r in items}
    lines += ["", "The seed's §3 queries over raw attempts beside the report answering them from the rollup (SQL as the "
              "owner, p50 / p95 ms):", "", "| raw query | raw | report's SQL |", "|---|---|---|"]
    lines += [f"| {q.name} | {_ms(q.seconds)} | {_ms(by_name[q.answered_by].owner)} |" for q in raws]
    slowest = max(j.seconds for j in jobs) if jobs else 0.0
    lines += ["", f"Maintenance (goal ≤ {GOAL_MAINTENANCE_S:.0f} s each without blocking readers; slowest "
              f"**{slowest:.1f} s**). A reader replays the topics report's SQL beside each (its p95 across the runs: "
              f"{idle:.1f} ms):", "",
              "| maintenance | seconds | reader p95 / max ms (reads) | result |", "|---|---|---|---|"]
    lines += [f"| {j.name} | {j.seconds:.2f} | {j.reader_p95_ms:.1f} / {j.reader_max_ms:.1f} ({j.reads}) | {j.note} |"
              for j in jobs]
    return table, "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.analytics", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--scale", required=True, type=str.upper, choices=sorted(SCALES))
    parser.add_argument("--database-url", help="the database benchmarks.generate filled (default: as generate)")
    parser.add_argument("--iterations", type=int, help="timed runs per report (default S 5, M 30, L 40)")
    parser.add_argument("--docs", type=Path, default=DOCS, help="markdown file whose section is replaced")
    parser.add_argument("--no-docs", action="store_true", help="print only")
    args = parser.parse_args(argv)
    console = Console()
    return exit_code(console, lambda: run(SCALES[args.scale], args.database_url, args.iterations,
                                          None if args.no_docs else args.docs, console))


if __name__ == "__main__":
    raise SystemExit(main())
