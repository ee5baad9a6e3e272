"""HTTP routes of the learning analytics: staff under /workspaces/{id}/analytics, a student (or their guardian) under
/workspaces/{id}/me/analytics. Every response says how fresh its data is."""

from __future__ import annotations

from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Query

from tutorassist.analytics import schemas, students, workspace
from tutorassist.analytics.params import From, To
from tutorassist.api.context import Context

router = APIRouter(tags=["analytics"])

_STAFF = "/workspaces/{workspace_id}/analytics"
_ME = "/workspaces/{workspace_id}/me/analytics"


BucketQ = Annotated[schemas.Bucket, Query(description="day or week (weeks start on Monday)")]


@router.get(_STAFF + "/students/{student_id}/accuracy", response_model=schemas.StudentAccuracy)
def student_accuracy(workspace_id: UUID, student_id: UUID, ctx: Context, bucket: BucketQ = "day",
                     start: From = None, end: To = None):
    """A student's accuracy (correct / graded) per day or week (staff; the student and their guardian through /me)."""
    with ctx.tx(workspace_id) as tx:
        return students.accuracy(tx, student_id, bucket, start, end)


@router.get(_STAFF + "/students/{student_id}/topics", response_model=schemas.StudentTopics)
def student_topics(workspace_id: UUID, student_id: UUID, ctx: Context, bucket: BucketQ = "week",
                   start: From = None, end: To = None):
    """Topic mastery progression: per topic and bucket attempts, accuracy and mean time; the mastery estimate."""
    with ctx.tx(workspace_id) as tx:
        return students.topics(tx, student_id, bucket, start, end)


@router.get(_STAFF + "/students/{student_id}/velocity", response_model=schemas.StudentVelocity)
def student_velocity(workspace_id: UUID, student_id: UUID, ctx: Context, bucket: BucketQ = "week",
                     start: From = None, end: To = None):
    """Learning velocity (new questions per bucket, attempts, mean time) and time on task."""
    with ctx.tx(workspace_id) as tx:
        return students.velocity(tx, student_id, bucket, start, end)


@router.get(_STAFF + "/students/{student_id}/needs-help", response_model=schemas.StudentNeedsHelp)
def student_needs_help(workspace_id: UUID, student_id: UUID, ctx: Context):
    """Whether a student needs help: falling accuracy, overdue reviews, repeated wrong answer notes."""
    with ctx.tx(workspace_id) as tx:
        return students.needs_help(tx, student_id)


@router.get(_STAFF + "/students/{student_id}/cohort", response_model=schemas.CohortComparison)
def student_cohort(workspace_id: UUID, student_id: UUID, ctx: Context, start: From = None, end: To = None):
    """The student's accuracy percentile within their cohort (or the workspace) and the cohort's mean accuracy."""
    with ctx.tx(workspace_id) as tx:
        return students.cohort(tx, student_id, start, end)


@router.get(_STAFF + "/needs-help", response_model=schemas.NeedsHelpList)
def needs_help(workspace_id: UUID, ctx: Context, limit: Annotated[int, Query(ge=1, le=200)] = 20):
    """Students who need help, ranked (owners and tutors)."""
    with ctx.tx(workspace_id) as tx:
        return workspace.needs_help(tx, limit)


@router.get(_STAFF + "/topics", response_model=schemas.TopicsReport)
def topics(workspace_id: UUID, ctx: Context, start: From = None, end: To = None):
    """Performance per topic over a period: attempts, accuracy, mean time, students (owners and tutors)."""
    with ctx.tx(workspace_id) as tx:
        return workspace.topics(tx, start, end)


@router.get(_STAFF + "/tutors", response_model=schemas.TutorsReport)
def tutors(workspace_id: UUID, ctx: Context, start: From = None, end: To = None):
    """Per owner and tutor: assignments created, completion, mean score, and their students' weekly accuracy."""
    with ctx.tx(workspace_id) as tx:
        return workspace.tutors(tx, start, end)


@router.get(_STAFF + "/overview", response_model=schemas.Overview)
def overview(workspace_id: UUID, ctx: Context):
    """The workspace at a glance: students, questions by status, topics, attempts, accuracy, active students."""
    with ctx.tx(workspace_id) as tx:
        return workspace.overview(tx)


@router.get(_ME + "/accuracy", response_model=schemas.StudentAccuracy)
def my_accuracy(workspace_id: UUID, ctx: Context, bucket: BucketQ = "day", start: From = None, end: To = None):
    """Your accuracy per day or week (a student; a guardian: their student's)."""
    with ctx.tx(workspace_id) as tx:
        return students.accuracy(tx, students.own_student(tx), bucket, start, end)


@router.get(_ME + "/topics", response_model=schemas.StudentTopics)
def my_topics(workspace_id: UUID, ctx: Context, bucket: BucketQ = "week", start: From = None, end: To = None):
    """Your progress per topic (a student; a guardian: their student's)."""
    with ctx.tx(workspace_id) as tx:
        return students.topics(tx, students.own_student(tx), bucket, start, end)


@router.get(_ME + "/velocity", response_model=schemas.StudentVelocity)
def my_velocity(workspace_id: UUID, ctx: Context, bucket: BucketQ = "week", start: From = None, end: To = None):
    """Your new questions, attempts and time on task (a student; a guardian: their student's)."""
    with ctx.tx(workspace_id) as tx:
        return students.velocity(tx, students.own_student(tx), bucket, start, end)


@router.get(_ME + "/needs-help", response_model=schemas.StudentNeedsHelp)
def my_needs_help(workspace_id: UUID, ctx: Context):
    """What to work on: falling accuracy, overdue reviews, repeated mistakes (a student; a guardian: their student's)."""
    with ctx.tx(workspace_id) as tx:
        return students.needs_help(tx, students.own_student(tx))


@router.get(_ME + "/cohort", response_model=schemas.CohortComparison)
def my_cohort(workspace_id: UUID, ctx: Context, start: From = None, end: To = None):
    """How you compare with your cohort: percentile and the cohort's mean accuracy (a student; a guardian: their student's)."""
    with ctx.tx(workspace_id) as tx:
        return students.cohort(tx, students.own_student(tx), start, end)
