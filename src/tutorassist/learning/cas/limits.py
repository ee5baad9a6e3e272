"""Safety limits of the answer checker, and the worker process that runs sympy under a hard time limit.

Cheap refusals happen before any parsing: the raw input length (MAX_INPUT_CHARS -> `too_long`) and the bracket
nesting depth (MAX_NESTING -> `too_complex`). The parser itself caps its recursion (MAX_PARSE_DEPTH), and
`parsing.check_size` walks the unevaluated tree to refuse huge exponents, factorials and numbers (-> `too_complex`)
before sympy evaluates anything.

Everything that calls sympy then runs in a worker process with a per-call time limit (DEFAULT_TIMEOUT s ->
`timeout`). Choice: a thread cannot be stopped, and `signal.setitimer` only works in the main thread and cannot
interrupt long C-level big-integer work, so a small persistent pool of worker processes is used instead: each check
is sent over a pipe to an idle worker (~1 ms overhead); a worker that does not answer in time is killed (SIGKILL) and
replaced. Workers are plain child processes (`python -m tutorassist.learning.cas.worker`, JSON lines over pipes): no fork
of the (possibly threaded) caller and no re-import of the caller's `__main__` as multiprocessing would do; a new
worker pays the sympy import (~0.6 s) once, and a replacement is started as soon as one is killed. Workers cap their
own address space (RLIMIT_AS, 2 GiB) where the platform allows. Set TUTORASSIST_CAS_INLINE=1 to run in the
calling process instead (no hard limit unless called from the main thread, where SIGALRM is used): for debugging.
"""

from __future__ import annotations

import atexit
import json
import os
import queue
import signal
import subprocess
import sys
import threading
from typing import Any, Callable

MAX_INPUT_CHARS = 2000
MAX_NESTING = 40
MAX_PARSE_DEPTH = 120
MAX_EXPONENT = 1000
MAX_DIGITS = 10000
MAX_FACTORIAL = 1000
DEFAULT_TIMEOUT = float(os.environ.get("TUTORASSIST_CAS_TIMEOUT", "1.0"))
STARTUP_TIMEOUT = 60.0
MAX_IDLE_WORKERS = 4


class TooComplex(Exception):
    """The input is too big or too deeply nested to be checked safely."""


class TooLong(Exception):
    """The raw input is longer than MAX_INPUT_CHARS."""


class Timeout(Exception):
    """The check did not finish within its time limit."""


def check_length(text: str) -> None:
    if len(text) > MAX_INPUT_CHARS:
        raise TooLong(f"longer than {MAX_INPUT_CHARS} characters")


def check_nesting(text: str) -> None:
    depth = 0
    for ch in text:
        if ch in "([{":
            depth += 1
            if depth > MAX_NESTING:
                raise TooComplex("nested too deeply")
        elif ch in ")]}":
            depth -= 1


# --------------------------------------------------------------------------------------------- worker pool


class _Worker:
    """One `python -m tutorassist.learning.cas.worker` child speaking JSON lines over stdin/stdout."""

    def __init__(self) -> None:
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "tutorassist.learning.cas.worker"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            text=True,
            encoding="utf-8",
            bufsize=1,
            start_new_session=True,  # a Ctrl-C in the terminal does not reach it; killed by pid only
        )
        self.replies: queue.Queue[str | None] = queue.Queue()
        self.ready = False
        threading.Thread(target=self._read, daemon=True, name="tutorassist-cas-reader").start()

    def _read(self) -> None:
        assert self.proc.stdout is not None
        for line in self.proc.stdout:
            self.replies.put(line)
        self.replies.put(None)  # EOF: the worker died

    def _reply(self, timeout: float) -> Any:
        try:
            line = self.replies.get(timeout=timeout)
        except queue.Empty:
            raise Timeout() from None
        if line is None:
            raise WorkerDied()
        return json.loads(line)

    def wait_ready(self) -> None:
        if not self.ready:
            try:
                status = self._reply(STARTUP_TIMEOUT)
            except Timeout:
                raise RuntimeError("the answer-checking worker did not start") from None
            if status != {"ready": True}:
                raise RuntimeError("the answer-checking worker failed to start")
            self.ready = True

    def call(self, func: str, args: tuple, timeout: float) -> Any:
        self.wait_ready()
        assert self.proc.stdin is not None
        try:
            self.proc.stdin.write(json.dumps({"func": func, "args": list(args)}) + "\n")
            self.proc.stdin.flush()
        except (BrokenPipeError, OSError):
            raise WorkerDied() from None
        reply = self._reply(timeout)
        if "error" in reply:
            raise RuntimeError(reply["error"])
        return reply["result"]

    def kill(self) -> None:
        try:
            self.proc.kill()
            self.proc.wait(2)
        except Exception:
            pass


class WorkerDied(Exception):
    pass


class WorkerPool:
    """A small pool of persistent worker processes; a worker that times out or dies is killed and replaced."""

    def __init__(self, max_idle: int = MAX_IDLE_WORKERS):
        self._lock = threading.Lock()
        self._idle: list[_Worker] = []
        self._max_idle = max_idle
        self._pid = os.getpid()

    def _acquire(self) -> _Worker:
        with self._lock:
            if self._pid != os.getpid():  # forked: the pipes belong to the parent
                self._idle, self._pid = [], os.getpid()
            if self._idle:
                return self._idle.pop()
        return _Worker()

    def _release(self, worker: _Worker) -> None:
        with self._lock:
            if len(self._idle) < self._max_idle:
                self._idle.append(worker)
                return
        worker.kill()

    def _replace(self) -> None:
        with self._lock:
            if self._idle:
                return
        self._release(_Worker())  # starts now, so the next call need not wait as long

    def run(self, func: str, args: tuple, timeout: float) -> Any:
        worker = self._acquire()
        try:
            value = worker.call(func, args, timeout)
        except (Timeout, WorkerDied) as exc:
            worker.kill()
            self._replace()
            if isinstance(exc, WorkerDied):
                raise TooComplex("the checker process died") from None
            raise
        except BaseException:
            worker.kill()
            raise
        self._release(worker)
        return value

    def warm(self) -> None:
        """Start one worker now (e.g. at application start-up) so the first check does not wait for it."""
        worker = self._acquire()
        worker.wait_ready()
        self._release(worker)

    def shutdown(self) -> None:
        with self._lock:
            idle, self._idle = self._idle, []
        for worker in idle:
            worker.kill()


POOL = WorkerPool()
atexit.register(POOL.shutdown)


def _inline(func: Callable[..., Any], args: tuple, timeout: float) -> Any:
    if threading.current_thread() is not threading.main_thread() or not hasattr(signal, "setitimer"):
        return func(*args)

    def _alarm(signum: int, frame: Any) -> None:
        raise Timeout()

    previous = signal.signal(signal.SIGALRM, _alarm)
    signal.setitimer(signal.ITIMER_REAL, timeout)
    try:
        return func(*args)
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def run_limited(func: Callable[..., Any], args: tuple, timeout: float | None = None) -> Any:
    """Run `func(*args)` (a function of engine.py with JSON-able arguments and result) under the time limit."""
    timeout = DEFAULT_TIMEOUT if timeout is None else timeout
    if os.environ.get("TUTORASSIST_CAS_INLINE") == "1":
        return _inline(func, args, timeout)
    return POOL.run(func.__name__, args, timeout)
