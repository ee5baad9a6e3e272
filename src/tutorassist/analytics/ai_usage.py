"""AI usage and cost (live, from ai_usage_log through idx_ai_usage_workspace), cost per accepted question and batch
outcomes. The same grouping serves a workspace's staff (row-level security) and the operator's CLI (all workspaces)."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta, timezone
from typing import Any
from uuid import UUID

from sqlalchemy import text
from sqlalchemy.engine import Connection

from tutorassist.ai.jobs import OPERATION_BATCH, OPERATION_SYNC
from tutorassist.ai.syllabus import OPERATION_SYLLABUS
from tutorassist.analytics import quality_schemas as s
from tutorassist.analytics.distribution import live
from tutorassist.analytics.ranges import checked_days
from tutorassist.analytics.schemas import Period
from tutorassist.api.context import STAFF, RequestContext

# Calls that produce questions; embeddings and anything else are not part of a question's cost.
GENERATION_OPERATIONS = (OPERATION_SYNC, OPERATION_BATCH, OPERATION_SYLLABUS)

GROUPINGS = {
    "day": "to_char(created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD')",
    "model": "model",
    "operation": "operation_type",
    "workspace": "workspace_id::text",
}

_USAGE = """
SELECT {key} AS key, count(*) AS calls, count(*) FILTER (WHERE NOT success) AS failed_calls,
       coalesce(sum(tokens_input), 0) AS tokens_input, coalesce(sum(tokens_output), 0) AS tokens_output,
       coalesce(sum(tokens_total), 0) AS tokens_total, coalesce(sum(cost_usd), 0)::float8 AS cost_usd
FROM ai_usage_log
WHERE (CAST(:w AS uuid) IS NULL OR workspace_id = :w) AND created_at >= :since AND created_at < :until
GROUP BY 1 ORDER BY 1
"""


def period(start: date | None, end: date | None) -> tuple[date, date]:
    """`from` and `to` as whole UTC days (AI usage is billed in UTC), checked as every analytics period is."""
    return checked_days(start, end, datetime.now(timezone.utc).date())


def _bounds(since: date, until: date) -> dict[str, datetime]:
    start = datetime.combine(since, time(), timezone.utc)
    return {"since": start, "until": datetime.combine(until + timedelta(days=1), time(), timezone.utc)}


def usage_rows(conn: Connection, by: str, since: date, until: date, workspace_id: UUID | None) -> list[dict[str, Any]]:
    """Calls, tokens and cost per key of `by` (day | model | operation | workspace) from since to until inclusive."""
    rows = conn.execute(text(_USAGE.format(key=GROUPINGS[by])), {"w": workspace_id, **_bounds(since, until)})
    return [dict(r) for r in rows.mappings()]


def total_of(rows: list[dict[str, Any]]) -> dict[str, Any]:
    fields = ("calls", "failed_calls", "tokens_input", "tokens_output", "tokens_total", "cost_usd")
    return {"key": "total", **{f: sum(r[f] for r in rows) for f in fields}}


def usage(ctx: RequestContext, ws: UUID, by: str, since: date | None, until: date | None) -> s.UsageOut:
    since, until = period(since, until)
    with ctx.tx(ws) as tx:
        tx.require(*STAFF)
        rows = usage_rows(tx.conn, by, since, until, ws)
        return s.UsageOut(by=by, period=Period(start=since, end=until, time_zone="UTC"), rows=[s.UsageRow(**r) for r in rows],
                          total=s.UsageRow(**total_of(rows)), freshness=live(tx))


_GENERATION = """
WITH made AS (
  SELECT q.status, q.status = 'active' OR EXISTS (
           SELECT 1 FROM question_history h WHERE h.workspace_id = q.workspace_id AND h.question_id = q.id
             AND h.new_values ->> 'status' = 'active') AS accepted
  FROM questions q
  WHERE q.workspace_id = :w AND q.origin = 'ai_generated' AND q.created_at >= :since AND q.created_at < :until
)
SELECT (SELECT coalesce(sum(cost_usd), 0)::float8 FROM ai_usage_log WHERE workspace_id = :w
          AND created_at >= :since AND created_at < :until AND operation_type = ANY(:ops)) AS cost,
       (SELECT count(*) FROM made) AS generated,
       (SELECT count(*) FROM made WHERE accepted) AS accepted,
       (SELECT count(*) FROM made WHERE status = 'draft') AS pending,
       (SELECT count(*) FROM made WHERE status = 'archived' AND NOT accepted) AS rejected
"""

_BATCHES = """
SELECT status, count(*) AS n, sum(total_requested) AS requested, sum(total_generated) AS generated,
       sum(total_failed) AS failed, coalesce(sum(total_cost_usd), 0)::float8 AS cost
FROM question_batches WHERE workspace_id = :w AND created_at >= :since AND created_at < :until GROUP BY status
"""


def generation(ctx: RequestContext, ws: UUID, since: date | None, until: date | None) -> s.GenerationOut:
    since, until = period(since, until)
    bounds = _bounds(since, until)
    with ctx.tx(ws) as tx:
        tx.require(*STAFF)
        g = tx.one(_GENERATION, w=ws, ops=list(GENERATION_OPERATIONS), **bounds)
        batches = tx.all(_BATCHES, w=ws, **bounds)
        outcome = s.BatchOutcomes(
            batches=sum(b["n"] for b in batches), by_status={b["status"]: b["n"] for b in batches},
            requested=sum(b["requested"] for b in batches), generated=sum(b["generated"] for b in batches),
            failed=sum(b["failed"] for b in batches), cost_usd=sum(b["cost"] for b in batches))
        return s.GenerationOut(
            period=Period(start=since, end=until, time_zone="UTC"), generation_cost_usd=g["cost"], generated_questions=g["generated"],
            accepted_questions=g["accepted"], pending_drafts=g["pending"], rejected_drafts=g["rejected"],
            cost_per_accepted_question_usd=g["cost"] / g["accepted"] if g["accepted"] else None,
            batches=outcome, freshness=live(tx))
