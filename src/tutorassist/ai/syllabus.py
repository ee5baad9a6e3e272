"""SYLLABUS_GENERATE: the topic tree of a study program and grade level, inserted idempotently (by name under its
parent, acting as the member who asked), then questions for its new leaf topics through the same pipeline as
GENERATE_QUESTIONS. The tree comes from the offline catalogue (`ai.offline.syllabus`) or, with the openai provider,
from the model (one `generate_syllabus` call, logged in the transaction that inserts the tree)."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field, ValidationError
from sqlalchemy import text

from tutorassist.ai import offline, pipeline, prompts, store
from tutorassist.ai.jobs import OPERATION_SYNC, SYLLABUS_GENERATE, _result, _Run, _topic
from tutorassist.ai.pricing import OFFLINE_MODEL
from tutorassist.ai.providers import OFFLINE, CallResult, ProviderBusy, ProviderRefused
from tutorassist.ai.providers import openai as openai_provider
from tutorassist.config import Settings, get_settings
from tutorassist.jobs.context import JobContext
from tutorassist.jobs.registry import JobFailed, RetryLater, job_type


class SyllabusRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    program: str = Field(min_length=1, description="study_programs id, code or name")
    grade: str = Field(min_length=1, description="grade_levels id, code or name (of that program)")
    questions_per_topic: int = Field(default=3, ge=0, le=50, strict=True)
    difficulty: int = Field(default=3, ge=1, le=5, strict=True)
    provider: str | None = None


def _reference(conn, table: str, value: str, program_id: UUID | None = None) -> dict | None:  # noqa: ANN001
    where = " AND program_id = :p" if program_id else ""
    return conn.execute(text(f"SELECT id, name FROM {table} WHERE (id::text = :v OR lower(code) = lower(:v) "
                             f"OR lower(name) = lower(:v)){where} ORDER BY name LIMIT 1"),
                        {"v": value.strip(), "p": program_id}).mappings().one_or_none()


def _insert_tree(conn, ctx: JobContext, outlines, parent_id: UUID | None, new_leaves: list[UUID]) -> None:  # noqa: ANN001
    for order, outline in enumerate(outlines):
        created = conn.execute(text(
            "INSERT INTO topics (workspace_id, parent_id, name, description, sort_order, created_by) "
            "VALUES (:w, :p, :n, :d, :o, :u) ON CONFLICT (workspace_id, parent_id, name) DO NOTHING RETURNING id"),
            {"w": ctx.workspace_id, "p": parent_id, "n": outline.name, "d": outline.description, "o": order,
             "u": ctx.user_id}).scalar()
        topic_id = created or conn.execute(text(
            "SELECT id FROM topics WHERE workspace_id = :w AND parent_id IS NOT DISTINCT FROM :p AND name = :n"),
            {"w": ctx.workspace_id, "p": parent_id, "n": outline.name}).scalar()
        if created and not outline.children:
            new_leaves.append(topic_id)
        _insert_tree(conn, ctx, outline.children, topic_id, new_leaves)


OPERATION_SYLLABUS = "generate_syllabus"


def _tree_done(conn, ctx: JobContext) -> bool:  # noqa: ANN001 - Connection
    return bool(conn.execute(text("SELECT EXISTS (SELECT 1 FROM ai_usage_log WHERE workspace_id = :w AND job_id = :j "
                                  "AND operation_type = :op AND success) OR EXISTS (SELECT 1 FROM jobs WHERE "
                                  "workspace_id = :w AND id = :j AND result_json IS NOT NULL)"),
                             {"w": ctx.workspace_id, "j": ctx.job_id, "op": OPERATION_SYLLABUS}).scalar())


def _outline(node: prompts.OutlineNode) -> offline.TopicOutline:
    return offline.TopicOutline(node.name.strip(), (node.description or "").strip(),
                                [_outline(child) for child in node.children], [])


def _outlines(ctx: JobContext, provider: str, program: str, grade: str,
              settings: Settings) -> tuple[list[offline.TopicOutline], CallResult | None]:
    """The tree, and the model call that made it (None offline). A failed or unreadable call is logged and ends the
    job: without a tree there is nothing to do."""
    if provider == OFFLINE:
        return offline.syllabus(program, grade), None
    try:
        call = openai_provider.syllabus(program, grade, settings)
    except ProviderBusy as exc:
        store.log_failed_call(ctx.owner, workspace_id=ctx.workspace_id, user_id=ctx.user_id, job_id=ctx.job_id,
                              operation=OPERATION_SYLLABUS, call=exc.result)
        raise RetryLater(f"AI provider busy: {exc}", exc.retry_after) from exc
    except ProviderRefused as exc:
        store.log_failed_call(ctx.owner, workspace_id=ctx.workspace_id, user_id=ctx.user_id, job_id=ctx.job_id,
                              operation=OPERATION_SYLLABUS, call=exc.result)
        raise JobFailed(f"the AI provider refused the syllabus request: {exc}") from exc
    try:
        if call.malformed:
            raise ValueError(call.malformed)
        tree = prompts.SyllabusAnswer.model_validate({"topics": call.candidates})
    except (ValueError, ValidationError) as exc:
        call.malformed = call.malformed or f"the model's syllabus is not of the schema: {exc}"[:500]
        store.log_failed_call(ctx.owner, workspace_id=ctx.workspace_id, user_id=ctx.user_id, job_id=ctx.job_id,
                              operation=OPERATION_SYLLABUS, call=call)
        raise JobFailed(f"the model's syllabus could not be read: {call.malformed}") from None
    return [_outline(node) for node in tree.topics], call


def run_syllabus(ctx: JobContext, payload: dict[str, Any], *, settings: Settings | None = None,
                 similar: pipeline.SimilarFn | None = None) -> dict[str, Any]:
    settings = settings or get_settings()
    try:
        request = SyllabusRequest.model_validate(payload)
    except ValidationError as exc:
        raise JobFailed(f"the job's request is not valid: {exc.errors()[0]['msg']}") from None
    provider = request.provider or (OFFLINE if not settings.ai_api_key else "openai")
    batch = store.batch_row(ctx.owner, ctx.workspace_id, ctx.job_id)
    if batch is None:
        with ctx.owner.begin() as conn:
            program = _reference(conn, "study_programs", request.program)
            grade = program and _reference(conn, "grade_levels", request.grade, program["id"])
            if program is None or grade is None:
                raise JobFailed(f"no study program {request.program!r} with a grade level {request.grade!r}")
            if _tree_done(conn, ctx):  # an earlier run made the tree and it had no new topic: nothing to call again
                return {"new_leaf_topics": 0, "generated": 0, "batch_id": None}
            outlines, call = _outlines(ctx, provider, program["name"], grade["name"], settings)
            if call is not None:
                store.log_usage(conn, workspace_id=ctx.workspace_id, user_id=ctx.user_id, job_id=ctx.job_id,
                                operation=OPERATION_SYLLABUS, call=call, extra={})
            new_leaves: list[UUID] = []
            with store._as_member(conn, ctx.user_id, ctx.workspace_id):
                _insert_tree(conn, ctx, outlines, None, new_leaves)
            total = len(new_leaves) * request.questions_per_topic
            if total == 0:
                return {"new_leaf_topics": len(new_leaves), "generated": 0, "batch_id": None}
            conn.execute(text(
                "INSERT INTO question_batches (workspace_id, id, created_by, job_id, total_requested, "
                "topics_requested, difficulty_distribution, status, mode, provider, model, started_at) VALUES "
                "(:w, :j, :u, :j, :n, CAST(:t AS uuid[]), CAST(:mix AS jsonb), 'running', 'sync', :prov, :model, now())"),
                {"w": ctx.workspace_id, "j": ctx.job_id, "u": ctx.user_id, "n": total,
                 "t": [str(t) for t in new_leaves], "mix": f'{{"{request.difficulty}": {total}}}', "prov": provider,
                 "model": OFFLINE_MODEL if provider == OFFLINE else settings.ai_model})
        batch = store.batch_row(ctx.owner, ctx.workspace_id, ctx.job_id)
    if batch["status"] in ("completed", "failed", "cancelled"):
        return _result(batch) | {"new_leaf_topics": len(batch["topics_requested"])}
    run = _Run(ctx, batch["id"], provider, settings, similar)
    done_items = batch["item_outcomes"] or {}
    per_topic, total = request.questions_per_topic, batch["total_requested"]
    done = len(done_items)
    for index, topic_id in enumerate(batch["topics_requested"]):
        topic = _topic(ctx, topic_id, None, None)
        wanted = [(f"item-{index * per_topic + k:04d}", request.difficulty) for k in range(per_topic)]
        pending = [(item, d) for item, d in wanted if item not in done_items]
        if pending:
            run.generate(topic, pending, OPERATION_SYNC, (done, total))
            done += len(pending)
    final = store.finish_batch(ctx.owner, ctx.workspace_id, batch["id"], ctx.job_id, "completed")
    return _result(final) | {"new_leaf_topics": len(batch["topics_requested"])}


@job_type(SYLLABUS_GENERATE, max_attempts=6)
def syllabus_generate(ctx: JobContext, payload: dict[str, Any]) -> dict[str, Any]:
    """Build the topic tree of a study program and grade level, then generate questions for its new topics."""
    return run_syllabus(ctx, payload)
