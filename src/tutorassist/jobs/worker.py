"""Running workers: `tutorassist worker` in the foreground, or one inside `tutorassist serve`."""

from __future__ import annotations

import asyncio
import threading

from tutorassist.config import Settings
from tutorassist.jobs import queue, runner


def worker_options(settings: Settings, concurrency: int | None = None) -> dict:
    return {
        "queues": [queue.QUEUE, queue.MAINTENANCE_QUEUE],
        "name": runner.WORKER_NAME,
        "concurrency": concurrency or settings.job_concurrency,
        "update_heartbeat_interval": settings.job_heartbeat_seconds,
        "stalled_worker_timeout": settings.job_stalled_after_seconds,
        # The queue entry of a finished job is only a means: `jobs` keeps the record.
        "delete_jobs": "successful",
    }


def run_worker(url: str, settings: Settings, concurrency: int | None = None) -> None:
    """Runs until SIGINT/SIGTERM (finishing the jobs in hand first)."""
    app = queue.build_app(url, settings)
    app.run_worker(**worker_options(settings, concurrency))


class BackgroundWorker:
    """A worker on a daemon thread of this process (the single-command setup: `serve` runs its own jobs)."""

    def __init__(self, url: str, settings: Settings) -> None:
        self._app = queue.build_app(url, settings)
        self._options = worker_options(settings)
        self._loop: asyncio.AbstractEventLoop | None = None
        self._task: asyncio.Task | None = None
        self._started = threading.Event()
        self.thread = threading.Thread(target=self._run, name="tutorassist-worker", daemon=True)

    def start(self) -> BackgroundWorker:
        self.thread.start()
        self._started.wait(timeout=30)
        return self

    def _run(self) -> None:
        async def main() -> None:
            self._loop, self._task = asyncio.get_running_loop(), asyncio.current_task()
            self._started.set()
            async with self._app.open_async():
                await self._app.run_worker_async(install_signal_handlers=False, **self._options)
        try:
            asyncio.run(main())
        except asyncio.CancelledError:
            pass

    def stop(self, timeout: float = 15.0) -> None:
        """Finish the jobs in hand and stop."""
        if self._loop is not None and self._task is not None and not self._loop.is_closed():
            self._loop.call_soon_threadsafe(self._task.cancel)
        self.thread.join(timeout)


def start_background_worker(url: str, settings: Settings) -> BackgroundWorker:
    return BackgroundWorker(url, settings).start()
