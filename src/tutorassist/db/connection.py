"""Finding the database, checking it can host TutorAssist, and connecting as the schema owner or as the application."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from uuid import UUID

import psycopg
from sqlalchemy import create_engine, event, text
from sqlalchemy.engine import Connection, Engine, make_url

from tutorassist.config import Settings, get_settings
from tutorassist.db import embedded

APP_ROLE = "tutorassist_app"
LEARNER_ROLE = "tutorassist_learner"
MIN_SERVER_VERSION = 150000
REQUIRED_EXTENSIONS = ("vector", "citext", "pg_trgm")
# Extensions live in their own schema; connections see them without qualifying every type and operator.
SEARCH_PATH = "public, extensions"


class DatabaseError(RuntimeError):
    """The database cannot be reached or cannot host TutorAssist; the message says what is missing."""


def owner_url(settings: Settings | None = None) -> str:
    """URL of the schema owner: DATABASE_URL, or the embedded server (started on demand, then reused)."""
    settings = settings or get_settings()
    if settings.database_url:
        return settings.database_url
    try:
        return embedded.start(settings.data_dir)
    except Exception as exc:  # the embedded server reports failures in many shapes
        raise DatabaseError(f"could not start the embedded PostgreSQL in {settings.data_dir}: {exc}") from exc


def libpq_url(url: str) -> str:
    """The URL as libpq/psycopg wants it (no SQLAlchemy driver suffix)."""
    return url.replace("postgresql+psycopg://", "postgresql://", 1).replace("postgres://", "postgresql://", 1)


def sqlalchemy_url(url: str) -> str:
    return make_url(libpq_url(url)).set(drivername="postgresql+psycopg").render_as_string(hide_password=False)


def connect(url: str, **kwargs) -> psycopg.Connection:
    """A psycopg connection with our search_path, or DatabaseError naming why not."""
    try:
        return psycopg.connect(libpq_url(url), options=f"-c search_path={SEARCH_PATH.replace(' ', '')}", **kwargs)
    except psycopg.OperationalError as exc:
        raise DatabaseError(f"cannot connect to the database: {str(exc).strip()}") from exc


def server_problems(conn: psycopg.Connection) -> list[str]:
    """What this server lacks to host TutorAssist (empty when nothing)."""
    problems: list[str] = []
    version = conn.info.server_version
    if version < MIN_SERVER_VERSION:
        problems.append(f"PostgreSQL {version // 10000} is too old: TutorAssist needs PostgreSQL 15 or newer")
    available = {
        row[0]
        for row in conn.execute(
            "SELECT name FROM pg_available_extensions WHERE name = ANY(%s)", (list(REQUIRED_EXTENSIONS),)
        )
    }
    for name in REQUIRED_EXTENSIONS:
        if name not in available:
            hint = " (pgvector: https://github.com/pgvector/pgvector)" if name == "vector" else ""
            problems.append(f"the extension '{name}' is not available on this server{hint}")
    row = conn.execute("SELECT rolsuper OR rolbypassrls FROM pg_roles WHERE rolname = current_user").fetchone()
    if not (row and row[0]):
        problems.append(
            "the connecting role must be a superuser or have BYPASSRLS: it owns the schema, and the tenancy "
            "functions it owns read memberships past row-level security"
        )
    return problems


def check_server(url: str) -> None:
    with connect(url) as conn:
        problems = server_problems(conn)
    if problems:
        raise DatabaseError("this PostgreSQL cannot host TutorAssist:\n  - " + "\n  - ".join(problems))


def owner_engine(url: str, *, pre_ping: bool = True, options: str = "") -> Engine:
    """Engine of the schema owner (no row-level security). `options`: more `-c name=value` settings."""
    return create_engine(
        sqlalchemy_url(url), connect_args={"options": f"-c search_path={SEARCH_PATH.replace(' ', '')} {options}".strip()},
        pool_pre_ping=pre_ping,
    )


# Custom plans for every execution: psycopg prepares a statement after five runs, and a generic plan cannot see the
# workspace or student a statement is about (a 1 ms plan became a 1 s nested loop in the largest workspace).
_APP_OPTIONS = f"-c search_path={SEARCH_PATH.replace(' ', '')} -c plan_cache_mode=force_custom_plan"


def app_engine(url: str, **kwargs) -> Engine:
    """Engine for the application: every connection acts as tutorassist_app (staff, or nobody) and each transaction
    as the role of its acting member (set_acting), which row-level security binds. No pre-ping (a round trip on
    every checkout): a connection that died is discarded when it fails, and the request answers 503."""
    kwargs.setdefault("pool_recycle", 1800)
    engine = create_engine(sqlalchemy_url(url), connect_args={"options": _APP_OPTIONS}, **kwargs)

    @event.listens_for(engine, "connect")
    def _become_app_role(dbapi_connection, _record):  # noqa: ANN001 - DB-API objects
        with dbapi_connection.cursor() as cur:
            cur.execute(f"SET SESSION ROLE {APP_ROLE}")
        dbapi_connection.commit()

    return engine


def set_acting(conn: Connection, user_id: UUID | str | None, workspace_id: UUID | str | None = None,
               db_role: str | None = None) -> None:
    """Say who acts in the current transaction (and in which workspace), as the database role of their membership
    there (learner for students and guardians, else the app role); all cleared at commit or rollback."""
    u, w = (str(user_id) if user_id else ""), (str(workspace_id) if workspace_id else "")
    if db_role is None:
        conn.execute(text("SELECT set_config('app.user_id', :u, true), set_config('app.workspace_id', :w, true), "
                          "set_config('role', app.db_role_for(nullif(:u, '')::uuid, nullif(:w, '')::uuid), true)"),
                     {"u": u, "w": w})
    else:
        if db_role not in (APP_ROLE, LEARNER_ROLE):  # never a role with more rights, whatever the caller passes
            raise ValueError(f"not an application role: {db_role!r}")
        conn.execute(text("SELECT set_config('app.user_id', :u, true), set_config('app.workspace_id', :w, true), "
                          "set_config('role', :r, true)"), {"u": u, "w": w, "r": db_role})


@contextmanager
def acting(engine: Engine, user_id: UUID | str | None, workspace_id: UUID | str | None = None) -> Iterator[Connection]:
    """A transaction in which user_id acts (in workspace_id); commits on success, rolls back on error."""
    with engine.begin() as conn:
        set_acting(conn, user_id, workspace_id)
        yield conn
