"""HTTP routes of the question bank: study programs and grades, topics, source materials, questions."""

from __future__ import annotations

import itertools
from typing import Annotated, Any, Union
from uuid import UUID

from fastapi import APIRouter, Depends, Query, Request, status
from fastapi.responses import StreamingResponse
from starlette.background import BackgroundTask
from starlette.concurrency import run_in_threadpool

from tutorassist.api.context import Context
from tutorassist.kit.pagination import DEFAULT_LIMIT, MAX_LIMIT, Page
from tutorassist.kit.problems import Problem, invalid_field
from tutorassist.questions import schemas, search, service, transfer

router = APIRouter()

QuestionView = Union[schemas.QuestionOut, schemas.QuestionStudentOut]
_BASE = "/workspaces/{workspace_id}/questions"


def question_filters(
    topic_id: Annotated[UUID | None, Query(description="The topic and its whole subtree")] = None,
    difficulty_min: Annotated[int | None, Query(ge=1, le=5)] = None,
    difficulty_max: Annotated[int | None, Query(ge=1, le=5)] = None,
    status_: Annotated[list[schemas.Status], Query(alias="status", description="Any of these (repeatable)")] = [],  # noqa: B006
    origin: Annotated[schemas.Origin | None, Query()] = None,
    tag: Annotated[list[str], Query(max_length=schemas.MAX_TAGS, description="All of these (repeatable)")] = [],  # noqa: B006
    program_id: Annotated[UUID | None, Query()] = None,
    grade_level_id: Annotated[UUID | None, Query()] = None,
    q: Annotated[str | None, Query(max_length=500, description="Full text (web search syntax)")] = None,
) -> search.Filters:
    if difficulty_min is not None and difficulty_max is not None and difficulty_min > difficulty_max:
        raise invalid_field("difficulty_min", "must not exceed difficulty_max")
    if q is not None and "\x00" in q:
        raise invalid_field("q", "must not contain NUL characters")
    try:
        tags = schemas.normalise_tags(tag) or []
    except ValueError as exc:
        raise invalid_field("tag", str(exc)) from None
    return search.Filters(topic_id=topic_id, difficulty_min=difficulty_min, difficulty_max=difficulty_max,
                          status=list(dict.fromkeys(status_)), origin=origin, tags=tags, program_id=program_id,
                          grade_level_id=grade_level_id, q=(q or "").strip() or None)


Filters = Annotated[search.Filters, Depends(question_filters)]


@router.get(_BASE, response_model=Page[QuestionView], tags=["questions"])
def search_questions(workspace_id: UUID, ctx: Context, filters: Filters,
                     limit: Annotated[int, Query(ge=1, le=MAX_LIMIT)] = DEFAULT_LIMIT,
                     cursor: Annotated[str | None, Query(max_length=500)] = None):
    """Questions matching every filter, newest first, a page at a time (students: active questions, student view)."""
    return search.search(ctx, workspace_id, filters, limit, cursor)


@router.post(_BASE, status_code=status.HTTP_201_CREATED, response_model=schemas.QuestionOut, tags=["questions"])
def create_question(workspace_id: UUID, body: schemas.QuestionCreate, ctx: Context):
    """Add a question (staff)."""
    return service.create_question(ctx, workspace_id, body)


@router.get(_BASE + "/export", response_model=schemas.ExportDocument, tags=["questions"])
def export_questions(workspace_id: UUID, ctx: Context, filters: Filters):
    """Every question matching the filters as a JSON document that `POST .../questions/import` accepts (staff).
    Streamed as it is read, oldest first."""
    pieces = transfer.export_stream(ctx, workspace_id, filters)
    head = next(pieces)  # the role check: a refusal is still a problem document
    return StreamingResponse(itertools.chain([head], pieces), media_type="application/json",
                             background=BackgroundTask(pieces.close))


def _inline(schema: dict[str, Any]) -> dict[str, Any]:
    """A model's JSON schema with its local `$defs` substituted (an OpenAPI requestBody cannot point into them)."""
    defs = schema.pop("$defs", {})

    def resolve(node: Any) -> Any:
        if isinstance(node, dict):
            ref = node.get("$ref", "")
            if ref.startswith("#/$defs/"):
                return resolve(defs[ref.removeprefix("#/$defs/")])
            return {key: resolve(value) for key, value in node.items()}
        if isinstance(node, list):
            return [resolve(value) for value in node]
        return node

    return resolve(schema)


_IMPORT_BODY = {"requestBody": {"required": True, "content": {
    "application/json": {"schema": _inline(schemas.ImportDocument.model_json_schema())}}}}


@router.post(_BASE + "/import", status_code=status.HTTP_201_CREATED, response_model=schemas.ImportResult,
             tags=["questions"], openapi_extra=_IMPORT_BODY,
             responses={413: {"description": "More than 10 MB"}, 422: {"description": "Every invalid item, by path"}})
async def import_questions(workspace_id: UUID, request: Request, ctx: Context):
    """Create questions from an export document (staff): all or nothing, at most 5,000 questions and 10 MB.

    Importing the same document again creates nothing new: an item whose `id` is a question of this workspace, or
    whose prompt_latex, answer_type and answer_spec equal those of a question here (or of an earlier item), is
    skipped and listed in `skipped`. `batch_id` is kept when that batch exists in this workspace."""
    declared = request.headers.get("content-length")
    if declared is not None and declared.isdigit() and int(declared) > schemas.MAX_IMPORT_BYTES:
        raise Problem(413, "Payload too large", f"an import is at most {schemas.MAX_IMPORT_BYTES} bytes (10 MB)")
    chunks, size = [], 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > schemas.MAX_IMPORT_BYTES:
            raise Problem(413, "Payload too large", f"an import is at most {schemas.MAX_IMPORT_BYTES} bytes (10 MB)")
        chunks.append(chunk)
    return await run_in_threadpool(transfer.import_questions, ctx, workspace_id, b"".join(chunks))


@router.get(_BASE + "/{question_id}", response_model=QuestionView, tags=["questions"])
def get_question(workspace_id: UUID, question_id: UUID, ctx: Context):
    """One question (students and guardians: active questions only, without answer, solution or hints)."""
    return service.get_question(ctx, workspace_id, question_id)


@router.patch(_BASE + "/{question_id}", response_model=schemas.QuestionOut, tags=["questions"],
              responses={409: {"description": "A status change the rules do not allow"}})
def update_question(workspace_id: UUID, question_id: UUID, body: schemas.QuestionUpdate, ctx: Context):
    """Edit any subset of the fields (staff); program_ids and grade_level_ids replace the set."""
    return service.update_question(ctx, workspace_id, question_id, body)


@router.delete(_BASE + "/{question_id}", status_code=status.HTTP_204_NO_CONTENT, tags=["questions"],
               responses={409: {"description": "Not a draft, or attempted / assigned: archive instead"}})
def delete_question(workspace_id: UUID, question_id: UUID, ctx: Context) -> None:
    """Delete a draft that was never attempted (staff); archive anything else."""
    service.delete_question(ctx, workspace_id, question_id)


@router.get(_BASE + "/{question_id}/history", response_model=list[schemas.HistoryOut], tags=["questions"])
def question_history(workspace_id: UUID, question_id: UUID, ctx: Context):
    """Every recorded change of the question, newest first (staff)."""
    return service.history(ctx, workspace_id, question_id)
