"""Responses of the question-quality and AI analytics (docs/analytics-quality.md says what each number means)."""

from __future__ import annotations

from datetime import datetime
from typing import Literal
from uuid import UUID

from pydantic import BaseModel, Field

from tutorassist.analytics.freshness import Freshness
from tutorassist.analytics.schemas import Period

ItemSort = Literal["question", "flag_rate", "facility", "discrimination", "students"]
UsageGrouping = Literal["day", "model", "operation"]


class ItemStatisticsOut(BaseModel):
    question_id: UUID
    topic_id: UUID | None
    status: str
    origin: str
    difficulty: int = Field(description="Declared difficulty 1..5")
    prompt_text: str = Field(description="The prompt as plain text (first 200 characters)")
    students: int = Field(description="Sample size n: students whose first graded attempt counts")
    withheld_reason: str | None = Field(description="Why facility, SD, discrimination and dubious are null (too few students), or null")
    facility: float | None = Field(description="Mean score 0..1 of the first graded attempts")
    score_sd: float | None
    discrimination_index: float | None = Field(description="-100..100: item score against the rest score")
    discriminative_efficiency: float | None
    rest_students: int = Field(description="Students in the discrimination sample (they answered other questions too)")
    dubious: bool | None
    mean_time_seconds: float | None
    attempts: int
    students_attempted: int
    flags: int
    open_flags: int
    flag_rate: float | None = Field(description="flags / students_attempted")


class ItemStatisticsPage(BaseModel):
    items: list[ItemStatisticsOut]
    next_cursor: str | None = Field(None, description="Pass as ?cursor= (with the same sort) for the next page")
    min_sample: int = Field(description="Students below which a statistic is withheld")
    freshness: Freshness


class CalibrationLevel(BaseModel):
    difficulty: int
    questions: int = Field(description="Questions of this declared difficulty (matching the filters)")
    sampled_questions: int = Field(description="Of them, with at least min_sample students")
    students: int = Field(description="First graded attempts pooled over the level (n)")
    facility: float | None = Field(description="Pooled mean score of those attempts; null below min_sample")
    withheld_reason: str | None


class CalibrationOut(BaseModel):
    levels: list[CalibrationLevel]
    min_sample: int
    freshness: Freshness


class WrongAnswerNoteOut(BaseModel):
    topic_id: UUID
    topic_name: str
    note_code: str
    attempts: int
    students: int
    last_seen: datetime


class WrongAnswerNotesOut(BaseModel):
    items: list[WrongAnswerNoteOut]
    freshness: Freshness


class CoverageTopic(BaseModel):
    topic_id: UUID | None = Field(description="null: active questions filed under no topic")
    topic_name: str | None
    by_difficulty: dict[str, int] = Field(description="Active questions per declared difficulty \"1\"..\"5\"")
    total: int


class CoverageOut(BaseModel):
    topics: list[CoverageTopic]
    freshness: Freshness


class CountOf(BaseModel):
    id: UUID | None
    name: str | None
    count: int


class DistributionOut(BaseModel):
    total: int
    by_status: dict[str, int]
    by_difficulty: dict[str, int]
    by_origin: dict[str, int]
    ai_generated_in_batches: int = Field(description="AI-generated questions that came from a generation batch")
    by_topic: list[CountOf]
    by_program: list[CountOf]
    by_grade_level: list[CountOf]
    freshness: Freshness


class UsageRow(BaseModel):
    key: str = Field(description="The day (YYYY-MM-DD, UTC), model or operation")
    calls: int
    failed_calls: int
    tokens_input: int
    tokens_output: int
    tokens_total: int
    cost_usd: float


class UsageOut(BaseModel):
    by: UsageGrouping
    period: Period = Field(description="The days reported, UTC days (AI usage is billed in UTC)")
    rows: list[UsageRow]
    total: UsageRow
    freshness: Freshness


class BatchOutcomes(BaseModel):
    batches: int
    by_status: dict[str, int]
    requested: int
    generated: int
    failed: int
    cost_usd: float


class GenerationOut(BaseModel):
    period: Period = Field(description="The days reported, UTC days (AI usage is billed in UTC)")
    generation_cost_usd: float = Field(description="Cost of generation calls (not embeddings) in the period")
    generated_questions: int = Field(description="AI-generated questions created in the period")
    accepted_questions: int = Field(description="Of them, approved (active now or once)")
    pending_drafts: int
    rejected_drafts: int = Field(description="Archived without ever being active")
    cost_per_accepted_question_usd: float | None
    batches: BatchOutcomes
    freshness: Freshness
