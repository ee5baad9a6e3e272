"""JSONB contracts of the learning domain: the context of an attempt (attempts.context_json).

The model forbids unknown keys (``extra="forbid"``) so that what the application writes matches this contract;
rows written by newer code are read with ``validate_jsonb(..., unknown_keys="ignore")`` (see docs/jsonb-contracts.md).
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StrictFloat,
    StrictInt,
)

from tutorassist.kit.jsonb import IsoDateTime, JsonbColumn, JsonbContract, register


class ScreenSize(BaseModel):
    """Viewport size in CSS pixels."""

    model_config = ConfigDict(extra="forbid")

    width: Annotated[StrictInt, Field(gt=0, le=100_000)] = Field(description="Width in CSS pixels.")
    height: Annotated[StrictInt, Field(gt=0, le=100_000)] = Field(description="Height in CSS pixels.")


def _version_from_digits(value: Any) -> Any:
    # Seed 6.2 types question_version as a string; questions.version is an integer. Accept "3" as 3.
    if isinstance(value, str) and value.isascii() and value.isdigit():
        return int(value)
    return value


class AttemptContext(BaseModel):
    """Context of one attempt for analytics (seed 6.2); every key is optional, `{}` is valid."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "device_type": "tablet",
                    "browser": "Safari 18",
                    "screen_size": {"width": 1180, "height": 820},
                    "input_method": "mathlive_palette",
                    "answer_changes_count": 2,
                    "hints_viewed_at": ["2025-12-31T10:01:05Z", "2025-12-31T10:02:40Z"],
                    "solution_viewed_at": "2025-12-31T10:04:00Z",
                    "question_difficulty_at_attempt": 3,
                    "question_version": 2,
                    "session_id": "practice-7f3c2a",
                    "previous_attempts_count": 1,
                    "time_since_last_attempt_hours": 26.5,
                    "class_average_time": 95.0,
                    "class_accuracy_rate": 0.68,
                    "student_percentile": 72,
                }
            ]
        },
    )

    device_type: Literal["mobile", "tablet", "desktop"] | None = Field(default=None, description="Kind of device.")
    browser: Annotated[str, Field(min_length=1, max_length=200)] | None = Field(
        default=None, description="Browser name and version as reported by the client."
    )
    screen_size: ScreenSize | None = Field(default=None, description="Viewport size.")
    input_method: Literal["keyboard", "mathlive_palette", "voice", "paste"] | None = Field(
        default=None, description="How the answer was entered (mainly)."
    )
    answer_changes_count: Annotated[StrictInt, Field(ge=0)] | None = Field(
        default=None, description="Times the answer was changed before submitting."
    )
    hints_viewed_at: list[IsoDateTime] | None = Field(
        default=None, description="When each hint was revealed, in the order revealed."
    )
    solution_viewed_at: IsoDateTime | None = Field(default=None, description="When the worked solution was shown.")
    question_difficulty_at_attempt: Annotated[StrictInt, Field(ge=1, le=5)] | None = Field(
        default=None, description="questions.difficulty (1-5) when the attempt was made."
    )
    question_version: Annotated[StrictInt, Field(ge=1), BeforeValidator(_version_from_digits)] | None = Field(
        default=None,
        description=(
            "questions.version the student saw; a digit string (the seed's type) is accepted and read as the number."
        ),
    )
    session_id: Annotated[str, Field(min_length=1, max_length=100)] | None = Field(
        default=None, description="Client-side practice session the attempt belongs to (not a sessions.id)."
    )
    previous_attempts_count: Annotated[StrictInt, Field(ge=0)] | None = Field(
        default=None, description="Earlier attempts by this student on this question."
    )
    time_since_last_attempt_hours: Annotated[StrictFloat, Field(ge=0)] | None = Field(
        default=None, description="Hours since the student's previous attempt on this question."
    )
    class_average_time: Annotated[StrictFloat, Field(ge=0)] | None = Field(
        default=None,
        description="Average seconds spent on the question by the class (unit of attempts.time_spent_seconds).",
    )
    class_accuracy_rate: Annotated[StrictFloat, Field(ge=0, le=1)] | None = Field(
        default=None, description="Share of correct attempts on the question in the class, 0..1."
    )
    student_percentile: Annotated[StrictFloat, Field(ge=0, le=100)] | None = Field(
        default=None, description="The student's percentile in the class, 0..100."
    )


register(JsonbColumn("attempts", "context_json", JsonbContract(
    name="AttemptContext",
    type=AttemptContext,
    models=(AttemptContext,),
    notes=(
        "Written by the client with the submission; every key is optional because clients differ in what they "
        "can report. `hints_viewed_at` should have `attempts.hints_viewed` entries (cross-column, for the audit).",
    ),
), "'{}'::jsonb"))
