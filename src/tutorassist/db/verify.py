"""`db verify`: is the live database exactly what the code expects?

The expected catalog is built by migrating a scratch database on the same server (so server-version rendering
differences cannot pass for drift); where the role may not create databases, the committed snapshot stands in.
"""

from __future__ import annotations

import json
import secrets
from dataclasses import dataclass, field
from pathlib import Path

import psycopg

from tutorassist.db import migrate
from tutorassist.db.catalog import describe, diff
from tutorassist.db.connection import APP_ROLE, REQUIRED_EXTENSIONS, connect, libpq_url

SNAPSHOT_PATH = Path(__file__).resolve().parent / "schema_snapshot.json"


@dataclass
class VerifyReport:
    problems: list[str] = field(default_factory=list)
    reference: str = ""
    objects_checked: int = 0

    @property
    def ok(self) -> bool:
        return not self.problems


def _with_database(url: str, name: str) -> str:
    base, _, query = libpq_url(url).partition("?")
    head = base.rsplit("/", 1)[0]
    return f"{head}/{name}" + (f"?{query}" if query else "")


def _server_of(url: str) -> str:
    base, _, query = libpq_url(url).partition("?")
    return base.rsplit("/", 1)[0] + "?" + query


def expected_catalog(url: str) -> tuple[dict[str, dict[str, str]], str]:
    """The catalog a fresh migration produces, and where it came from (once per server and process)."""
    key = (_server_of(url), migrate.script_directory().get_current_head())
    if key not in _EXPECTED:
        _EXPECTED[key] = _migrate_scratch(url)
    return _EXPECTED[key]


# The same migrations on the same server always yield the same catalog: build it once per process.
_EXPECTED: dict[tuple[str, str], tuple[dict[str, dict[str, str]], str]] = {}


def _migrate_scratch(url: str) -> tuple[dict[str, dict[str, str]], str]:
    name = f"tutorassist_verify_{secrets.token_hex(6)}"
    try:
        with connect(url, autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
    except psycopg.errors.InsufficientPrivilege:
        return json.loads(SNAPSHOT_PATH.read_text()), f"committed snapshot {SNAPSHOT_PATH.name} (no CREATEDB)"
    scratch = _with_database(url, name)
    try:
        migrate.upgrade(scratch)
        with connect(scratch) as conn:
            return describe(conn), "a scratch database migrated to head on this server"
    finally:
        with connect(url, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def tenant_tables(conn: psycopg.Connection) -> list[str]:
    """Tables holding a workspace's data: those with a workspace_id column, and workspaces itself."""
    rows = conn.execute(
        """SELECT c.relname FROM pg_class c
           WHERE c.relnamespace = 'public'::regnamespace AND c.relkind = 'r'
             AND (c.relname = 'workspaces' OR EXISTS (
               SELECT 1 FROM pg_attribute a WHERE a.attrelid = c.oid AND a.attname = 'workspace_id' AND NOT a.attisdropped))
           ORDER BY 1"""
    ).fetchall()
    return [r[0] for r in rows]


def _rls_problems(conn: psycopg.Connection) -> list[str]:
    problems = []
    for table in tenant_tables(conn):
        enabled, forced = conn.execute(
            "SELECT c.relrowsecurity, c.relforcerowsecurity FROM pg_class c WHERE c.oid = %s::regclass", (f"public.{table}",)
        ).fetchone()
        # Every policy must bind the workspace: a policy that does not would open the table across workspaces.
        column = "id" if table == "workspaces" else "workspace_id"
        policies = conn.execute(
            "SELECT policyname, coalesce(qual, with_check) FROM pg_policies WHERE schemaname = 'public' AND tablename = %s",
            (table,),
        ).fetchall()
        if not enabled:
            problems.append(f"row-level security is off on tenant table {table}")
        elif not forced:
            problems.append(f"row-level security is not forced on tenant table {table}")
        if not policies:
            problems.append(f"tenant table {table} has no policy on its workspace")
        for name, expression in policies:
            if f"{column} = ( SELECT app." not in (expression or ""):
                problems.append(f"policy {name} on tenant table {table} does not bind the workspace")
    return problems


def _comment_problems(conn: psycopg.Connection) -> list[str]:
    rows = conn.execute(
        """SELECT c.relname, NULL::text FROM pg_class c
           WHERE c.relnamespace = 'public'::regnamespace AND c.relkind IN ('r', 'p', 'v', 'm')
             AND c.relname <> 'alembic_version' AND obj_description(c.oid, 'pg_class') IS NULL
           UNION ALL
           SELECT c.relname, a.attname FROM pg_class c JOIN pg_attribute a ON a.attrelid = c.oid
           WHERE c.relnamespace = 'public'::regnamespace AND c.relkind IN ('r', 'p', 'v', 'm')
             AND c.relname <> 'alembic_version' AND a.attnum > 0 AND NOT a.attisdropped
             AND col_description(c.oid, a.attnum) IS NULL
           ORDER BY 1, 2 NULLS FIRST"""
    ).fetchall()
    return [f"{'column ' + t + '.' + c if c else 'table ' + t} has no COMMENT" for t, c in rows]


def _extension_problems(conn: psycopg.Connection) -> list[str]:
    installed = {r[0] for r in conn.execute("SELECT extname FROM pg_extension")}
    return [f"required extension {name} is not installed" for name in REQUIRED_EXTENSIONS if name not in installed]


def _role_problems(conn: psycopg.Connection) -> list[str]:
    row = conn.execute("SELECT rolbypassrls, rolsuper FROM pg_roles WHERE rolname = %s", (APP_ROLE,)).fetchone()
    if row is None:
        return [f"the application role {APP_ROLE} does not exist"]
    if row[0] or row[1]:
        return [f"the application role {APP_ROLE} bypasses row-level security (superuser or BYPASSRLS)"]
    return []


def verify(url: str) -> VerifyReport:
    report = VerifyReport()
    state = migrate.status(url)
    if state.current is not None and not migrate.known_revision(state.current):
        report.problems.append(f"the database is at revision {state.current}, which this code does not know")
    else:
        report.problems += [f"migration {rev} is not applied" for rev in state.pending]
    with connect(url) as conn:
        report.problems += _extension_problems(conn)
        report.problems += _role_problems(conn)
        report.problems += _rls_problems(conn)
        report.problems += _comment_problems(conn)
        actual = describe(conn)
    report.objects_checked = sum(len(v) for v in actual.values())
    if state.up_to_date:
        expected, report.reference = expected_catalog(url)
        report.problems += diff(expected, actual)
    return report


def write_snapshot(url: str) -> Path:
    """Record the catalog of a database freshly migrated to head (run on the embedded server's version)."""
    with connect(url) as conn:
        catalog = describe(conn)
    SNAPSHOT_PATH.write_text(json.dumps(catalog, indent=1, sort_keys=True) + "\n")
    return SNAPSHOT_PATH
