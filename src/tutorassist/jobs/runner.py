"""Runs one `jobs` row: claim it, call its handler, and record how it ended. Safe to call twice for the same row:
a job that already ended is left alone, and one that was running when its worker died is claimed again (counting an
attempt) and its handler, which must be idempotent, runs from the start."""

from __future__ import annotations

import json
import logging
import os
import socket
from dataclasses import dataclass
from typing import Any
from uuid import UUID

from sqlalchemy import bindparam, text
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.engine import Engine

from tutorassist.db.connection import app_engine, owner_engine
from tutorassist.jobs import registry
from tutorassist.jobs.context import JobContext
from tutorassist.jobs.registry import Cancelled, JobFailed, RetryLater, Snooze

log = logging.getLogger("tutorassist.jobs")

WORKER_NAME = f"{socket.gethostname()}:{os.getpid()}"
MAX_BACKOFF_SECONDS = 600.0


@dataclass(frozen=True)
class Engines:
    """owner: handlers' platform work; app: handlers' work for a member; records: the runner's own claims and
    finishes, committed without waiting for the disk (synchronous_commit off): a record lost in a server crash only
    makes the job run again, which handlers must survive anyway, and a job's handful of commits stop costing a flush
    each."""

    owner: Engine
    app: Engine
    records: Engine

    @classmethod
    def for_url(cls, url: str, pool_size: int = 5) -> Engines:
        return cls(owner=owner_engine(url, pre_ping=False), app=app_engine(url, pool_size=pool_size),
                   records=owner_engine(url, pre_ping=False, options="-c synchronous_commit=off"))

    def dispose(self) -> None:
        for engine in (self.owner, self.app, self.records):
            engine.dispose()


_CLAIM = text("""
    UPDATE jobs SET status = 'running', attempts = attempts + 1, started_at = now(), locked_at = now(),
                    locked_by = :worker, queue_job_id = coalesce(:queue_job, queue_job_id)
    WHERE workspace_id = :ws AND id = :id AND status IN ('queued', 'running')
    RETURNING type, payload_json, created_by, attempts, max_attempts, cancel_requested_at IS NOT NULL AS cancel,
              error_text""")

_FINISH = text("""
    UPDATE jobs SET status = :status, result_json = :result, error_text = :error, finished_at = now(), locked_at = NULL,
                    locked_by = NULL, progress_message = :message,
                    progress_done = CASE WHEN :status = 'succeeded' THEN coalesce(progress_total, progress_done)
                                         ELSE progress_done END
    WHERE workspace_id = :ws AND id = :id AND status = 'running'""").bindparams(bindparam("result", type_=JSONB))

# Queued again for later: a new queue entry (the running one ends when this run returns; they share the job's lock).
_AGAIN = text("""
    UPDATE jobs SET status = :status, run_after = now() + make_interval(secs => :seconds), locked_at = NULL,
                    locked_by = NULL, error_text = :error, progress_message = :message,
                    attempts = attempts - CASE WHEN :refund THEN 1 ELSE 0 END,
                    queue_job_id = app.queue_job_entry(workspace_id, id, priority, now() + make_interval(secs => :seconds))
    WHERE workspace_id = :ws AND id = :id AND status = 'running'""")


def jsonable(value: Any) -> Any:
    """A handler's result as JSON can hold it (UUIDs, decimals and dates as strings)."""
    return json.loads(json.dumps(value, default=str))


def backoff(attempt: int) -> float:
    """Seconds before retrying after an unexpected failure: 2, 4, 8, ... capped at ten minutes."""
    return min(2.0 ** min(attempt, 10), MAX_BACKOFF_SECONDS)


def execute(engines: Engines, workspace_id: UUID, job_id: UUID, queue_job_id: int | None = None) -> str:
    """Runs the job once; returns what became of it (succeeded, failed, cancelled, retrying, snoozed, skipped)."""
    keys = {"ws": workspace_id, "id": job_id}
    with engines.records.begin() as conn:
        row = conn.execute(_CLAIM, {**keys, "worker": WORKER_NAME, "queue_job": queue_job_id}).mappings().first()
    if row is None:
        return "skipped"  # ended (or was cancelled) before this run: nothing to do, nothing to repeat
    if row["cancel"]:
        return _finish(engines, keys, "cancelled", message="cancelled on request")
    if row["attempts"] > row["max_attempts"]:
        last = f" (last error: {row['error_text']})" if row["error_text"] else " (its worker stopped each time)"
        return _finish(engines, keys, "failed", error=f"gave up after {row['max_attempts']} attempts{last}")
    ctx = JobContext(owner=engines.owner, app=engines.app, workspace_id=workspace_id, job_id=job_id,
                     user_id=row["created_by"], attempt=row["attempts"], type=row["type"])
    try:
        handler = registry.get(row["type"]).handler
        result = handler(ctx, dict(row["payload_json"]))
    except Snooze as wait:
        _again(engines, keys, "running", wait.seconds, message=str(wait), refund=True)
        return "snoozed"
    except Cancelled as stop:
        return _finish(engines, keys, "cancelled", message=str(stop))
    except JobFailed as failure:
        return _finish(engines, keys, "failed", error=str(failure))
    except RetryLater as transient:
        return _retry_or_fail(engines, keys, row, str(transient), transient.seconds)
    except Exception as exc:  # a bug or an outage: logged in full, retried with back-off, told to the tutor in short
        log.exception("job %s (%s) failed", job_id, row["type"])
        return _retry_or_fail(engines, keys, row, f"internal error ({type(exc).__name__}): {exc}"[:2000],
                              backoff(row["attempts"]))
    return _finish(engines, keys, "succeeded", result=result or {}, message="done")


def _finish(engines: Engines, keys: dict, status: str, *, result: Any = None, error: str | None = None,
            message: str | None = None) -> str:
    with engines.records.begin() as conn:
        conn.execute(_FINISH, {**keys, "status": status, "error": error, "message": message or error,
                               "result": None if result is None else jsonable(result)})
    return status


def _again(engines: Engines, keys: dict, status: str, seconds: float, *, message: str, error: str | None = None,
           refund: bool = False) -> None:
    with engines.records.begin() as conn:
        conn.execute(_AGAIN, {**keys, "status": status, "seconds": max(float(seconds), 0.0), "error": error,
                              "message": message, "refund": refund})


def _retry_or_fail(engines: Engines, keys: dict, row: Any, error: str, seconds: float) -> str:
    if row["attempts"] >= row["max_attempts"]:
        return _finish(engines, keys, "failed", error=f"{error} (after {row['attempts']} attempts)")
    _again(engines, keys, "queued", seconds, error=error,
           message=f"attempt {row['attempts']} of {row['max_attempts']} failed; retrying in {seconds:.0f} s")
    return "retrying"
