"""The same SQL as a request: captured from the application itself, replayed on plain connections.

A request is sent over HTTP to an in-process copy of the API (the same `create_app`, served by uvicorn in a thread)
while a SQLAlchemy `before/after_cursor_execute` listener on its engine records every statement with its parameters and the
rows it returned. That list is "the SQL of the request": it follows the code as it changes, with no second copy of
any query to keep true. The request's opening statement (`app.begin_request`: session lookup, role, settings) is
replayed as the settings it made; everything else is replayed as captured:

* as the application role with row-level security (`SET ROLE tutorassist_app`, then the acting user, workspace and
  database role of the captured request), or as the schema owner, which bypasses it;
* for writes, with values the database generated (ids, timestamps) mapped from the captured run to the replay, and
  chosen values (the student, the question) substituted, so each replay is a new, valid write.

psycopg prepares a statement on its 5th execution on a connection (prepare_threshold) and PostgreSQL then switches
to a generic plan once it is no dearer than the custom ones, so the 1st and the 20th execution of a replay on a fresh
connection can differ: both are measured.
"""

from __future__ import annotations

import datetime as dt
import time
import uuid
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import psycopg
from sqlalchemy import event
from sqlalchemy.engine import Engine

from tutorassist.db.connection import APP_ROLE, connect

AUTHENTICATION = "app.begin_request"
# What the request's opening statement does besides authenticating: say who acts, where, as which database role.
ACTING = ("SELECT set_config('app.user_id', %(u)s, true), set_config('app.workspace_id', %(w)s, true), "
          "set_config('role', %(r)s, true)")


@dataclass
class Statement:
    sql: str
    params: Any
    many: bool
    rows: list[tuple] | None


@dataclass
class Capture:
    statements: list[Statement] = field(default_factory=list)
    recording: bool = False


@contextmanager
def capturing(engine: Engine) -> Iterator[Capture]:
    """Record the statements the engine runs while `capture.recording` is true."""
    capture = Capture()

    def before(conn, cursor, statement, parameters, context, executemany):  # noqa: ANN001 - SQLAlchemy hook
        if capture.recording:
            capture.statements.append(Statement(statement, parameters, executemany, None))

    def after(conn, cursor, statement, parameters, context, executemany):  # noqa: ANN001 - SQLAlchemy hook
        if capture.recording and cursor.description is not None and not executemany:
            # psycopg's client-side cursor holds the whole result: read it, then rewind for SQLAlchemy.
            rows = cursor.fetchall()
            if rows:
                cursor.scroll(0, mode="absolute")
            capture.statements[-1].rows = rows

    event.listen(engine, "before_cursor_execute", before)
    event.listen(engine, "after_cursor_execute", after)
    try:
        yield capture
    finally:
        event.remove(engine, "before_cursor_execute", before)
        event.remove(engine, "after_cursor_execute", after)


def request_sql(statements: list[Statement]) -> list[Statement]:
    """The statements of a request with its opening statement (app.begin_request: session lookup, role, settings)
    reduced to the settings it made, so a replay acts as the same user, workspace and database role."""
    out = []
    for s in statements:
        if AUTHENTICATION in s.sql:
            row = s.rows[0] if s.rows else None
            if row is None or row[0] is None:
                continue
            out.append(Statement(ACTING, {"u": row[-3], "w": row[-2], "r": row[-1]}, False, None))
        else:
            out.append(s)
    return out


def tables_written(statements: list[Statement]) -> bool:
    return any(s.sql.lstrip().upper().startswith(("INSERT", "UPDATE", "DELETE")) for s in statements)


# ---------------------------------------------------------------- replaying
_MAPPED = (uuid.UUID, dt.datetime)


def _substitute(value: Any, mapping: Mapping[Any, Any]) -> Any:
    if isinstance(value, dict):
        return {k: _substitute(v, mapping) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return type(value)(_substitute(v, mapping) for v in value)
    if isinstance(value, str) and value in mapping:
        return mapping[value]
    try:
        return mapping.get(value, value)
    except TypeError:  # unhashable
        return value


def open_connection(url: str, *, rls: bool) -> psycopg.Connection:
    """A plain connection planning as the application's do (custom plans every time; db.connection.app_engine)."""
    conn = connect(url)
    conn.execute("SET plan_cache_mode = force_custom_plan")
    if rls:
        conn.execute(f"SET SESSION ROLE {APP_ROLE}")
        conn.commit()
    return conn


def replay(conn: psycopg.Connection, statements: list[Statement], mapping: dict[Any, Any] | None = None,
           *, commit: bool) -> float:
    """Run the statements in one transaction; seconds taken. mapping: captured value -> replay value, grown by the
    values the database returns (new ids, timestamps) so later statements refer to this replay's rows."""
    mapping = dict(mapping or {})
    # As the schema owner the acting statement must not switch to an application role: that would apply RLS.
    owner = conn.info.parameter_status("is_superuser") == "on"
    started = time.perf_counter()
    with conn.cursor() as cur:
        for s in statements:
            params = _substitute(s.params, mapping) if mapping else s.params
            if owner and s.sql is ACTING:
                params = params | {"r": "none"}
            if s.many:
                cur.executemany(s.sql, params)
                continue
            cur.execute(s.sql, params)
            if cur.description is not None:
                rows = cur.fetchall()
                if mapping is not None and s.rows and rows:
                    for old, new in zip(s.rows[0], rows[0], strict=False):
                        if isinstance(old, _MAPPED) and old != new and old not in mapping:
                            mapping[old] = new
                            if isinstance(old, uuid.UUID):
                                mapping[str(old)] = str(new)
    if commit:
        conn.commit()
    else:
        conn.rollback()
    return time.perf_counter() - started
