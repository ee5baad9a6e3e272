"""The one writer of ai_usage_log rows from platform code (jobs, as schema owner); a request logs its own calls
through app.log_request_ai_usage instead, since staff cannot write the table."""

from __future__ import annotations

import json
from collections.abc import Mapping
from decimal import Decimal
from typing import Any
from uuid import UUID

from sqlalchemy import text
from sqlalchemy.engine import Connection

_INSERT = text(
    "INSERT INTO ai_usage_log (workspace_id, user_id, job_id, operation_type, model, tokens_input, tokens_output, "
    "tokens_total, cost_usd, duration_ms, success, error_message, metadata) VALUES (:w, :u, :j, :op, :model, :ti, "
    ":to, :tt, :cost, :ms, :ok, :err, CAST(:meta AS jsonb))")


def insert(conn: Connection, *, workspace_id: UUID, user_id: UUID | None, job_id: UUID | None, operation: str,
           model: str, tokens_input: int | None, tokens_output: int | None, cost_usd: Decimal | float | None,
           duration_ms: int | None, error: str | None, metadata: Mapping[str, Any]) -> None:
    """One provider call, successful when `error` is None; token counts None when the provider did not say."""
    known = [n for n in (tokens_input, tokens_output) if n is not None]
    conn.execute(_INSERT, {"w": workspace_id, "u": user_id, "j": job_id, "op": operation, "model": model,
                           "ti": tokens_input, "to": tokens_output, "tt": sum(known) if known else None,
                           "cost": cost_usd, "ms": duration_ms, "ok": error is None, "err": error,
                           "meta": json.dumps(dict(metadata), default=str)})
