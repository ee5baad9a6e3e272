"""Pages: the attempts of a workspace (filtered by student, question or assignment, newest first, a page at a time)
and one attempt (the question, the answer as typed and as understood, the verdict and answer note in words, the review
it scheduled) with the tutor's feedback on it: written, edited, deleted. Tutors and owners only."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from fastapi import Request
from starlette.responses import RedirectResponse, Response

from tutorassist.kit.pagination import DEFAULT_LIMIT
from tutorassist.kit.problems import Problem
from tutorassist.learning import attempts, schemas
from tutorassist.learning import service as learning
from tutorassist.learning.cas.verdict import FEEDBACK
from tutorassist.web.context import Page, Staff
from tutorassist.web.forms import Form, FormInput, parse, refuse
from tutorassist.web.pages import tutor_lookups
from tutorassist.web.pages.tutor_inputs import QueryText, blank_to_none, uuid_filter
from tutorassist.web.routing import page_router
from tutorassist.web.templating import render

router = page_router()

VERDICTS = {"correct": "Correct", "incorrect": "Incorrect", None: "Not graded"}


@router.get("/w/{workspace_id}/attempts")
def attempt_list(workspace_id: UUID, request: Request, page: Staff, student: QueryText = None,
                 question: QueryText = None, assignment: QueryText = None, cursor: QueryText = None) -> Response:
    filters = {"student": uuid_filter(student, "student"), "question": uuid_filter(question, "question"),
               "assignment": uuid_filter(assignment, "assignment")}
    listed = attempts.list_attempts(page.ctx, workspace_id, filters["student"], filters["question"],
                                    filters["assignment"], DEFAULT_LIMIT, blank_to_none(cursor))
    names = tutor_lookups.students(page)
    shown = {k: str(v) if v else "" for k, v in filters.items()}
    return render(request, "attempts/list.html", title="Attempts", attempts=listed.items,
                  next_cursor=listed.next_cursor, paged=bool(blank_to_none(cursor)), filters=shown, names=names,
                  prompts=tutor_lookups.prompts(page, [a.question_id for a in listed.items]), verdicts=VERDICTS,
                  student_options=[("", "Every student")] + [(str(s.user_id), s.name) for s in names.students if s.user_id])


def _attempt_page(request: Request, page: Page, attempt_id: UUID, form: Form | None = None,
                  edits: dict[UUID, Form] | None = None, status_code: int = 200) -> Response:
    attempt = attempts.get_attempt(page.ctx, page.workspace_id, attempt_id)
    names = tutor_lookups.students(page, members=True)
    note = attempt.answer_note
    return render(request, "attempts/detail.html", status_code, title="Attempt", a=attempt, names=names,
                  prompt=tutor_lookups.prompts(page, [attempt.question_id]).get(attempt.question_id),
                  verdict=VERDICTS.get(attempt.verdict, "Not graded"),
                  note_words=FEEDBACK.get(note) if note else None,
                  form=form or Form(values={"visible_to_student": "on"}), edits=edits or {})


@router.get("/w/{workspace_id}/attempts/{attempt_id}")
def attempt_page(workspace_id: UUID, attempt_id: UUID, request: Request, page: Staff) -> Response:
    return _attempt_page(request, page, attempt_id)


def _feedback_values(form: Form) -> tuple[Form, dict[str, Any]]:
    """The text as the schema's `body`, and the checkbox as a bool (an unticked box is not sent at all)."""
    visible = form.values.pop("visible_to_student", None) is not None
    form.values.setdefault("visible_to_student", "on" if visible else "")
    return Form(values={"body": form.value("body")}), {"visible_to_student": visible}


@router.post("/w/{workspace_id}/attempts/{attempt_id}/feedback")
def send_feedback(workspace_id: UUID, attempt_id: UUID, request: Request, page: Staff, form: FormInput) -> Response:
    scratch, extra = _feedback_values(form)
    body = parse(schemas.FeedbackCreate, scratch, blank_is_missing=False, **extra)
    if body is not None:
        try:
            learning.create_feedback(page.ctx, workspace_id, attempt_id, body)
        except Problem as problem:
            if problem.status in (403, 404):
                raise
            refuse(scratch, problem)
        else:
            return RedirectResponse(f"{page.base}/attempts/{attempt_id}#feedback", status_code=303)
    form.errors, form.message = scratch.errors, scratch.message
    return _attempt_page(request, page, attempt_id, form=form, status_code=422)


def _back_to(page: Page, form: Form) -> str:
    try:
        return f"{page.base}/attempts/{UUID(str(form.value('attempt_id')))}#feedback"
    except ValueError:
        return f"{page.base}/attempts"


@router.post("/w/{workspace_id}/feedback/{feedback_id}")
def edit_feedback(workspace_id: UUID, feedback_id: UUID, request: Request, page: Staff, form: FormInput) -> Response:
    scratch, extra = _feedback_values(form)
    body = parse(schemas.FeedbackUpdate, scratch, blank_is_missing=False, **extra)
    if body is not None:
        try:
            updated = learning.update_feedback(page.ctx, workspace_id, feedback_id, body)
        except Problem as problem:
            if problem.status in (403, 404):
                raise
            refuse(scratch, problem)
        else:
            return RedirectResponse(f"{page.base}/attempts/{updated.attempt_id}#feedback", status_code=303)
    form.errors, form.message = scratch.errors, scratch.message
    attempt_id = uuid_filter(str(form.value("attempt_id")), "attempt_id")
    if attempt_id is None:
        raise Problem(422, "Not accepted", "the feedback could not be changed: " + "; ".join(scratch.errors.values()))
    return _attempt_page(request, page, attempt_id, edits={feedback_id: form}, status_code=422)


@router.post("/w/{workspace_id}/feedback/{feedback_id}/delete")
def delete_feedback(workspace_id: UUID, feedback_id: UUID, page: Staff, form: FormInput) -> Response:
    learning.delete_feedback(page.ctx, workspace_id, feedback_id)
    return RedirectResponse(_back_to(page, form), status_code=303)
