"""HTTP routes of assignments: parse, call one service function, shape the response."""

from __future__ import annotations

from uuid import UUID

from fastapi import APIRouter, Query, status

from tutorassist.api.context import Context
from tutorassist.assignments import schemas, service
from tutorassist.kit.pagination import DEFAULT_LIMIT, MAX_LIMIT, Page

router = APIRouter(tags=["assignments"])

_BASE = "/workspaces/{workspace_id}/assignments"


@router.post(_BASE, status_code=status.HTTP_201_CREATED, response_model=list[schemas.AssignmentCreated])
def create_assignments(workspace_id: UUID, body: schemas.AssignmentCreate, ctx: Context):
    """Give questions to students: one assignment per student, all created or none (staff).

    Either `question_ids` (hand-picked, in order) or `rule` (chosen per student: active questions of the topic subtree
    within the difficulty range, carrying every tag, not attempted by that student in the last `exclude_seen_days`
    days; reproducible with `seed`). When fewer than `count` questions qualify for a student, their assignment gets
    what there is and `shortfall` says how many are missing; when none qualify, nothing is created (422).
    """
    return service.create_assignments(ctx, workspace_id, body)


@router.get(_BASE, response_model=Page[schemas.AssignmentOut])
def list_assignments(workspace_id: UUID, ctx: Context, student_profile_id: UUID | None = None,
                     status: schemas.Status | None = None, limit: int = Query(DEFAULT_LIMIT, ge=1, le=MAX_LIMIT),
                     cursor: str | None = Query(None, max_length=500)):
    """Newest first. Staff see every assignment; a student their own and a guardian their student's (not drafts)."""
    return service.list_assignments(ctx, workspace_id, student_profile_id, status, limit, cursor)


@router.get(_BASE + "/{assignment_id}", response_model=schemas.AssignmentDetail)
def get_assignment(workspace_id: UUID, assignment_id: UUID, ctx: Context):
    """An assignment with its items (questions without answers or solutions), progress and effective settings."""
    return service.get_assignment(ctx, workspace_id, assignment_id)


@router.patch(_BASE + "/{assignment_id}", response_model=schemas.AssignmentDetail)
def update_assignment(workspace_id: UUID, assignment_id: UUID, body: schemas.AssignmentUpdate, ctx: Context):
    """Change title, description, due date, settings, or status among draft/assigned/archived (staff)."""
    return service.update_assignment(ctx, workspace_id, assignment_id, body)


@router.delete(_BASE + "/{assignment_id}", status_code=status.HTTP_204_NO_CONTENT)
def delete_assignment(workspace_id: UUID, assignment_id: UUID, ctx: Context) -> None:
    """Delete an assignment and its items; attempts made in it stay, as free practice (staff)."""
    service.delete_assignment(ctx, workspace_id, assignment_id)


@router.put(_BASE + "/{assignment_id}/items", response_model=schemas.AssignmentDetail,
            responses={409: {"description": "An item to be removed already has attempts"}})
def replace_items(workspace_id: UUID, assignment_id: UUID, body: schemas.ItemsReplace, ctx: Context):
    """Replace the items with this ordered list (positions rewritten). New questions must be active; an item that
    already has attempts cannot be removed (staff)."""
    return service.replace_items(ctx, workspace_id, assignment_id, body)
