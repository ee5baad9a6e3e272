"""HTTP routes of learning: question flags, tutor feedback, submitting and reading attempts, answer previews."""

from __future__ import annotations

from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Query, Response, status

from tutorassist.api.context import Context
from tutorassist.kit.pagination import DEFAULT_LIMIT, MAX_LIMIT, Page
from tutorassist.learning import attempts, practice, schemas, service

router = APIRouter()

_WS = "/workspaces/{workspace_id}"
Limit = Annotated[int, Query(ge=1, le=MAX_LIMIT)]
Cursor = Annotated[str | None, Query(max_length=500)]
StatusFilter = Annotated[schemas.FlagStatus | None, Query(alias="status")]


@router.post(_WS + "/questions/{question_id}/flags", status_code=status.HTTP_201_CREATED,
             response_model=schemas.FlagOut, tags=["flags"])
def create_flag(workspace_id: UUID, question_id: UUID, body: schemas.FlagCreate, ctx: Context):
    """Report a problem with a question you can see (any member); enough open flags hide it from students."""
    return service.create_flag(ctx, workspace_id, question_id, body)


@router.get(_WS + "/questions/{question_id}/flags", response_model=Page[schemas.FlagOut], tags=["flags"])
def question_flags(workspace_id: UUID, question_id: UUID, ctx: Context, status_: StatusFilter = None,
                   limit: Limit = DEFAULT_LIMIT, cursor: Cursor = None):
    """The question's flags, newest first (staff)."""
    return service.list_flags(ctx, workspace_id, status_, question_id, limit, cursor, of_question=True)


@router.get(_WS + "/flags", response_model=Page[schemas.FlagOut], tags=["flags"])
def list_flags(workspace_id: UUID, ctx: Context, status_: StatusFilter = None, question_id: UUID | None = None,
               limit: Limit = DEFAULT_LIMIT, cursor: Cursor = None):
    """The workspace's flags, newest first, filtered by status and question (staff)."""
    return service.list_flags(ctx, workspace_id, status_, question_id, limit, cursor)


@router.get(_WS + "/me/flags", response_model=Page[schemas.FlagOut], tags=["flags"])
def my_flags(workspace_id: UUID, ctx: Context, status_: StatusFilter = None, limit: Limit = DEFAULT_LIMIT,
             cursor: Cursor = None):
    """The flags you raised in this workspace, newest first, with how they were triaged."""
    return service.my_flags(ctx, workspace_id, status_, limit, cursor)


@router.patch(_WS + "/flags/{flag_id}", response_model=schemas.FlagOut, tags=["flags"])
def update_flag(workspace_id: UUID, flag_id: UUID, body: schemas.FlagUpdate, ctx: Context):
    """Triage a flag (staff): resolved or dismissed, with a note, or open again."""
    return service.update_flag(ctx, workspace_id, flag_id, body)


@router.post(_WS + "/attempts", status_code=status.HTTP_201_CREATED, response_model=schemas.AttemptOut,
             tags=["attempts"], responses={200: {"model": schemas.AttemptOut,
                                                 "description": "A retry with a known client_request_id: the first attempt"}})
def submit_attempt(workspace_id: UUID, body: schemas.AttemptCreate, ctx: Context, response: Response):
    """Answer a question (students): graded, recorded and scheduled for review. An answer that cannot be understood
    is not recorded (422 with its answer_note and feedback)."""
    result, created = attempts.submit_attempt(ctx, workspace_id, body)
    if not created:
        response.status_code = status.HTTP_200_OK
    return result


@router.get(_WS + "/me/attempts", response_model=Page[schemas.AttemptOut], tags=["attempts"])
def my_attempts(workspace_id: UUID, ctx: Context, limit: Limit = DEFAULT_LIMIT, cursor: Cursor = None):
    """Your own attempts in this workspace, newest first."""
    return attempts.my_attempts(ctx, workspace_id, limit, cursor)


@router.get(_WS + "/attempts", response_model=Page[schemas.AttemptOut], tags=["attempts"])
def list_attempts(workspace_id: UUID, ctx: Context, student_user_id: UUID | None = None, question_id: UUID | None = None,
                  assignment_id: UUID | None = None, limit: Limit = DEFAULT_LIMIT, cursor: Cursor = None):
    """Every attempt in the workspace (owners and tutors), newest first, filtered by student, question or assignment."""
    return attempts.list_attempts(ctx, workspace_id, student_user_id, question_id, assignment_id, limit, cursor)


@router.post(_WS + "/answers/preview", response_model=schemas.PreviewOut, tags=["attempts"])
def preview_answer(workspace_id: UUID, body: schemas.PreviewRequest, ctx: Context):
    """How an answer would be understood (for a question, or an answer type); nothing is graded or stored."""
    return attempts.preview_answer(ctx, workspace_id, body)


@router.get(_WS + "/attempts/{attempt_id}", response_model=schemas.AttemptOut, tags=["attempts"])
def get_attempt(workspace_id: UUID, attempt_id: UUID, ctx: Context):
    """An attempt with its tutor feedback: staff see all; its student and their guardians the visible feedback."""
    return attempts.get_attempt(ctx, workspace_id, attempt_id)


@router.post(_WS + "/attempts/{attempt_id}/feedback", status_code=status.HTTP_201_CREATED,
             response_model=schemas.FeedbackOut, tags=["feedback"])
def create_feedback(workspace_id: UUID, attempt_id: UUID, body: schemas.FeedbackCreate, ctx: Context):
    """Comment on a student's attempt (staff)."""
    return service.create_feedback(ctx, workspace_id, attempt_id, body)


@router.patch(_WS + "/feedback/{feedback_id}", response_model=schemas.FeedbackOut, tags=["feedback"])
def update_feedback(workspace_id: UUID, feedback_id: UUID, body: schemas.FeedbackUpdate, ctx: Context):
    """Edit feedback (its author or an owner)."""
    return service.update_feedback(ctx, workspace_id, feedback_id, body)


@router.delete(_WS + "/feedback/{feedback_id}", status_code=status.HTTP_204_NO_CONTENT, tags=["feedback"])
def delete_feedback(workspace_id: UUID, feedback_id: UUID, ctx: Context) -> None:
    """Delete feedback (its author or an owner)."""
    service.delete_feedback(ctx, workspace_id, feedback_id)


@router.get(_WS + "/me/review-queue", response_model=list[practice.QueueItem], tags=["practice"])
def review_queue(workspace_id: UUID, ctx: Context, limit: Annotated[int, Query(ge=1, le=100)] = 20):
    """The student's queue: cards due for review first (oldest due first), then new questions in topic order."""
    return practice.review_queue(ctx, workspace_id, limit)


@router.get(_WS + "/me/dashboard", response_model=practice.Dashboard, tags=["practice"])
def dashboard(workspace_id: UUID, ctx: Context, queue_limit: Annotated[int, Query(ge=1, le=100)] = 10):
    """A student's day: open assignments soonest due first, the review queue, the next best question and mastery per
    topic, in one request."""
    return practice.dashboard(ctx, workspace_id, queue_limit)


@router.get(_WS + "/me/next-question", response_model=practice.NextQuestion, tags=["practice"])
def next_question(workspace_id: UUID, ctx: Context):
    """The next best question: from the weakest topic whose prerequisites are mastered."""
    return practice.next_question(ctx, workspace_id)


@router.get(_WS + "/students/{student_id}/mastery", response_model=list[practice.TopicMastery], tags=["practice"])
def student_mastery(workspace_id: UUID, student_id: UUID, ctx: Context):
    """Mastery per topic (Bayesian knowledge tracing) against each topic's mastery threshold."""
    return practice.student_mastery(ctx, workspace_id, student_id)
