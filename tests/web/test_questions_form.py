"""The question editor's form mapping (no server): form text → the schemas' values, a saved question → the form and
back without changes, the service's error fields → the inputs that show them, and the history's word diff."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

from tutorassist.questions import schemas
from tutorassist.web.forms import Form
from tutorassist.web.pages import question_form as qf
from tutorassist.web.pages.question_page import word_diff


def _saved(**fields) -> schemas.QuestionOut:
    now = datetime.now(UTC)
    return schemas.QuestionOut(**{
        "id": uuid.uuid4(), "topic_id": None, "prompt_latex": "Expand\n$(x+1)^2$", "prompt_text": "Expand",
        "answer_type": "expression",
        "answer_spec": {"type": "expression", "value": "x^2+2x+1", "required_form": "expanded", "variables": ["x"]},
        "hints": ["Square it", "Add"], "solution_latex": None, "difficulty": 2, "tags": ["algebra"], "curriculum": {},
        "status": "draft", "origin": "manual", "program_ids": [], "grade_level_ids": [], "quality_score": None,
        "version": 1, "times_attempted": 0, "times_correct": 0, "avg_time_seconds": None, "created_by": None,
        "updated_by": None, "created_at": now, "updated_at": now} | fields)


def test_the_fields_build_the_specification_of_their_type():
    form = Form(values={"prompt_latex": "P\r\nQ", "answer_type": "number", "answer_spec.value": " 2.50 ",
                        "answer_spec.tolerance_abs": "0.01", "answer_spec.variables": "x", "hints": "a\r\n\r\n b ",
                        "tags": "One, two,", "difficulty": "4", "status": ""})
    values = qf.values_of(form)
    assert not form.errors
    assert values["answer_spec"] == {"type": "number", "value": "2.50", "tolerance_abs": 0.01}
    assert values["prompt_latex"] == "P\nQ" and values["hints"] == ["a", "b"] and values["tags"] == ["One", "two"]
    assert values["difficulty"] == 4 and values["status"] == "draft" and values["topic_id"] is None

    expression = Form(values={"answer_type": "expression", "answer_spec.value": "x+y",
                              "answer_spec.variables": "x, y  z", "answer_spec.required_form": "factored"})
    assert qf.values_of(expression)["answer_spec"] == {"type": "expression", "value": "x+y",
                                                       "required_form": "factored", "variables": ["x", "y", "z"]}


def test_json_wins_and_is_required_for_types_without_fields():
    with_json = Form(values={"answer_type": "expression", "answer_spec.value": "ignored",
                             "answer_spec_json": '{"value": "2x"}'})
    assert qf.values_of(with_json)["answer_spec"] == {"value": "2x", "type": "expression"}
    missing = Form(values={"answer_type": "multiple_choice"})
    assert "answer_spec" not in qf.values_of(missing) and '"choices"' in missing.errors["answer_spec_json"]
    broken = Form(values={"answer_type": "set", "answer_spec_json": "[1,"})
    qf.values_of(broken)
    assert broken.errors["answer_spec_json"].startswith("not valid JSON")
    bad_numbers = Form(values={"answer_type": "number", "answer_spec.tolerance_abs": "a bit", "difficulty": "hard"})
    qf.values_of(bad_numbers)
    assert set(bad_numbers.errors) == {"answer_spec.tolerance_abs", "difficulty"}


def test_service_errors_land_beside_the_inputs():
    fields = Form(values={"answer_type": "expression"})
    qf.show_errors(fields, [{"field": "answer_spec.value", "message": "cannot parse"},
                            {"field": "answer_spec.variables.1", "message": "not a variable"},
                            {"field": "answer_spec.type", "message": "must equal answer_type"},
                            {"field": "hints.2", "message": "empty"}, {"field": "topic_id", "message": "no such"},
                            {"field": "curriculum", "message": "too big"}])
    assert fields.errors == {"answer_spec.value": "cannot parse", "answer_spec.variables": "not a variable",
                             "answer_type": "must equal answer_type", "hints": "line 3: empty", "topic_id": "no such"}
    assert fields.message == "too big"
    as_json = Form(values={"answer_type": "set", "answer_spec_json": "{}"})
    qf.show_errors(as_json, [{"field": "answer_spec.elements.0", "message": "cannot parse"}])
    assert as_json.errors == {"answer_spec_json": "cannot parse"}


def test_a_saved_question_comes_back_from_its_form_unchanged():
    saved = _saved()
    form = qf.form_of(saved)
    assert form.values["answer_spec.value"] == "x^2+2x+1" and form.values["answer_spec.variables"] == "x"
    assert "answer_spec_json" not in form.values
    assert qf.changes_of(qf.values_of(form), saved) == {}
    form.values["answer_spec.value"] = "(x+1)^2"
    form.values["tags"] = "Algebra, new"
    changes = qf.changes_of(qf.values_of(form), saved)
    assert set(changes) == {"answer_spec", "tags"}

    unusual = _saved(answer_spec={"type": "number", "value": "2.50", "significant_figures": 3})
    assert '"significant_figures": 3' in qf.form_of(unusual).values["answer_spec_json"]
    assert qf.changes_of(qf.values_of(qf.form_of(unusual)), unusual) == {}


def test_word_diff_marks_removed_and_added_words():
    before, after = word_diff("Factorise x completely", "Factorise x fully")
    assert before == [("same", "Factorise x "), ("removed", "completely")]
    assert after == [("same", "Factorise x "), ("added", "fully")]
    assert word_diff("", "new") == ([], [("added", "new")])
