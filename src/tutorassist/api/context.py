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
from tutorassist.db.connection import set_acting
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

    def require(self, *roles: str) -> None:
        if self.role not in roles:
            raise Problem(403, "Forbidden", f"this needs the role {' or '.join(roles)} in the workspace")

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
        with self.engine.begin() as conn:
            user_id = None
            if self.token:
                user_id = conn.execute(text("SELECT app.session_user_id(:h)"), {"h": token_hash(self.token)}).scalar()
            if signed_in and user_id is None:
                raise Problem(401, "Unauthorized", "sign in first (session cookie or Authorization: Bearer token)")
            set_acting(conn, user_id, workspace_id)
            tx = Tx(conn, user_id, workspace_id)
            if workspace_id is not None:
                tx.role = tx.scalar(
                    "SELECT role FROM workspace_members WHERE workspace_id = :w AND user_id = :u", w=workspace_id, u=user_id
                )
                if tx.role is None:  # not a member: as far as they can tell, it does not exist
                    raise Problem(404, "Not found", "no such workspace")
            yield tx


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
