"""The question editor: new and edit forms with a live preview of the rendered question and of the answer checker
grading a tried answer against the specification being edited (the checker students are graded by)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from uuid import UUID

from fastapi import Request
from starlette.responses import RedirectResponse, Response

from tutorassist.kit.problems import Problem
from tutorassist.learning import cas
from tutorassist.questions import schemas, service
from tutorassist.questions.contracts import ANSWER_TYPES
from tutorassist.web.context import Page, Staff
from tutorassist.web.forms import Form, FormInput
from tutorassist.web.pages import question_form as qf
from tutorassist.web.routing import page_router
from tutorassist.web.templating import fragment, render

router = page_router()

VERDICT_WORDS = {"correct": "Correct", "incorrect": "Incorrect", "invalid": "Not understood"}
MAX_TRIED_ANSWER = 2000  # as the API's answer preview (learning.schemas.PreviewRequest.answer)


def _editor(request: Request, page: Page, form: Form, question: schemas.QuestionOut | None,
            status_code: int = 200, preview: dict[str, Any] | None = None) -> Response:
    return render(request, "questions/editor.html", status_code, form=form, question=question,
                  title="Edit question" if question else "New question",
                  topics=qf.topic_options(qf.all_topics(page), blank="No topic"),
                  answer_types=[(t, qf.ANSWER_TYPE_LABELS[t]) for t in ANSWER_TYPES],
                  required_forms=[("", "Any equivalent form")] + [(f, f.replace("_", " ")) for f in qf.REQUIRED_FORMS],
                  statuses=[(s, s.capitalize()) for s in qf.STATUSES],
                  difficulties=[(str(d), str(d)) for d in range(1, 6)],
                  labels=qf.LABELS, preview=preview or _preview(form), verdict_words=VERDICT_WORDS)


@router.get("/w/{workspace_id}/questions/new")
def new_question(workspace_id: UUID, request: Request, page: Staff) -> Response:
    form = Form(values={"answer_type": "expression", "difficulty": "3", "status": "draft"})
    return _editor(request, page, form, None)


@router.post("/w/{workspace_id}/questions/new")
def create_question(workspace_id: UUID, request: Request, page: Staff, form: FormInput) -> Response:
    return _save(request, page, form, None, lambda values: qf.validated(schemas.QuestionCreate, values, form),
                 lambda body: service.create_question(page.ctx, page.workspace_id, body).id)


@router.get("/w/{workspace_id}/questions/{question_id}/edit")
def edit_question(workspace_id: UUID, question_id: UUID, request: Request, page: Staff) -> Response:
    question = service.get_question(page.ctx, page.workspace_id, question_id)
    return _editor(request, page, qf.form_of(question), question)


@router.post("/w/{workspace_id}/questions/{question_id}/edit")
def save_question(workspace_id: UUID, question_id: UUID, request: Request, page: Staff, form: FormInput) -> Response:
    question = service.get_question(page.ctx, page.workspace_id, question_id)
    return _save(request, page, form, question,
                 lambda values: qf.validated(schemas.QuestionUpdate, qf.changes_of(values, question), form),
                 lambda body: service.update_question(page.ctx, page.workspace_id, question_id, body).id)


def _save(request: Request, page: Page, form: Form, question: schemas.QuestionOut | None,
          build: Callable[[dict[str, Any]], Any], save: Callable[[Any], UUID]) -> Response:
    """Saved: to the question's page. Refused: the editor again, everything kept, every problem named at once (the
    schema's, the checker's, then the service's); a refusal that is not about the form (401, 404, 5xx) is left to
    the page's error handling."""
    values = qf.values_of(form)
    body = None if form.errors else build(values)
    status = 422
    if body is None:
        qf.spec_errors(form, values)
    else:
        try:
            return RedirectResponse(f"{page.base}/questions/{save(body)}", status_code=303)
        except Problem as refused:
            if refused.status in (401, 404) or refused.status >= 500:
                raise
            qf.show_refusal(form, refused)
            status = refused.status
    return _editor(request, page, form, question, status, preview=_preview(form, checked=values))


@router.post("/w/{workspace_id}/questions/preview")
def preview_question(workspace_id: UUID, request: Request, page: Staff, form: FormInput) -> Response:
    """The live preview (htmx): the question rendered, what would be refused, and the tried answer's verdict."""
    return fragment(request, "questions/_preview.html", preview=_preview(form), labels=qf.LABELS,
                    verdict_words=VERDICT_WORDS)


def _preview(form: Form, checked: dict[str, Any] | None = None) -> dict[str, Any]:
    """What the preview shows, from the form as typed; checks nothing that needs the database (the topic).
    `checked`: the values of a form already judged (a refused save), whose messages are shown as they are."""
    if checked is None:
        judged = Form(values=dict(form.values))
        values = qf.values_of(judged)
        if not judged.errors:
            qf.validated(schemas.QuestionCreate, values, judged)
        qf.spec_errors(judged, values)
    else:
        judged, values = form, checked
    spec = values.get("answer_spec")
    tried = str(form.value("try_answer"))
    result: dict[str, Any] = {"values": values, "errors": judged.errors, "message": judged.message,
                              "tried": tried, "verdict": None}
    spec_ok = spec is not None and not any(n.startswith("answer_spec") or n in (qf.SPEC_JSON, "answer_type")
                                           for n in judged.errors)
    if tried.strip() and spec_ok:
        result["verdict"] = _grade(values["answer_type"], spec, tried[:MAX_TRIED_ANSWER])
    elif tried.strip():
        result["checker_message"] = "Fix the answer specification first: the checker grades against it."
    return result


def _grade(answer_type: str, spec: dict[str, Any], answer: str) -> cas.Verdict | None:
    """The tried answer graded as a student's would be (learning.attempts grades with cas.check on the stored spec)."""
    try:
        return cas.check(service.stored_answer_spec(answer_type, spec), answer)
    except (ValueError, cas.InvalidSpec):  # answer_spec_errors said the spec is valid; a race with nothing: no verdict
        return None
