"""HTTP routes of question-quality and AI analytics (owners and tutors of the workspace)."""

from __future__ import annotations

from typing import Annotated, Literal
from uuid import UUID

from fastapi import APIRouter, Query

from tutorassist.analytics import ai_usage, distribution, items
from tutorassist.analytics import quality_schemas as s
from tutorassist.analytics.params import From, To
from tutorassist.api.context import Context
from tutorassist.kit.pagination import DEFAULT_LIMIT, MAX_LIMIT

router = APIRouter(tags=["analytics"])

_BASE = "/workspaces/{workspace_id}/analytics"
Status = Literal["draft", "active", "archived"]
TopicFilter = Annotated[UUID | None, Query(description="Questions filed directly under this topic")]
StatusFilter = Annotated[Status | None, Query(description="Questions of this status")]


@router.get(_BASE + "/questions", response_model=s.ItemStatisticsPage)
def item_statistics(
    workspace_id: UUID, ctx: Context, topic_id: TopicFilter = None, status: StatusFilter = None,
    dubious: Annotated[bool | None, Query(description="Only dubious (true) or only not dubious (false)")] = None,
    min_students: Annotated[int, Query(ge=0, le=1_000_000, description="Only questions with at least this n")] = 0,
    sort: Annotated[s.ItemSort, Query(description="question (id); flag_rate and students descending; facility and "
                                                  "discrimination ascending (withheld last)")] = "question",
    limit: Annotated[int, Query(ge=1, le=MAX_LIMIT)] = DEFAULT_LIMIT,
    cursor: Annotated[str | None, Query(max_length=500)] = None,
):
    """Item statistics of the workspace's questions (facility, SD, discrimination, discriminative efficiency, dubious,
    mean time, attempts, flags and flag rate), each with its sample size n; withheld below min_sample students."""
    return items.list_items(ctx, workspace_id, topic_id=topic_id, status=status, dubious=dubious,
                            min_students=min_students, sort=sort, limit=limit, cursor=cursor)


@router.get(_BASE + "/questions/calibration", response_model=s.CalibrationOut)
def difficulty_calibration(workspace_id: UUID, ctx: Context, topic_id: TopicFilter = None,
                           status: StatusFilter = None):
    """Declared difficulty against observed facility: per level 1..5, the pooled first-attempt score with n."""
    return items.calibration(ctx, workspace_id, topic_id=topic_id, status=status)


@router.get(_BASE + "/questions/distribution", response_model=s.DistributionOut)
def question_distribution(workspace_id: UUID, ctx: Context):
    """The question bank by status, difficulty, origin, topic, study program and grade level (live)."""
    return distribution.distribution(ctx, workspace_id)


@router.get(_BASE + "/wrong-answer-notes", response_model=s.WrongAnswerNotesOut)
def wrong_answer_notes(workspace_id: UUID, ctx: Context, topic_id: TopicFilter = None,
                       limit: Annotated[int, Query(ge=1, le=MAX_LIMIT)] = 20):
    """The commonest answer notes of wrong attempts, per topic, most frequent first."""
    return items.wrong_answer_notes(ctx, workspace_id, topic_id=topic_id, limit=limit)


@router.get(_BASE + "/coverage", response_model=s.CoverageOut)
def coverage(workspace_id: UUID, ctx: Context):
    """Active questions per topic and declared difficulty (live); topics without any are listed with zeros."""
    return distribution.coverage(ctx, workspace_id)


@router.get(_BASE + "/ai/usage", response_model=s.UsageOut)
def ai_usage_report(workspace_id: UUID, ctx: Context, start: From = None, end: To = None,
                    by: Annotated[s.UsageGrouping, Query(description="Group calls by day, model or operation")] = "day"):
    """AI calls, tokens and cost of the workspace (live from the usage log), grouped, with the total."""
    return ai_usage.usage(ctx, workspace_id, by, start, end)


@router.get(_BASE + "/ai/generation", response_model=s.GenerationOut)
def ai_generation_report(workspace_id: UUID, ctx: Context, start: From = None, end: To = None):
    """Generation cost, AI questions generated, accepted, pending and rejected, the cost per accepted question, and
    the outcomes of generation batches, in the period."""
    return ai_usage.generation(ctx, workspace_id, start, end)
