"""WorkspaceSettings and their resolution assignment -> student -> workspace -> built-in default."""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import ValidationError

from tests.contracts.helpers import assert_rejected
from tutorassist.identity.contracts import (
    ResolvedSettings,
    WorkspaceSettings,
    builtin_default,
    resolve_settings,
    setting_levels,
    settings_context,
)
from tutorassist.kit.jsonb import validate_jsonb

LEVEL_COLUMNS = {"workspace": "workspaces", "student": "student_profiles", "assignment": "assignments"}


def at_level(level: str):
    return lambda value: WorkspaceSettings.model_validate(value, context=settings_context(level))


# --------------------------------------------------------------------------------------------- validation


@pytest.mark.parametrize("level", LEVEL_COLUMNS)
def test_empty_settings_are_valid_at_every_level(level):
    assert validate_jsonb(LEVEL_COLUMNS[level], "settings_json", {}).model_fields_set == set()


def test_builtin_defaults_satisfy_the_contract():
    defaults = {key: builtin_default(key) for key in WorkspaceSettings.model_fields}
    WorkspaceSettings.model_validate(defaults, context=settings_context("workspace"))


@pytest.mark.parametrize(
    ("value", "field"),
    [
        ({"show_solution_after": "later"}, "show_solution_after"),
        ({"spaced_repetition_algorithm": "leitner"}, "spaced_repetition_algorithm"),
        ({"desired_retention": 0.5}, "desired_retention"),
        ({"desired_retention": 1.0}, "desired_retention"),
        ({"time_limit_minutes": -1}, "time_limit_minutes"),
        ({"time_limit_minutes": "30"}, "time_limit_minutes"),
        ({"show_hints": "false"}, "show_hints"),
        ({"max_hints": 0}, "max_hints"),
        ({"max_attempts_per_question": 0}, "max_attempts_per_question"),
        ({"daily_new_questions": -1}, "daily_new_questions"),
        ({"auto_hide_flag_threshold": 0}, "auto_hide_flag_threshold"),
        ({"allow_retries": False, "max_attempts_per_question": 3}, "max_attempts_per_question"),
        ({"timeLimit": 30}, "timeLimit"),  # the seed's camelCase example is not a key
    ],
)
def test_invalid_settings_are_rejected_naming_the_field(value, field):
    assert_rejected(at_level("workspace"), value, field)
    assert_rejected(lambda v: validate_jsonb("workspaces", "settings_json", v), value, field)


@pytest.mark.parametrize(
    ("level", "key", "value"),
    [
        ("assignment", "auto_hide_flag_threshold", 3),
        ("student", "auto_hide_flag_threshold", 3),
        ("assignment", "desired_retention", 0.85),
        ("assignment", "spaced_repetition_algorithm", "fsrs"),
        ("assignment", "daily_new_questions", 5),
    ],
)
def test_keys_not_used_at_a_level_are_rejected_there(level, key, value):
    assert level not in setting_levels(key)
    assert_rejected(at_level(level), {key: value}, key)
    assert_rejected(lambda v: validate_jsonb(LEVEL_COLUMNS[level], "settings_json", v), {key: value}, key)
    assert at_level("workspace")({key: value}) is not None


# --------------------------------------------------------------------------------------------- resolution

NONE = None
# (assignment, student, workspace, key, expected value, expected source)
RESOLUTION_CASES: list[tuple[Any, Any, Any, str, Any, str]] = [
    (NONE, NONE, NONE, "time_limit_minutes", 0, "default"),
    ({}, {}, {}, "show_hints", True, "default"),
    (NONE, NONE, {"time_limit_minutes": 30}, "time_limit_minutes", 30, "workspace"),
    (NONE, {"time_limit_minutes": 20}, {"time_limit_minutes": 30}, "time_limit_minutes", 20, "student"),
    ({"time_limit_minutes": 10}, {"time_limit_minutes": 20}, {"time_limit_minutes": 30}, "time_limit_minutes", 10,
     "assignment"),
    ({"time_limit_minutes": 10}, NONE, {"time_limit_minutes": 30}, "time_limit_minutes", 10, "assignment"),
    # false and 0 are values, not "unset" (unlike JavaScript ||)
    ({"show_hints": False}, NONE, {"show_hints": True}, "show_hints", False, "assignment"),
    ({"time_limit_minutes": 0}, {"time_limit_minutes": 20}, NONE, "time_limit_minutes", 0, "assignment"),
    (NONE, {"daily_new_questions": 0}, {"daily_new_questions": 25}, "daily_new_questions", 0, "student"),
    # null means inherit
    ({"time_limit_minutes": None}, {"time_limit_minutes": 20}, NONE, "time_limit_minutes", 20, "student"),
    ({"max_hints": None}, {"max_hints": None}, {"max_hints": 2}, "max_hints", 2, "workspace"),
    # keys are resolved independently
    ({"show_hints": False}, {"time_limit_minutes": 20}, {"show_solution_after": "never"}, "show_solution_after",
     "never", "workspace"),
    ({"show_hints": False}, {"time_limit_minutes": 20}, {"show_solution_after": "never"}, "allow_retries", True,
     "default"),
    # keys are only read at the levels they belong to
    ({"auto_hide_flag_threshold": 1}, {"auto_hide_flag_threshold": 2}, {"auto_hide_flag_threshold": 5},
     "auto_hide_flag_threshold", 5, "workspace"),
    ({"desired_retention": 0.8}, {"desired_retention": 0.85}, NONE, "desired_retention", 0.85, "student"),
    ({"spaced_repetition_algorithm": "fsrs"}, NONE, NONE, "spaced_repetition_algorithm", "sm2", "default"),
    # unknown keys (e.g. written by newer code) are ignored when resolving
    ({"future_setting": True, "max_hints": 1}, NONE, NONE, "max_hints", 1, "assignment"),
    (NONE, NONE, NONE, "max_attempts_per_question", None, "default"),
    (NONE, NONE, NONE, "auto_hide_flag_threshold", None, "default"),
    (NONE, NONE, NONE, "desired_retention", 0.9, "default"),
    (NONE, NONE, NONE, "spaced_repetition_algorithm", "sm2", "default"),
]


@pytest.mark.parametrize(("assignment", "student", "workspace", "key", "value", "source"), RESOLUTION_CASES)
def test_resolve_settings(assignment, student, workspace, key, value, source):
    resolved = resolve_settings(assignment, student, workspace)
    assert resolved.model_dump()[key] == {"value": value, "source": source}
    assert resolved.as_values()[key] == value and resolved.as_sources()[key] == source


def test_resolution_reports_every_key():
    resolved = resolve_settings({"show_hints": False}, None, {"time_limit_minutes": 45})
    assert set(resolved.model_dump()) == set(WorkspaceSettings.model_fields) == set(ResolvedSettings.model_fields)
    assert all(set(entry) == {"value", "source"} for entry in resolved.model_dump().values())
    assert resolved.as_sources() == {
        key: {"show_hints": "assignment", "time_limit_minutes": "workspace"}.get(key, "default")
        for key in WorkspaceSettings.model_fields
    }


def test_resolution_accepts_validated_settings():
    resolved = resolve_settings(WorkspaceSettings(max_hints=2), None, WorkspaceSettings(max_hints=4))
    assert (resolved.max_hints.value, resolved.max_hints.source) == (2, "assignment")


def test_retries_off_at_a_lower_level_caps_attempts_at_one():
    resolved = resolve_settings({"allow_retries": False}, None, {"max_attempts_per_question": 3})
    assert resolved.max_attempts_per_question.value == 3
    assert resolved.effective_max_attempts == 1
    assert resolve_settings(None, None, {"max_attempts_per_question": 3}).effective_max_attempts == 3
    assert resolve_settings(None, None, None).effective_max_attempts is None


def test_resolution_rejects_a_known_key_with_a_bad_value():
    with pytest.raises(ValidationError, match="time_limit_minutes"):
        resolve_settings(None, {"time_limit_minutes": "30"}, None)


def test_strict_resolution_rejects_unknown_and_misplaced_keys():
    with pytest.raises(ValidationError, match="future_setting"):
        resolve_settings({"future_setting": True}, None, None, unknown_keys="forbid")
    with pytest.raises(ValidationError, match="auto_hide_flag_threshold"):
        resolve_settings({"auto_hide_flag_threshold": 1}, None, None, unknown_keys="forbid")


def test_resolution_does_not_change_its_inputs():
    assignment = {"future_setting": True, "show_hints": False}
    resolve_settings(assignment, None, None)
    assert assignment == {"future_setting": True, "show_hints": False}
