"""HTTP routes of similarity search (owners and tutors): questions like a question, and questions like a text."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import asynccontextmanager, contextmanager
from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Query
from pydantic import BaseModel, Field
from sqlalchemy import text

from tutorassist.api.context import STAFF, Context, RequestContext, Tx
from tutorassist.config import get_settings
from tutorassist.db.connection import acting
from tutorassist.embeddings import jobs as _jobs  # noqa: F401  (registers EMBED_QUESTIONS and REEMBED_ALL)
from tutorassist.embeddings import providers, service, similarity
from tutorassist.embeddings.providers import ProviderRefused, ProviderUnavailable, UsageRecord
from tutorassist.embeddings.text import MAX_QUERY_CHARS
from tutorassist.kit.problems import Problem
from tutorassist.kit.schemas import Strict


@asynccontextmanager
async def _warm_up(_app):
    """Load the local model in the background as the server starts, so the first search does not wait for it
    (≈2-5 s: torch and the weights); a request arriving earlier waits only for what is left."""
    if get_settings().embedding_provider == "local":
        threading.Thread(target=providers.warm_up, name="embedding-model", daemon=True).start()
    yield


router = APIRouter(lifespan=_warm_up)
_BASE = "/workspaces/{workspace_id}/questions"

Limit = Annotated[int, Query(ge=1, le=similarity.MAX_LIMIT, description="How many questions at most")]


class SimilarQuestion(BaseModel):
    question_id: UUID
    similarity: float = Field(description="Cosine similarity of the two embeddings, from -1 to 1 (1: the same text)")
    prompt_text: str
    status: str


class SimilarQuestions(BaseModel):
    model: str = Field(description="The embedding model compared with")
    items: list[SimilarQuestion] = Field(description="Most similar first, all from this workspace")
    not_embedded: int = Field(description="Questions of the workspace without a current embedding by this model, so "
                                          "not searched: an EMBED_QUESTIONS job embeds them")


@router.get(_BASE + "/similar", response_model=SimilarQuestions, tags=["questions"],
            responses={503: {"description": "The embedding provider is unavailable; try again after `retry_after` s"},
                       502: {"description": "The embedding provider refused the request"}})
def similar_to_text(workspace_id: UUID, ctx: Context,
                    text_: Annotated[str, Query(alias="text", min_length=1, max_length=MAX_QUERY_CHARS,
                                                pattern=r"^[^\x00]*\S[^\x00]*$",
                                                description="Free text, e.g. a question being written")],
                    limit: Limit = 10) -> SimilarQuestions:
    """The workspace's questions most similar to a text (owners and tutors)."""
    # The provider is called between two transactions, so no pooled connection waits on a remote model.
    with ctx.tx(workspace_id) as tx:
        tx.require(*STAFF)
        provider = _provider(ctx, tx)
        with provider_problems():
            dimensions = service.check_model(tx.conn, provider)
    with provider_problems():
        [vector] = provider.embed([text_.strip()])
    with ctx.tx(workspace_id) as tx:
        tx.require(*STAFF)
        found = similarity.similar_to_vector(tx.conn, workspace_id, provider.model, dimensions, vector, limit)
        return _shape(tx, provider.model, found)


@router.get(_BASE + "/{question_id}/similar", response_model=SimilarQuestions, tags=["questions"],
            responses={409: {"description": "The question has no embedding yet and the provider is not the local "
                                            "model: run an EMBED_QUESTIONS job"},
                       503: {"description": "The embedding provider is unavailable; try again after `retry_after` s"},
                       502: {"description": "The embedding provider refused the request"}})
def similar_to_question(workspace_id: UUID, question_id: UUID, ctx: Context, limit: Limit = 10) -> SimilarQuestions:
    """The workspace's questions most similar to one of its questions, itself left out (owners and tutors). A question
    without an embedding by the configured model is embedded on the spot when that model is the local one."""
    with ctx.tx(workspace_id) as tx:
        tx.require(*STAFF)
        if tx.scalar("SELECT 1 FROM questions WHERE workspace_id = :w AND id = :q", w=workspace_id, q=question_id) is None:
            raise Problem(404, "Not found", "no such question in this workspace")
        provider = _provider(ctx, tx)
        with provider_problems():
            try:
                found = similarity.similar_to_question(tx.conn, workspace_id, question_id, limit, model=provider.model)
            except similarity.NotEmbedded:
                if provider.kind != "local":
                    raise Problem(409, "Conflict", f"the question has no {provider.model} embedding yet: run an "
                                                   "EMBED_QUESTIONS job for the workspace, then ask again") from None
                service.embed_one(tx.conn, workspace_id, provider, question_id)
                found = similarity.similar_to_question(tx.conn, workspace_id, question_id, limit, model=provider.model)
        return _shape(tx, provider.model, found)


def _provider(ctx: RequestContext, tx: Tx) -> providers.Provider:
    """The configured provider; its paid calls are logged in ai_usage_log in their own transaction (kept even when
    the request then fails)."""

    def record(usage: UsageRecord) -> None:
        import json

        with acting(ctx.engine, tx.user_id, tx.workspace_id) as conn:
            conn.execute(text(
                "SELECT app.log_request_ai_usage(:op, :model, :tin, 0, :cost, :ms, :ok, :err, CAST(:meta AS jsonb))"),
                {"op": _jobs.OPERATION, "model": usage.model, "tin": usage.tokens_input, "cost": usage.cost_usd,
                 "ms": usage.duration_ms, "ok": usage.success, "err": usage.error_message,
                 "meta": json.dumps(usage.metadata)})

    try:
        return providers.configured(usage=record)
    except ProviderRefused as exc:
        raise Problem(502, "Bad Gateway", str(exc)) from None


@contextmanager
def provider_problems() -> Iterator[None]:
    """Provider failures as problems: 503 with `retry_after` when transient, 502 when refused."""
    try:
        yield
    except ProviderUnavailable as exc:
        raise Problem(503, "Service Unavailable", str(exc), retry_after=int(exc.retry_after)) from None
    except ProviderRefused as exc:
        raise Problem(502, "Bad Gateway", str(exc)) from None


def _shape(tx: Tx, model: str, found: list[similarity.Similar]) -> SimilarQuestions:
    rows = {r["id"]: r for r in tx.all("SELECT id, prompt_text, status FROM questions WHERE workspace_id = :w "
                                       "AND id = ANY(CAST(:ids AS uuid[]))", w=tx.workspace_id,
                                       ids=[str(s.question_id) for s in found])}
    missing = tx.scalar(
        "SELECT count(*) FROM questions q WHERE q.workspace_id = :w AND NOT EXISTS (SELECT 1 FROM question_embeddings e "
        "WHERE e.workspace_id = q.workspace_id AND e.question_id = q.id AND e.embedding_model = :m)",
        w=tx.workspace_id, m=model)
    return SimilarQuestions(model=model, not_embedded=missing, items=[
        SimilarQuestion(question_id=s.question_id, similarity=round(s.similarity, 6),
                        prompt_text=rows[s.question_id]["prompt_text"] or "", status=rows[s.question_id]["status"])
        for s in found if s.question_id in rows])


class EmbeddingJobRequest(Strict):
    reembed: bool = Field(False, description="Re-embed every question with the configured model (after a model "
                                             "change), not only those missing or stale")


class EmbeddingJobQueued(BaseModel):
    job_id: UUID = Field(description="Follow it at GET /workspaces/{workspace_id}/jobs/{job_id}")
    type: str


@router.post(_BASE + "/embeddings", status_code=202, response_model=EmbeddingJobQueued, tags=["questions"])
def embed_questions(workspace_id: UUID, body: EmbeddingJobRequest, ctx: Context):
    """Ask for a job that embeds the workspace's questions: those missing or stale (EMBED_QUESTIONS), or, with
    `reembed`, every one with the configured model (REEMBED_ALL). Staff only."""
    from tutorassist.jobs.service import enqueue

    type_ = "REEMBED_ALL" if body.reembed else "EMBED_QUESTIONS"
    with ctx.tx(workspace_id) as tx:
        tx.require(*STAFF)
        return EmbeddingJobQueued(job_id=enqueue(tx.conn, workspace_id, type_, {}), type=type_)
