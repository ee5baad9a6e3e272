"""Jobs as members and operators see them: list, show, cancel, retry, and ask for one."""

from __future__ import annotations

import json
from typing import Any
from uuid import UUID

from sqlalchemy import bindparam, text
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.engine import Connection

from tutorassist.api.context import STAFF, RequestContext
from tutorassist.jobs import schemas
from tutorassist.kit.pagination import DEFAULT_LIMIT, Page, decode_time_cursor, page_of
from tutorassist.kit.problems import Problem

COLUMNS = ("id, workspace_id, type, status, progress_done, progress_total, progress_message, attempts, max_attempts, "
           "payload_json, result_json, error_text, cost_usd, openai_batch_id, created_by, created_at, run_after, "
           "started_at, finished_at, cancel_requested_at, locked_by")


def view(row: Any) -> schemas.JobOut:
    r = dict(row)
    return schemas.JobOut(
        id=r["id"], type=r["type"], status=r["status"], progress_done=r["progress_done"],
        progress_total=r["progress_total"], progress_message=r["progress_message"], attempts=r["attempts"],
        max_attempts=r["max_attempts"], payload=r["payload_json"], result=r["result_json"], error=r["error_text"],
        cost_usd=r["cost_usd"], provider_batch_id=r["openai_batch_id"], created_by=r["created_by"],
        created_at=r["created_at"], run_after=r["run_after"], started_at=r["started_at"],
        finished_at=r["finished_at"], cancel_requested_at=r["cancel_requested_at"])


def enqueue(conn: Connection, workspace_id: UUID, type_: str, payload: dict[str, Any], priority: int = 0) -> UUID:
    """Asks for a job in the caller's transaction: its row and its queue entry are written together, or neither.
    Acting as staff, the database records who asked; as the platform, nobody."""
    return conn.execute(
        text("INSERT INTO jobs (workspace_id, type, payload_json, priority) VALUES (:w, :t, :p, :pr) RETURNING id")
        .bindparams(bindparam("p", type_=JSONB)),
        {"w": workspace_id, "t": type_, "p": json.loads(json.dumps(payload, default=str)), "pr": priority},
    ).scalar_one()


def find(conn: Connection, workspace_id: UUID | None, job_id: UUID) -> Any:
    """The job (as a mapping) or None; a None workspace matches any (operators)."""
    return conn.execute(
        text(f"SELECT {COLUMNS} FROM jobs WHERE id = :id AND (CAST(:w AS uuid) IS NULL OR workspace_id = :w)"),
        {"id": job_id, "w": workspace_id}).mappings().first()


def recent(conn: Connection, workspace_id: UUID | None, status: str | None, type_: str | None, limit: int,
           after: tuple | None = None) -> list[Any]:
    where = ["(CAST(:w AS uuid) IS NULL OR workspace_id = :w)", "(CAST(:s AS text) IS NULL OR status = :s)",
             "(CAST(:t AS text) IS NULL OR type = :t)"]
    params: dict[str, Any] = {"w": workspace_id, "s": status, "t": type_, "n": limit}
    if after is not None:
        where.append("(created_at, id) < (:ca, :ci)")
        params |= {"ca": after[0], "ci": after[1]}
    return list(conn.execute(text(f"SELECT {COLUMNS} FROM jobs WHERE {' AND '.join(where)} "
                                  "ORDER BY created_at DESC, id DESC LIMIT :n"), params).mappings())


def cancel(conn: Connection, workspace_id: UUID, job_id: UUID) -> str | None:
    return conn.execute(text("SELECT app.cancel_job(:w, :j)"), {"w": workspace_id, "j": job_id}).scalar()


def retry(conn: Connection, workspace_id: UUID, job_id: UUID) -> str | None:
    return conn.execute(text("SELECT app.retry_job(:w, :j)"), {"w": workspace_id, "j": job_id}).scalar()


# ---------------------------------------------------------------- for members (API)

def list_jobs(ctx: RequestContext, ws: UUID, status: str | None, type_: str | None, limit: int = DEFAULT_LIMIT,
              cursor: str | None = None) -> Page[schemas.JobOut]:
    with ctx.tx(ws) as tx:
        tx.require(*STAFF)
        rows = recent(tx.conn, ws, status, type_, limit + 1, decode_time_cursor(cursor))
        rows, next_cursor = page_of(rows, limit)
        return Page[schemas.JobOut](items=[view(r) for r in rows], next_cursor=next_cursor)


def get_job(ctx: RequestContext, ws: UUID, job_id: UUID) -> schemas.JobOut:
    with ctx.tx(ws) as tx:
        tx.require(*STAFF)
        row = find(tx.conn, ws, job_id)
        if row is None:
            raise Problem(404, "Not found", "no such job in this workspace")
        return view(row)


_REFUSED = {
    "cancel": "the job has already ended ({status}); only a queued or running job can be cancelled",
    "retry": "the job is {status}; only a failed or cancelled job can be run again",
}


def refusal(action: str, outcome: str) -> str:
    return _REFUSED[action].format(status=outcome.removeprefix("refused:"))


def act(ctx: RequestContext, ws: UUID, job_id: UUID, action: str) -> schemas.JobAction:
    with ctx.tx(ws) as tx:
        tx.require(*STAFF)
        outcome = (cancel if action == "cancel" else retry)(tx.conn, ws, job_id)
        if outcome is None:
            raise Problem(404, "Not found", "no such job in this workspace")
        if outcome.startswith("refused:"):
            raise Problem(409, "Conflict", refusal(action, outcome))
        return schemas.JobAction(job=view(find(tx.conn, ws, job_id)), outcome=outcome)
