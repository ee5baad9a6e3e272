"""JSONB contracts of the scheduling domain: what happened in a tutoring session (sessions.session_metadata).

The model forbids unknown keys (``extra="forbid"``) so that what the application writes matches this contract;
rows written by newer code are read with ``validate_jsonb(..., unknown_keys="ignore")`` (see docs/jsonb-contracts.md).
"""

from __future__ import annotations

import uuid
from typing import Annotated, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    StrictBool,
    StrictFloat,
    field_validator,
)

from tutorassist.kit.jsonb import JsonbColumn, JsonbContract, NonEmptyStr, register


class TopicCovered(BaseModel):
    """A topic worked on during the session."""

    model_config = ConfigDict(extra="forbid")

    topic_id: uuid.UUID = Field(description="topics.id.")
    time_spent_minutes: Annotated[StrictFloat, Field(ge=0)] = Field(description="Minutes spent on the topic.")
    mastery_level: Literal["introduced", "practicing", "mastered"] = Field(
        description="Where the student stands on the topic at the end of the session."
    )


class QuestionReviewed(BaseModel):
    """A question gone through during the session."""

    model_config = ConfigDict(extra="forbid")

    question_id: uuid.UUID = Field(description="questions.id.")
    student_struggled: StrictBool = Field(description="The student needed substantial help.")
    time_spent_minutes: Annotated[StrictFloat, Field(ge=0)] = Field(description="Minutes spent on the question.")


class SessionMetadata(BaseModel):
    """Session outcome tracking (seed 6.2); every key is optional, so the column default `{}` is valid.

    Seed 6.2 makes `student_preparation`, `student_engagement` and `student_understanding` required; here they are
    optional. A session row exists, holding the column default `{}`, from the moment it is scheduled; the student
    state is only known afterwards (never for a cancelled or no-show session), and tutors may record it partially.
    Required keys would make the default, and so every scheduled session, break the contract.
    """

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "actual_duration_minutes": 55,
                    "started_late_minutes": 5,
                    "topics_covered": [
                        {
                            "topic_id": "3f2a1b0c-9d8e-4f7a-8b6c-5d4e3f2a1b0c",
                            "time_spent_minutes": 35,
                            "mastery_level": "practicing",
                        }
                    ],
                    "questions_reviewed": [
                        {
                            "question_id": "9c1b2d3e-4f50-4a6b-8c7d-8e9fa0b1c2d3",
                            "student_struggled": True,
                            "time_spent_minutes": 10,
                        }
                    ],
                    "student_preparation": "somewhat_prepared",
                    "student_engagement": "high",
                    "student_understanding": "progressing",
                    "homework_assigned": ["Exercise 4B, questions 1-10"],
                    "goals_for_next_session": ["Simultaneous equations by elimination"],
                    "tutor_notes": "Confident with one-step equations; sign errors when expanding brackets.",
                    "connection_issues": False,
                }
            ]
        },
    )

    actual_duration_minutes: Annotated[StrictFloat, Field(ge=0)] | None = Field(
        default=None, description="How long the session really lasted (compare actual_start / actual_end)."
    )
    started_late_minutes: StrictFloat | None = Field(
        default=None, description="actual_start minus scheduled_start in minutes; negative when it started early."
    )
    topics_covered: list[TopicCovered] | None = Field(
        default=None,
        description="Topics worked on, each at most once (ids also in the sessions.topics_covered column).",
    )
    questions_reviewed: list[QuestionReviewed] | None = Field(
        default=None, description="Questions gone through, each at most once (ids also in sessions.questions_reviewed)."
    )
    student_preparation: Literal["unprepared", "somewhat_prepared", "well_prepared"] | None = Field(
        default=None, description="How prepared the student came (seed: required; optional here, see above)."
    )
    student_engagement: Literal["low", "medium", "high"] | None = Field(
        default=None, description="How engaged the student was (seed: required; optional here, see above)."
    )
    student_understanding: Literal["struggling", "progressing", "excelling"] | None = Field(
        default=None, description="How well the student understood (seed: required; optional here, see above)."
    )
    homework_assigned: list[NonEmptyStr] | None = Field(
        default=None, description="Homework given, as free text (assignments in the app are their own rows)."
    )
    goals_for_next_session: list[NonEmptyStr] | None = Field(default=None, description="What to do next time.")
    tutor_notes: Annotated[str, Field(max_length=10_000)] | None = Field(
        default=None, description="The tutor's notes on the session."
    )
    connection_issues: StrictBool | None = Field(default=None, description="An online session had technical problems.")
    issues_description: Annotated[str, Field(max_length=2_000)] | None = Field(
        default=None, description="What went wrong technically."
    )

    @field_validator("topics_covered")
    @classmethod
    def _topics_once(cls, value: list[TopicCovered] | None) -> list[TopicCovered] | None:
        ids = [item.topic_id for item in value or []]
        if len(set(ids)) != len(ids):
            raise ValueError("a topic may appear only once")
        return value

    @field_validator("questions_reviewed")
    @classmethod
    def _questions_once(cls, value: list[QuestionReviewed] | None) -> list[QuestionReviewed] | None:
        ids = [item.question_id for item in value or []]
        if len(set(ids)) != len(ids):
            raise ValueError("a question may appear only once")
        return value


register(JsonbColumn("sessions", "session_metadata", JsonbContract(
    name="SessionMetadata",
    type=SessionMetadata,
    models=(SessionMetadata,),
), "'{}'::jsonb"))
