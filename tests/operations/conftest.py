"""One migrated database per module with a row in every tenant table (two workspaces); faults are injected inside a
transaction that is rolled back, so each test sees the healthy database plus exactly its own fault."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import psycopg
import pytest

from tests import factories
from tests.conftest import create_database, drop_database
from tutorassist.db.connection import connect
from tutorassist.operations.audit.runner import AuditReport, audit_connection
from tutorassist.operations.audit.suppressions import DEFAULT_FILE, Suppression, load

REPO = Path(__file__).resolve().parents[2]


def committed_suppressions() -> list[Suppression]:
    """The repository's accepted findings (db-audit-suppressions.toml), as `db audit` run from the root applies them."""
    return load(REPO / DEFAULT_FILE)


@pytest.fixture(scope="module")
def audited(pg_server: str, template_db: str):
    """(url, first tenant, second tenant) of a database with data in every tenant table."""
    url = create_database(pg_server, template_db)
    with connect(url, autocommit=True) as conn:
        first = factories.every_tenant_table(conn, "A")
        second = factories.every_tenant_table(conn, "B")
    yield url, first, second
    drop_database(pg_server, url)


@contextmanager
def injected(url: str, *statements: str, params: dict | None = None) -> Iterator[psycopg.Connection]:
    """An owner connection inside a transaction holding the statements' changes, rolled back afterwards."""
    with connect(url) as conn:
        try:
            for statement in statements:
                conn.execute(statement, params)
            yield conn
        finally:
            conn.rollback()


def audit_with(url: str, *statements: str, params: dict | None = None, schedule_overrides: str = "") -> AuditReport:
    with injected(url, *statements, params=params) as conn:
        return audit_connection(conn, url, accepted=committed_suppressions(), schedule_overrides=schedule_overrides)


def above_info(report: AuditReport) -> list:
    return [f for f in report.findings if f.level > 0]
