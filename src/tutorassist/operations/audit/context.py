"""What a check can see: the owner's connection (past row-level security) and the configured schedule."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from typing import Any

import psycopg

from tutorassist.db.verify import tenant_tables

API_ROLES = ("tutorassist_app", "tutorassist_learner")
"""The roles requests act as: the counterpart of Supabase's `authenticated` and `anon`."""


@dataclass
class AuditContext:
    conn: psycopg.Connection
    url: str
    schedule_overrides: str = ""
    jsonb_batch_size: int = 2000
    examples: int = 3
    """How many example ids a data finding names."""

    def rows(self, sql: str, params: Any = None) -> list[tuple]:
        return self.conn.execute(sql, params).fetchall()

    @cached_property
    def tenant_tables(self) -> list[str]:
        return tenant_tables(self.conn)

    @cached_property
    def api_schemas(self) -> list[str]:
        """The schemas the API roles may use (public, app and extensions today): where exposure matters."""
        return [r[0] for r in self.rows(
            """SELECT nspname FROM pg_namespace
               WHERE nspname NOT IN ('pg_catalog', 'information_schema') AND nspname NOT LIKE 'pg\\_%%'
                 AND (has_schema_privilege(%s, oid, 'USAGE') OR has_schema_privilege(%s, oid, 'USAGE'))
               ORDER BY 1""", API_ROLES)]
