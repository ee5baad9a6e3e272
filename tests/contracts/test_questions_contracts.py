"""QuestionGenerationMetadata, TopicMetadata and AnswerSpec."""

from __future__ import annotations

import copy
import uuid
from typing import Any

import pytest
from pydantic import TypeAdapter

from tests.contracts.helpers import assert_rejected, error_report
from tutorassist.kit.jsonb import validate_jsonb
from tutorassist.kit.jsonb_docs import contract_example
from tutorassist.questions.contracts import (
    ANSWER_SPEC_MODELS,
    ANSWER_TYPES,
    KNOWN_GENERATION_MODELS,
    AnswerSpec,
    LegacyGenerationMetadata,
    MultipleChoiceAnswer,
    NoGenerationMetadata,
    NumberAnswer,
    QuestionGenerationMetadata,
    TopicMetadata,
)

# Seed section 4.1, "Required for Production", verbatim (its ids are placeholders).
SEED_41_EXAMPLE: dict[str, Any] = {
    "model": "gpt-4o-mini",
    "model_version": "2024-07-18",
    "prompt_version": "v2.3",
    "temperature": 0.7,
    "generated_at": "2025-12-31T10:00:00Z",
    "batch_id": "batch_abc123",
    "job_id": "uuid",
    "tokens_used": {"input": 150, "output": 320, "total": 470},
    "generation_time_ms": 2340,
    "validation_passed": True,
    "auto_fixes_applied": ["latex_formatting"],
    "source_context": {"material_id": "uuid", "material_page": 5, "similar_questions": ["uuid1", "uuid2"]},
    "pedagogical": {"blooms_level": "apply", "skill_type": "procedural", "prerequisites": ["uuid1"]},
}

# Seed 6.2 interface keys, to prove the model has exactly them.
SEED_62_GENERATION_KEYS = {
    "model", "model_version", "prompt_version", "temperature", "generated_at", "batch_id", "job_id", "tokens_used",
    "generation_time_ms", "cost_usd", "validation_passed", "auto_fixes_applied", "quality_checks", "source_context",
    "pedagogical",
}
SEED_62_GENERATION_REQUIRED = {
    "model", "prompt_version", "temperature", "generated_at", "job_id", "tokens_used", "generation_time_ms",
    "validation_passed",
}
SEED_62_TOPIC_KEYS = {
    "subtopics", "learning_objectives", "difficulty", "estimated_hours", "prerequisites", "follows_topics",
    "leads_to_topics", "curriculum_codes", "mastery_threshold", "success_benchmark", "common_errors",
    "recommended_question_types", "recommended_difficulty_distribution", "generated_from", "source_program_id",
    "source_grade_level_id",
}


def with_real_ids(example: dict[str, Any]) -> dict[str, Any]:
    value = copy.deepcopy(example)
    uuid1, uuid2 = str(uuid.uuid4()), str(uuid.uuid4())
    value["job_id"] = str(uuid.uuid4())
    value["source_context"]["material_id"] = str(uuid.uuid4())
    value["source_context"]["similar_questions"] = [uuid1, uuid2]
    value["pedagogical"]["prerequisites"] = [uuid1]
    return value


def changed(base: dict[str, Any], path: str, new: Any) -> dict[str, Any]:
    """A copy of `base` with the dotted `path` set to `new` (or removed when `new` is ...)."""
    value = copy.deepcopy(base)
    *parents, last = path.split(".")
    node = value
    for part in parents:
        node = node[int(part)] if isinstance(node, list) else node[part]
    if new is ...:
        del node[last]
    else:
        node[last] = new
    return value


# --------------------------------------------------------------------------------------------- generation metadata


def test_model_has_exactly_the_seed_62_keys_and_required_fields():
    fields = QuestionGenerationMetadata.model_fields
    assert set(fields) == SEED_62_GENERATION_KEYS
    assert {name for name, info in fields.items() if info.is_required()} == SEED_62_GENERATION_REQUIRED


def test_seed_41_example_validates_once_its_placeholder_ids_are_real():
    value = with_real_ids(SEED_41_EXAMPLE)
    meta = QuestionGenerationMetadata.model_validate(value)
    assert meta.tokens_used.total == 470
    assert meta.generated_at.utcoffset().total_seconds() == 0
    assert meta.cost_usd is None and meta.quality_checks is None and meta.pedagogical.cognitive_load is None
    assert isinstance(validate_jsonb("questions", "generation_metadata", value), QuestionGenerationMetadata)


def test_seed_41_example_verbatim_fails_only_on_its_placeholder_ids():
    # 6.2 wins: job_id, material_id, similar_questions and prerequisites are ids (uuids), not free strings.
    locs = {loc for loc, _ in error_report(QuestionGenerationMetadata.model_validate, SEED_41_EXAMPLE)}
    assert locs == {
        "job_id",
        "source_context.material_id",
        "source_context.similar_questions.0",
        "source_context.similar_questions.1",
        "pedagogical.prerequisites.0",
    }


@pytest.mark.parametrize("model", [*KNOWN_GENERATION_MODELS, "gpt-4.1", "claude-sonnet-4-5", "llama-3.1-70b"])
def test_model_name_is_not_restricted_to_the_seed_list(model):
    value = changed(with_real_ids(SEED_41_EXAMPLE), "model", model)
    assert QuestionGenerationMetadata.model_validate(value).model == model


def test_empty_object_is_the_column_default_but_not_generation_metadata():
    assert isinstance(validate_jsonb("questions", "generation_metadata", {}), NoGenerationMetadata)
    missing = {loc for loc, _ in error_report(QuestionGenerationMetadata.model_validate, {})}
    assert missing == SEED_62_GENERATION_REQUIRED


def test_legacy_backfill_of_seed_action_6_validates_through_the_column():
    # UPDATE ... SET generation_metadata = jsonb_build_object('model', 'gpt-4o-mini', 'generated_at', created_at,
    # 'legacy_migration', true)
    row = {"model": "gpt-4o-mini", "generated_at": "2025-06-01T08:30:00.123456+00:00", "legacy_migration": True}
    assert isinstance(validate_jsonb("questions", "generation_metadata", row), LegacyGenerationMetadata)
    assert_rejected(QuestionGenerationMetadata.model_validate, row, "legacy_migration")


@pytest.mark.parametrize(
    ("value", "field"),
    [
        ({"model": "gpt-4o-mini", "legacy_migration": True}, "generated_at"),
        ({"model": "gpt-4o-mini", "generated_at": "2025-06-01T08:30:00", "legacy_migration": True}, "generated_at"),
        ({"model": "gpt-4o-mini", "generated_at": "2025-06-01T08:30:00Z", "legacy_migration": True, "x": 1}, "x"),
        ({"model": "gpt-4o-mini", "generated_at": "2025-06-01T08:30:00Z", "legacy_migration": False}, "prompt_version"),
    ],
)
def test_bad_legacy_records_are_rejected(value, field):
    assert_rejected(lambda v: validate_jsonb("questions", "generation_metadata", v), value, field)


@pytest.mark.parametrize(
    ("path", "new", "field"),
    [
        ("pedagogical.blooms_level", "memorize", "blooms_level"),
        ("pedagogical.skill_type", "strategic", "skill_type"),
        ("pedagogical.cognitive_load", "extreme", "cognitive_load"),
        ("tokens_used.input", -1, "input"),
        ("tokens_used.total", 400, "total"),
        ("tokens_used.output", "320", "output"),
        ("tokens_used.cached", 10, "cached"),
        ("generated_at", "2025-12-31T10:00:00", "generated_at"),
        ("generated_at", 1767175200, "generated_at"),
        ("generated_at", "yesterday", "generated_at"),
        ("temperature", 2.5, "temperature"),
        ("temperature", -0.1, "temperature"),
        ("job_id", "job-42", "job_id"),
        ("generation_time_ms", -5, "generation_time_ms"),
        ("cost_usd", -0.01, "cost_usd"),
        ("validation_passed", "yes", "validation_passed"),
        ("model", "", "model"),
        ("prompt_version", ..., "prompt_version"),
        ("source_context.material_page", 0, "material_page"),
        ("source_context.similar_questions", ["0d6f6a52-3f4e-4a55-8d0b-2b8e4f1f2c3d"] * 2, "similar_questions"),
        ("quality_checks", {"latex_valid": True, "answer_parseable": True}, "difficulty_appropriate"),
        ("prompt", "Write a question", "prompt"),
    ],
)
def test_invalid_generation_metadata_is_rejected_naming_the_field(path, new, field):
    value = changed(with_real_ids(SEED_41_EXAMPLE), path, new)
    assert_rejected(QuestionGenerationMetadata.model_validate, value, field)
    assert_rejected(lambda v: validate_jsonb("questions", "generation_metadata", v), value, field)


def test_total_mismatch_message_gives_the_expected_sum():
    value = changed(with_real_ids(SEED_41_EXAMPLE), "tokens_used.total", 400)
    [(loc, msg)] = error_report(QuestionGenerationMetadata.model_validate, value)
    assert loc == "tokens_used" and "470" in msg


# --------------------------------------------------------------------------------------------- topic metadata


def test_topic_model_has_exactly_the_seed_62_keys_all_optional():
    assert set(TopicMetadata.model_fields) == SEED_62_TOPIC_KEYS
    assert not any(info.is_required() for info in TopicMetadata.model_fields.values())


def test_topic_metadata_of_seed_1_10_merged_with_action_12_validates():
    stored = {"subtopics": [], "learning_objectives": [], "difficulty": 3}
    stored |= {"mastery_threshold": 0.8, "prerequisites": [], "estimated_hours": 2, "success_benchmark": 0.75,
               "common_errors": []}
    meta = validate_jsonb("topics", "metadata", stored)
    assert meta.difficulty == 3 and meta.mastery_threshold == 0.8 and meta.estimated_hours == 2


@pytest.mark.parametrize(
    ("value", "field"),
    [
        ({"difficulty": 6}, "difficulty"),
        ({"difficulty": 0}, "difficulty"),
        ({"difficulty": 2.5}, "difficulty"),
        ({"difficulty": "3"}, "difficulty"),
        ({"mastery_threshold": 1.5}, "mastery_threshold"),
        ({"mastery_threshold": 80}, "mastery_threshold"),
        ({"success_benchmark": -0.1}, "success_benchmark"),
        ({"estimated_hours": 0}, "estimated_hours"),
        ({"prerequisites": ["algebra-1"]}, "prerequisites.0"),
        ({"leads_to_topics": ["0d6f6a52-3f4e-4a55-8d0b-2b8e4f1f2c3d"] * 2}, "leads_to_topics"),
        ({"generated_from": "scraped"}, "generated_from"),
        ({"common_errors": [{"error": "sign", "frequency": 2, "remedy": "check"}]}, "frequency"),
        ({"common_errors": [{"error": "sign", "frequency": 0.2}]}, "remedy"),
        ({"recommended_difficulty_distribution": {"easy": 0, "medium": 0, "hard": 0}}, "at least one"),
        ({"recommended_difficulty_distribution": {"easy": 1, "medium": 1}}, "hard"),
        ({"recommended_question_types": ["essay"]}, "recommended_question_types.0"),
        ({"source_program_id": "ib"}, "source_program_id"),
        ({"tags": ["algebra"]}, "tags"),
    ],
)
def test_invalid_topic_metadata_is_rejected_naming_the_field(value, field):
    assert_rejected(TopicMetadata.model_validate, value, field)


# --------------------------------------------------------------------------------------------- answer specs

answer_spec = TypeAdapter(AnswerSpec)


def test_one_answer_model_per_answer_type():
    types = [model.model_fields["type"].annotation.__args__[0] for model in ANSWER_SPEC_MODELS]
    assert types == list(ANSWER_TYPES)


@pytest.mark.parametrize("model", ANSWER_SPEC_MODELS, ids=lambda m: m.__name__)
def test_answer_examples_validate_as_their_own_type(model):
    assert type(answer_spec.validate_python(contract_example(model))) is model


def test_the_test_factory_answer_spec_validates():
    spec = validate_jsonb("questions", "answer_spec", '{"type": "number", "value": "2"}')
    assert isinstance(spec, NumberAnswer) and spec.value == "2"


@pytest.mark.parametrize("value", ["2", "-0.125", "+3.", ".5", "2.50", "6.02e23", "1E-7"])
def test_number_value_keeps_the_raw_decimal(value):
    assert answer_spec.validate_python({"type": "number", "value": value}).value == value


def test_multiple_choice_with_several_correct_answers():
    spec = answer_spec.validate_python(
        {
            "type": "multiple_choice",
            "choices": [{"id": "a", "latex": "2"}, {"id": "b", "latex": "3"}, {"id": "c", "latex": "4"}],
            "correct_ids": ["a", "b"],
            "allow_multiple": True,
        }
    )
    assert isinstance(spec, MultipleChoiceAnswer) and spec.shuffle is True


MC = {
    "type": "multiple_choice",
    "choices": [{"id": "a", "latex": "2"}, {"id": "b", "latex": "3"}],
    "correct_ids": ["a"],
}


@pytest.mark.parametrize(
    ("value", "field"),
    [
        ({}, "type"),
        ({"type": "matrix", "value": "[[1]]"}, "type"),
        ({"type": "number", "value": 2}, "value"),
        ({"type": "number", "value": 2.5}, "value"),
        ({"type": "number", "value": "2,5"}, "value"),
        ({"type": "number", "value": "1/3"}, "value"),
        ({"type": "number"}, "value"),
        ({"type": "number", "value": "2", "tolerance_abs": -0.1}, "tolerance_abs"),
        ({"type": "number", "value": "2", "significant_figures": 0}, "significant_figures"),
        ({"type": "number", "value": "2", "tolerance": 0.1}, "tolerance"),
        ({"type": "expression", "value": "x^2", "required_form": "completed_square"}, "required_form"),
        ({"type": "expression", "value": ""}, "value"),
        ({"type": "expression", "value": "x+y", "variables": ["x", "x"]}, "variables"),
        ({"type": "expression", "value": "x+y", "variables": ["2x"]}, "variables.0"),
        ({"type": "equation", "value": "y - 2x - 1"}, "value"),
        ({"type": "inequality", "value": "x = 3"}, "value"),
        ({"type": "set", "elements": ["1", "1"]}, "elements"),
        ({"type": "list", "elements": []}, "elements"),
        ({"type": "interval", "value": "1 to 3"}, "value"),
        ({**MC, "correct_ids": ["z"]}, "correct_ids"),
        ({**MC, "correct_ids": ["a", "b"]}, "correct_ids"),
        ({**MC, "correct_ids": []}, "correct_ids"),
        ({**MC, "choices": [{"id": "a", "latex": "2"}, {"id": "a", "latex": "3"}]}, "choices"),
        ({**MC, "choices": [{"id": "a", "latex": "2"}]}, "choices"),
        ({**MC, "choices": [{"id": "a", "text": "2"}, {"id": "b", "latex": "3"}]}, "text"),
        ({**MC, "shuffle": "no"}, "shuffle"),
        ({"type": "text", "accepted_answers": []}, "accepted_answers"),
        ({"type": "text", "accepted_answers": ["Paris"], "case_sensitive": 1}, "case_sensitive"),
    ],
)
def test_invalid_answer_specs_are_rejected_naming_the_field(value, field):
    assert_rejected(answer_spec.validate_python, value, field)
    assert_rejected(lambda v: validate_jsonb("questions", "answer_spec", v), value, field)
