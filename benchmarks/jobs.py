"""Measure the job system: `python -m benchmarks.jobs [--jobs N] [--database-url URL]`.

On a database of its own (`tutorassist_bench_jobs` on the benchmark server, remade each run), in one run:
- pickup latency, enqueue to start, of one job at a time with one idle worker (p50, p95), from `jobs.created_at` to
  `jobs.started_at` (both the server's clock);
- throughput of N trivial jobs queued at once, run by 1 and by 4 `tutorassist worker` processes: jobs per second from
  the first start to the last finish;
- the same two figures for procrastinate alone (a bare worker running a no-op task, no `jobs` row), so the ratio
  shows what our record of each job costs on top of the library.
Prints a table and writes a section of docs/performance.md.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import subprocess
import sys
import time
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

import psycopg
from rich.console import Console
from rich.table import Table

from benchmarks import report
from benchmarks.database import BenchmarkError, exit_code, recreate, with_database
from benchmarks.measure import Latency, latency
from tutorassist.db import migrate
from tutorassist.db.connection import connect, libpq_url

ROOT = Path(__file__).resolve().parent.parent
DOCS = ROOT / "docs" / "performance.md"
DATABASE = "tutorassist_bench_jobs"
QUEUE_OPTIONS = "-c search_path=procrastinate,pg_catalog -c synchronous_commit=off"  # as the worker's connector
console = Console()


@dataclass
class Figures:
    ours_pickup: Latency
    bare_pickup: Latency
    ours_rate: dict[int, float]
    bare_rate: dict[int, float]
    jobs: int


# ---------------------------------------------------------------- processes

def _env(url: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("TUTORASSIST_")}
    return env | {"DATABASE_URL": url, "PYTHONPATH": str(ROOT), "TUTORASSIST_JOB_MODULES": "benchmarks.job_types",
                  "TUTORASSIST_SCHEDULE": ";".join(f"{t}=off" for t in _maintenance_types())}


def _maintenance_types() -> list[str]:
    from tutorassist import job_types  # noqa: F401
    from tutorassist.jobs.periodic import registered

    return sorted(registered())


def _start(url: str, bare: bool) -> subprocess.Popen:
    if bare:
        command = [sys.executable, "-m", "benchmarks.jobs", "--bare-worker", url]
    else:
        command = [str(Path(sys.executable).with_name("tutorassist")), "worker"]
    return subprocess.Popen(command, env=_env(url), cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                            start_new_session=True)


def _stop(processes: list[subprocess.Popen]) -> None:
    for p in processes:
        p.terminate()
    for p in processes:
        try:
            p.wait(timeout=20)
        except subprocess.TimeoutExpired:
            p.kill()


def _bare_worker(url: str) -> None:
    """procrastinate alone: the same connector settings, a no-op task, no `jobs` row."""
    import procrastinate

    app = procrastinate.App(connector=procrastinate.PsycopgConnector(conninfo=libpq_url(url),
                                                                    kwargs={"options": QUEUE_OPTIONS}))

    @app.task(name="bare_noop", queue="bare")
    def bare_noop() -> None:
        return None

    async def main() -> None:
        async with app.open_async():
            await app.run_worker_async(queues=["bare"], concurrency=4, delete_jobs="never")
    asyncio.run(main())


# ---------------------------------------------------------------- measuring

def _workspace(conn: psycopg.Connection) -> str:
    user = conn.execute("INSERT INTO users (email, display_name) VALUES ('bench@example.test', 'Bench') RETURNING id").fetchone()[0]
    return conn.execute("INSERT INTO workspaces (name, owner_user_id) VALUES ('Bench', %s) RETURNING id", (user,)).fetchone()[0]


def _wait(conn: psycopg.Connection, sql: str, params: tuple, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while not conn.execute(sql, params).fetchone()[0]:
        if time.monotonic() > deadline:
            raise BenchmarkError(f"jobs did not finish within {timeout:.0f} s")
        time.sleep(0.01)


def _ours_pickup(conn: psycopg.Connection, ws: str, samples: int) -> Latency:
    seconds = []
    for _ in range(samples):
        job = conn.execute("INSERT INTO jobs (workspace_id, type) VALUES (%s, 'BENCH_TRIVIAL') RETURNING id", (ws,)).fetchone()[0]
        _wait(conn, "SELECT status = 'succeeded' FROM jobs WHERE id = %s", (job,), 30)
        seconds.append(conn.execute("SELECT extract(epoch FROM started_at - created_at) FROM jobs WHERE id = %s",
                                    (job,)).fetchone()[0])
    return latency([float(s) for s in seconds])


_BARE_DEFER = ("SELECT unnest(procrastinate.procrastinate_defer_jobs_v1(array_agg(ROW('bare', 'bare_noop', 0, NULL, NULL, "
               "'{}'::jsonb, NULL)::procrastinate.procrastinate_job_to_defer_v1))) FROM generate_series(1, %s)")


def _bare_pickup(conn: psycopg.Connection, samples: int) -> Latency:
    seconds = []
    for _ in range(samples):
        job = conn.execute(_BARE_DEFER, (1,)).fetchone()[0]
        _wait(conn, "SELECT status = 'succeeded' FROM procrastinate.procrastinate_jobs WHERE id = %s", (job,), 30)
        seconds.append(conn.execute(
            "SELECT extract(epoch FROM max(at) FILTER (WHERE type = 'started') - max(at) FILTER (WHERE type = 'deferred')) "
            "FROM procrastinate.procrastinate_events WHERE job_id = %s", (job,)).fetchone()[0])
    return latency([float(s) for s in seconds])


def _ours_rate(url: str, conn: psycopg.Connection, ws: str, jobs: int, workers: int) -> float:
    ids = [r[0] for r in conn.execute("INSERT INTO jobs (workspace_id, type) SELECT %s, 'BENCH_TRIVIAL' "
                                      "FROM generate_series(1, %s) RETURNING id", (ws, jobs)).fetchall()]
    processes = [_start(url, bare=False) for _ in range(workers)]
    try:
        _wait(conn, "SELECT bool_and(status = 'succeeded') FROM jobs WHERE id = ANY(%s)", (ids,), 600)
    finally:
        _stop(processes)
    span = conn.execute("SELECT extract(epoch FROM max(finished_at) - min(started_at)) FROM jobs WHERE id = ANY(%s)",
                        (ids,)).fetchone()[0]
    return jobs / float(span)


def _bare_rate(url: str, conn: psycopg.Connection, jobs: int, workers: int) -> float:
    ids = [r[0] for r in conn.execute(_BARE_DEFER, (jobs,)).fetchall()]
    processes = [_start(url, bare=True) for _ in range(workers)]
    try:
        _wait(conn, "SELECT bool_and(status = 'succeeded') FROM procrastinate.procrastinate_jobs WHERE id = ANY(%s)",
              (ids,), 600)
    finally:
        _stop(processes)
    span = conn.execute("SELECT extract(epoch FROM max(at) FILTER (WHERE type = 'succeeded') - "
                        "min(at) FILTER (WHERE type = 'started')) FROM procrastinate.procrastinate_events "
                        "WHERE job_id = ANY(%s)", (ids,)).fetchone()[0]
    return jobs / float(span)


def measure(url: str, jobs: int, pickups: int, worker_counts: tuple[int, ...] = (1, 4)) -> Figures:
    with connect(url, autocommit=True) as conn:
        ws = _workspace(conn)
        worker = _start(url, bare=False)
        bare = _start(url, bare=True)
        try:
            time.sleep(3)  # both workers up and listening
            ours_pickup, bare_pickup = _ours_pickup(conn, ws, pickups), _bare_pickup(conn, pickups)
        finally:
            _stop([worker, bare])
        ours_rate = {n: _ours_rate(url, conn, ws, jobs, n) for n in worker_counts}
        bare_rate = {n: _bare_rate(url, conn, jobs, n) for n in worker_counts}
    return Figures(ours_pickup, bare_pickup, ours_rate, bare_rate, jobs)


def render(f: Figures) -> tuple[Table, str]:
    table = Table("figure", "TutorAssist jobs", "procrastinate alone", "ours / bare")
    table.add_row("pickup p50 (ms)", f"{f.ours_pickup.p50:.1f}", f"{f.bare_pickup.p50:.1f}",
                  f"{f.ours_pickup.p50 / f.bare_pickup.p50:.2f}")
    table.add_row("pickup p95 (ms)", f"{f.ours_pickup.p95:.1f}", f"{f.bare_pickup.p95:.1f}",
                  f"{f.ours_pickup.p95 / f.bare_pickup.p95:.2f}")
    for n in f.ours_rate:
        table.add_row(f"trivial jobs/s, {n} worker{'s' if n > 1 else ''}", f"{f.ours_rate[n]:.0f}",
                      f"{f.bare_rate[n]:.0f}", f"{f.ours_rate[n] / f.bare_rate[n]:.2f}")
    lines = [
        f"Measured {datetime.now(timezone.utc):%Y-%m-%d %H:%M} UTC with `python -m benchmarks.jobs --jobs {f.jobs}` "
        f"({os.cpu_count()} cores; workers of 4 threads each, maintenance off). Goals: pickup p50 <= 20 ms, "
        ">= 1,000 trivial jobs/s.", "",
        "| figure | TutorAssist jobs | procrastinate alone | ours / bare |", "|---|---|---|---|",
        f"| pickup p50 (ms) | {f.ours_pickup.p50:.1f} | {f.bare_pickup.p50:.1f} | {f.ours_pickup.p50 / f.bare_pickup.p50:.2f} |",
        f"| pickup p95 (ms) | {f.ours_pickup.p95:.1f} | {f.bare_pickup.p95:.1f} | {f.ours_pickup.p95 / f.bare_pickup.p95:.2f} |",
    ] + [f"| trivial jobs/s, {n} worker{'s' if n > 1 else ''} | {f.ours_rate[n]:.0f} | {f.bare_rate[n]:.0f} | "
         f"{f.ours_rate[n] / f.bare_rate[n]:.2f} |" for n in f.ours_rate]
    return table, "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.jobs", description=__doc__.splitlines()[0])
    parser.add_argument("--jobs", type=int, default=3000, help="trivial jobs per throughput run (default 3000)")
    parser.add_argument("--pickups", type=int, default=200, help="jobs timed one at a time for pickup (default 200)")
    parser.add_argument("--workers", default="1,4", help="worker processes of the throughput runs (default 1,4)")
    parser.add_argument("--database-url", help="a database the benchmark may drop and remake")
    parser.add_argument("--no-docs", action="store_true", help="do not write docs/performance.md")
    parser.add_argument("--bare-worker", metavar="URL", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.bare_worker:
        _bare_worker(args.bare_worker)
        return 0
    return exit_code(console, lambda: _run(args))


def _run(args: argparse.Namespace) -> None:
    from benchmarks.database import resolve_url
    from benchmarks.scales import SCALES

    try:
        counts = tuple(int(n) for n in args.workers.split(","))
    except ValueError:
        raise BenchmarkError(f"--workers must be numbers separated by commas, not {args.workers!r}") from None
    if not counts or min(counts) < 1:
        raise BenchmarkError("--workers must name at least one count, each at least 1")
    url = with_database(args.database_url or resolve_url(SCALES["S"], None), DATABASE) if not args.database_url \
        else libpq_url(args.database_url)
    recreate(url, "jobs benchmark")
    migrate.upgrade(url)
    figures = measure(url, args.jobs, args.pickups, counts)
    table, markdown = render(figures)
    console.print(table)
    if not args.no_docs:
        report.write_section(DOCS, "jobs", "### Jobs\n\n" + markdown)
        console.print(f"wrote the Jobs section of {DOCS}")


if __name__ == "__main__":
    sys.exit(main())
