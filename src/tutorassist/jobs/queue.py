"""The worker queue: procrastinate on our database, one task that runs `jobs` rows, and the periodic maintenance.

procrastinate does dispatch (LISTEN/NOTIFY, with polling as a fallback), locking (one queue entry per job runs at a
time), heartbeats and periodic deferral; `jobs` rows stay the record tutors see. A worker that dies leaves its
entries `doing`: the RETRY_STALLED periodic task queues them again once the worker has sent no heartbeat for
TUTORASSIST_JOB_STALLED_AFTER seconds, and the runner claims the row again.
"""

from __future__ import annotations

import importlib
import logging
from functools import cache
from uuid import UUID

import procrastinate
from procrastinate import JobContext as QueueContext

from tutorassist.config import Settings
from tutorassist.db.connection import libpq_url
from tutorassist.jobs import periodic, runner

log = logging.getLogger("tutorassist.jobs")

QUEUE = "jobs"
MAINTENANCE_QUEUE = "maintenance"
DEFAULT_MODULES = ("tutorassist.job_types",)


def load_job_types(settings: Settings) -> None:
    """Imports the modules that register job types and maintenance (TUTORASSIST_JOB_MODULES adds more)."""
    for name in (*DEFAULT_MODULES, *(m.strip() for m in settings.job_modules.split(",") if m.strip())):
        importlib.import_module(name)


def build_app(url: str, settings: Settings) -> procrastinate.App:
    load_job_types(settings)
    connector = procrastinate.PsycopgConnector(
        conninfo=libpq_url(url), kwargs={"options": "-c search_path=procrastinate,pg_catalog -c synchronous_commit=off"},
        min_size=1, max_size=settings.job_concurrency + 4,
    )
    app = procrastinate.App(connector=connector)

    @cache
    def engines() -> runner.Engines:
        return runner.Engines.for_url(url, pool_size=settings.job_concurrency)

    @app.task(name="run_job", queue=QUEUE, pass_context=True)
    def run_job(context: QueueContext, workspace_id: str, job_id: str) -> str:
        return runner.execute(engines(), UUID(workspace_id), UUID(job_id), queue_job_id=context.job.id)

    for task in periodic.schedule(settings.schedule).values():
        _register_maintenance(app, task, engines)

    stalled_after = settings.job_stalled_after_seconds

    @app.periodic(cron=f"* * * * * */{settings.job_stalled_check_seconds}", periodic_id="retry_stalled")
    @app.task(name="retry_stalled", queue=MAINTENANCE_QUEUE, queueing_lock="retry_stalled")
    async def retry_stalled(timestamp: int) -> int:
        """Queue again the entries of workers that stopped sending heartbeats (killed, lost their machine)."""
        stalled = await app.job_manager.get_stalled_jobs(seconds_since_heartbeat=stalled_after)
        for job in stalled:
            log.warning("retrying job %s of a dead worker", job.id)
            await app.job_manager.retry_job(job)
        return len(stalled)

    return app


def _register_maintenance(app: procrastinate.App, task: periodic.MaintenanceTask, engines) -> None:  # noqa: ANN001
    def run(context: QueueContext, timestamp: int) -> None:
        periodic.run_recorded(engines().owner, task, runner.WORKER_NAME, context.job.id)

    run.__name__ = f"maintenance_{task.type.lower()}"
    app.periodic(cron=task.cron, periodic_id=task.type)(
        app.task(name=f"maintenance:{task.type}", queue=MAINTENANCE_QUEUE, pass_context=True,
                 queueing_lock=f"maintenance:{task.type}")(run))
