"""Real `tutorassist worker` processes for tests, with short heartbeats so dead workers are noticed quickly."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
TUTORASSIST = str(Path(sys.executable).with_name("tutorassist"))


def worker_env(db_url: str, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("TUTORASSIST_")}
    env.update({
        "DATABASE_URL": db_url, "PYTHONPATH": str(ROOT), "TUTORASSIST_JOB_MODULES": "tests.jobs.job_types_for_tests",
        "TUTORASSIST_JOB_HEARTBEAT": "0.5", "TUTORASSIST_JOB_STALLED_AFTER": "2", "TUTORASSIST_JOB_STALLED_CHECK": "1",
    })
    env.update(extra)
    return env


def start_worker(db_url: str, log: Path, *args: str, **extra: str) -> subprocess.Popen:
    return subprocess.Popen([TUTORASSIST, "worker", *args], env=worker_env(db_url, **extra), cwd=ROOT,
                            stdout=log.open("ab"), stderr=subprocess.STDOUT, start_new_session=True)


def kill_hard(process: subprocess.Popen) -> None:
    os.killpg(process.pid, signal.SIGKILL)
    process.wait(timeout=10)


def stop(process: subprocess.Popen) -> None:
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            kill_hard(process)


def wait_for(predicate, timeout: float, what: str, interval: float = 0.05):  # noqa: ANN001, ANN201
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(interval)
    raise AssertionError(f"timed out after {timeout} s waiting for {what}")
