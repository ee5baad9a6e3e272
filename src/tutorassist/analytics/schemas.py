"""Response models of the learning analytics. Every response carries its Freshness."""

from __future__ import annotations

from datetime import date, datetime
from typing import Literal
from uuid import UUID

from pydantic import BaseModel, Field

from tutorassist.analytics.freshness import Freshness

Bucket = Literal["day", "week"]
HelpReason = Literal["falling_accuracy", "overdue_reviews", "repeated_wrong_answers"]


class Period(BaseModel):
    start: date = Field(description="First day of the period, in the workspace's time zone")
    end: date = Field(description="Last day of the period (inclusive)")
    time_zone: str = Field(description="The workspace's IANA time zone: days and weeks are its days and weeks")


class AccuracyPoint(BaseModel):
    start: date = Field(description="First day of the bucket (weeks start on Monday; the first may begin before `from`)")
    attempts: int
    graded: int
    correct: int
    accuracy: float | None = Field(description="correct / graded, NULL without graded attempts")


class StudentAccuracy(BaseModel):
    student_id: UUID
    bucket: Bucket
    period: Period
    points: list[AccuracyPoint] = Field(description="Every bucket of the period, empty ones included")
    freshness: Freshness


class TopicPoint(BaseModel):
    start: date
    attempts: int
    graded: int
    correct: int
    accuracy: float | None
    average_time_seconds: float | None = Field(description="Mean reported time, over the attempts that report one")


class SnapshotState(BaseModel):
    snapshot_date: date
    state: Literal["mastered", "struggling"]


class TopicProgress(BaseModel):
    topic_id: UUID | None = Field(description="NULL: questions without a topic")
    topic_name: str | None
    p_known: float | None = Field(description="Current mastery estimate (Bayesian knowledge tracing), NULL before any graded attempt")
    points: list[TopicPoint] = Field(description="Buckets with attempts at the topic")
    history: list[SnapshotState] = Field(description="The topic's state in the student's progress snapshots of the period")


class StudentTopics(BaseModel):
    student_id: UUID
    bucket: Bucket
    period: Period
    topics: list[TopicProgress]
    freshness: Freshness


class VelocityPoint(BaseModel):
    start: date
    new_questions: int = Field(description="Questions the student answered for the first time")
    new_questions_correct: int
    attempts: int
    average_time_seconds: float | None
    time_on_task_seconds: int = Field(description="Sum of the reported time spent")


class StudentVelocity(BaseModel):
    student_id: UUID
    bucket: Bucket
    period: Period
    points: list[VelocityPoint]
    freshness: Freshness


class AccuracyWindow(BaseModel):
    graded: int
    correct: int
    accuracy: float | None


class WrongAnswerNote(BaseModel):
    note: str = Field(description="An answer note of the checker (attempts.error_taxonomy_json)")
    times: int
    last_seen: datetime


class NeedsHelp(BaseModel):
    student_id: UUID
    name: str
    reasons: list[HelpReason]
    last_7_days: AccuracyWindow
    previous_28_days: AccuracyWindow
    overdue_reviews: int = Field(description="Review cards due more than a day ago")
    oldest_overdue_at: datetime | None
    repeated_wrong_answers: list[WrongAnswerNote] | None = Field(
        description="Answer notes repeated in the student's recent wrong attempts (one student's report only; NULL in lists)")


class StudentNeedsHelp(NeedsHelp):
    freshness: Freshness


class NeedsHelpList(BaseModel):
    students: list[NeedsHelp] = Field(description="Students with a reason, most reasons first, then the larger accuracy drop")
    freshness: Freshness


class CohortComparison(BaseModel):
    student_id: UUID
    period: Period
    cohort_id: UUID | None = Field(description="The student's cohort; NULL: compared with the whole workspace")
    cohort_size: int = Field(description="Students in the cohort (signed up, not archived)")
    compared: int = Field(description="Of them, students with graded attempts in the period")
    cohort_accuracy: float | None = Field(description="Mean of the compared students' accuracies")
    student_accuracy: float | None
    percentile: float | None = Field(description="Share (0-100) of the other compared students with a lower accuracy, ties counting half")
    freshness: Freshness


class TopicPerformance(BaseModel):
    topic_id: UUID | None
    topic_name: str | None
    attempts: int
    graded: int
    accuracy: float | None
    average_time_seconds: float | None
    students: int = Field(description="Students with attempts at the topic in the period")


class TopicsReport(BaseModel):
    period: Period
    topics: list[TopicPerformance]
    freshness: Freshness


class WeekAccuracy(BaseModel):
    start: date
    students: int = Field(description="Of the tutor's students, those with graded attempts that week")
    graded: int
    correct: int
    accuracy: float | None


class TutorReport(BaseModel):
    user_id: UUID
    name: str | None
    role: Literal["owner", "tutor"]
    assignments_created: int = Field(description="Assignments (not drafts) created in the period")
    assignments_completed: int
    completion_rate: float | None = Field(description="assignments_completed / assignments_created")
    average_score: float | None = Field(description="Mean of total_score / max_score over the assignments with answered items")
    students: int = Field(description="Students who received these assignments")
    weekly_accuracy: list[WeekAccuracy] = Field(description="Accuracy per week of those students over the period")
    accuracy_change: float | None = Field(description="Last week's accuracy minus the first week's, among weeks with graded attempts")


class TutorsReport(BaseModel):
    period: Period
    tutors: list[TutorReport]
    freshness: Freshness


class Overview(BaseModel):
    students: int = Field(description="Students not archived")
    questions_by_status: dict[str, int]
    topics: int = Field(description="Topics not archived")
    attempts: int = Field(description="Every attempt recorded (question counters)")
    correct: int
    attempts_last_30_days: int
    accuracy_last_30_days: float | None
    active_students_7_days: int = Field(description="Students with an attempt in the last 7 days (today included)")
    active_students_30_days: int
    freshness: Freshness
