"""Pages: the assignments of a workspace (filtered, a page at a time), a new assignment (hand-picked questions or a
rule, for one or more students), and an assignment (items, the student's progress per item, edit, replace items,
delete). Tutors and owners only."""

from __future__ import annotations

from typing import Annotated, Any
from uuid import UUID

from fastapi import Query, Request
from starlette.responses import RedirectResponse, Response

from tutorassist.assignments import schemas, service
from tutorassist.assignments.schemas import MAX_QUESTIONS
from tutorassist.kit.pagination import DEFAULT_LIMIT
from tutorassist.kit.problems import Problem
from tutorassist.questions import search
from tutorassist.questions.topics import service as topics
from tutorassist.web.context import Page, Staff
from tutorassist.web.forms import Form, FormInput, parse, refuse, whole_number
from tutorassist.web.pages import tutor_lookups
from tutorassist.web.pages.tutor_inputs import (
    QueryText,
    as_uuid,
    blank_to_none,
    choice_filter,
    day_of,
    due_at_of,
    field_of,
    uuid_filter,
    workspace_zone,
)
from tutorassist.web.routing import page_router
from tutorassist.web.templating import fragment, render

router = page_router()

_BASE = "/w/{workspace_id}/assignments"
STATUS_WORDS = {"draft": "Draft", "assigned": "Assigned", "in_progress": "In progress", "completed": "Completed",
                "archived": "Archived"}
SEARCH_LIMIT = 50


# ---------------------------------------------------------------- list
@router.get(_BASE)
def assignment_list(workspace_id: UUID, request: Request, page: Staff, status: QueryText = None,
                    student: QueryText = None, cursor: QueryText = None) -> Response:
    chosen_status = choice_filter(status, schemas.Status, "status")
    chosen_student = uuid_filter(student, "student")
    listed = service.list_assignments(page.ctx, workspace_id, chosen_student, chosen_status, DEFAULT_LIMIT,
                                      blank_to_none(cursor))
    names = tutor_lookups.students(page)
    return render(request, "assignments/list.html", title="Assignments", assignments=listed.items,
                  next_cursor=listed.next_cursor, names=names, status_words=STATUS_WORDS,
                  student_options=[(str(s.id), s.name) for s in names.students],
                  filters={"status": chosen_status or "", "student": str(chosen_student or "")}, paged=bool(cursor))


# ---------------------------------------------------------------- new
def _question_search(page: Page, q: str | None) -> list[Any]:
    text = (q or "").replace("\x00", "").strip() or None
    found = search.search(page.ctx, page.workspace_id, search.Filters(status=["active"], q=text), SEARCH_LIMIT, None)
    return found.items


def _choices(page: Page, form: Form) -> dict[str, Any]:
    """The questions a search finds, and the chosen ones it does not find (kept, so a new search loses no choice)."""
    q = form.value("q") or None
    questions = _question_search(page, q)
    chosen = set(form.values_of("question_ids"))
    shown = {str(x.id) for x in questions}
    missing = [u for u in map(as_uuid, chosen - shown) if u is not None]
    kept = tutor_lookups.prompts(page, missing) if missing else {}
    return {"questions": questions, "kept": kept, "chosen": chosen, "q": q or "", "form": form}


def _new_form(request: Request, page: Page, form: Form, status_code: int = 200) -> Response:
    names = tutor_lookups.students(page)
    return render(request, "assignments/new.html", status_code, title="New assignment", **_choices(page, form),
                  students=[s for s in names.students if s.archived_at is None],
                  topic_options=[(str(t.id), t.name) for t in topics.list_topics(page.ctx, page.workspace_id, False)],
                  difficulty_options=[(str(n), str(n)) for n in range(1, 6)])


@router.get(_BASE + "/new")
def new_assignment_form(workspace_id: UUID, request: Request, page: Staff, q: QueryText = None) -> Response:
    return _new_form(request, page, Form(values={"q": q or "", "source": "questions"}))


@router.get(_BASE + "/new/questions")
def question_choices(workspace_id: UUID, request: Request, page: Staff, q: QueryText = None,
                     question_ids: Annotated[list[str], Query(alias="question_ids[]", max_length=MAX_QUESTIONS)] = []  # noqa: B006
                     ) -> Response:
    """The live search's swap: the chosen-question checkboxes for a search, the ticked ones kept."""
    form = Form(values={"q": q or "", "question_ids": question_ids})
    return fragment(request, "assignments/_question_choices.html", **_choices(page, form))


def _show_errors(form: Form, errors: dict[str, str], renames: dict[str, str]) -> None:
    for name, message in errors.items():
        field = field_of(name)
        form.errors.setdefault(renames.get(field, field), message)


def _create_body(page: Page, form: Form) -> schemas.AssignmentCreate | None:
    """The service's schema from the form: the questions or the rule (as the source says), the due day as a time."""
    values: dict[str, Any] = {k: form.values[k] for k in ("title", "description") if k in form.values}
    values["student_profile_ids"] = form.values_of("student_profile_ids")
    if form.value("source") == "rule":
        values["rule"] = {}  # first, so the rule's own fields fill it and a blank rule names its missing fields
        for key, value in form.values.items():
            if key.startswith("rule.") and key != "rule.tags":
                values[key] = whole_number(value)
        tags = [t.strip() for t in str(form.value("rule.tags")).split(",") if t.strip()]
        if tags:
            values["rule.tags"] = tags
    else:
        values["question_ids"] = form.values_of("question_ids")
    day = blank_to_none(form.value("due_date"))
    extra: dict[str, Any] = {}
    if day is not None:
        try:
            extra["due_at"] = due_at_of(day, workspace_zone(page))
        except ValueError:
            form.errors["due_date"] = "not a date"
    scratch = Form(values=values)
    body = parse(schemas.AssignmentCreate, scratch, **extra)
    _show_errors(form, scratch.errors, {"due_at": "due_date"})
    return None if form.errors else body


@router.post(_BASE + "/new")
def create_assignment(workspace_id: UUID, request: Request, page: Staff, form: FormInput) -> Response:
    body = _create_body(page, form)
    if body is not None:
        try:
            created = service.create_assignments(page.ctx, workspace_id, body)
        except Problem as problem:
            scratch = refuse(Form(), problem)
            _show_errors(form, scratch.errors, {"due_at": "due_date"})
            form.message = scratch.message
        else:
            target = f"{page.base}/assignments/{created[0]['id']}" if len(created) == 1 else f"{page.base}/assignments"
            return RedirectResponse(target, status_code=303)
    return _new_form(request, page, form, 422)


# ---------------------------------------------------------------- one assignment
def _detail_page(request: Request, page: Page, assignment_id: UUID, form: Form | None = None,
                 items_form: Form | None = None, status_code: int = 200) -> Response:
    ws = page.workspace_id
    assignment = service.get_assignment(page.ctx, ws, assignment_id)
    progress = {p.question_id: p for p in service.item_progress(page.ctx, ws, assignment_id)}
    zone = workspace_zone(page)
    if form is None:
        form = Form(values={"title": assignment["title"], "description": assignment["description"] or "",
                            "due_date": day_of(assignment["due_at"], zone),
                            "status": "assigned" if assignment["status"] in ("in_progress", "completed") else assignment["status"]})
    items_form = items_form or Form(values={"q": ""})
    current = {str(i["question_id"]) for i in assignment["items"]}
    candidates = [q for q in _question_search(page, items_form.value("q") or None) if str(q.id) not in current]
    return render(request, "assignments/detail.html", status_code, title=assignment["title"], a=assignment,
                  progress=progress, form=form, items_form=items_form, candidates=candidates,
                  student=tutor_lookups.students(page).of_profile(assignment["student_profile_id"]),
                  status_words=STATUS_WORDS)


@router.get(_BASE + "/{assignment_id}")
def assignment_page(workspace_id: UUID, assignment_id: UUID, request: Request, page: Staff,
                    q: QueryText = None) -> Response:
    return _detail_page(request, page, assignment_id, items_form=Form(values={"q": q or ""}))


@router.post(_BASE + "/{assignment_id}")
def edit_assignment(workspace_id: UUID, assignment_id: UUID, request: Request, page: Staff, form: FormInput) -> Response:
    """Title, instructions, due day and status; a due day left as it was is not sent (it may have passed)."""
    current = service.get_assignment(page.ctx, workspace_id, assignment_id)
    zone = workspace_zone(page)
    extra: dict[str, Any] = {"description": blank_to_none(form.value("description"))}
    status = choice_filter(form.value("status"), schemas.WritableStatus, "status") if form.value("status") else None
    if status is not None:
        extra["status"] = status
    day = blank_to_none(form.value("due_date"))
    if day is None:
        extra["due_at"] = None
    elif day != day_of(current["due_at"], zone):
        try:
            extra["due_at"] = due_at_of(day, zone)
        except ValueError:
            form.errors["due_date"] = "not a date"
    scratch = Form(values={"title": form.value("title")})
    body = parse(schemas.AssignmentUpdate, scratch, blank_is_missing=False, **extra)
    if body is not None and not form.errors:
        try:
            service.update_assignment(page.ctx, workspace_id, assignment_id, body)
        except Problem as problem:
            refuse(scratch, problem)
            form.message = scratch.message
        else:
            return RedirectResponse(f"{page.base}/assignments/{assignment_id}", status_code=303)
    _show_errors(form, scratch.errors, {"due_at": "due_date"})
    return _detail_page(request, page, assignment_id, form=form, status_code=422)


@router.post(_BASE + "/{assignment_id}/items")
def replace_assignment_items(workspace_id: UUID, assignment_id: UUID, request: Request, page: Staff,
                             form: FormInput) -> Response:
    """The kept items in their order, then the questions added."""
    wanted = list(dict.fromkeys([*form.values_of("keep"), *form.values_of("add")]))
    scratch = Form(values={"items": [{"question_id": q} for q in wanted]})
    body = parse(schemas.ItemsReplace, scratch)
    if body is not None:
        try:
            service.replace_items(page.ctx, workspace_id, assignment_id, body)
        except Problem as problem:
            refuse(scratch, problem)
        else:
            return RedirectResponse(f"{page.base}/assignments/{assignment_id}", status_code=303)
    items_form = Form(values={"q": form.value("q")})
    items_form.message = scratch.message or ("An assignment needs at least one question." if not wanted else
                                             "; ".join(sorted(set(scratch.errors.values()))))
    status_code = 409 if scratch.message and "already have attempts" in scratch.message else 422
    return _detail_page(request, page, assignment_id, items_form=items_form, status_code=status_code)


@router.post(_BASE + "/{assignment_id}/delete")
def delete_assignment(workspace_id: UUID, assignment_id: UUID, page: Staff) -> Response:
    service.delete_assignment(page.ctx, workspace_id, assignment_id)
    return RedirectResponse(f"{page.base}/assignments", status_code=303)
