"""Measure a generated database: `python -m benchmarks.run --scale S|M|L [--database-url URL]`.

Starts `tutorassist serve` on a loopback port against the benchmark database, signs in as the largest workspace's
owner and its most active student, and measures p50/p95 of every operation through HTTP; then, in the same run, the
same SQL (captured from the application, see benchmarks/capture.py) as the application role with row-level security
and as the owner without it, and its 1st and 20th execution on a fresh connection; attempt submission with
concurrent clients against the bare-SQL ceiling of the same writes; the HOT-update ratio of the tables an attempt
touches; `app.refresh_analytics_views()`; and `tutorassist db verify`. Prints a table and writes a section of
docs/performance.md.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import httpx
from rich.console import Console

from benchmarks import report, submissions
from benchmarks.capture import Statement, capturing, open_connection, replay, request_sql, tables_written
from benchmarks.database import BenchmarkError, description_of, exit_code, resolve_url
from benchmarks.measure import Latency, api_server, flush_stats_delay, in_process_api, latency, table_stats, timed
from benchmarks.scales import SCALES, Scale
from benchmarks.simulate import PASSWORD, owner_email
from tutorassist.api.app import create_app
from tutorassist.db.connection import connect

DASHBOARD = "/workspaces/{workspace_id}/me/dashboard"
DOCS = Path(__file__).resolve().parent.parent / "docs" / "performance.md"
# Iterations per operation (after as many warm-up runs as a fifth of them) and attempts per concurrent client.
ITERATIONS = {"S": 5, "M": 40, "L": 60}
SUBMISSIONS = {"S": 4, "M": 25, "L": 40}


@dataclass
class Operation:
    name: str
    method: str
    path: str
    actor: str  # "staff" or "student"
    params: dict[str, Any] = field(default_factory=dict)
    body: dict[str, Any] | None = None


@dataclass
class Figures:
    operation: Operation
    api: Latency | None = None
    rls: Latency | None = None
    owner: Latency | None = None
    first_rls: float | None = None
    twentieth_rls: float | None = None
    first_owner: float | None = None
    twentieth_owner: float | None = None
    statements: int = 0
    note: str = ""


@dataclass
class Subjects:
    """Who and what the operations are about: the largest workspace, its owner and most active student."""

    workspace_id: str
    owner_email: str
    student_email: str
    student_user_id: str
    student_profile_id: str
    subtree_topic_id: str
    rule_topic_id: str
    tag: str
    word: str
    students: list[tuple[str, str]]  # (user id, email) of the students the concurrent clients act as
    questions: list[tuple[str, dict]]  # (id, answer_spec) of active questions


def find_subjects(url: str, clients: int) -> Subjects:
    with connect(url) as conn:
        row = conn.execute("SELECT w.id FROM workspaces w JOIN users u ON u.id = w.owner_user_id WHERE u.email = %s",
                           (owner_email(0),)).fetchone()
        if row is None:
            raise BenchmarkError("the largest workspace is missing: generate the database again")
        ws = row[0]
        student = conn.execute(
            "SELECT a.student_user_id, u.email, p.id FROM attempts a JOIN users u ON u.id = a.student_user_id "
            "JOIN student_profiles p ON p.workspace_id = a.workspace_id AND p.user_id = a.student_user_id "
            "WHERE a.workspace_id = %s GROUP BY 1, 2, 3 ORDER BY count(*) DESC, 1 LIMIT 1", (ws,)).fetchone()
        leaf = conn.execute("SELECT topic_id FROM questions WHERE workspace_id = %s AND status = 'active' "
                            "AND topic_id IS NOT NULL GROUP BY 1 ORDER BY count(*) DESC, 1 LIMIT 1", (ws,)).fetchone()[0]
        root = conn.execute(
            "WITH RECURSIVE up AS (SELECT id, parent_id FROM topics WHERE workspace_id = %(w)s AND id = %(t)s "
            "UNION ALL SELECT t.id, t.parent_id FROM topics t JOIN up ON t.id = up.parent_id WHERE t.workspace_id = %(w)s) "
            "SELECT id FROM up WHERE parent_id IS NULL", {"w": ws, "t": leaf}).fetchone()[0]
        tag = conn.execute("SELECT tag FROM questions, jsonb_array_elements_text(tags_json) tag WHERE workspace_id = %s "
                           "GROUP BY 1 ORDER BY count(*) DESC, 1 LIMIT 1", (ws,)).fetchone()[0]
        students = conn.execute(
            "SELECT p.user_id, u.email FROM student_profiles p JOIN users u ON u.id = p.user_id WHERE p.workspace_id = %s "
            "ORDER BY u.email LIMIT %s", (ws, clients)).fetchall()
        questions = conn.execute("SELECT id, answer_spec FROM questions WHERE workspace_id = %s AND status = 'active' "
                                 "AND hidden_at IS NULL ORDER BY id", (ws,)).fetchall()
    return Subjects(str(ws), owner_email(0), student[1], str(student[0]), str(student[2]), str(root), str(leaf), tag,
                    "garden", [(str(u), e) for u, e in students], [(str(q), spec) for q, spec in questions])


def operations(s: Subjects, dashboard: bool) -> list[Operation]:
    ws = f"/workspaces/{s.workspace_id}"
    ops = [
        Operation("GET /workspaces/{id}", "GET", ws, "staff"),
        Operation("question search: topic subtree", "GET", ws + "/questions", "staff", {"topic_id": s.subtree_topic_id}),
        Operation("question search: full text", "GET", ws + "/questions", "staff", {"q": s.word}),
        Operation("question search: tag + difficulty", "GET", ws + "/questions", "staff",
                  {"tag": s.tag, "difficulty_min": 2, "difficulty_max": 4}),
        Operation("topic tree", "GET", ws + "/topics/tree", "staff"),
        Operation("review queue", "GET", ws + "/me/review-queue", "student"),
        Operation("next question", "GET", ws + "/me/next-question", "student"),
        Operation("mastery per topic", "GET", ws + f"/students/{s.student_profile_id}/mastery", "staff"),
        Operation("student dashboard", "GET", ws + "/me/dashboard", "student"),
        Operation("tutor: every attempt, first page", "GET", ws + "/attempts", "staff"),
        Operation("tutor: attempts of one student", "GET", ws + "/attempts", "staff", {"student_user_id": s.student_user_id}),
        Operation("assignment build by rule", "POST", ws + "/assignments", "staff", body={
            "title": "Benchmark practice", "student_profile_ids": [s.student_profile_id], "status": "draft",
            "rule": {"topic_id": s.rule_topic_id, "count": 8, "difficulty_min": 1, "difficulty_max": 5, "seed": 42}}),
    ]
    return ops if dashboard else [op for op in ops if op.name != "student dashboard"]


def sign_in(client: httpx.Client, email: str) -> dict[str, str]:
    response = client.post("/auth/signin", json={"email": email, "password": PASSWORD, "client": "api"})
    if response.status_code != 200:
        raise BenchmarkError(f"sign-in as {email} failed: {response.status_code} {response.text[:200]}")
    return {"Authorization": f"Bearer {response.json()['token']}"}


def _request(client: httpx.Client, op: Operation, headers: dict[str, str]) -> None:
    response = client.request(op.method, op.path, params=op.params, json=op.body, headers=headers)
    if response.status_code >= 300:
        raise BenchmarkError(f"{op.name}: {op.method} {op.path} answered {response.status_code}: {response.text[:300]}")


def capture_sql(url: str, ops: list[Operation], headers: dict[str, dict[str, str]],
                submission: dict[str, Any]) -> tuple[dict[str, list[Statement]], list[Statement]]:
    """The statements each operation runs (and those of one attempt), from an in-process copy of the API."""
    app = create_app(url)
    captured: dict[str, list[Statement]] = {}
    with in_process_api(app) as base, httpx.Client(base_url=base, timeout=120) as client, \
            capturing(app.state.engine) as capture:
        for op in ops:
            _request(client, op, headers[op.actor])  # warm: the pool's connections exist, the CAS workers run
            capture.statements.clear()
            capture.recording = True
            _request(client, op, headers[op.actor])
            capture.recording = False
            captured[op.name] = request_sql(capture.statements)
        capture.statements.clear()
        capture.recording = True
        response = client.post(f"/workspaces/{submission['workspace_id']}/attempts", json=submission["body"],
                               headers=submission["headers"])
        capture.recording = False
        if response.status_code != 201:
            raise BenchmarkError(f"capturing an attempt failed: {response.status_code} {response.text[:300]}")
        return captured, request_sql(capture.statements)


def measure_sql(url: str, statements: list[Statement], warmup: int, iterations: int, figures: Figures) -> None:
    write = tables_written(statements)  # writes are rolled back so every replay starts from the same data
    figures.statements = len(statements)
    for rls in (True, False):
        with open_connection(url, rls=rls) as conn:
            samples = timed(lambda conn=conn: replay(conn, statements, commit=not write), warmup, iterations)
        with open_connection(url, rls=rls) as conn:
            runs = [replay(conn, statements, commit=not write) for _ in range(20)]
        if rls:
            figures.rls, figures.first_rls, figures.twentieth_rls = latency(samples), runs[0] * 1000, runs[19] * 1000
        else:
            figures.owner, figures.first_owner, figures.twentieth_owner = latency(samples), runs[0] * 1000, runs[19] * 1000


def _seconds(func) -> float:
    started = time.perf_counter()
    func()
    return time.perf_counter() - started


def refresh_seconds(url: str) -> float:
    with connect(url, autocommit=True) as conn:
        return _seconds(lambda: conn.execute("SELECT app.refresh_analytics_views()"))


def verify(url: str) -> tuple[float, int, str]:
    command = [str(Path(sys.executable).with_name("tutorassist")), "db", "verify"]
    started = time.perf_counter()
    done = subprocess.run(command, env=os.environ | {"DATABASE_URL": url}, capture_output=True, text=True, timeout=600)
    return time.perf_counter() - started, done.returncode, (done.stdout + done.stderr).strip()


@dataclass
class RunResult:
    scale: Scale
    description: str
    figures: list[Figures]
    dashboard_available: bool
    submissions: submissions.Throughput
    hot: dict[str, tuple[int, int, int]]
    refresh_seconds: float
    verify_seconds: float
    verify_exit: int
    verify_output: str
    counts: dict[str, int]
    machine: dict[str, str]
    finished_at: datetime


def run(scale: Scale, database_url: str | None = None, *, iterations: int | None = None, clients: int = 16,
        per_client: int | None = None, docs: Path | None = DOCS, console: Console | None = None) -> RunResult:
    console = console or Console()
    url = resolve_url(scale, database_url)
    description = description_of(url)
    if description is None:
        raise BenchmarkError(f"no benchmark database at {url.split('@')[-1]}: run "
                             f"`python -m benchmarks.generate --scale {scale.name}` first")
    iterations = iterations or ITERATIONS[scale.name]
    warmup = max(1, iterations // 5)
    per_client = per_client or SUBMISSIONS[scale.name]
    subjects = find_subjects(url, clients)
    with api_server(url) as base, httpx.Client(base_url=base, timeout=120) as client:
        headers = {"staff": sign_in(client, subjects.owner_email), "student": sign_in(client, subjects.student_email)}
        dashboard = DASHBOARD in client.get("/openapi.json").json().get("paths", {})
        ops = operations(subjects, dashboard)
        figures = []
        for op in ops:
            console.print(f"  API: {op.name}")
            samples = timed(lambda op=op: _request(client, op, headers[op.actor]), warmup, iterations)
            figures.append(Figures(op, api=latency(samples)))
        # Fewer students than clients (small scales): some students answer from two clients at once.
        student_headers = [sign_in(client, email) for _user, email in subjects.students]
    template = submissions.template(subjects, student_headers[0])
    console.print("  capturing the SQL of each operation")
    captured, attempt_sql = capture_sql(url, ops, headers, template)
    for fig in figures:
        console.print(f"  SQL: {fig.operation.name}")
        measure_sql(url, captured[fig.operation.name], warmup, iterations, fig)
    # Table statistics around the submission phases only: every other connection is closed (a backend reports its
    # statistics when it exits), and the API server is stopped before the second snapshot for the same reason.
    flush_stats_delay()
    before = table_stats(url)
    console.print(f"  attempt submission: {clients} clients x {per_client} through the API, then the same SQL")
    with api_server(url) as base:
        api_figures = submissions.through_api(base, subjects, student_headers, clients, per_client)
    sql_figures = submissions.bare_sql(url, subjects, attempt_sql, template, clients, per_client)
    throughput = submissions.Throughput(clients, per_client, *api_figures, *sql_figures)
    flush_stats_delay()
    hot = submissions.touched(before, table_stats(url))
    if not dashboard:
        figures.append(Figures(Operation("student dashboard", "GET", DASHBOARD, "student"), note="not available"))
    console.print("  app.refresh_analytics_views() and db verify")
    refresh = refresh_seconds(url)
    verify_seconds, verify_exit, verify_output = verify(url)
    result = RunResult(scale, description, figures, dashboard, throughput, hot, refresh, verify_seconds, verify_exit,
                       verify_output, report.row_counts(url), report.machine(url), datetime.now(timezone.utc))
    report.print_result(result, console)
    if docs is not None:
        report.write_docs(result, docs)
        console.print(f"written to {docs}")
    return result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.run", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--scale", required=True, type=str.upper, choices=sorted(SCALES))
    parser.add_argument("--database-url", help="the database benchmarks.generate filled (default: as generate)")
    parser.add_argument("--iterations", type=int, help="timed runs per operation (default S 5, M 40, L 60)")
    parser.add_argument("--clients", type=int, default=16, help="concurrent clients submitting attempts (default 16)")
    parser.add_argument("--per-client", type=int, help="attempts each client submits (default S 4, M 25, L 40)")
    parser.add_argument("--docs", type=Path, default=DOCS, help="markdown file whose section of this scale is replaced (default docs/performance.md)")
    parser.add_argument("--no-docs", action="store_true", help="print only")
    args = parser.parse_args(argv)
    console = Console(width=None if sys.stdout.isatty() else 160)
    if (args.iterations is not None and args.iterations < 1) or args.clients < 1 or (args.per_client or 1) < 1:
        console.print("[red]error:[/red] --iterations, --clients and --per-client must be at least 1")
        return 2
    return exit_code(console, lambda: run(SCALES[args.scale], args.database_url, iterations=args.iterations,
                                          clients=args.clients, per_client=args.per_client,
                                          docs=None if args.no_docs else args.docs, console=console))


if __name__ == "__main__":
    sys.exit(main())
