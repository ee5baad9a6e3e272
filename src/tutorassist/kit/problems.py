"""Errors as RFC 9457 problem details (application/problem+json): one shape for every failure the API reports."""

from __future__ import annotations

import logging
from typing import Any

import psycopg
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from sqlalchemy.exc import DBAPIError
from sqlalchemy.exc import TimeoutError as PoolTimeoutError
from starlette.exceptions import HTTPException as StarletteHTTPException

PROBLEM_JSON = "application/problem+json"
log = logging.getLogger("tutorassist.api")


class Problem(Exception):
    """Raise to answer with a problem document; nothing done in the request's transaction is kept."""

    def __init__(self, status: int, title: str, detail: str | None = None, **extra: Any) -> None:
        super().__init__(detail or title)
        self.status, self.title, self.detail, self.extra = status, title, detail, extra


def problem_response(status: int, title: str, detail: str | None = None, headers: dict[str, str] | None = None,
                     **extra: Any) -> JSONResponse:
    body = {"type": "about:blank", "title": title, "status": status} | ({"detail": detail} if detail else {}) | extra
    headers = ({"WWW-Authenticate": "Bearer"} if status == 401 else {}) | (headers or {})
    return JSONResponse(body, status_code=status, media_type=PROBLEM_JSON, headers=headers or None)


def invalid(errors: list[dict[str, str]]) -> Problem:
    """A 422 listing each offending field ({"field": ..., "message": ...})."""
    return Problem(422, "Validation failed", "; ".join(f"{e['field']}: {e['message']}" for e in errors), errors=errors)


def invalid_field(field: str, message: str) -> Problem:
    return invalid([{"field": field, "message": message}])


def from_validation_error(exc: Any, prefix: str) -> Problem:
    """A pydantic ValidationError raised for the value of request field `prefix`, as a 422 naming nested fields."""
    return invalid([
        {"field": ".".join([prefix, *(str(p) for p in e["loc"])]), "message": e["msg"]} for e in exc.errors()
    ])


def checked_jsonb(table: str, column: str, value: Any, field: str) -> str:
    """The JSON text to store in table.column after validating it against its contract (422 naming the field)."""
    import json

    from pydantic import ValidationError

    from tutorassist.kit.jsonb import validate_jsonb

    try:
        validate_jsonb(table, column, value)
    except ValidationError as exc:
        raise from_validation_error(exc, field) from None
    return json.dumps(value)


# Database refusals the API can explain: SQLSTATE -> (HTTP status, title).
_SQLSTATE = {
    "23505": (409, "Conflict"),  # unique_violation
    "23503": (409, "Conflict"),  # foreign_key_violation: referenced row missing or still referenced
    "23514": (422, "Invalid value"),  # check_violation
    "23502": (422, "Missing value"),  # not_null_violation
    "22001": (422, "Value too long"),
    "22P02": (422, "Invalid value"),
    "22003": (422, "Number out of range"),
    "22007": (422, "Invalid date or time"),
    "22008": (422, "Invalid date or time"),
    "42501": (403, "Forbidden"),  # insufficient_privilege, including row-level security refusals
    "TA403": (403, "Forbidden"),
    "TA404": (404, "Not found"),
    "TA409": (409, "Conflict"),
    "TA410": (410, "Gone"),
}


# How long a client should wait before retrying while the database is unreachable: a restart takes seconds.
RETRY_AFTER_SECONDS = 5
# Server-side reasons a connection is refused or ended: connection exceptions (class 08), too many connections,
# shutting down or starting up (57P01-57P03).
_UNAVAILABLE_SQLSTATES = ("53300", "57P01", "57P02", "57P03")


def database_unavailable(exc: BaseException) -> bool:
    """Whether exc means the database cannot be reached right now (as opposed to refusing this request)."""
    orig = exc.orig if isinstance(exc, DBAPIError) else exc
    if isinstance(exc, PoolTimeoutError) or isinstance(orig, psycopg.InterfaceError):
        return True
    if isinstance(orig, psycopg.OperationalError):
        sqlstate = getattr(orig, "sqlstate", None)
        # No SQLSTATE: the client library lost or never got the connection (refused, reset, closed by the server).
        return sqlstate is None or sqlstate.startswith("08") or sqlstate in _UNAVAILABLE_SQLSTATES
    return False


UNAVAILABLE = (503, "Service Unavailable", "the database is unreachable; try again shortly")


def unavailable_response() -> JSONResponse:
    return problem_response(*UNAVAILABLE, headers={"Retry-After": str(RETRY_AFTER_SECONDS)})


def describe_database_error(exc: DBAPIError) -> tuple[int, str, str]:
    """The status, title and detail that answer a database error (API problems and HTML pages alike)."""
    if database_unavailable(exc):
        log.warning("database unavailable: %s", str(exc.orig).strip().splitlines()[0] if str(exc.orig).strip() else exc)
        return UNAVAILABLE
    orig = exc.orig
    sqlstate = getattr(orig, "sqlstate", None) if isinstance(orig, psycopg.Error) else None
    if sqlstate in _SQLSTATE:
        status, title = _SQLSTATE[sqlstate]
        diag = orig.diag
        detail = diag.message_primary or title
        if sqlstate == "23505" and diag.constraint_name:
            detail = f"this would duplicate an existing record ({diag.constraint_name})"
        elif sqlstate == "23503":
            detail = f"a referenced record does not exist or is still in use ({diag.constraint_name})"
        elif sqlstate == "23514" and diag.constraint_name:
            detail = f"{diag.message_primary} ({diag.constraint_name})"
        elif sqlstate == "42501":
            detail = "you may not do this"
        return status, title, detail
    if isinstance(orig, psycopg.DataError):  # refused by the driver before reaching the server (e.g. NUL in text)
        return 422, "Invalid value", str(orig).splitlines()[0]
    log.exception("database error", exc_info=exc)
    return 500, "Internal Server Error", "the request failed and changed nothing"


def _database_problem(exc: DBAPIError) -> JSONResponse:
    status, title, detail = describe_database_error(exc)
    if status == 503:
        return unavailable_response()
    return problem_response(status, title, detail)


def install(app: FastAPI) -> None:
    @app.exception_handler(Problem)
    async def _problem(_request: Request, exc: Problem) -> JSONResponse:
        return problem_response(exc.status, exc.title, exc.detail, **exc.extra)

    @app.exception_handler(RequestValidationError)
    async def _validation(_request: Request, exc: RequestValidationError) -> JSONResponse:
        errors = [
            {"field": ".".join(str(p) for p in err["loc"] if p != "body") or "body", "message": err["msg"]}
            for err in exc.errors()
        ]
        detail = "; ".join(f"{e['field']}: {e['message']}" for e in errors)
        return problem_response(422, "Validation failed", detail, errors=errors)

    @app.exception_handler(StarletteHTTPException)
    async def _http(_request: Request, exc: StarletteHTTPException) -> JSONResponse:
        titles = {404: "Not found", 405: "Method not allowed", 401: "Unauthorized", 403: "Forbidden"}
        return problem_response(exc.status_code, titles.get(exc.status_code, "Error"), str(exc.detail))

    @app.exception_handler(DBAPIError)
    async def _db(_request: Request, exc: DBAPIError) -> JSONResponse:
        return _database_problem(exc)

    @app.exception_handler(PoolTimeoutError)
    async def _pool_exhausted(_request: Request, exc: PoolTimeoutError) -> JSONResponse:
        log.warning("no database connection became free: %s", exc)
        return unavailable_response()

    @app.exception_handler(Exception)
    async def _unexpected(_request: Request, exc: Exception) -> JSONResponse:
        if database_unavailable(exc):  # a psycopg error raised outside SQLAlchemy's wrapping
            return unavailable_response()
        log.exception("unexpected error", exc_info=exc)
        return problem_response(500, "Internal Server Error", "the request failed and changed nothing")
