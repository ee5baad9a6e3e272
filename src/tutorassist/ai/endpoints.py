"""HTTP routes of AI generation (staff only): estimate and start a generation, list and approve drafts, a batch."""

from __future__ import annotations

from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Query, status

from tutorassist.ai import schemas, service
from tutorassist.api.context import Context
from tutorassist.kit.pagination import DEFAULT_LIMIT, MAX_LIMIT, Page

router = APIRouter(tags=["ai"])
_BASE = "/workspaces/{workspace_id}/ai"


@router.post(_BASE + "/generations", status_code=status.HTTP_202_ACCEPTED, response_model=schemas.GenerationOut)
def start_generation(workspace_id: UUID, body: schemas.GenerationBody, ctx: Context):
    """Start generating questions for a topic (a GENERATE_QUESTIONS job, or GENERATE_QUESTIONS_BATCH in batch mode);
    answers with the job, its batch and the cost estimate. Over the workspace's monthly AI budget: 409 with the
    figures (budget_usd, spent_this_month_usd, estimate_usd, available_usd). Accepted questions land as drafts."""
    return service.start_generation(ctx, workspace_id, body)


@router.post(_BASE + "/generations/estimate", response_model=schemas.EstimateOut)
def estimate_generation(workspace_id: UUID, body: schemas.GenerationBody, ctx: Context):
    """What a generation would use (calls, tokens, US dollars from the offline price table) and whether it fits the
    workspace's monthly AI budget; nothing is started."""
    return service.estimate_generation(ctx, workspace_id, body)


@router.get(_BASE + "/drafts", response_model=Page[schemas.DraftOut])
def list_drafts(
    workspace_id: UUID,
    ctx: Context,
    batch_id: Annotated[UUID | None, Query(description="Only the drafts of this batch")] = None,
    limit: Annotated[int, Query(ge=1, le=MAX_LIMIT)] = DEFAULT_LIMIT,
    cursor: Annotated[str | None, Query(max_length=500)] = None,
):
    """AI-generated drafts awaiting review, newest first, with quality score and batch (keyset pages)."""
    return service.list_drafts(ctx, workspace_id, batch_id, limit, cursor)


@router.post(_BASE + "/drafts/approve", response_model=schemas.ApproveOut)
def approve_drafts(workspace_id: UUID, body: schemas.ApproveBody, ctx: Context):
    """Make AI-generated drafts active (all or nothing): 404 naming ids not in the workspace, 409 naming ids that
    are not AI-generated drafts."""
    return service.approve_drafts(ctx, workspace_id, body.ids)


@router.get(_BASE + "/batches/{batch_id}", response_model=schemas.BatchOut)
def get_batch(workspace_id: UUID, batch_id: UUID, ctx: Context):
    """A generation batch: what was asked, its status, what was stored, what was rejected and why, and its cost."""
    return service.get_batch(ctx, workspace_id, batch_id)
