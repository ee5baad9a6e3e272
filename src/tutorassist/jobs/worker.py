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


def start_background_worker(url: str, settings: Settings) -> threading.Thread:
    """A worker on a daemon thread of this process (the single-command setup: `serve` runs its own jobs)."""
    app = queue.build_app(url, settings)

    def run() -> None:
        async def main() -> None:
            async with app.open_async():
                await app.run_worker_async(install_signal_handlers=False, **worker_options(settings))
        asyncio.run(main())

    thread = threading.Thread(target=run, name="tutorassist-worker", daemon=True)
    thread.start()
    return thread
