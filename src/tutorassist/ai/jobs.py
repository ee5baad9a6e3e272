"""The generation job types: GENERATE_QUESTIONS (synchronous calls, one per chunk of items), GENERATE_QUESTIONS_BATCH
(the provider's Batch API) and SYLLABUS_GENERATE (a topic tree, then questions for its new topics).

Each job has one question_batches row, whose id is the job's id. A handler can be killed at any instant and run
again from the start: items whose outcome is recorded are skipped, each call's effects are one transaction
(store.py), and a provider batch is found again by the job id in its metadata before a new one is submitted.

Provider failures: 429 (after its Retry-After), 5xx, timeouts and unreachable providers retry the job later
(RetryLater; the failed call is logged). A refusal (401, 400, ...) fails the job with the provider's message: no retry
fixes a bad key or model. A model answer that is not JSON or not of the schema is a failed call (logged, with its
tokens and cost) whose items are rejected as `malformed_response`; the job goes on with the next chunk.
"""

from __future__ import annotations

import hashlib
import logging
from collections import Counter
from decimal import Decimal
from typing import Any
from uuid import UUID

from pydantic import ValidationError
from sqlalchemy import text
from sqlalchemy.engine import Engine

from tutorassist.ai import pipeline, store
from tutorassist.ai.generation import CHUNK_SIZE, GenerationRequest, chunks, estimate, items, topic_context
from tutorassist.ai.pricing import OFFLINE_MODEL
from tutorassist.ai.prompts import TopicContext
from tutorassist.ai.providers import OFFLINE, CallResult, ProviderBusy, ProviderRefused
from tutorassist.ai.providers import offline as offline_provider
from tutorassist.ai.providers import openai as openai_provider
from tutorassist.ai.similar import EmbeddingSimilar
from tutorassist.config import Settings, get_settings
from tutorassist.jobs.context import JobContext
from tutorassist.jobs.periodic import maintenance
from tutorassist.jobs.registry import Cancelled, JobFailed, RetryLater, Snooze, job_type

log = logging.getLogger("tutorassist.ai")

GENERATE_QUESTIONS = "GENERATE_QUESTIONS"
GENERATE_QUESTIONS_BATCH = "GENERATE_QUESTIONS_BATCH"
SYLLABUS_GENERATE = "SYLLABUS_GENERATE"
OPERATION_SYNC, OPERATION_BATCH = "generate_question", "batch_generate"
BATCH_POLL_SECONDS = 60.0

"""How near-duplicates are found (replaced by the embeddings search where it is installed)."""


def _request(payload: dict[str, Any]) -> GenerationRequest:
    try:
        return GenerationRequest.model_validate({k: v for k, v in payload.items() if k != "estimate"})
    except ValidationError as exc:
        raise JobFailed(f"the job's request is not valid: {exc.errors()[0]['msg']}") from None


def _topic(ctx: JobContext, topic_id: UUID, material_id: UUID | None, page: int | None) -> TopicContext:
    with ctx.acting() as conn:
        topic = topic_context(conn, ctx.workspace_id, topic_id, material_id, page)
    if topic is None:
        raise JobFailed("the topic or source material is not in this workspace (deleted since the job was asked for?)")
    return topic


def _seed(job_id: UUID, item: str) -> int:
    return int.from_bytes(hashlib.sha256(f"{job_id}:{item}".encode()).digest()[:4], "big")


def _call(provider: str, topic: TopicContext, group: list[tuple[str, int]], job_id: UUID,
          settings: Settings) -> CallResult:
    difficulties = [d for _, d in group]
    if provider == OFFLINE:
        return offline_provider.generate(topic, difficulties, _seed(job_id, group[0][0]))
    return openai_provider.generate(topic, difficulties, settings)


def outcomes_of(call: CallResult, group: list[tuple[str, int]]) -> dict[str, pipeline.Checked | str]:
    """Each item of the call: a checked candidate, or why it was rejected (candidates are matched in order)."""
    if call.malformed:
        return {item: "malformed_response" for item, _ in group}
    result: dict[str, pipeline.Checked | str] = {}
    for index, (item, difficulty) in enumerate(group):
        raw = call.candidates[index] if index < len(call.candidates) else None
        result[item] = "missing_from_response" if raw is None else pipeline.check_candidate(raw, difficulty)
    return result


def _result(batch: dict[str, Any]) -> dict[str, Any]:
    outcomes = batch["item_outcomes"] or {}
    rejected = Counter(v for v in outcomes.values() if v != store.ACCEPTED)
    return {"batch_id": str(batch["id"]), "requested": batch["total_requested"],
            "generated": batch["total_generated"], "failed": batch["total_failed"],
            "rejected_by_reason": dict(sorted(rejected.items())), "tokens": batch["total_tokens"] or 0,
            "cost_usd": float(batch["total_cost_usd"] or 0), "provider": batch["provider"], "model": batch["model"]}


class _Run:
    """The state one handler run shares between its calls."""

    def __init__(self, ctx: JobContext, batch_id: UUID, provider: str, settings: Settings,
                 similar: pipeline.SimilarFn | None) -> None:
        self.ctx, self.batch_id, self.provider, self.settings = ctx, batch_id, provider, settings
        self.similar = similar or EmbeddingSimilar(ctx)
        self.seen: set[str] = set()
        if isinstance(self.similar, EmbeddingSimilar):
            self.similar.refresh()  # the whole workspace once, so the comparisons see questions written meanwhile

    def embed_own_questions(self) -> None:
        """Embed the questions this batch stored, so the next comparison sees them too (not the whole workspace
        again after every call)."""
        if isinstance(self.similar, EmbeddingSimilar):
            with self.ctx.owner.connect() as conn:
                ids = list(conn.execute(text("SELECT id FROM questions WHERE workspace_id = :w AND batch_id = :b"),
                                        {"w": self.ctx.workspace_id, "b": self.batch_id}).scalars())
            self.similar.refresh(ids)

    def duplicate_check(self, conn, checked: pipeline.Checked) -> str | None:  # noqa: ANN001 - Connection
        return pipeline.duplicate_reason(conn, self.ctx.workspace_id, checked, self.seen, self.similar,
                                         self.settings.duplicate_similarity)

    def fail(self, status: str, message: str, reason: str, item_ids: list[str]) -> JobFailed:
        store.finish_batch(self.ctx.owner, self.ctx.workspace_id, self.batch_id, self.ctx.job_id, status, message,
                           reason, item_ids)
        return JobFailed(message)

    def check_budget(self, estimate_usd: Decimal, item_ids: list[str], *, started: bool) -> None:
        if self.provider == OFFLINE or estimate_usd <= 0:
            return  # the offline generator costs nothing
        with self.ctx.owner.connect() as conn:
            figures = store.over_budget(conn, self.ctx.workspace_id, estimate_usd)
        if figures:
            what = "stopped before the next call" if started else "refused"
            raise self.fail("failed", f"generation {what}: {store.budget_message(figures)}", "over_budget", item_ids)

    def generate(self, topic: TopicContext, pending: list[tuple[str, int]], operation: str,
                 progress: tuple[int, int]) -> None:
        """Synchronous calls for the pending items of one topic, chunk by chunk, progress after each."""
        done, total = progress
        all_ids = [item for item, _ in pending]
        for index, group in enumerate(chunks(pending)):
            remaining = all_ids[index * CHUNK_SIZE:]
            try:
                self.ctx.stop_if_cancelled()
            except Cancelled:
                store.finish_batch(self.ctx.owner, self.ctx.workspace_id, self.batch_id, self.ctx.job_id,
                                   "cancelled", "cancelled on request", "cancelled", remaining)
                raise
            request = GenerationRequest(topic_id=topic.topic_id, count=len(group), provider=self.provider,
                                        difficulty_mix={str(d): n for d, n in Counter(d for _, d in group).items()})
            self.check_budget(estimate(request, topic, self.settings).cost_usd, remaining, started=True)
            try:
                call = _call(self.provider, topic, group, self.ctx.job_id, self.settings)
            except ProviderBusy as exc:
                store.log_failed_call(self.ctx.owner, workspace_id=self.ctx.workspace_id, user_id=self.ctx.user_id,
                                      job_id=self.ctx.job_id, operation=operation, call=exc.result,
                                      batch_id=self.batch_id)
                raise RetryLater(f"AI provider busy: {exc}", exc.retry_after) from exc
            except ProviderRefused as exc:
                store.log_failed_call(self.ctx.owner, workspace_id=self.ctx.workspace_id, user_id=self.ctx.user_id,
                                      job_id=self.ctx.job_id, operation=operation, call=exc.result,
                                      batch_id=self.batch_id)
                raise self.fail("failed", f"the AI provider refused the request: {exc}", "provider_error",
                                remaining) from exc
            store.record_call(self.ctx.owner, workspace_id=self.ctx.workspace_id, user_id=self.ctx.user_id,
                              job_id=self.ctx.job_id, batch_id=self.batch_id, operation=operation, call=call,
                              topic=topic, outcomes=outcomes_of(call, group), duplicate_check=self.duplicate_check)
            self.embed_own_questions()
            done += len(group)
            self.ctx.progress(done, total, f"{done} of {total} questions generated and checked")


# ---------------------------------------------------------------- GENERATE_QUESTIONS
def run_generate(ctx: JobContext, payload: dict[str, Any], *, settings: Settings | None = None,
                 similar: pipeline.SimilarFn | None = None) -> dict[str, Any]:
    settings = settings or get_settings()
    request = _request(payload)
    provider = request.resolved_provider(settings)
    topic = _topic(ctx, request.topic_id, request.source_material_id, request.material_page)
    wanted = items(request.mix())
    first_estimate = estimate(request, topic, settings)
    batch = store.open_batch(ctx.owner, workspace_id=ctx.workspace_id, batch_id=ctx.job_id, job_id=ctx.job_id,
                             user_id=ctx.user_id, mode="sync", provider=provider,
                             model=OFFLINE_MODEL if provider == OFFLINE else settings.ai_model,
                             total_requested=len(wanted), topic_ids=[request.topic_id],
                             difficulty_mix=request.mix(), estimate_usd=first_estimate.cost_usd)
    if batch["status"] in ("completed", "failed", "cancelled"):
        return _result(batch)
    run = _Run(ctx, batch["id"], provider, settings, similar)
    done = batch["item_outcomes"] or {}
    pending = [(item, d) for item, d in wanted if item not in done]
    if not done:
        run.check_budget(first_estimate.cost_usd, [i for i, _ in pending], started=False)
    ctx.progress(len(done), len(wanted), "generating questions")
    run.generate(topic, pending, OPERATION_SYNC, (len(done), len(wanted)))
    return _result(store.finish_batch(ctx.owner, ctx.workspace_id, batch["id"], ctx.job_id, "completed"))


@job_type(GENERATE_QUESTIONS, max_attempts=6)
def generate_questions(ctx: JobContext, payload: dict[str, Any]) -> dict[str, Any]:
    """Generate questions for a topic with synchronous provider calls, validate them and store them as drafts."""
    return run_generate(ctx, payload)


# ---------------------------------------------------------------- GENERATE_QUESTIONS_BATCH
def _batch_lines(settings: Settings, topic: TopicContext, wanted: list[tuple[str, int]]) -> list[dict[str, Any]]:
    return [{"custom_id": item, "method": "POST", "url": openai_provider.BATCH_ENDPOINT,
             "body": openai_provider.request_body(settings, topic, [difficulty])} for item, difficulty in wanted]


def _provider_call(fn, *args):  # noqa: ANN001, ANN202
    try:
        return fn(*args)
    except ProviderBusy as exc:
        raise RetryLater(f"AI provider busy: {exc}", exc.retry_after) from exc
    except ProviderRefused as exc:
        raise JobFailed(f"the AI provider refused the batch request: {exc}") from exc


def run_batch(ctx: JobContext, payload: dict[str, Any], *, settings: Settings | None = None,
              similar: pipeline.SimilarFn | None = None) -> dict[str, Any]:
    settings = settings or get_settings()
    request = _request(payload)
    topic = _topic(ctx, request.topic_id, request.source_material_id, request.material_page)
    wanted = items(request.mix())
    first_estimate = estimate(request.model_copy(update={"mode": "batch", "provider": "openai"}), topic, settings)
    batch = store.open_batch(ctx.owner, workspace_id=ctx.workspace_id, batch_id=ctx.job_id, job_id=ctx.job_id,
                             user_id=ctx.user_id, mode="batch", provider="openai", model=settings.ai_model,
                             total_requested=len(wanted), topic_ids=[request.topic_id],
                             difficulty_mix=request.mix(), estimate_usd=first_estimate.cost_usd)
    if batch["status"] in ("completed", "failed", "cancelled"):
        return _result(batch)
    run = _Run(ctx, batch["id"], "openai", settings, similar)
    if batch["openai_batch_id"] is None:
        state = _provider_call(openai_provider.find_batch, str(ctx.job_id), settings)
        if state is None:
            run.check_budget(first_estimate.cost_usd, [i for i, _ in wanted], started=False)
            state = _provider_call(openai_provider.submit_batch, str(ctx.job_id),
                                   _batch_lines(settings, topic, wanted), settings)
        with ctx.owner.begin() as conn:
            conn.execute(text("UPDATE question_batches SET openai_batch_id = :p, status = 'submitted' "
                              "WHERE workspace_id = :w AND id = :b"),
                         {"p": state.id, "w": ctx.workspace_id, "b": batch["id"]})
        ctx.set_provider_batch(state.id)
        ctx.progress(0, len(wanted), f"provider batch {state.id} submitted ({first_estimate.cost_usd} USD estimated)")
        raise Snooze(f"waiting for provider batch {state.id}", BATCH_POLL_SECONDS)
    provider_batch_id = batch["openai_batch_id"]
    state = _provider_call(openai_provider.retrieve_batch, provider_batch_id, settings)
    if not state.finished:
        if state.status == "in_progress" and batch["status"] == "submitted":
            with ctx.owner.begin() as conn:
                conn.execute(text("UPDATE question_batches SET status = 'running' WHERE workspace_id = :w AND id = :b"),
                             {"w": ctx.workspace_id, "b": batch["id"]})
        raise Snooze(f"provider batch {provider_batch_id} is {state.status}", BATCH_POLL_SECONDS)
    difficulty_of = dict(wanted)
    lines = (_provider_call(openai_provider.download_lines, state.output_file_id, settings)
             + _provider_call(openai_provider.download_lines, state.error_file_id, settings))
    done = len(batch["item_outcomes"] or {})
    for line in lines:
        item = line.get("custom_id")
        if item not in difficulty_of:
            continue
        call = openai_provider.batch_line_result(line, settings)
        outcomes = ({item: "provider_error"} if call.error else outcomes_of(call, [(item, difficulty_of[item])]))
        recorded = store.record_call(ctx.owner, workspace_id=ctx.workspace_id, user_id=ctx.user_id,
                                     job_id=ctx.job_id, batch_id=batch["id"], operation=OPERATION_BATCH, call=call,
                                     topic=topic, outcomes=outcomes, provider_batch_id=provider_batch_id,
                                     duplicate_check=run.duplicate_check)
        if recorded:
            done += 1
            run.embed_own_questions()
            ctx.progress(done, len(wanted), f"{done} of {len(wanted)} batch results stored")
    item_ids = [item for item, _ in wanted]
    if state.status == "completed":
        return _result(store.finish_batch(ctx.owner, ctx.workspace_id, batch["id"], ctx.job_id, "completed",
                                          None, "not_returned", item_ids))
    final = store.finish_batch(ctx.owner, ctx.workspace_id, batch["id"], ctx.job_id, "failed", None, "not_returned",
                               item_ids)
    message = (f"provider batch {provider_batch_id} {state.status}: {final['total_generated']} of "
               f"{final['total_requested']} questions stored, {final['total_failed']} failed or not returned")
    store.finish_batch(ctx.owner, ctx.workspace_id, batch["id"], ctx.job_id, "failed", message)
    raise JobFailed(message)


@job_type(GENERATE_QUESTIONS_BATCH, max_attempts=6)
def generate_questions_batch(ctx: JobContext, payload: dict[str, Any]) -> dict[str, Any]:
    """Generate questions through the provider's Batch API: submit, wait for it, then validate and store results."""
    return run_batch(ctx, payload)


def poll_pending_batches(owner_engine: Engine, settings: Settings | None = None) -> list[dict[str, Any]]:
    """Ask the provider about every submitted batch; returns those that finished (workspace_id, job_id, status) so
    the periodic task can wake their jobs, and marks started ones `running`."""
    settings = settings or get_settings()
    with owner_engine.connect() as conn:
        pending = conn.execute(text("SELECT workspace_id, id, job_id, openai_batch_id FROM question_batches "
                                    "WHERE mode = 'batch' AND status IN ('submitted', 'running') "
                                    "AND openai_batch_id IS NOT NULL")).mappings().all()
    finished = []
    for row in pending:
        try:
            state = openai_provider.retrieve_batch(row["openai_batch_id"], settings)
        except (ProviderBusy, ProviderRefused) as exc:
            log.warning("polling provider batch %s failed: %s", row["openai_batch_id"], exc)
            continue
        if state.finished:
            finished.append({"workspace_id": row["workspace_id"], "job_id": row["job_id"], "status": state.status})
        elif state.status == "in_progress":
            with owner_engine.begin() as conn:
                conn.execute(text("UPDATE question_batches SET status = 'running' WHERE workspace_id = :w AND id = :b "
                                  "AND status = 'submitted'"), {"w": row["workspace_id"], "b": row["id"]})
    return finished


# SYLLABUS_GENERATE lives in syllabus.py (it builds on _Run); importing it here registers it with the others.
from tutorassist.ai import syllabus as _syllabus  # noqa: E402, F401


@maintenance("POLL_PROVIDER_BATCHES", "* * * * *")
def poll_provider_batches(owner: Engine) -> dict[str, Any]:
    """Ask the provider about submitted batches and wake the jobs of finished ones (they collect the results)."""
    finished = poll_pending_batches(owner)
    woken = 0
    with owner.begin() as conn:
        for batch in finished:
            woken += conn.execute(text(
                "UPDATE procrastinate.procrastinate_jobs SET scheduled_at = now() WHERE status = 'todo' "
                "AND id = (SELECT queue_job_id FROM jobs WHERE workspace_id = :w AND id = :j)"),
                {"w": batch["workspace_id"], "j": batch["job_id"]}).rowcount
    return {"finished_batches": len(finished), "jobs_woken": woken}
