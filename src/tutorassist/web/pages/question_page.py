"""A question's page (rendered, its answer specification, counters, status, delete, flags) and its history: every
recorded version with what changed, word by word."""

from __future__ import annotations

import difflib
import json
import re
from typing import Any
from uuid import UUID

from fastapi import Request
from starlette.responses import RedirectResponse, Response

from tutorassist.kit.problems import Problem
from tutorassist.learning import service as learning
from tutorassist.questions import schemas, service
from tutorassist.web.context import Page, Staff
from tutorassist.web.forms import Form, FormInput, parse
from tutorassist.web.pages import question_form as qf
from tutorassist.web.routing import page_router
from tutorassist.web.templating import render

router = page_router()

FLAGS_SHOWN = 20
FIELD_NAMES = {"prompt_latex": "Prompt", "prompt_text": "Prompt (plain text)", "topic_id": "Topic",
               "answer_type": "Answer type", "answer_spec": "Answer specification", "hints_json": "Hints",
               "solution_latex": "Solution", "difficulty": "Difficulty", "tags_json": "Tags", "status": "Status",
               "curriculum_json": "Curriculum", "origin": "Origin", "quality_score": "Quality score",
               "hidden_at": "Hidden from students"}
HIDDEN_IN_HISTORY = {"prompt_text"}  # derived from the prompt: its change is already shown


def _question_page(request: Request, page: Page, question: schemas.QuestionOut, form: Form | None = None,
                   status_code: int = 200) -> Response:
    flags = learning.list_flags(page.ctx, page.workspace_id, None, question.id, FLAGS_SHOWN, None, of_question=True)
    names = qf.topic_names(qf.all_topics(page))
    return render(request, "questions/show.html", status_code, title="Question", question=question,
                  form=form or Form(values={"status": question.status}), flags=flags.items,
                  more_flags=flags.next_cursor is not None, topic=names.get(str(question.topic_id)),
                  statuses=[(s, s.capitalize()) for s in qf.STATUSES],
                  answer_type=qf.ANSWER_TYPE_LABELS[question.answer_type],
                  spec_items=_spec_items(question.answer_spec))


def _spec_items(spec: dict[str, Any]) -> list[tuple[str, str]]:
    """The specification's entries as (name, text) for a definition list; its type is shown elsewhere."""
    items = []
    for name, value in spec.items():
        if name == "type":
            continue
        if isinstance(value, list) and all(isinstance(v, str) for v in value):
            text = ", ".join(value) or "—"
        elif isinstance(value, (list, dict)):
            text = json.dumps(value, ensure_ascii=False)
        else:
            text = "—" if value is None else str(value).lower() if isinstance(value, bool) else str(value)
        items.append((name.replace("_", " ").capitalize(), text))
    return items


@router.get("/w/{workspace_id}/questions/{question_id}")
def show_question(workspace_id: UUID, question_id: UUID, request: Request, page: Staff) -> Response:
    return _question_page(request, page, service.get_question(page.ctx, page.workspace_id, question_id))


@router.post("/w/{workspace_id}/questions/{question_id}/status")
def change_status(workspace_id: UUID, question_id: UUID, request: Request, page: Staff, form: FormInput) -> Response:
    body = parse(schemas.QuestionUpdate, form)
    if body is not None and body.status is None:
        form.errors["status"] = "choose a status"
    elif body is not None:
        try:
            service.update_question(page.ctx, page.workspace_id, question_id, schemas.QuestionUpdate(status=body.status))
        except Problem as problem:
            if problem.status not in (409, 422):
                raise
            form.message = problem.detail or problem.title
            question = service.get_question(page.ctx, page.workspace_id, question_id)
            return _question_page(request, page, question, form, problem.status)
        return RedirectResponse(f"{page.base}/questions/{question_id}", status_code=303)
    question = service.get_question(page.ctx, page.workspace_id, question_id)
    return _question_page(request, page, question, form, 422)


@router.post("/w/{workspace_id}/questions/{question_id}/visibility")
def change_visibility(workspace_id: UUID, question_id: UUID, page: Staff, form: FormInput) -> Response:
    """Hide the question from students by hand, or show one hidden by flags again (moderation: no new version)."""
    hidden = {"true": True, "false": False}.get(str(form.value("hidden")))
    if hidden is None:
        raise Problem(422, "Not accepted", "hidden must be true or false")
    service.update_question(page.ctx, page.workspace_id, question_id, schemas.QuestionUpdate(hidden=hidden))
    return RedirectResponse(f"{page.base}/questions/{question_id}", status_code=303)


@router.post("/w/{workspace_id}/questions/{question_id}/delete")
def delete_question(workspace_id: UUID, question_id: UUID, request: Request, page: Staff) -> Response:
    try:
        service.delete_question(page.ctx, page.workspace_id, question_id)
    except Problem as problem:
        if problem.status != 409:
            raise
        question = service.get_question(page.ctx, page.workspace_id, question_id)
        form = Form(values={"status": question.status}, message=f"Not deleted: {problem.detail}")
        return _question_page(request, page, question, form, 409)
    return RedirectResponse(f"{page.base}/questions", status_code=303)


@router.get("/w/{workspace_id}/questions/{question_id}/history")
def question_history(workspace_id: UUID, question_id: UUID, request: Request, page: Staff) -> Response:
    question = service.get_question(page.ctx, page.workspace_id, question_id)
    entries = service.history(page.ctx, page.workspace_id, question_id)
    names = qf.topic_names(qf.all_topics(page))
    return render(request, "questions/history.html", title="Question history", question=question,
                  versions=[_version(entry, names) for entry in entries])


def _version(entry: schemas.HistoryOut, topic_names: dict[str, str]) -> dict[str, Any]:
    """One history entry: for an edit, each changed field's before and after with the changed words marked."""
    old, new = entry.old_values or {}, entry.new_values
    changes = []
    for key in sorted(set(old) | set(new), key=lambda k: list(FIELD_NAMES).index(k) if k in FIELD_NAMES else 99):
        if key in HIDDEN_IN_HISTORY or (entry.old_values is not None and old.get(key) == new.get(key)):
            continue
        before = _text(key, old.get(key), topic_names) if entry.old_values is not None else ""
        after = _text(key, new.get(key), topic_names)
        if entry.old_values is None and after in ("", "—", "{}", "[]"):
            continue
        removed, added = word_diff(before, after)
        changes.append({"field": FIELD_NAMES.get(key, key.replace("_", " ").capitalize()),
                        "before": removed, "after": added})
    return {"entry": entry, "changes": changes, "created": entry.old_values is None}


def _text(key: str, value: Any, topic_names: dict[str, str]) -> str:
    if value is None:
        return "—"
    if key == "topic_id":
        return topic_names.get(str(value), str(value))
    if key == "hints_json" and isinstance(value, list):
        return "\n".join(str(v) for v in value)
    if key == "tags_json" and isinstance(value, list):
        return ", ".join(str(v) for v in value)
    if isinstance(value, (dict, list)):
        return json.dumps(value, ensure_ascii=False, indent=1, sort_keys=True)
    return str(value)


def word_diff(before: str, after: str) -> tuple[list[tuple[str, str]], list[tuple[str, str]]]:
    """The two texts as runs of ("same" | "removed" | "added", text): removed runs of before, added runs of after."""
    a, b = [t for t in re.split(r"(\s+)", before) if t], [t for t in re.split(r"(\s+)", after) if t]
    old_runs: list[tuple[str, str]] = []
    new_runs: list[tuple[str, str]] = []
    for op, i1, i2, j1, j2 in difflib.SequenceMatcher(None, a, b, autojunk=False).get_opcodes():
        if op == "equal":
            old_runs.append(("same", "".join(a[i1:i2])))
            new_runs.append(("same", "".join(b[j1:j2])))
            continue
        if i2 > i1:
            old_runs.append(("removed", "".join(a[i1:i2])))
        if j2 > j1:
            new_runs.append(("added", "".join(b[j1:j2])))
    return old_runs, new_runs
