"""The question editor's form and the service's schemas: form text → QuestionCreate / QuestionUpdate values, a
question → form text, and the service's error fields (`answer_spec.value`, `hints.2`) → the inputs that show them.

The answer specification is typed in fields for the common answer types (expression, number, equation, inequality,
interval) or as JSON for any type; JSON, when given, is the one used. Everything else is the service's to judge.
"""

from __future__ import annotations

import json
import re
from typing import Any

from pydantic import BaseModel, ValidationError

from tutorassist.kit.problems import Problem
from tutorassist.questions import schemas, service
from tutorassist.questions.contracts import ANSWER_SPEC_MODELS, ANSWER_TYPES
from tutorassist.questions.topics import service as topics
from tutorassist.questions.topics.schemas import TopicOut
from tutorassist.web.context import Page
from tutorassist.web.forms import Form

SPEC_JSON = "answer_spec_json"
SPEC_FIELDS: dict[str, tuple[str, ...]] = {
    "expression": ("value", "required_form", "variables"),
    "number": ("value", "tolerance_abs"),
    "equation": ("value", "variables"),
    "inequality": ("value", "variables"),
    "interval": ("value",),
}
"""The answer types whose specification has form fields, and those fields (answer_spec.<name>)."""
REQUIRED_FORMS = ("factored", "expanded", "simplified", "single_fraction", "lowest_terms")
STATUSES = ("draft", "active", "archived")
ANSWER_TYPE_LABELS = {"number": "Number", "expression": "Expression", "equation": "Equation",
                      "inequality": "Inequality", "set": "Set", "list": "List", "interval": "Interval",
                      "multiple_choice": "Multiple choice", "text": "Text"}
LABELS = {"prompt_latex": "Prompt", "topic_id": "Topic", "answer_type": "Answer type",
          "answer_spec.value": "Correct answer", "answer_spec.required_form": "Required form",
          "answer_spec.variables": "Variables", "answer_spec.tolerance_abs": "Tolerance",
          SPEC_JSON: "Answer specification (JSON)", "hints": "Hints (one per line)", "solution_latex": "Solution",
          "difficulty": "Difficulty", "tags": "Tags", "status": "Status"}
"""The editor's inputs and their visible labels (the preview names the inputs it has messages for)."""
EDITABLE = ("prompt_latex", "topic_id", "answer_type", "answer_spec", "hints", "solution_latex", "difficulty",
            "tags", "status")


def example_spec(answer_type: str) -> str:
    """The contract's own example of a specification of this type, as JSON to copy."""
    model = ANSWER_SPEC_MODELS[ANSWER_TYPES.index(answer_type)]
    return json.dumps(model.model_config["json_schema_extra"]["examples"][0], ensure_ascii=False)


def all_topics(page: Page) -> list[TopicOut]:
    """The workspace's topics, archived ones too, depth-first (read once per page, then shaped below)."""
    return topics.list_topics(page.ctx, page.workspace_id, include_archived=True)


def topic_options(listed: list[TopicOut], *, blank: str | None) -> list[tuple[str, str]]:
    """(id, name) of the topics (depth-first, as the service lists them), subtopics indented by dashes."""
    depth: dict[Any, int] = {}
    options = [("", blank)] if blank is not None else []
    for topic in listed:
        depth[topic.id] = depth.get(topic.parent_id, -1) + 1 if topic.parent_id else 0
        archived = " (archived)" if topic.archived_at else ""
        options.append((str(topic.id), "– " * depth[topic.id] + topic.name + archived))
    return options


def topic_names(listed: list[TopicOut]) -> dict[str, str]:
    """Topic id → its path from the root ("Algebra / Linear equations")."""
    names: dict[str, str] = {}
    for topic in listed:
        parent = names.get(str(topic.parent_id)) if topic.parent_id else None
        names[str(topic.id)] = f"{parent} / {topic.name}" if parent else topic.name
    return names


def _lines(value: Any) -> str:
    """A textarea's text with the line ends browsers send (CRLF) as the LF that saved text has."""
    return str(value).replace("\r\n", "\n")


def _words(value: str) -> list[str]:
    return [w for w in re.split(r"[,\s]+", value) if w]


def form_of(question: schemas.QuestionOut) -> Form:
    """The editor's form showing a saved question."""
    spec = question.answer_spec
    values: dict[str, Any] = {
        "prompt_latex": question.prompt_latex, "topic_id": str(question.topic_id or ""),
        "answer_type": question.answer_type, "hints": "\n".join(question.hints),
        "solution_latex": question.solution_latex or "", "difficulty": str(question.difficulty),
        "tags": ", ".join(question.tags), "status": question.status,
    }
    if question.answer_type in SPEC_FIELDS and set(spec) - {"type"} <= set(SPEC_FIELDS[question.answer_type]):
        for name in SPEC_FIELDS[question.answer_type]:
            value = spec.get(name)
            values[f"answer_spec.{name}"] = ", ".join(value) if isinstance(value, list) else \
                "" if value is None else str(value)
    else:
        values[SPEC_JSON] = json.dumps(spec, ensure_ascii=False, indent=2)
    return Form(values=values)


def _answer_spec(form: Form, answer_type: str) -> dict[str, Any] | None:
    raw = str(form.value(SPEC_JSON)).strip()
    if raw:
        try:
            spec = json.loads(raw)
        except (ValueError, RecursionError) as exc:
            form.errors[SPEC_JSON] = f"not valid JSON ({str(exc)[:80]})"
            return None
        if isinstance(spec, dict):
            spec.setdefault("type", answer_type)
        return spec
    if answer_type not in SPEC_FIELDS:
        form.errors[SPEC_JSON] = f"write this answer type's specification here as JSON, e.g. {example_spec(answer_type)}"
        return None
    fields = SPEC_FIELDS[answer_type]
    spec: dict[str, Any] = {"type": answer_type, "value": str(form.value("answer_spec.value")).strip()}
    if "required_form" in fields and form.value("answer_spec.required_form"):
        spec["required_form"] = form.value("answer_spec.required_form")
    if "variables" in fields and _words(str(form.value("answer_spec.variables"))):
        spec["variables"] = _words(str(form.value("answer_spec.variables")))
    tolerance = str(form.value("answer_spec.tolerance_abs")).strip()
    if "tolerance_abs" in fields and tolerance:
        try:
            spec["tolerance_abs"] = float(tolerance)
        except ValueError:
            form.errors["answer_spec.tolerance_abs"] = "must be a number such as 0.01"
    return spec


def uses_json(form: Form) -> bool:
    return bool(str(form.value(SPEC_JSON)).strip()) or form.value("answer_type") not in SPEC_FIELDS


def values_of(form: Form) -> dict[str, Any]:
    """The question's fields from the form as the schemas take them; problems the form alone shows go to
    form.errors (the schemas and the service judge the rest)."""
    answer_type = str(form.value("answer_type"))
    values: dict[str, Any] = {
        "prompt_latex": _lines(form.value("prompt_latex")),
        "topic_id": str(form.value("topic_id")).strip() or None,
        "answer_type": answer_type,
        "hints": [line.strip() for line in str(form.value("hints")).splitlines() if line.strip()],
        "solution_latex": _lines(form.value("solution_latex")).strip() or None,
        "tags": [t.strip() for t in str(form.value("tags")).split(",") if t.strip()],
        "status": str(form.value("status")) or "draft",
    }
    if answer_type not in ANSWER_TYPES:
        form.errors["answer_type"] = "choose an answer type"
    else:
        spec = _answer_spec(form, answer_type)
        if spec is not None:
            values["answer_spec"] = spec
    difficulty = str(form.value("difficulty", "3")).strip() or "3"
    if difficulty.isdigit() and len(difficulty) < 3:
        values["difficulty"] = int(difficulty)
    else:
        form.errors["difficulty"] = "a whole number from 1 (easiest) to 5"
    return values


def input_of(field: str, form: Form) -> str:
    """The input that shows a message about a schema/service field."""
    parts = field.split(".")
    if parts[0] == "answer_spec":
        if uses_json(form):
            return SPEC_JSON
        if parts[1:2] == ["type"]:
            return "answer_type"
        name = f"answer_spec.{parts[1]}" if len(parts) > 1 else ""
        fields = SPEC_FIELDS.get(str(form.value("answer_type")), ())
        return name if len(parts) > 1 and parts[1] in fields else "answer_spec.value"
    return parts[0] if parts[0] in EDITABLE or parts[0] == "difficulty" else "form"


def _message(field: str, message: str) -> str:
    parts = field.split(".")
    if parts[0] in ("hints", "tags") and len(parts) > 1 and parts[1].isdigit():
        return f"{'line' if parts[0] == 'hints' else 'tag'} {int(parts[1]) + 1}: {message}"
    return message


def show_errors(form: Form, errors: list[dict[str, str]]) -> None:
    for error in errors:
        name = input_of(error.get("field", ""), form)
        message = _message(error.get("field", ""), error.get("message", "not accepted"))
        if name == "form":
            form.message = form.message or message
        else:
            form.errors.setdefault(name, message)


def show_refusal(form: Form, problem: Problem) -> None:
    errors = problem.extra.get("errors") or []
    show_errors(form, errors)
    if not errors:
        form.message = problem.detail or problem.title


def validated(model: type[BaseModel], values: dict[str, Any], form: Form) -> Any:
    """The schema built from the values, or None with the messages beside the inputs."""
    try:
        return model.model_validate(values)
    except ValidationError as exc:
        show_errors(form, [{"field": ".".join(str(p) for p in e["loc"]), "message": _plain(e)} for e in exc.errors()])
        return None


def _plain(error: Any) -> str:
    """A schema's message in a tutor's words where pydantic's are a programmer's."""
    if error["type"] == "missing" or (error["type"] == "string_too_short" and error["ctx"]["min_length"] == 1):
        return "required: write something here"
    return error["msg"].removeprefix("Value error, ")


def spec_errors(form: Form, values: dict[str, Any]) -> None:
    """The answer checker's judgement of the specification, unless the form already has a message for it (so a
    refused form names every problem at once, not the checker's only after the rest is fixed)."""
    if "answer_spec" in values and not any(n.startswith("answer_spec") or n == "answer_type" for n in form.errors):
        show_errors(form, service.answer_spec_errors(values["answer_type"], values["answer_spec"]))


def changes_of(values: dict[str, Any], current: schemas.QuestionOut) -> dict[str, Any]:
    """Only what differs from the saved question, so an unchanged save records no new version."""
    saved = current.model_dump(mode="json")
    changed = {}
    for name, value in values.items():
        if name == "answer_spec" and isinstance(value, dict):
            try:
                if service.stored_answer_spec(str(values.get("answer_type")), value) == saved[name]:
                    continue
            except (ValueError, IndexError):  # not valid: the service names the problem
                pass
        if name == "topic_id":
            if (value or None) == (saved["topic_id"] or None):
                continue
        elif name == "tags" and isinstance(value, list) and [t.lower() for t in value] == saved["tags"]:
            continue
        elif saved.get(name) == value:
            continue
        changed[name] = value
    if "answer_spec" in values and "answer_type" in changed:
        changed["answer_spec"] = values["answer_spec"]
    return changed
