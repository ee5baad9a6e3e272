"""The worker pool of the answer checker (learning/cas/limits.py): bounded in processes, callers wait for a free
worker, then `busy`. Real worker processes, counted from /proc."""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
import threading
import time

import pytest

from tutorassist.learning.cas import check, check_async
from tutorassist.learning.cas.limits import Busy, WorkerPool, configured_workers, live_worker_pids

SPEC = {"type": "expression", "value": "(x+1)^3"}
SLOW_SPEC = {"type": "equation", "value": "x = 1"}
SLOW = "(x+y+z+1)^300 = (x+y+z+2)^299"  # legal, but comparing the two sides takes sympy far beyond any limit


def test_sixteen_concurrent_checks_never_run_more_than_the_configured_workers() -> None:
    pool = WorkerPool(size=2, wait=60)
    before = set(live_worker_pids())
    peak, results, stop = [0], [], threading.Event()

    def watch() -> None:
        while not stop.is_set():
            peak[0] = max(peak[0], len(set(live_worker_pids()) - before))
            time.sleep(0.005)

    def one(i: int) -> None:
        results.append(pool.run("check_payload", (SPEC, f"x^3+3x^2+3x+{1 + i % 2}", None), 30.0))

    watcher = threading.Thread(target=watch)
    watcher.start()
    threads = [threading.Thread(target=one, args=(i,)) for i in range(16)]
    try:
        for t in threads:
            t.start()
        for t in threads:
            t.join(120)
    finally:
        stop.set()
        watcher.join()
        pool.shutdown()
    notes = sorted(r["verdict"]["answer_note"] for r in results)
    assert notes == ["correct"] * 8 + ["incorrect"] * 8
    assert 1 <= peak[0] <= 2, peak[0]


def test_a_caller_waits_for_a_free_worker_then_gets_busy() -> None:
    pool = WorkerPool(size=1, wait=0.3)
    pool.warm()
    slow = threading.Thread(target=lambda: pytest.raises(Exception, pool.run, "check_payload", (SLOW_SPEC, SLOW, None), 3.0))
    try:
        slow.start()
        time.sleep(0.2)
        started = time.monotonic()
        with pytest.raises(Busy):
            pool.run("check_payload", (SPEC, "x", None), 1.0)
        assert 0.25 <= time.monotonic() - started < 2
        slow.join(30)
        # the slot of the killed worker was handed to its replacement: the pool serves again
        assert pool.run("check_payload", (SPEC, "(1+x)^3", None), 30.0)["verdict"]["verdict"] == "correct"
    finally:
        pool.shutdown()


def test_busy_is_a_verdict_for_the_caller() -> None:
    script = (
        "import json, threading, time\n"
        "from tutorassist.learning.cas import check, preview\n"
        "from tutorassist.learning.cas.limits import POOL\n"
        f"check({SPEC!r}, 'x')\n"  # warms the pool and the imports of the calling side
        f"slow = threading.Thread(target=check, args=({SLOW_SPEC!r}, {SLOW!r}), kwargs={{'timeout': 3.0}})\n"
        "slow.start(); time.sleep(1.0)\n"
        f"v = check({SPEC!r}, 'x'); p = preview('x', 'expression')\n"
        "print(json.dumps([v.verdict, v.answer_note, v.feedback, p.ok, p.answer_note]))\n"
        "slow.join()\n"
    )
    env = {**os.environ, "TUTORASSIST_CAS_WORKERS": "1", "TUTORASSIST_CAS_WAIT": "0.2"}
    env.pop("TUTORASSIST_CAS_INLINE", None)
    run = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, env=env, timeout=120)
    assert run.returncode == 0, run.stderr
    verdict, note, feedback, ok, preview_note = json.loads(run.stdout)
    assert (verdict, note, ok, preview_note) == ("invalid", "busy", False, "busy") and "busy" in feedback


@pytest.mark.parametrize(("value", "expected"), [("", os.cpu_count() or 1), ("3", 3), (" 1 ", 1)])
def test_pool_size_from_the_environment(monkeypatch, value: str, expected: int) -> None:
    monkeypatch.setenv("TUTORASSIST_CAS_WORKERS", value)
    assert configured_workers() == expected


@pytest.mark.parametrize("value", ["0", "-2", "two", "1.5"])
def test_a_bad_pool_size_is_refused_clearly(monkeypatch, value: str) -> None:
    monkeypatch.setenv("TUTORASSIST_CAS_WORKERS", value)
    with pytest.raises(ValueError, match="TUTORASSIST_CAS_WORKERS must be a whole number"):
        configured_workers()


def test_check_async() -> None:
    assert asyncio.run(check_async(SPEC, "(1+x)^3")).verdict == "correct"
    assert check(SPEC, "(x+1)^3").verdict == "correct"
