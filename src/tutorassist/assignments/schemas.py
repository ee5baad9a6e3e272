"""Request and response bodies of the assignments API."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal
from uuid import UUID

from pydantic import AwareDatetime, BaseModel, Field, ValidationInfo, field_validator

from tutorassist.identity.contracts import ResolvedSettings
from tutorassist.identity.schemas import settings_schema
from tutorassist.kit.schemas import Strict

Status = Literal["draft", "assigned", "in_progress", "completed", "archived"]
WritableStatus = Literal["draft", "assigned", "archived"]
"""in_progress and completed are derived from attempts by the database; they cannot be set."""

MAX_STUDENTS = 50
MAX_QUESTIONS = 200
MAX_RULE_COUNT = 100

Tag = Annotated[str, Field(min_length=1, max_length=100)]
Points = Annotated[float, Field(ge=0.0001, le=1000, allow_inf_nan=False,
                                 description="Weight of the item (default 1), stored with 4 decimals")]
# At most 1000 so that 200 items can never overflow the assignment's max_score (numeric(10, 4)).


def _difficulty_range(schema: dict[str, Any]) -> None:
    # difficulty_max must not be below difficulty_min (defaults 1 and 5): one branch per minimum.
    schema["anyOf"] = [{"not": {"required": ["difficulty_min"]}}] + [
        {"properties": {"difficulty_min": {"const": low}, "difficulty_max": {"minimum": low}}} for low in range(1, 6)]


class SelectionRule(Strict):
    """Choose questions per student from the active questions of a topic (and its subtopics)."""

    schema_rules = (_difficulty_range,)

    topic_id: UUID
    include_subtopics: bool = Field(True, description="Also questions filed under the topic's (non-archived) subtopics")
    difficulty_min: int = Field(1, ge=1, le=5)
    difficulty_max: int = Field(5, ge=1, le=5)
    count: int = Field(ge=1, le=MAX_RULE_COUNT, description="Questions per student")
    exclude_seen_days: int = Field(0, ge=0, le=365, description="Skip questions the student attempted within this many "
                                                                  "days (0: exclude nothing)")
    tags: list[Tag] | None = Field(None, max_length=20, description="Only questions carrying every one of these tags")
    seed: int | None = Field(None, ge=0, le=2**53, description="Same seed and same bank: same choice. Without one a "
                                                                 "random seed is drawn; the seed used is stored in `rule`")

    @field_validator("difficulty_max")
    @classmethod
    def _range(cls, value: int, info: ValidationInfo) -> int:
        low = info.data.get("difficulty_min")
        if low is not None and value < low:
            raise ValueError("must not be below difficulty_min")
        return value


class AssignmentCreate(Strict):
    give_exactly_one_of = ("question_ids", "rule")
    title: str = Field(min_length=1, max_length=300)
    description: str | None = Field(None, max_length=10000)
    student_profile_ids: list[UUID] = Field(min_length=1, max_length=MAX_STUDENTS,
                                            description="One assignment is created per student (active students only)")
    due_at: AwareDatetime | None = Field(None, description="With a UTC offset; must be in the future")
    settings: dict[str, Any] = Field(default_factory=dict, description="Assignment-level WorkspaceSettings keys",
                                     json_schema_extra=settings_schema("assignment"))
    status: Literal["draft", "assigned"] = "assigned"
    question_ids: list[UUID] | None = Field(None, min_length=1, max_length=MAX_QUESTIONS,
                                            description="Hand-picked active questions, in order (or give `rule`)")
    rule: SelectionRule | None = Field(None, description="Choose the questions per student (or give `question_ids`)")


class AssignmentUpdate(Strict):
    not_null = ("title", "status")

    title: str | None = Field(None, min_length=1, max_length=300)
    description: str | None = Field(None, max_length=10000)
    due_at: AwareDatetime | None = Field(None, description="Null clears the due date; otherwise must be in the future")
    settings: dict[str, Any] | None = Field(None, json_schema_extra=settings_schema("assignment"))
    status: WritableStatus | None = Field(
        None, description="draft, assigned or archived. Setting assigned on a live assignment (in_progress, completed) "
                          "changes nothing: its progress status is derived from attempts")


class ItemIn(Strict):
    question_id: UUID
    points: Points | None = Field(None, description="Weight; omitted: unchanged for a kept item, 1 for a new one")


class ItemsReplace(Strict):
    items: list[ItemIn] = Field(min_length=1, max_length=MAX_QUESTIONS, description="The full ordered list of items")


class QuestionView(BaseModel):
    """What may be shown of a question: never its answer or solution. Staff also see difficulty, topic and status."""

    id: UUID
    prompt_latex: str
    answer_type: str
    difficulty: int | None = None
    topic_id: UUID | None = None
    status: str | None = None


class ItemOut(BaseModel):
    id: UUID
    position: int
    question_id: UUID
    points: float
    question: QuestionView


class AssignmentOut(BaseModel):
    id: UUID
    student_profile_id: UUID
    title: str
    description: str | None
    status: Status
    settings: dict[str, Any]
    rule: dict[str, Any] | None
    due_at: datetime | None
    total_items: int
    completed_count: int
    total_score: float
    max_score: float
    started_at: datetime | None
    completed_at: datetime | None
    created_by: UUID | None
    created_at: datetime
    updated_at: datetime


class AssignmentDetail(AssignmentOut):
    items: list[ItemOut]
    effective_settings: ResolvedSettings = Field(
        description="Every settings key resolved assignment -> student -> workspace -> default, with its source")


class AssignmentCreated(AssignmentDetail):
    shortfall: int = Field(0, description="With a rule: how many fewer questions than `count` qualified for this student")
    loosen: str | None = Field(None, description="With a shortfall: which part of the rule to widen, in plain words")


class ItemProgress(BaseModel):
    question_id: UUID
    attempts: int = Field(description="Attempts at the item within the assignment")
    correct: int
    last_attempt_at: datetime | None
