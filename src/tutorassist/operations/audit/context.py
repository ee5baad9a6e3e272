"""What a check can see: the owner's connection (past row-level security) and the configured schedule."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from typing import Any

import psycopg

from tutorassist.db.verify import tenant_tables

APP_SCHEMAS = ("public", "app")
"""The schemas TutorAssist owns and the application roles reach (procrastinate's own schema is checked too, where the
check says so)."""

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
