"""Writing what generation produced, so that nothing is stored or charged twice.

One transaction per provider call (or per batch output line) holds everything the call produced: its
`ai_usage_log` row, the accepted questions and the outcome of every item it was for (question_batches.item_outcomes,
from which the batch's totals are counted). A worker killed before that commit leaves nothing, and the job's next run
makes the call again (a provider call whose result was never committed is paid twice at the provider, but logged
once here: the log is what we stored). A run that finds an item's outcome already recorded skips it, and the
`(workspace_id, batch_id, batch_custom_id)` key refuses a second question for an item.

The transaction is the schema owner's (usage and batches are platform records that staff may only read); the
questions are inserted inside it acting as the member who asked (`SET LOCAL ROLE` to the application role with the
acting settings), so row-level security, the history and the audit triggers see them as that member's.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any
from uuid import UUID

from sqlalchemy import text
from sqlalchemy.engine import Connection, Engine

from tutorassist.ai import usage
from tutorassist.ai.pipeline import Checked
from tutorassist.ai.prompts import TopicContext
from tutorassist.ai.providers import CallResult
from tutorassist.jobs.context import act_for_member
from tutorassist.jobs.registry import JobFailed
from tutorassist.kit.jsonb import dump_jsonb
from tutorassist.questions.contracts import QuestionGenerationMetadata
from tutorassist.questions.service import stored_answer_spec

ACCEPTED = "accepted"


# ---------------------------------------------------------------- budget
def month_spend(conn: Connection, workspace_id: UUID) -> Decimal:
    """AI spend of the workspace this calendar month (UTC)."""
    return Decimal(conn.execute(text(
        "SELECT coalesce(sum(cost_usd), 0) FROM ai_usage_log WHERE workspace_id = :w "
        "AND created_at >= date_trunc('month', now() AT TIME ZONE 'UTC') AT TIME ZONE 'UTC'"),
        {"w": workspace_id}).scalar())


def monthly_budget(conn: Connection, workspace_id: UUID) -> Decimal | None:
    value = conn.execute(text("SELECT settings_json -> 'ai_monthly_budget_usd' FROM workspaces WHERE id = :w"),
                         {"w": workspace_id}).scalar()
    return None if value is None else Decimal(str(value))


def over_budget(conn: Connection, workspace_id: UUID, estimate_usd: Decimal) -> dict[str, float] | None:
    """The figures when this month's spend plus `estimate_usd` exceeds the workspace's budget; None when it fits."""
    budget = monthly_budget(conn, workspace_id)
    if budget is None:
        return None
    spent = month_spend(conn, workspace_id)
    if spent + estimate_usd <= budget:
        return None
    return {"budget_usd": float(budget), "spent_this_month_usd": float(spent), "estimate_usd": float(estimate_usd),
            "available_usd": float(max(budget - spent, Decimal(0)))}


def budget_message(figures: Mapping[str, float]) -> str:
    return (f"the workspace's monthly AI budget of ${figures['budget_usd']:.2f} would be exceeded: "
            f"${figures['spent_this_month_usd']:.6f} spent this month, this needs about ${figures['estimate_usd']:.6f}")


# ---------------------------------------------------------------- batches
def open_batch(owner: Engine, *, workspace_id: UUID, batch_id: UUID, job_id: UUID, user_id: UUID | None, mode: str,
               provider: str, model: str, total_requested: int, topic_ids: list[UUID],
               difficulty_mix: Mapping[str, int], estimate_usd: Decimal | None) -> dict[str, Any]:
    """The job's question_batches row, created on its first run."""
    with owner.begin() as conn:
        conn.execute(text(
            "INSERT INTO question_batches (workspace_id, id, created_by, job_id, total_requested, topics_requested, "
            "difficulty_distribution, status, mode, provider, model, estimated_cost_usd, started_at) "
            "VALUES (:w, :id, :u, :j, :n, CAST(:topics AS uuid[]), CAST(:mix AS jsonb), 'running', :mode, :provider, "
            ":model, :estimate, now()) ON CONFLICT (workspace_id, id) DO NOTHING"),
            {"w": workspace_id, "id": batch_id, "u": user_id, "j": job_id, "n": total_requested,
             "topics": [str(t) for t in topic_ids], "mix": json.dumps(dict(difficulty_mix)), "mode": mode,
             "provider": provider, "model": model, "estimate": estimate_usd})
        return dict(conn.execute(text("SELECT * FROM question_batches WHERE workspace_id = :w AND id = :id"),
                                 {"w": workspace_id, "id": batch_id}).mappings().one())


def batch_row(owner: Engine, workspace_id: UUID, batch_id: UUID) -> dict[str, Any] | None:
    with owner.connect() as conn:
        row = conn.execute(text("SELECT * FROM question_batches WHERE workspace_id = :w AND id = :id"),
                           {"w": workspace_id, "id": batch_id}).mappings().one_or_none()
        return dict(row) if row else None


_TOTALS = """total_generated = (SELECT count(*) FROM jsonb_each_text(item_outcomes) o WHERE o.value = 'accepted'),
  total_failed = (SELECT count(*) FROM jsonb_each_text(item_outcomes) o WHERE o.value <> 'accepted'),
  total_tokens = (SELECT coalesce(sum(tokens_total), 0) FROM ai_usage_log u WHERE u.workspace_id = :w AND u.job_id = :j),
  total_cost_usd = (SELECT coalesce(sum(cost_usd), 0) FROM ai_usage_log u WHERE u.workspace_id = :w AND u.job_id = :j)"""


def finish_batch(owner: Engine, workspace_id: UUID, batch_id: UUID, job_id: UUID, status: str,
                 error_text: str | None = None, unfinished_reason: str | None = None,
                 item_ids: list[str] | None = None) -> dict[str, Any]:
    """Close the batch: items without an outcome get `unfinished_reason`; totals counted; status and error set."""
    with owner.begin() as conn:
        if unfinished_reason and item_ids:
            conn.execute(text(
                "UPDATE question_batches SET item_outcomes = (SELECT coalesce(jsonb_object_agg(i, CAST(:r AS text)), '{}') "
                "FROM unnest(CAST(:ids AS text[])) i) || item_outcomes WHERE workspace_id = :w AND id = :b"),
                {"r": unfinished_reason, "ids": item_ids, "w": workspace_id, "b": batch_id})
        conn.execute(text(f"UPDATE question_batches SET {_TOTALS}, status = :s, error_text = :e, "
                          "completed_at = coalesce(completed_at, now()) WHERE workspace_id = :w AND id = :b"),
                     {"w": workspace_id, "b": batch_id, "j": job_id, "s": status, "e": error_text})
        return dict(conn.execute(text("SELECT * FROM question_batches WHERE workspace_id = :w AND id = :b"),
                                 {"w": workspace_id, "b": batch_id}).mappings().one())


# ---------------------------------------------------------------- one call's effects
def log_usage(conn: Connection, *, workspace_id: UUID, user_id: UUID | None, job_id: UUID, operation: str,
               call: CallResult, extra: Mapping[str, Any]) -> None:
    error = call.error or call.malformed
    usage.insert(conn, workspace_id=workspace_id, user_id=user_id, job_id=job_id, operation=operation,
                 model=call.model, tokens_input=call.tokens_input, tokens_output=call.tokens_output,
                 cost_usd=call.cost_usd, duration_ms=call.duration_ms, error=error,
                 metadata=call.usage_metadata() | dict(extra))


def log_failed_call(owner: Engine, *, workspace_id: UUID, user_id: UUID | None, job_id: UUID, operation: str,
                    call: CallResult, batch_id: UUID | None = None, extra: Mapping[str, Any] | None = None) -> None:
    """A call that produced nothing (transient or refused): its usage row alone, and the batch's totals."""
    with owner.begin() as conn:
        log_usage(conn, workspace_id=workspace_id, user_id=user_id, job_id=job_id, operation=operation, call=call,
                   extra=extra or {})
        if batch_id is not None:
            conn.execute(text(f"UPDATE question_batches SET {_TOTALS} WHERE workspace_id = :w AND id = :b"),
                         {"w": workspace_id, "b": batch_id, "j": job_id})


@contextmanager
def _as_member(conn: Connection, user_id: UUID | None, workspace_id: UUID) -> Iterator[None]:
    """Inside the owner's transaction, act as the member who asked (the application role, RLS applies)."""
    act_for_member(conn, user_id, workspace_id)
    yield
    conn.execute(text("SET LOCAL ROLE NONE"))


def generation_metadata(checked: Checked, call: CallResult, *, job_id: UUID, share: int, topic: TopicContext,
                        provider_batch_id: str | None, generated_at: datetime) -> dict[str, Any]:
    """QuestionGenerationMetadata of one accepted question: the call's tokens, time and cost are shared evenly by
    the `share` items the call was for (so summing over questions gives the call's figures)."""
    tokens_in, tokens_out = call.tokens_input // share, call.tokens_output // share
    c = checked.candidate
    pedagogical = ({"blooms_level": c.blooms_level, "skill_type": c.skill_type, "cognitive_load": c.cognitive_load}
                   if c.blooms_level and c.skill_type else None)
    return dump_jsonb(QuestionGenerationMetadata.model_validate({
        "model": call.model, "model_version": call.model_version, "prompt_version": call.prompt_version,
        "temperature": float(call.temperature), "generated_at": generated_at.isoformat(),
        "batch_id": provider_batch_id, "job_id": str(job_id),
        "tokens_used": {"input": tokens_in, "output": tokens_out, "total": tokens_in + tokens_out},
        "generation_time_ms": call.duration_ms, "cost_usd": float(call.cost_usd / share),
        "validation_passed": True, "auto_fixes_applied": checked.auto_fixes,
        "quality_checks": {"latex_valid": bool(checked.checks.get("latex_valid")),
                           "answer_parseable": bool(checked.checks.get("answer_parseable")),
                           "difficulty_appropriate": c.difficulty == checked.requested_difficulty},
        "source_context": {"material_id": str(topic.material_id) if topic.material_id else None,
                           "material_page": topic.material_page,
                           "similar_questions": [str(q) for q, _ in checked.similar] or None,
                           "topic_context": topic.summary()},
        "pedagogical": pedagogical,
    }))


def record_call(owner: Engine, *, workspace_id: UUID, user_id: UUID | None, job_id: UUID, batch_id: UUID,
                operation: str, call: CallResult | None, topic: TopicContext, outcomes: Mapping[str, Checked | str],
                provider_batch_id: str | None = None, extra: Mapping[str, Any] | None = None,
                duplicate_check=None) -> dict[str, str]:  # noqa: ANN001 - pipeline.duplicate_reason bound
    """Store one call's effects in one transaction; returns the outcome recorded per item (empty when every item
    already had one: a re-run, nothing is logged again). `duplicate_check(conn, checked)` returns a reject reason.
    When the member may no longer act (JobFailed), nothing is stored but the call is still logged, as failed."""
    try:
        return _record_call(owner, workspace_id=workspace_id, user_id=user_id, job_id=job_id, batch_id=batch_id,
                            operation=operation, call=call, topic=topic, outcomes=outcomes,
                            provider_batch_id=provider_batch_id, extra=extra, duplicate_check=duplicate_check)
    except JobFailed as exc:
        if call is not None:
            call.error = call.error or f"results discarded: {exc}"
            log_failed_call(owner, workspace_id=workspace_id, user_id=user_id, job_id=job_id, operation=operation,
                            call=call, batch_id=batch_id, extra=extra)
        raise


def _record_call(owner: Engine, *, workspace_id: UUID, user_id: UUID | None, job_id: UUID, batch_id: UUID,
                 operation: str, call: CallResult | None, topic: TopicContext, outcomes: Mapping[str, Checked | str],
                 provider_batch_id: str | None, extra: Mapping[str, Any] | None,
                 duplicate_check) -> dict[str, str]:  # noqa: ANN001
    with owner.begin() as conn:
        done = conn.execute(text("SELECT item_outcomes FROM question_batches WHERE workspace_id = :w AND id = :b "
                                 "FOR UPDATE"), {"w": workspace_id, "b": batch_id}).scalar() or {}
        pending = {item: value for item, value in outcomes.items() if item not in done}
        if not pending:
            return {}
        if call is not None:
            log_usage(conn, workspace_id=workspace_id, user_id=user_id, job_id=job_id, operation=operation,
                       call=call, extra=(extra or {}) | ({"provider_batch_id": provider_batch_id}
                                                         if provider_batch_id else {}))
        recorded: dict[str, str] = {}
        generated_at = datetime.now(UTC)
        with _as_member(conn, user_id, workspace_id):
            for item, value in pending.items():
                if isinstance(value, str):
                    recorded[item] = value
                    continue
                reason = duplicate_check(conn, value) if duplicate_check else None
                if reason:
                    recorded[item] = reason
                    continue
                c = value.candidate
                meta = generation_metadata(value, call, job_id=job_id, share=max(len(outcomes), 1), topic=topic,
                                           provider_batch_id=provider_batch_id, generated_at=generated_at)
                conn.execute(text(
                    "INSERT INTO questions (workspace_id, topic_id, source_material_id, batch_id, batch_custom_id, "
                    "prompt_latex, prompt_text, answer_type, answer_spec, hints_json, solution_latex, difficulty, "
                    "tags_json, status, origin, quality_score, generation_metadata, created_by, updated_by) VALUES "
                    "(:w, :topic, :material, :b, :item, :latex, :text, :type, CAST(:spec AS jsonb), "
                    "CAST(:hints AS jsonb), :solution, :difficulty, CAST(:tags AS jsonb), 'draft', 'ai_generated', "
                    ":quality, CAST(:meta AS jsonb), :u, :u) "
                    "ON CONFLICT (workspace_id, batch_id, batch_custom_id) WHERE origin = 'ai_generated' DO NOTHING"),
                    {"w": workspace_id, "topic": topic.topic_id, "material": topic.material_id, "b": batch_id,
                     "item": item, "latex": c.prompt_latex, "text": value.prompt_text, "type": c.answer_type,
                     "spec": json.dumps(stored_answer_spec(c.answer_type, c.answer_spec)),
                     "hints": json.dumps(c.hints), "solution": c.solution_latex, "difficulty": c.difficulty,
                     "tags": json.dumps(c.tags), "quality": value.quality_score, "meta": json.dumps(meta),
                     "u": user_id})
                recorded[item] = ACCEPTED
        conn.execute(text(f"UPDATE question_batches SET item_outcomes = item_outcomes || CAST(:new AS jsonb), "
                          f"{_TOTALS.replace('item_outcomes)', 'item_outcomes || CAST(:new AS jsonb))')} "
                          "WHERE workspace_id = :w AND id = :b"),
                     {"new": json.dumps(recorded), "w": workspace_id, "b": batch_id, "j": job_id})
        return recorded
