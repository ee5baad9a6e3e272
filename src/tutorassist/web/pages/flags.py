"""Page: the triage queue of question flags, newest first (the order the flags service pages in), open ones by
default. Each flag can be resolved or dismissed with an optional note, and a triaged flag opened again."""

from __future__ import annotations

from uuid import UUID

from fastapi import Request
from starlette.responses import RedirectResponse, Response

from tutorassist.kit.pagination import DEFAULT_LIMIT
from tutorassist.kit.problems import Problem
from tutorassist.learning import schemas
from tutorassist.learning import service as learning
from tutorassist.web.context import Page, Staff
from tutorassist.web.forms import Form, FormInput, parse, refuse
from tutorassist.web.pages import tutor_lookups
from tutorassist.web.pages.tutor_inputs import QueryText, blank_to_none, choice_filter
from tutorassist.web.routing import page_router
from tutorassist.web.templating import render
from tutorassist.web.words import FLAG_REASONS

router = page_router()

STATUS_WORDS = {"open": "Open", "resolved": "Resolved", "dismissed": "Dismissed"}
ANY = "any"


def _queue(request: Request, page: Page, status: str | None, cursor: str | None, refused: dict[UUID, Form] | None = None,
           status_code: int = 200) -> Response:
    chosen = choice_filter(status, [*STATUS_WORDS, ANY], "status") or "open"
    listed = learning.list_flags(page.ctx, page.workspace_id, None if chosen == ANY else chosen, None, DEFAULT_LIMIT,
                                 blank_to_none(cursor))
    names = tutor_lookups.students(page, members=True)
    return render(request, "flags/queue.html", status_code, title="Flags", flags=listed.items,
                  next_cursor=listed.next_cursor, status=chosen, paged=bool(blank_to_none(cursor)),
                  prompts=tutor_lookups.prompts(page, [f.question_id for f in listed.items]), names=names,
                  reasons=FLAG_REASONS, status_words=STATUS_WORDS, refused=refused or {},
                  status_options=[("open", "Open"), ("resolved", "Resolved"), ("dismissed", "Dismissed"), (ANY, "Any")])


@router.get("/w/{workspace_id}/flags")
def flag_queue(workspace_id: UUID, request: Request, page: Staff, status: QueryText = None,
               cursor: QueryText = None) -> Response:
    return _queue(request, page, status, cursor)


@router.post("/w/{workspace_id}/flags/{flag_id}")
def triage_flag(workspace_id: UUID, flag_id: UUID, request: Request, page: Staff, form: FormInput) -> Response:
    """Resolve, dismiss or reopen; the note is kept as it was when left blank."""
    back = form.values.pop("back", "open")
    back = back if back in [*STATUS_WORDS, ANY] else "open"
    if not blank_to_none(form.value("resolution_note")):
        form.values.pop("resolution_note", None)
    body = parse(schemas.FlagUpdate, form)
    if body is not None:
        try:
            learning.update_flag(page.ctx, workspace_id, flag_id, body)
        except Problem as problem:
            if problem.status == 404:
                raise
            refuse(form, problem)
        else:
            return RedirectResponse(f"{page.base}/flags?status={back}#flags", status_code=303)
    if "status" in form.errors and "resolution_note" not in form.errors:
        form.message = "Choose Resolve, Dismiss or Reopen."
    return _queue(request, page, back, None, refused={flag_id: form}, status_code=422)
