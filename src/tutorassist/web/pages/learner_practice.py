"""The question page of a student: answer with a live "interpreted as" preview, hints one at a time, the result in
words, and a flag.

The answer form carries its own state in hidden inputs, so it works as a plain form and with htmx alike: the idempotency
key made when the page was rendered (a double submit is one attempt), when the page was opened (time spent) and when
each hint was revealed (`hints_viewed_at[]`, sent with the answer).
"""

from __future__ import annotations

import uuid
from datetime import datetime, timezone
from typing import Annotated, Any
from uuid import UUID

from fastapi import Depends, Request
from starlette.responses import RedirectResponse, Response

from tutorassist.assignments import service as assignments
from tutorassist.kit.problems import Problem
from tutorassist.learning import attempts, practice, schemas, service
from tutorassist.learning.cas.verdict import FEEDBACK
from tutorassist.web.context import Page, learner
from tutorassist.web.forms import Form, FormInput, parse, refuse
from tutorassist.web.routing import is_htmx, page_router
from tutorassist.web.templating import fragment, render
from tutorassist.web.words import FLAG_REASONS

router = page_router()

MAX_SECONDS = 86400  # AttemptCreate.time_spent_seconds' bound: a page left open longer says nothing of the work
# The fields each form shows; the service's messages about any other (hidden) field are shown above the form.
ANSWER_FIELDS = frozenset({"answer"})
FLAG_FIELDS = frozenset({"reason", "comment"})
REASON_CHOICES = [("", "Choose a reason"), *FLAG_REASONS.items()]


def student(page: Annotated[Page, Depends(learner)]) -> Page:
    """Answering and flagging are a student's; a guardian reads progress only."""
    if page.role != "student":
        raise Problem(403, "Forbidden", "answering questions is for students; guardians see their student's progress")
    return page


Student = Annotated[Page, Depends(student)]


def _now() -> datetime:
    return datetime.now(timezone.utc)


def _seconds_since(started_at: Any) -> int | None:
    """Seconds since the page was opened (a hidden input); nothing when it is missing, malformed or in the future."""
    try:
        started = datetime.fromisoformat(str(started_at))
    except ValueError:
        return None
    if started.tzinfo is None:
        return None
    seconds = int((_now() - started).total_seconds())
    return None if seconds < 0 else min(seconds, MAX_SECONDS)


def _text(form: Form, name: str) -> str:
    value = form.values.get(name, "")
    return value[0] if isinstance(value, list) and value else value if isinstance(value, str) else ""


def _hidden_errors_to_message(form: Form, shown: frozenset[str]) -> None:
    """A message about a field the form does not show (hidden state, an unknown field) goes above the form."""
    hidden = {name: message for name, message in form.errors.items() if name not in shown}
    for name in hidden:
        del form.errors[name]
    if hidden and not form.message:
        form.message = "; ".join(f"{name.replace('_', ' ')}: {message}" for name, message in hidden.items())


def _fresh_answer_form() -> Form:
    return Form(values={"client_request_id": uuid.uuid4().hex, "started_at": _now().isoformat()})


def _suffix(assignment: UUID | None) -> str:
    return f"?assignment={assignment}" if assignment else ""


def _assignment_context(page: Page, question_id: UUID, assignment: UUID | None) -> dict[str, Any] | None:
    """The assignment the question is answered in, and where in it (404 unless it is the student's and has it)."""
    if assignment is None:
        return None
    detail = assignments.get_assignment(page.ctx, page.workspace_id, assignment)
    positions = [item["question_id"] for item in detail["items"]]
    if question_id not in positions:
        raise Problem(404, "Not found", "this question is not part of that assignment")
    return {"id": detail["id"], "title": detail["title"], "position": positions.index(question_id) + 1,
            "total": len(positions)}


def _question_page(request: Request, page: Page, question_id: UUID, assignment: UUID | None, *,
                   form: Form | None = None, flag_form: Form | None = None, status: int = 200) -> Response:
    form = form or _fresh_answer_form()
    times = [t for t in form.values_of("hints_viewed_at") if t]
    question = practice.practice_question(page.ctx, page.workspace_id, question_id, len(times))
    form.values["hints_viewed_at"] = times[:question.hint_count]
    return render(request, "learner/question.html", status, title="Practice", q=question, form=form,
                  flag_form=flag_form or Form(), reasons=REASON_CHOICES, assignment=_assignment_context(page, question_id, assignment),
                  **_actions(page, question_id, assignment))


def _actions(page: Page, question_id: UUID, assignment: UUID | None) -> dict[str, str]:
    base = f"{page.base}/practice/{question_id}"
    return {"answer_action": base + _suffix(assignment), "preview_action": base + "/preview",
            "hint_action": base + "/hints" + _suffix(assignment), "flag_action": base + "/flag" + _suffix(assignment)}


@router.get("/w/{workspace_id}/practice")
def next_question(workspace_id: UUID, request: Request, page: Student) -> Response:
    """The next best question (weakest topic ready to learn, else review), or a page saying there is none."""
    chosen = practice.next_question(page.ctx, workspace_id)
    if chosen.question is not None:
        return RedirectResponse(f"{page.base}/practice/{chosen.question.question_id}", status_code=303)
    return render(request, "learner/nothing.html", title="Practice", reason=chosen.reason)


@router.get("/w/{workspace_id}/practice/{question_id}")
def question_page(workspace_id: UUID, question_id: UUID, request: Request, page: Student,
                  assignment: UUID | None = None) -> Response:
    return _question_page(request, page, question_id, assignment)


@router.post("/w/{workspace_id}/practice/{question_id}")
def submit_answer(workspace_id: UUID, question_id: UUID, request: Request, page: Student, form: FormInput,
                  assignment: UUID | None = None) -> Response:
    started_at = form.values.pop("started_at", "")
    body = parse(schemas.AttemptCreate, form, question_id=question_id, assignment_id=assignment,
                 time_spent_seconds=_seconds_since(started_at))
    status = 422
    if body is not None:
        try:
            attempt, _ = attempts.submit_attempt(page.ctx, workspace_id, body)
        except Problem as problem:
            refuse(form, problem)
            status = problem.status
            if form.errors.pop("client_request_id", None):  # this page's key was spent on another answer
                form.values["client_request_id"] = uuid.uuid4().hex
                form.message = ("This page's answer was already recorded, and this one was not: submit again to "
                                "record it as a new answer.")
        else:
            return RedirectResponse(f"{page.base}/practice/{question_id}/attempts/{attempt.id}", status_code=303)
    form.values["started_at"] = started_at
    _hidden_errors_to_message(form, ANSWER_FIELDS)
    return _question_page(request, page, question_id, assignment, form=form, status=status)


@router.post("/w/{workspace_id}/practice/{question_id}/preview")
def preview_answer(workspace_id: UUID, question_id: UUID, request: Request, page: Student, form: FormInput) -> Response:
    """How the answer typed so far is understood (htmx swaps it under the field); nothing is graded or stored."""
    answer = _text(form, "answer")
    preview, message = None, None
    if answer.strip():
        body = parse(schemas.PreviewRequest, Form(values={"answer": answer}), question_id=question_id)
        if body is None:
            message = "Your answer is too long." if len(answer) > 2000 else "Your answer could not be read."
        else:
            preview = attempts.preview_answer(page.ctx, workspace_id, body)
    return fragment(request, "learner/_preview.html", preview=preview, message=message)


@router.post("/w/{workspace_id}/practice/{question_id}/hints")
def reveal_hint(workspace_id: UUID, question_id: UUID, request: Request, page: Student, form: FormInput,
                assignment: UUID | None = None) -> Response:
    """One more hint, its reveal time kept in the form; htmx swaps the hints, a plain form gets the page back."""
    times = [t for t in form.values_of("hints_viewed_at") if t]
    form.values["hints_viewed_at"] = [*times, _now().isoformat()]
    if not is_htmx(request):
        return _question_page(request, page, question_id, assignment, form=form)
    question = practice.practice_question(page.ctx, workspace_id, question_id, len(times) + 1)
    return fragment(request, "learner/_hints.html", q=question, form=form,
                    hint_times=form.values["hints_viewed_at"][:question.hint_count],
                    **_actions(page, question_id, assignment))


@router.post("/w/{workspace_id}/practice/{question_id}/flag")
def flag_question(workspace_id: UUID, question_id: UUID, request: Request, page: Student, form: FormInput,
                  assignment: UUID | None = None) -> Response:
    body = parse(schemas.FlagCreate, form)
    status = 422
    if body is not None:
        try:
            flag = service.create_flag(page.ctx, workspace_id, question_id, body)
        except Problem as problem:
            refuse(form, problem)
            status = problem.status
        else:
            return RedirectResponse(f"{page.base}/practice/{question_id}/flags/{flag.id}{_suffix(assignment)}",
                                    status_code=303)
    _hidden_errors_to_message(form, FLAG_FIELDS)
    return _question_page(request, page, question_id, assignment, flag_form=form, status=status)


@router.get("/w/{workspace_id}/practice/{question_id}/flags/{flag_id}")
def flag_sent(workspace_id: UUID, question_id: UUID, flag_id: UUID, request: Request, page: Student,
              assignment: UUID | None = None) -> Response:
    flag = service.my_flag(page.ctx, workspace_id, flag_id)
    if flag.question_id != question_id:
        raise Problem(404, "Not found", "no such flag")
    return render(request, "learner/flagged.html", title="Flag sent", flag=flag, question_url=_visible_question_url(
        page, question_id, assignment))


def _visible_question_url(page: Page, question_id: UUID, assignment: UUID | None) -> str | None:
    """The question page, if the student can still open it (enough flags hide a question until a tutor looks)."""
    try:
        practice.practice_question(page.ctx, page.workspace_id, question_id, 0)
    except Problem as problem:
        if problem.status != 404:
            raise
        return None
    return f"{page.base}/practice/{question_id}{_suffix(assignment)}"


@router.get("/w/{workspace_id}/practice/{question_id}/attempts/{attempt_id}")
def answer_result(workspace_id: UUID, question_id: UUID, attempt_id: UUID, request: Request, page: Student) -> Response:
    """The verdict in words, the answer note, feedback, the next review, and where to go next."""
    attempt = attempts.get_attempt(page.ctx, workspace_id, attempt_id)
    if attempt.question_id != question_id:
        raise Problem(404, "Not found", "no such attempt")
    try:
        question = practice.practice_question(page.ctx, workspace_id, question_id, attempt.hints_viewed)
    except Problem as problem:
        if problem.status != 404:
            raise
        question = None  # hidden or archived since: the result still stands
    if attempt.assignment_id is not None:
        following = practice.first_unanswered(page.ctx, workspace_id, [attempt.assignment_id]).get(attempt.assignment_id)
        next_url = following and f"{page.base}/practice/{following}?assignment={attempt.assignment_id}"
    else:
        next_url = f"{page.base}/practice"
    return render(request, "learner/result.html", title="Your answer", attempt=attempt, q=question, notes=FEEDBACK,
                  next_url=next_url, flag_form=Form(), reasons=REASON_CHOICES, **_actions(page, question_id, attempt.assignment_id))
