"""Request and response bodies of question flags, tutor feedback, submitting and reading attempts."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Annotated, Any, Literal
from uuid import UUID

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, StrictBool

from tutorassist.kit.schemas import Strict, contract_schema, stripped_length
from tutorassist.learning.contracts import AttemptContext
from tutorassist.questions.contracts import AnswerType

FlagReason = Literal["incorrect_answer", "unclear_wording", "typo", "rendering_problem", "wrong_topic",
                     "wrong_difficulty", "duplicate", "other"]
FlagStatus = Literal["open", "resolved", "dismissed"]

MAX_COMMENT = 2000
Comment = Annotated[str, Field(max_length=MAX_COMMENT)]
FeedbackBody = Annotated[str, Field(min_length=1, max_length=10000, description="Markdown with LaTeX")]


def _other_needs_a_comment(schema: dict[str, Any]) -> None:
    """reason `other` needs a comment that is not blank once stripped (service.create_flag)."""
    schema["if"] = {"required": ["reason"], "properties": {"reason": {"const": "other"}}}
    schema["then"] = {"required": ["comment"],
                      "properties": {"comment": {"type": "string", "pattern": stripped_length(1, MAX_COMMENT)}}}


class FlagCreate(Strict):
    schema_rules = (_other_needs_a_comment,)

    reason: FlagReason = Field(description="One of the fixed set; `other` needs a comment")
    comment: Comment | None = Field(None, description="What is wrong (required for reason `other`)")
    attempt_id: UUID | None = Field(None, description="The attempt during which the question was flagged: one of your "
                                                      "own attempts at this question (staff: anyone's)")


class FlagUpdate(Strict):
    """Triage: resolved or dismissed (records who and when), or open again (clears them)."""

    status: FlagStatus
    resolution_note: Comment | None = Field(None, description="The decision, shown with the flag; kept when omitted")


class FlagOut(BaseModel):
    model_config = ConfigDict(extra="forbid")

    id: UUID
    question_id: UUID
    flagged_by: UUID | None
    attempt_id: UUID | None
    reason: FlagReason
    comment: str | None
    status: FlagStatus
    resolved_by: UUID | None
    resolved_at: datetime | None
    resolution_note: str | None
    created_at: datetime
    updated_at: datetime


class FeedbackCreate(Strict):
    body: FeedbackBody
    visible_to_student: StrictBool = Field(True, description="False for a private note the student does not see")


class FeedbackUpdate(Strict):
    not_null = ("body", "visible_to_student")

    body: FeedbackBody | None = None
    visible_to_student: StrictBool | None = None


class FeedbackOut(BaseModel):
    model_config = ConfigDict(extra="forbid")

    id: UUID
    attempt_id: UUID
    tutor_user_id: UUID | None
    body: str
    visible_to_student: bool
    created_at: datetime
    updated_at: datetime


# ---------------------------------------------------------------- submitting answers
class AttemptCreate(Strict):
    """A student's answer to a question (free practice, review, or an item of one of their assignments)."""

    question_id: UUID
    answer: Annotated[str, Field(max_length=2000, description="The answer as typed (LaTeX or plain)")]
    assignment_id: UUID | None = Field(None, description="The assignment answered in; the question must be one of "
                                                         "its items and the assignment yours")
    time_spent_seconds: Annotated[int, Field(ge=0, le=86400)] | None = Field(None, description="Seconds spent")
    hints_viewed_at: Annotated[list[AwareDatetime], Field(max_length=100)] = Field(
        default_factory=list, description="When each hint was revealed (with a UTC offset); their count is hints_viewed. "
                                          "context.hints_viewed_at may say it instead; when both are given they must "
                                          "be the same times (422 otherwise)")
    context: dict[str, Any] = Field(default_factory=dict, description="AttemptContext (docs/jsonb-contracts.md)",
                                    json_schema_extra=contract_schema(AttemptContext))
    client_request_id: Annotated[str, Field(min_length=1, max_length=100)] | None = Field(
        None, description="Idempotency key: a retry with the same key returns the first attempt (200) and records "
                          "nothing new")


class AttemptOut(BaseModel):
    """An attempt, the same shape wherever it is read: graded, with the review it scheduled and the tutor feedback the
    caller may see (students and guardians: visible_to_student only)."""

    model_config = ConfigDict(extra="forbid")

    id: UUID
    student_user_id: UUID
    question_id: UUID
    question_version: int = Field(description="The version of the question that was answered")
    assignment_id: UUID | None
    answer_raw: str
    answer_parsed: Any | None
    is_correct: bool | None
    score: Decimal | None
    verdict: Literal["correct", "incorrect"] | None = Field(description="null only for an attempt never graded")
    answer_note: str | None
    feedback: str | None
    interpreted_as: str | None
    time_spent_seconds: int | None
    hints_viewed: int
    submitted_at: datetime
    algorithm: Literal["sm2", "fsrs"] | None = Field(description="The scheduler of the question's review card")
    next_due_at: datetime | None = Field(description="When the question is next due for review")
    tutor_feedback: list[FeedbackOut]


class PreviewRequest(Strict):
    """Give question_id (its answer type is used) or answer_type."""

    give_any_of = ("question_id", "answer_type")
    question_id: UUID | None = None
    answer_type: AnswerType | None = None
    answer: Annotated[str, Field(max_length=2000)]


class PreviewOut(BaseModel):
    model_config = ConfigDict(extra="forbid")

    ok: bool
    answer_note: str | None
    message: str
    interpreted_as: str | None
    interpreted_mathml: str | None
