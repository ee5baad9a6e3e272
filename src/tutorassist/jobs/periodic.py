"""Periodic platform maintenance: what runs, when by default, and the record of each run in system_jobs.

A domain registers its maintenance with `@maintenance("TYPE", "cron")`; TUTORASSIST_SCHEDULE changes a default
(`TYPE=*/5 * * * *`) or turns it off (`TYPE=off`). Crons have five fields, or six with seconds last.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import croniter
from sqlalchemy import bindparam, text
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.engine import Engine

from tutorassist.jobs.runner import jsonable

log = logging.getLogger("tutorassist.jobs")

Maintenance = Callable[[Engine], "dict[str, Any] | None"]


@dataclass(frozen=True)
class MaintenanceTask:
    type: str
    cron: str
    run: Maintenance
    description: str


_TASKS: dict[str, MaintenanceTask] = {}


def maintenance(type_: str, cron: str) -> Callable[[Maintenance], Maintenance]:
    def register(run: Maintenance) -> Maintenance:
        _TASKS[type_] = MaintenanceTask(type_, cron, run, (run.__doc__ or "").strip().splitlines()[0])
        return run
    return register


class ScheduleError(ValueError):
    """TUTORASSIST_SCHEDULE names an unknown task or a cron that does not parse."""


def schedule(overrides: str) -> dict[str, MaintenanceTask]:
    """The registered tasks with their effective crons (turned-off ones left out)."""
    result = dict(_TASKS)
    for entry in (part.strip() for part in overrides.split(";")):
        if not entry:
            continue
        name, sep, cron = entry.partition("=")
        name, cron = name.strip().upper(), cron.strip()
        if not sep or name not in _TASKS:
            known = ", ".join(sorted(_TASKS))
            raise ScheduleError(f"TUTORASSIST_SCHEDULE: {entry!r} is not TYPE=cron or TYPE=off with TYPE one of {known}")
        if cron.lower() == "off":
            result.pop(name, None)
            continue
        if not croniter.croniter.is_valid(cron):
            raise ScheduleError(f"TUTORASSIST_SCHEDULE: {cron!r} is not a cron expression (for {name})")
        result[name] = MaintenanceTask(name, cron, _TASKS[name].run, _TASKS[name].description)
    return result


def run_recorded(owner: Engine, task: MaintenanceTask, worker: str, queue_job_id: int | None) -> dict[str, Any] | None:
    """Runs one maintenance task with its system_jobs row: running, then succeeded with what it did, or failed."""
    with owner.begin() as conn:
        run_id = conn.execute(
            text("INSERT INTO system_jobs (type, worker, queue_job_id) VALUES (:t, :w, :q) RETURNING id"),
            {"t": task.type, "w": worker, "q": queue_job_id},
        ).scalar_one()
    try:
        result = task.run(owner)
    except Exception as exc:
        log.exception("maintenance %s failed", task.type)
        with owner.begin() as conn:
            conn.execute(text("UPDATE system_jobs SET status = 'failed', error_text = :e, finished_at = now() WHERE id = :id"),
                         {"e": f"{type(exc).__name__}: {exc}"[:2000], "id": run_id})
        raise
    with owner.begin() as conn:
        conn.execute(
            text("UPDATE system_jobs SET status = 'succeeded', result_json = :r, finished_at = now() WHERE id = :id")
            .bindparams(bindparam("r", type_=JSONB)),
            {"r": jsonable(result or {}), "id": run_id},
        )
    return result


def registered() -> dict[str, MaintenanceTask]:
    return dict(_TASKS)
