"""Safety limits of the answer checker, and the worker process that runs sympy under a hard time limit.

Cheap refusals happen before any parsing: the raw input length (MAX_INPUT_CHARS -> `too_long`) and the bracket
nesting depth (MAX_NESTING -> `too_complex`). The parser itself caps its recursion (MAX_PARSE_DEPTH), and
`parsing.check_size` walks the unevaluated tree to refuse huge exponents, factorials and numbers (-> `too_complex`)
before sympy evaluates anything.

Everything that calls sympy then runs in a worker process with a per-call time limit (DEFAULT_TIMEOUT s ->
`timeout`). Choice: a thread cannot be stopped, and `signal.setitimer` only works in the main thread and cannot
interrupt long C-level big-integer work, so a persistent pool of worker processes is used instead: each check is sent
over a pipe to an idle worker (~1 ms overhead); a worker that does not answer in time is killed (SIGKILL) and
replaced. The pool has one worker per CPU (TUTORASSIST_CAS_WORKERS to change it); when all are busy a check waits
for one up to DEFAULT_WAIT s (TUTORASSIST_CAS_WAIT), then gets `busy`: concurrent checks queue rather than start a
process each, so a burst cannot fork dozens of sympy processes on a small machine. Workers are plain child processes (`python -m tutorassist.learning.cas.worker`, JSON lines over pipes): no fork
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
DEFAULT_WAIT = 5.0
"""Seconds a check waits for a free worker when all are busy (TUTORASSIST_CAS_WAIT), then `busy`."""


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


class Busy(Exception):
    """Every worker stayed busy for the whole wait: the check was not run."""


def configured_workers() -> int:
    """TUTORASSIST_CAS_WORKERS, else one worker per CPU."""
    raw = os.environ.get("TUTORASSIST_CAS_WORKERS", "").strip()
    if not raw:
        return os.cpu_count() or 1
    try:
        value = int(raw)
    except ValueError:
        value = 0
    if value < 1:
        raise ValueError(f"TUTORASSIST_CAS_WORKERS must be a whole number of at least 1, not {raw!r}")
    return value


def configured_wait() -> float:
    raw = os.environ.get("TUTORASSIST_CAS_WAIT", "").strip()
    try:
        value = float(raw) if raw else DEFAULT_WAIT
    except ValueError:
        value = -1.0
    if not value >= 0:
        raise ValueError(f"TUTORASSIST_CAS_WAIT must be a number of seconds (0 or more), not {raw!r}")
    return value


class WorkerPool:
    """At most `size` persistent worker processes. A caller takes a free worker, or waits up to `wait` seconds for
    one (then Busy), so concurrent checks queue instead of starting a process each. A worker that times out or dies
    is killed and replaced within its slot, so the number of live workers never exceeds `size`."""

    def __init__(self, size: int | None = None, wait: float | None = None):
        self._size, self._wait = size, wait
        self._slots: threading.BoundedSemaphore | None = None
        self._lock = threading.Lock()
        self._idle: list[_Worker] = []
        self._pid = os.getpid()

    @property
    def size(self) -> int:
        if self._size is None:
            self._size = configured_workers()
        return self._size

    @property
    def wait(self) -> float:
        if self._wait is None:
            self._wait = configured_wait()
        return self._wait

    def _acquire(self) -> _Worker:
        with self._lock:
            if self._pid != os.getpid():  # forked: the pipes and slots belong to the parent
                self._idle, self._slots, self._pid = [], None, os.getpid()
            if self._slots is None:
                self._slots = threading.BoundedSemaphore(self.size)
            slots = self._slots
        if not slots.acquire(timeout=self.wait):
            raise Busy()
        with self._lock:
            if self._idle:
                return self._idle.pop()
        try:
            return _Worker()
        except BaseException:
            slots.release()
            raise

    def _release(self, worker: _Worker | None) -> None:
        with self._lock:
            if worker is not None:
                self._idle.append(worker)
            slots = self._slots
        if slots is not None:
            slots.release()

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
            self._release(None)
            raise
        self._release(worker)
        return value

    def _replace(self) -> None:
        """Start the replacement of a killed worker now, in the same slot, so the next call waits less."""
        try:
            replacement: _Worker | None = _Worker()
        except Exception:
            replacement = None
        self._release(replacement)

    def warm(self) -> None:
        """Start one worker now (e.g. at application start-up) so the first check does not wait for it."""
        worker = self._acquire()
        try:
            worker.wait_ready()
        except BaseException:
            worker.kill()
            self._release(None)
            raise
        self._release(worker)

    def shutdown(self) -> None:
        with self._lock:
            idle, self._idle = self._idle, []
        for worker in idle:
            worker.kill()


def live_worker_pids() -> list[int]:
    """Pids of this process's live children running the worker module, whichever pool started them (Linux /proc;
    empty elsewhere)."""
    me, found = os.getpid(), []
    try:
        entries = os.listdir("/proc")
    except OSError:
        return found
    for entry in entries:
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat", "rb") as stat:
                fields = stat.read().rsplit(b")", 1)[1].split()
            if int(fields[1]) != me or fields[0] == b"Z":
                continue
            with open(f"/proc/{entry}/cmdline", "rb") as cmdline:
                if b"tutorassist.learning.cas.worker" in cmdline.read():
                    found.append(int(entry))
        except (OSError, IndexError, ValueError):
            continue
    return found


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
    """Run `func(*args)` (a function the worker allows: engine.py's or recompute.py's, with JSON-able arguments and
    result) under the time limit."""
    timeout = DEFAULT_TIMEOUT if timeout is None else timeout
    if os.environ.get("TUTORASSIST_CAS_INLINE") == "1":
        return _inline(func, args, timeout)
    return POOL.run(func.__name__, args, timeout)
