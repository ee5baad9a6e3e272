"""AI generation for the API: estimate, start a job, list and approve drafts, show a batch. Each function is one
request transaction acting as the member; staff only."""

from __future__ import annotations

import json
from collections import Counter
from decimal import Decimal
from uuid import UUID

from sqlalchemy import text

from tutorassist.ai import store
from tutorassist.ai.generation import GenerationRequest, estimate, topic_context
from tutorassist.ai.jobs import GENERATE_QUESTIONS, GENERATE_QUESTIONS_BATCH
from tutorassist.ai.providers import OFFLINE, OPENAI
from tutorassist.ai.schemas import ApproveOut, BatchOut, DraftChecks, DraftOut, EstimateOut, GenerationBody, GenerationOut
from tutorassist.api.context import STAFF, RequestContext, Tx
from tutorassist.config import get_settings
from tutorassist.kit.pagination import Page, decode_time_cursor, page_of
from tutorassist.kit.problems import Problem


def _request(body: GenerationBody) -> GenerationRequest:
    settings = get_settings()
    if body.provider == OPENAI and not settings.ai_api_key:
        raise Problem(409, "Conflict", "no AI provider is configured on this server (TUTORASSIST_AI_API_KEY); "
                                       "use provider offline")
    request = GenerationRequest.model_validate(body.model_dump() | {"mode": "sync"})
    if body.mode == "batch" and request.resolved_provider(settings) == OFFLINE:
        raise Problem(409, "Conflict", "batch mode needs the OpenAI-compatible provider, and the offline generator "
                                       "has no batch: use mode sync (or configure TUTORASSIST_AI_API_KEY)")
    return request.model_copy(update={"mode": body.mode})


def _estimate(tx: Tx, request: GenerationRequest) -> EstimateOut:
    topic = topic_context(tx.conn, tx.workspace_id, request.topic_id, request.source_material_id,
                          request.material_page)
    if topic is None:
        raise Problem(404, "Not found", "no such topic or source material in this workspace")
    settings = get_settings()
    guess = estimate(request, topic, settings)
    provider = request.resolved_provider(settings)
    budget = store.monthly_budget(tx.conn, tx.workspace_id)
    spent = store.month_spend(tx.conn, tx.workspace_id)
    within = provider == OFFLINE or budget is None or spent + guess.cost_usd <= budget
    return EstimateOut(provider=provider, mode=request.mode, model=guess.model, calls=guess.calls,
                       tokens_input=guess.tokens_input, tokens_output=guess.tokens_output,
                       tokens_total=guess.tokens_input + guess.tokens_output, cost_usd=float(guess.cost_usd),
                       pricing=guess.pricing, difficulty_counts=request.mix(),
                       budget_usd=None if budget is None else float(budget), spent_this_month_usd=float(spent),
                       within_budget=within)


def estimate_generation(ctx: RequestContext, ws: UUID, body: GenerationBody) -> EstimateOut:
    with ctx.tx(ws) as tx:
        return estimate_in(tx, body)


def estimate_in(tx: Tx, body: GenerationBody) -> EstimateOut:
    tx.require(*STAFF)
    return _estimate(tx, _request(body))


def start_generation(ctx: RequestContext, ws: UUID, body: GenerationBody) -> GenerationOut:
    with ctx.tx(ws) as tx:
        return start_in(tx, body)


def start_in(tx: Tx, body: GenerationBody) -> GenerationOut:
    """Enqueue the job (the worker creates its question_batches row, whose id is the job's id)."""
    ws = tx.workspace_id
    tx.require(*STAFF)
    request = _request(body)
    guess = _estimate(tx, request)
    if not guess.within_budget:
        figures = {"budget_usd": guess.budget_usd, "spent_this_month_usd": guess.spent_this_month_usd,
                   "estimate_usd": guess.cost_usd,
                   "available_usd": max((guess.budget_usd or 0) - guess.spent_this_month_usd, 0)}
        raise Problem(409, "Over budget", store.budget_message(figures), **figures)
    job_type = GENERATE_QUESTIONS_BATCH if request.mode == "batch" else GENERATE_QUESTIONS
    payload = request.model_dump(mode="json", exclude_none=True) | {
        "provider": guess.provider, "estimate": guess.model_dump(mode="json")}
    job_id = tx.scalar("INSERT INTO jobs (workspace_id, type, payload_json, priority) "
                       "VALUES (:w, :t, CAST(:p AS jsonb), 0) RETURNING id", w=ws, t=job_type, p=json.dumps(payload))
    return GenerationOut(job_id=job_id, batch_id=job_id, job_type=job_type, estimate=guess)


def list_drafts(ctx: RequestContext, ws: UUID, batch_id: UUID | None, limit: int, cursor: str | None) -> Page[DraftOut]:
    with ctx.tx(ws) as tx:
        return drafts_in(tx, batch_id, limit, cursor)


def drafts_in(tx: Tx, batch_id: UUID | None, limit: int, cursor: str | None) -> Page[DraftOut]:
    after = decode_time_cursor(cursor)
    ws = tx.workspace_id
    tx.require(*STAFF)
    rows = tx.all(
        "SELECT id, topic_id, prompt_latex, answer_type, difficulty, quality_score, batch_id, batch_custom_id, "
        "generation_metadata->>'model' AS model, "
        "ARRAY(SELECT jsonb_array_elements_text(coalesce(generation_metadata->'auto_fixes_applied', '[]'))) "
        "AS auto_fixes_applied, created_at FROM questions "
        "WHERE workspace_id = :w AND origin = 'ai_generated' AND status = 'draft' "
        "AND (CAST(:b AS uuid) IS NULL OR batch_id = :b) "
        "AND (CAST(:at AS timestamptz) IS NULL OR (created_at, id) < (:at, :id)) "
        "ORDER BY created_at DESC, id DESC LIMIT :n",
        w=ws, b=batch_id, at=after[0] if after else None, id=after[1] if after else None, n=limit + 1)
    page, next_cursor = page_of(rows, limit)
    return Page[DraftOut](items=[DraftOut(**{**r, "quality_score": None if r["quality_score"] is None
                                             else float(r["quality_score"])}) for r in page],
                          next_cursor=next_cursor)


_CHECKS = """
SELECT id, (m->>'validation_passed')::boolean AS validation_passed,
       (m->'quality_checks'->>'latex_valid')::boolean AS latex_valid,
       (m->'quality_checks'->>'answer_parseable')::boolean AS answer_parseable,
       (m->'quality_checks'->>'difficulty_appropriate')::boolean AS difficulty_appropriate,
       CASE WHEN jsonb_typeof(m->'source_context'->'similar_questions') = 'array'
            THEN jsonb_array_length(m->'source_context'->'similar_questions') ELSE 0 END AS similar_questions
FROM (SELECT id, coalesce(generation_metadata, '{}') AS m FROM questions
      WHERE workspace_id = :w AND origin = 'ai_generated' AND id = ANY(:ids)) q
"""


def draft_checks(ctx: RequestContext, ws: UUID, ids: list[UUID]) -> dict[UUID, DraftChecks]:
    """The pipeline's checks of these AI-generated questions (others are left out), for the drafts' review page."""
    with ctx.tx(ws) as tx:
        tx.require(*STAFF)
        return {r["id"]: DraftChecks(**{k: v for k, v in r.items() if k != "id"})
                for r in tx.all(_CHECKS, w=ws, ids=list(ids))}


def approve_drafts(ctx: RequestContext, ws: UUID, ids: list[UUID]) -> ApproveOut:
    with ctx.tx(ws) as tx:
        return approve_in(tx, ids)


def approve_in(tx: Tx, ids: list[UUID]) -> ApproveOut:
    """All or nothing: every id must be an AI-generated draft of the workspace (draft -> active, the normal rule)."""
    ws = tx.workspace_id
    tx.require(*STAFF)
    unique = list(dict.fromkeys(ids))
    rows = {r["id"]: r for r in tx.all("SELECT id, status, origin FROM questions WHERE workspace_id = :w "
                                       "AND id = ANY(:ids) FOR UPDATE", w=ws, ids=unique)}
    missing = [str(i) for i in unique if i not in rows]
    if missing:
        raise Problem(404, "Not found", f"no such question in this workspace: {', '.join(missing)}")
    wrong = [f"{i} is {rows[i]['status']}" if rows[i]["status"] != "draft" else f"{i} is not AI-generated"
             for i in unique if rows[i]["status"] != "draft" or rows[i]["origin"] != "ai_generated"]
    if wrong:
        raise Problem(409, "Conflict", "only AI-generated drafts can be approved: " + "; ".join(wrong))
    tx.conn.execute(text("UPDATE questions SET status = 'active', updated_by = :u WHERE workspace_id = :w "
                         "AND id = ANY(:ids)"), {"u": tx.user_id, "w": ws, "ids": unique})
    return ApproveOut(approved=unique)


def get_batch(ctx: RequestContext, ws: UUID, batch_id: UUID) -> BatchOut:
    with ctx.tx(ws) as tx:
        tx.require(*STAFF)
        row = tx.one("SELECT * FROM question_batches WHERE workspace_id = :w AND id = :b", w=ws, b=batch_id)
        if row is None:
            job = tx.one("SELECT id, type, payload_json, created_at FROM jobs WHERE workspace_id = :w AND id = :b "
                         "AND type IN (:t1, :t2)", w=ws, b=batch_id, t1=GENERATE_QUESTIONS, t2=GENERATE_QUESTIONS_BATCH)
            if job is None:
                raise Problem(404, "Not found", "no such batch")
            payload = job["payload_json"]
            return BatchOut(id=job["id"], job_id=job["id"], status="pending",
                            mode="batch" if job["type"] == GENERATE_QUESTIONS_BATCH else "sync",
                            provider=payload.get("provider"), model=(payload.get("estimate") or {}).get("model"),
                            openai_batch_id=None, total_requested=int(payload.get("count", 0)), total_generated=0,
                            total_failed=0, rejected_by_reason={}, total_tokens=None, total_cost_usd=None,
                            estimated_cost_usd=(payload.get("estimate") or {}).get("cost_usd"), error_text=None,
                            created_at=job["created_at"], completed_at=None)
        rejected = Counter(v for v in (row["item_outcomes"] or {}).values() if v != store.ACCEPTED)
        money = {k: None if row[k] is None else float(Decimal(row[k])) for k in ("total_cost_usd", "estimated_cost_usd")}
        return BatchOut(**{k: row[k] for k in BatchOut.model_fields if k in row and k not in money}, **money,
                        rejected_by_reason=dict(sorted(rejected.items())))
