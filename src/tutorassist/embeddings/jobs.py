"""Job types of the embeddings domain.

EMBED_QUESTIONS: the workspace's missing or stale embeddings (payload `{"question_ids": [...]}` limits it to those).
REEMBED_ALL: after a model change, every question of the workspace with the configured model, progress reported;
`{"drop_other_models": true}` then deletes the workspace's embeddings of every other model.

Both are idempotent: a batch is upserted in its own transaction and only stale embeddings are computed, so a run
started again after a crash continues where the last committed batch ended. Provider failures: rate limits, timeouts
and 5xx retry later (the server's Retry-After honoured); a refusal (bad key, unknown model, malformed answer) fails
the job with the provider's reason. Every openai call is logged in ai_usage_log with the job's id."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from sqlalchemy import text
from sqlalchemy.engine import Engine

from tutorassist.ai import usage
from tutorassist.embeddings import providers
from tutorassist.embeddings.providers import ProviderRefused, ProviderUnavailable, UsageRecord
from tutorassist.embeddings.service import embed_questions
from tutorassist.jobs.context import JobContext
from tutorassist.jobs.periodic import maintenance
from tutorassist.jobs.registry import JobFailed, RetryLater, job_type

OPERATION = "generate_embedding"


def usage_sink(ctx: JobContext):
    """Writes one ai_usage_log row per provider call, in its own committed transaction (kept even if the job fails)."""

    def record(call: UsageRecord) -> None:
        with ctx.owner.begin() as conn:
            usage.insert(conn, workspace_id=ctx.workspace_id, user_id=ctx.user_id, job_id=ctx.job_id,
                         operation=OPERATION, model=call.model, tokens_input=call.tokens_input,
                         tokens_output=None if call.tokens_input is None else 0,
                         cost_usd=call.cost_usd, duration_ms=call.duration_ms, error=call.error_message,
                         metadata=call.metadata)

    return record


def _question_ids(payload: dict[str, Any]) -> list[UUID] | None:
    ids = payload.get("question_ids")
    if ids is None:
        return None
    if not isinstance(ids, list):
        raise JobFailed("question_ids must be a list of question ids")
    try:
        return [UUID(str(i)) for i in ids]
    except ValueError:
        raise JobFailed("question_ids must hold question ids (UUIDs)") from None


def _run(ctx: JobContext, question_ids: list[UUID] | None, message: str) -> dict[str, Any]:
    try:
        provider = providers.configured(usage=usage_sink(ctx))
        result = embed_questions(
            ctx.acting, ctx.workspace_id, provider, question_ids,
            progress=lambda done, total: ctx.progress(done, total, message),
            between_batches=ctx.stop_if_cancelled,
        )
    except ProviderUnavailable as exc:
        raise RetryLater(str(exc), exc.retry_after) from None
    except ProviderRefused as exc:
        raise JobFailed(str(exc)) from None
    return {"model": provider.model, "model_version": provider.version, **result.as_json()}


@job_type("EMBED_QUESTIONS", max_attempts=5)
def embed_missing(ctx: JobContext, payload: dict[str, Any]) -> dict[str, Any]:
    """Embed the workspace's questions whose embedding is missing or stale (text or model changed)."""
    return _run(ctx, _question_ids(payload), "embedding questions")


@job_type("REEMBED_ALL", max_attempts=5)
def reembed_all(ctx: JobContext, payload: dict[str, Any]) -> dict[str, Any]:
    """Re-embed every question of the workspace with the configured model (after a model change)."""
    result = _run(ctx, None, "re-embedding every question with the configured model")
    if payload.get("drop_other_models"):
        with ctx.acting() as conn:
            dropped = conn.execute(text("DELETE FROM question_embeddings WHERE workspace_id = :w AND embedding_model <> :m"),
                                   {"w": ctx.workspace_id, "m": result["model"]}).rowcount
        result["dropped_other_models"] = dropped
    return result


# Workspaces with questions that have no embedding by the model and no embedding job under way. The job acts for
# the workspace's owner (who can always see every question); `db audit`-style drift (an edited text) is caught by
# the next EMBED_QUESTIONS run and by generation, which re-embed stale texts first.
_ENQUEUE_MISSING = text("""
    INSERT INTO jobs (workspace_id, type, payload_json, created_by)
    SELECT w.id, 'EMBED_QUESTIONS', '{"reason": "new questions"}'::jsonb, w.owner_user_id
    FROM workspaces w
    WHERE (CAST(:ws AS uuid) IS NULL OR w.id = :ws)
      AND EXISTS (SELECT 1 FROM questions q WHERE q.workspace_id = w.id AND NOT EXISTS (
            SELECT 1 FROM question_embeddings e WHERE e.workspace_id = q.workspace_id AND e.question_id = q.id
              AND e.embedding_model = :model))
      AND NOT EXISTS (SELECT 1 FROM jobs j WHERE j.workspace_id = w.id AND j.type IN ('EMBED_QUESTIONS', 'REEMBED_ALL')
                        AND j.status IN ('queued', 'running'))
    RETURNING workspace_id, id""")


def enqueue_missing(owner: Engine, model: str, workspace_id: UUID | None = None) -> list[tuple[UUID, UUID]]:
    """(workspace, job) of each EMBED_QUESTIONS job asked for questions without an embedding by `model`."""
    with owner.begin() as conn:
        return [(r.workspace_id, r.id) for r in conn.execute(_ENQUEUE_MISSING, {"ws": workspace_id, "model": model})]


@maintenance("EMBED_NEW_QUESTIONS", "*/10 * * * *")
def embed_new_questions(owner: Engine) -> dict[str, Any]:
    """Ask for an EMBED_QUESTIONS job in every workspace with questions not embedded yet (written, imported)."""
    from tutorassist.embeddings.similarity import configured_model

    asked = enqueue_missing(owner, configured_model())
    return {"jobs_asked": len(asked)}
