"""Timing helpers: percentiles, the API server as a subprocess, and table statistics around a phase."""

from __future__ import annotations

import math
import os
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx
import psycopg

from benchmarks.database import BenchmarkError


@dataclass(frozen=True)
class Latency:
    """Milliseconds: p50 and p95 of n samples."""

    p50: float
    p95: float
    n: int


def latency(seconds: list[float]) -> Latency:
    if not seconds:
        raise BenchmarkError("an operation produced no samples")
    ordered = sorted(seconds)
    rank = max(0, math.ceil(0.95 * len(ordered)) - 1)  # nearest rank
    middle = len(ordered) // 2
    median = ordered[middle] if len(ordered) % 2 else (ordered[middle - 1] + ordered[middle]) / 2
    return Latency(median * 1000, ordered[rank] * 1000, len(ordered))


def timed(func: Callable[[], object], warmup: int, iterations: int) -> list[float]:
    for _ in range(warmup):
        func()
    samples = []
    for _ in range(iterations):
        started = time.perf_counter()
        func()
        samples.append(time.perf_counter() - started)
    return samples


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _tutorassist() -> str:
    script = Path(sys.executable).with_name("tutorassist")
    if not script.exists():
        raise BenchmarkError(f"{script} not found: install the project first (make install)")
    return str(script)


@contextmanager
def api_server(url: str) -> Iterator[str]:
    """`tutorassist serve` against url on a free loopback port; yields its base URL, stops it afterwards."""
    port = _free_port()
    # No job worker in the measured server: at start it would run the periodic maintenance it missed (a recount of
    # every attempt, embedding every question) on the same two cores as the requests being timed.
    env = os.environ | {"DATABASE_URL": url, "TUTORASSIST_HOST": "127.0.0.1", "TUTORASSIST_PORT": str(port),
                        "TUTORASSIST_SERVE_JOB_WORKER": "false"}
    log = tempfile.NamedTemporaryFile(prefix="tutorassist-bench-serve-", suffix=".log", delete=False)  # noqa: SIM115
    process = subprocess.Popen([_tutorassist(), "serve"], env=env, stdout=log, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 90
        while True:
            if process.poll() is not None:
                raise BenchmarkError(f"`tutorassist serve` exited with {process.returncode}; see {log.name}")
            try:
                if httpx.get(base + "/healthz", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline:
                raise BenchmarkError(f"`tutorassist serve` did not answer /healthz within 90 s; see {log.name}")
            time.sleep(0.2)
        yield base
    except BaseException:
        failed = True
        raise
    else:
        failed = False
    finally:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        log.close()
        if not failed:  # the server's log is kept only when something went wrong
            Path(log.name).unlink(missing_ok=True)


@contextmanager
def in_process_api(app) -> Iterator[str]:  # noqa: ANN001 - a FastAPI app
    """The app served by uvicorn in a thread of this process (so its engine can be watched); yields its base URL."""
    import threading

    import uvicorn

    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=_free_port(), log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 60
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise BenchmarkError("the in-process API did not start")
        time.sleep(0.02)
    try:
        yield f"http://127.0.0.1:{server.config.port}"
    finally:
        server.should_exit = True
        thread.join(timeout=30)


def table_stats(url: str) -> dict[str, tuple[int, int, int]]:
    """Per table: (rows inserted, rows updated, of those HOT) since the statistics were reset."""
    with psycopg.connect(url) as conn:
        rows = conn.execute("SELECT relname, n_tup_ins, n_tup_upd, n_tup_hot_upd FROM pg_stat_user_tables").fetchall()
    return {name: (ins, upd, hot) for name, ins, upd, hot in rows}


def flush_stats_delay() -> None:
    # Backends report table statistics at most once a second when they go idle; wait for the last report.
    time.sleep(1.5)
