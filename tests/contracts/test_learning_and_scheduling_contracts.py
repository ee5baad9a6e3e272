"""AttemptContext and SessionMetadata."""

from __future__ import annotations

import uuid

import pytest

from tests.contracts.helpers import assert_rejected
from tutorassist.kit.jsonb import validate_jsonb
from tutorassist.learning.contracts import AttemptContext
from tutorassist.scheduling.contracts import SessionMetadata

SEED_62_ATTEMPT_KEYS = {
    "device_type", "browser", "screen_size", "input_method", "answer_changes_count", "hints_viewed_at",
    "solution_viewed_at", "question_difficulty_at_attempt", "question_version", "session_id",
    "previous_attempts_count", "time_since_last_attempt_hours", "class_average_time", "class_accuracy_rate",
    "student_percentile",
}
SEED_62_SESSION_KEYS = {
    "actual_duration_minutes", "started_late_minutes", "topics_covered", "questions_reviewed", "student_preparation",
    "student_engagement", "student_understanding", "homework_assigned", "goals_for_next_session", "tutor_notes",
    "connection_issues", "issues_description",
}

# --------------------------------------------------------------------------------------------- attempt context


def test_attempt_context_has_exactly_the_seed_62_keys_all_optional():
    assert set(AttemptContext.model_fields) == SEED_62_ATTEMPT_KEYS
    assert not any(info.is_required() for info in AttemptContext.model_fields.values())


def test_attempt_context_typical_client_payload():
    ctx = validate_jsonb(
        "attempts",
        "context_json",
        {
            "device_type": "mobile",
            "screen_size": {"width": 390, "height": 844},
            "input_method": "keyboard",
            "hints_viewed_at": ["2025-12-31T10:00:00Z", "2025-12-31T11:00:00+01:00"],
            "student_percentile": 50,
            "class_accuracy_rate": 1,
        },
    )
    assert [t.utcoffset().total_seconds() for t in ctx.hints_viewed_at] == [0, 3600]


def test_question_version_as_a_digit_string_is_read_as_the_integer_version():
    # Seed 6.2 types it as a string; questions.version is an integer.
    assert AttemptContext.model_validate({"question_version": "3"}).question_version == 3
    assert AttemptContext.model_validate({"question_version": 3}).question_version == 3


@pytest.mark.parametrize(
    ("value", "field"),
    [
        ({"device_type": "watch"}, "device_type"),
        ({"input_method": "handwriting"}, "input_method"),
        ({"screen_size": {"width": 0, "height": 800}}, "width"),
        ({"screen_size": {"width": "1024", "height": 768}}, "width"),
        ({"screen_size": {"width": 1024}}, "height"),
        ({"screen_size": {"width": 1024, "height": 768, "dpr": 2}}, "dpr"),
        ({"answer_changes_count": -1}, "answer_changes_count"),
        ({"hints_viewed_at": ["2025-12-31T10:00:00"]}, "hints_viewed_at.0"),
        ({"hints_viewed_at": "2025-12-31T10:00:00Z"}, "hints_viewed_at"),
        ({"solution_viewed_at": "2025-12-31 10:00"}, "solution_viewed_at"),
        ({"solution_viewed_at": 1767175200}, "solution_viewed_at"),
        ({"question_difficulty_at_attempt": 6}, "question_difficulty_at_attempt"),
        ({"question_version": "v2"}, "question_version"),
        ({"question_version": 0}, "question_version"),
        ({"previous_attempts_count": -2}, "previous_attempts_count"),
        ({"time_since_last_attempt_hours": -1}, "time_since_last_attempt_hours"),
        ({"class_accuracy_rate": 1.2}, "class_accuracy_rate"),
        ({"student_percentile": 101}, "student_percentile"),
        ({"student_percentile": -1}, "student_percentile"),
        ({"session_id": ""}, "session_id"),
        ({"deviceType": "mobile"}, "deviceType"),
    ],
)
def test_invalid_attempt_context_is_rejected_naming_the_field(value, field):
    assert_rejected(AttemptContext.model_validate, value, field)


# --------------------------------------------------------------------------------------------- session metadata


def test_session_metadata_has_exactly_the_seed_62_keys_all_optional():
    # Deliberate deviation: the seed requires the three student_* keys; the column default {} must validate.
    assert set(SessionMetadata.model_fields) == SEED_62_SESSION_KEYS
    assert not any(info.is_required() for info in SessionMetadata.model_fields.values())


def test_session_metadata_recorded_partially():
    meta = validate_jsonb(
        "sessions", "session_metadata", {"student_engagement": "medium", "tutor_notes": "Worked on fractions."}
    )
    assert meta.student_preparation is None and meta.student_engagement == "medium"


def test_started_late_minutes_may_be_negative_for_an_early_start():
    assert SessionMetadata.model_validate({"started_late_minutes": -3}).started_late_minutes == -3


TOPIC = {"topic_id": str(uuid.uuid4()), "time_spent_minutes": 20, "mastery_level": "introduced"}
QUESTION = {"question_id": str(uuid.uuid4()), "student_struggled": False, "time_spent_minutes": 5}


@pytest.mark.parametrize(
    ("value", "field"),
    [
        ({"student_preparation": "prepared"}, "student_preparation"),
        ({"student_engagement": "very_high"}, "student_engagement"),
        ({"student_understanding": "confused"}, "student_understanding"),
        ({"topics_covered": [{**TOPIC, "mastery_level": "expert"}]}, "mastery_level"),
        ({"topics_covered": [{**TOPIC, "topic_id": "fractions"}]}, "topic_id"),
        ({"topics_covered": [{**TOPIC, "time_spent_minutes": -5}]}, "time_spent_minutes"),
        ({"topics_covered": [TOPIC, TOPIC]}, "topics_covered"),
        ({"questions_reviewed": [{**QUESTION, "student_struggled": "a bit"}]}, "student_struggled"),
        ({"questions_reviewed": [QUESTION, QUESTION]}, "questions_reviewed"),
        ({"actual_duration_minutes": -10}, "actual_duration_minutes"),
        ({"homework_assigned": "Exercise 4B"}, "homework_assigned"),
        ({"connection_issues": "no"}, "connection_issues"),
        ({"rating": 5}, "rating"),
    ],
)
def test_invalid_session_metadata_is_rejected_naming_the_field(value, field):
    assert_rejected(SessionMetadata.model_validate, value, field)
