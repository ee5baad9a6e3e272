"""Staff pages of the workspace's people: the students (list, add, profile, invite, archive, their work) and the team
of tutors (list, invite a tutor, owners change roles)."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from fastapi import Request
from starlette.responses import RedirectResponse, Response

from tutorassist.assignments import service as assignments
from tutorassist.identity import schemas, service
from tutorassist.kit.problems import Problem
from tutorassist.learning import attempts, practice
from tutorassist.questions.programs import service as programs
from tutorassist.web.context import Page, Staff
from tutorassist.web.forms import Form, FormInput, parse, refuse, submit, whole_number
from tutorassist.web.routing import page_router
from tutorassist.web.templating import render

router = page_router()

RECENT_ATTEMPTS = 10
RECENT_ASSIGNMENTS = 20
# Profile fields a blank input clears (the form shows every one; leaving it empty means "none").
_CLEARABLE = ("email", "parent_email", "academic_year", "cohort_name", "study_program_id", "grade_level_id", "notes")



def invite_link(request: Request, token: str) -> str:
    return f"{request.base_url}invite/{token}"


def student_status(student: schemas.StudentOut, invite: schemas.StudentInviteState | None) -> str:
    if student.archived_at is not None:
        return "archived"
    if student.user_id is not None:
        return "joined"
    if invite is None:
        return "not invited"
    return "invited" if invite.open_until is not None else "invite expired"


# ---------------------------------------------------------------- the list
def _students_page(request: Request, page: Page, form: Form, show_archived: bool, status: int = 200,
                   added: UUID | None = None) -> Response:
    """`added`: a student just added, announced by name (a stale or made-up id announces nothing)."""
    students = service.list_students(page.ctx, page.workspace_id, show_archived)
    invites = service.student_invite_states(page.ctx, page.workspace_id)
    active = attempts.last_attempt_at(page.ctx, page.workspace_id)
    rows = [(s, student_status(s, invites.get(s.id)), active.get(s.user_id)) for s in students]
    return render(request, "students/list.html", status, rows=rows, form=form, show_archived=show_archived,
                  added=next((s.name for s in students if s.id == added), None), title="Students")


@router.get("/w/{workspace_id}/students")
def students(workspace_id: UUID, request: Request, page: Staff, archived: bool = False,
             added: UUID | None = None) -> Response:
    return _students_page(request, page, Form(), archived, added=added)


@router.post("/w/{workspace_id}/students")
def add_student(workspace_id: UUID, request: Request, page: Staff, form: FormInput) -> Response:
    typed_year = {"academic_year": whole_number(form.value("academic_year"))} if form.value("academic_year") else {}
    created, status = submit(form, schemas.StudentCreate, lambda body: service.create_student(page.ctx, workspace_id, body),
                             **typed_year)
    if created is not None:
        return RedirectResponse(f"/w/{workspace_id}/students?added={created.id}", status_code=303)
    return _students_page(request, page, form, False, status)


# ---------------------------------------------------------------- one student
def _grade_options(page: Page) -> tuple[list[tuple[str, str]], list[tuple[str, str]]]:
    catalogue = programs.list_programs(page.ctx)
    program_options = [("", "None")] + [(str(p.id), p.name) for p in catalogue]
    grade_options = [("", "None")] + [(str(g.id), f"{p.name}: {g.name}") for p in catalogue for g in p.grade_levels]
    return program_options, grade_options


def _profile_values(student: schemas.StudentOut) -> dict[str, Any]:
    values = student.model_dump(include={"name", *_CLEARABLE})
    return {k: "" if v is None else str(v) for k, v in values.items()}


def student_page(request: Request, page: Page, student_id: UUID, *, form: Form | None = None,
                 invite_form: Form | None = None, link: str | None = None, status: int = 200) -> Response:
    ws = page.workspace_id
    student = service.get_student(page.ctx, ws, student_id)
    invite = service.student_invite_states(page.ctx, ws, student_id).get(student_id)
    recent = attempts.list_attempts(page.ctx, ws, student.user_id, None, None, RECENT_ATTEMPTS, None).items \
        if student.user_id else []
    work = assignments.list_assignments(page.ctx, ws, student_id, None, RECENT_ASSIGNMENTS, None).items
    program_options, grade_options = _grade_options(page)
    return render(request, "students/student.html", status, student=student, invite=invite,
                  status_word=student_status(student, invite), form=form or Form(values=_profile_values(student)),
                  invite_form=invite_form or Form(), invite_link=link, attempts=recent,
                  mastery=practice.student_mastery(page.ctx, ws, student_id), assignments=work,
                  program_options=program_options, grade_options=grade_options, title=student.name)


@router.get("/w/{workspace_id}/students/{student_id}")
def student(workspace_id: UUID, student_id: UUID, request: Request, page: Staff) -> Response:
    return student_page(request, page, student_id)


@router.post("/w/{workspace_id}/students/{student_id}")
def edit_student(workspace_id: UUID, student_id: UUID, request: Request, page: Staff, form: FormInput) -> Response:
    # Blank means none; a blank name goes as null too, so the service says it may not be empty.
    cleared = {name: None for name in ("name", *_CLEARABLE) if form.value(name, "") == ""}
    if "academic_year" not in cleared:
        cleared["academic_year"] = whole_number(form.value("academic_year"))
    updated, status = submit(form, schemas.StudentUpdate,
                             lambda body: service.update_student(page.ctx, workspace_id, student_id, body), **cleared)
    if updated is not None:
        return RedirectResponse(f"/w/{workspace_id}/students/{student_id}", status_code=303)
    return student_page(request, page, student_id, form=form, status=status)


@router.post("/w/{workspace_id}/students/{student_id}/invite")
def invite_student(workspace_id: UUID, student_id: UUID, request: Request, page: Staff) -> Response:
    """The link is shown once, in this response (never in a URL we redirect to, where logs and history keep it)."""
    try:
        issued = service.issue_invite(page.ctx, workspace_id, student_id, schemas.InviteCreate())
    except Problem as problem:
        return student_page(request, page, student_id, invite_form=refuse(Form(), problem), status=problem.status)
    return student_page(request, page, student_id, link=invite_link(request, issued.token))


def _set_archived(page: Page, student_id: UUID, archived: bool) -> Response:
    service.update_student(page.ctx, page.workspace_id, student_id, schemas.StudentUpdate(archived=archived))
    return RedirectResponse(f"{page.base}/students/{student_id}", status_code=303)


@router.post("/w/{workspace_id}/students/{student_id}/archive")
def archive_student(workspace_id: UUID, student_id: UUID, page: Staff) -> Response:
    return _set_archived(page, student_id, True)


@router.post("/w/{workspace_id}/students/{student_id}/restore")
def restore_student(workspace_id: UUID, student_id: UUID, page: Staff) -> Response:
    return _set_archived(page, student_id, False)


# ---------------------------------------------------------------- the team
def team_page(request: Request, page: Page, *, form: Form | None = None, link: str | None = None,
              status: int = 200) -> Response:
    staff = [m for m in service.list_members(page.ctx, page.workspace_id) if m.role in ("owner", "tutor")]
    return render(request, "students/team.html", status, members=staff, form=form or Form(), invite_link=link,
                  is_owner=page.role == "owner", title="Team")


@router.get("/w/{workspace_id}/team")
def team(workspace_id: UUID, request: Request, page: Staff) -> Response:
    return team_page(request, page)


@router.post("/w/{workspace_id}/team/invite")
def invite_tutor(workspace_id: UUID, request: Request, page: Staff, form: FormInput) -> Response:
    issued, status = submit(form, schemas.TutorInviteCreate,
                            lambda body: service.issue_tutor_invite(page.ctx, workspace_id, body))
    if issued is not None:
        return team_page(request, page, link=invite_link(request, issued.token))
    return team_page(request, page, form=form, status=status)


@router.post("/w/{workspace_id}/team/role")
def change_role(workspace_id: UUID, request: Request, page: Staff, form: FormInput) -> Response:
    """The member is a form field, not a path parameter: page paths only name the workspace's own records."""
    try:
        user_id = UUID(str(form.values.pop("user_id", "")))
    except ValueError:
        raise Problem(404, "Not found", "no such member") from None
    body = parse(schemas.MemberUpdate, form)
    if body is None:
        return team_page(request, page, form=Form(message="Choose owner or tutor."), status=422)
    try:
        service.update_member(page.ctx, workspace_id, user_id, body)
    except Problem as problem:
        if problem.status in (403, 404):
            raise
        return team_page(request, page, form=refuse(Form(), problem), status=problem.status)
    return RedirectResponse(f"/w/{workspace_id}/team", status_code=303)
