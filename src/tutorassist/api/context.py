"""Per-request context: who is signed in, in which workspace they act, and the one transaction a request runs in.

Every request runs in exactly one database transaction, as the application role, with the acting user (and
workspace) set for row-level security. A request that fails rolls back, so it changes nothing.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Annotated
from uuid import UUID

from fastapi import Depends, Request
from sqlalchemy import text
from sqlalchemy.engine import Connection, Engine

from tutorassist.api.clients import client_address
from tutorassist.kit.problems import Problem

SESSION_COOKIE = "ta_session"
ROLES = ("owner", "tutor", "student", "guardian")
STAFF = ("owner", "tutor")


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


@dataclass
class Tx:
    """An open transaction of a request, acting as `user_id` (in `workspace_id`, with `role` there)."""

    conn: Connection
    user_id: UUID | None
    workspace_id: UUID | None = None
    role: str | None = None
    student_profile_id: UUID | None = None  # a student's own profile, a guardian's student's
    archived: bool = False  # a student whose profile is archived: reads their past work, practises no more

    def require(self, *roles: str) -> None:
        if self.role not in roles:
            raise Problem(403, "Forbidden", f"this needs the role {' or '.join(roles)} in the workspace")

    def require_practising_student(self) -> None:
        """A student whose profile is not archived (practice, attempts)."""
        self.require("student")
        if self.archived:
            raise Problem(403, "Forbidden", "your student profile in this workspace is archived: ask your tutor to "
                                            "restore it before practising again")

    def scalar(self, sql: str, **params):
        return self.conn.execute(text(sql), params).scalar()

    def one(self, sql: str, **params):
        return self.conn.execute(text(sql), params).mappings().one_or_none()

    def all(self, sql: str, **params):
        return self.conn.execute(text(sql), params).mappings().all()


@dataclass
class RequestContext:
    engine: Engine
    token: str | None
    ip: str | None
    user_agent: str | None

    @contextmanager
    def tx(self, workspace_id: UUID | None = None, *, signed_in: bool = True) -> Iterator[Tx]:
        """The request's transaction, opened in one round trip (app.begin_request): the session's user, their role in
        the workspace, and the acting settings and database role that row-level security reads."""
        with self.engine.begin() as conn:
            row = conn.execute(_BEGIN, {"h": token_hash(self.token) if self.token else "", "w": workspace_id}).one()
            if signed_in and row.user_id is None:
                raise Problem(401, "Unauthorized", "sign in first (session cookie or Authorization: Bearer token)")
            if workspace_id is not None and row.role is None:  # not a member: as far as they can tell, it does not exist
                raise Problem(404, "Not found", "no such workspace")
            yield Tx(conn, row.user_id, workspace_id, row.role, row.student_profile_id, bool(row.archived))


# The settings are set in the same statement that reads them; role last, as the function runs as its definer anyway.
_BEGIN = text(
    "SELECT r.user_id, r.role, r.student_profile_id, r.archived, "
    "set_config('app.user_id', coalesce(r.user_id::text, ''), true), "
    "set_config('app.workspace_id', CASE WHEN r.role IS NULL THEN '' ELSE r.workspace_id END, true), "
    "set_config('role', r.db_role, true) "
    "FROM (SELECT b.*, CAST(:w AS text) AS workspace_id FROM app.begin_request(:h, CAST(:w AS uuid)) b) r"
)


def request_context(request: Request) -> RequestContext:
    auth = request.headers.get("authorization", "")
    token = auth[7:].strip() if auth.lower().startswith("bearer ") else request.cookies.get(SESSION_COOKIE)
    return RequestContext(
        engine=request.app.state.engine,
        token=token or None,
        ip=client_address(request),
        user_agent=(request.headers.get("user-agent") or "")[:500] or None,
    )


Context = Annotated[RequestContext, Depends(request_context)]
