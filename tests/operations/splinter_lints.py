"""Running the vendored Supabase splinter lints (tests/operations/splinter/) against one of our databases."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import psycopg

LINTS = Path(__file__).parent / "splinter" / "lints"
_HEADER = re.compile(r'^\s*create view lint\."[^"]+"\s+as', re.IGNORECASE)
_SUBSTITUTIONS = (
    ("'anon'", "'tutorassist_learner'"),
    ("'authenticated'", "'tutorassist_app'"),
    ("current_setting('pgrst.db_schemas', 't')", "'public,app'"),
)


@dataclass(frozen=True)
class Lint:
    name: str
    level: str
    detail: str
    cache_key: str


def lint_sql(path: Path) -> str:
    sql = _HEADER.sub("", path.read_text(encoding="utf-8"), count=1).strip().rstrip(";")
    for ours, theirs in _SUBSTITUTIONS:
        sql = sql.replace(ours, theirs)
    return sql


def run_splinter(conn: psycopg.Connection) -> list[Lint]:
    """Every vendored lint's findings, on the connection's current transaction."""
    found: list[Lint] = []
    for path in sorted(LINTS.glob("*.sql")):
        cursor = conn.execute(lint_sql(path))
        columns = [c.name for c in cursor.description]
        for row in cursor.fetchall():
            record = dict(zip(columns, row))
            found.append(Lint(record["name"], record["level"], record["detail"], record["cache_key"]))
    return found
