"""Staff pages of students (list, add, profile, invite, archive, their work) and of the team."""

from __future__ import annotations

import re
import uuid

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.web.conftest import text_of
from tutorassist.api.context import RequestContext
from tutorassist.db.connection import app_engine
from tutorassist.identity import service
from tutorassist.kit.problems import Problem
from tutorassist.learning import attempts


def _add(v, ws, name, email=None, **extra) -> str:
    data = {"name": name, **({"email": email} if email else {}), **extra}
    response = v.post(f"/w/{ws}/students", data)
    assert response.status_code == 303, response.text
    return re.search(r"added=([0-9a-f-]{36})", response.headers["location"]).group(1)


def test_the_list_shows_students_with_their_status_and_links(browser_of, practice):
    v = browser_of(practice.tutor)
    ws = practice.workspace_id
    page = v.get(f"/w/{ws}/students")
    assert page.status_code == 200
    assert f'href="/w/{ws}/students/{practice.student_profile_id}">Student</a>' in page.text
    assert "joined" in text_of(page)
    for label in ("Name", "Email", "Add student"):
        assert label in text_of(page)


def test_adding_a_student_and_a_refused_form(browser_of, practice):
    v = browser_of(practice.tutor)
    ws = practice.workspace_id
    refused = v.post(f"/w/{ws}/students", {"name": "Bea", "email": "not an email", "academic_year": "soon"})
    assert refused.status_code == 422
    assert 'id="email-error"' in refused.text and 'id="academic_year-error"' in refused.text
    assert 'value="Bea"' in refused.text and 'value="not an email"' in refused.text
    sid = _add(v, ws, "Bea", "bea@example.com", cohort_name="Evening", academic_year="2026")
    listed = v.get(f"/w/{ws}/students?added={sid}")
    assert "Added Bea." in text_of(listed) and "not invited" in text_of(listed) and "Evening" in text_of(listed)
    created = practice.tutor.http.get(practice.path(f"/students/{sid}")).json()
    assert created["academic_year"] == 2026 and created["cohort_name"] == "Evening"


def test_invite_shows_the_link_once_and_a_new_one_replaces_it(browser_of, visitor, practice):
    v = browser_of(practice.tutor)
    ws = practice.workspace_id
    sid = _add(v, ws, "Cleo", "cleo@example.com")
    page = v.get(f"/w/{ws}/students/{sid}")
    assert '<button type="submit">Invite</button>' in page.text and 'id="invite-link"' not in page.text
    invited = v.post(f"/w/{ws}/students/{sid}/invite")
    assert invited.status_code == 200
    link = re.search(r'id="invite-link" type="text" readonly value="([^"]+)"', invited.text).group(1)
    assert re.fullmatch(r"http://127\.0\.0\.1:\d+/invite/[\w-]+", link), link
    assert "Invite link" in text_of(invited)
    again = v.get(f"/w/{ws}/students/{sid}")
    assert "Send a new invite" in text_of(again) and 'id="invite-link"' not in again.text
    assert "invited" in text_of(v.get(f"/w/{ws}/students"))
    second = v.post(f"/w/{ws}/students/{sid}/invite")
    new_link = re.search(r'id="invite-link" type="text" readonly value="([^"]+)"', second.text).group(1)
    assert new_link != link
    token = link.rsplit("/", 1)[1]
    assert visitor().get(f"/signup?invite={token}").status_code == 404, "the first link was replaced"
    assert visitor().get(f"/signup?invite={new_link.rsplit('/', 1)[1]}").status_code == 200


def test_inviting_a_joined_or_archived_student_is_refused_on_the_page(browser_of, practice):
    v = browser_of(practice.tutor)
    ws = practice.workspace_id
    joined = v.post(f"/w/{ws}/students/{practice.student_profile_id}/invite")
    assert joined.status_code == 409 and "already has an account" in text_of(joined)
    sid = _add(v, ws, "Dan", "dan@example.com")
    assert v.post(f"/w/{ws}/students/{sid}/archive").status_code == 303
    refused = v.post(f"/w/{ws}/students/{sid}/invite")
    assert refused.status_code == 409 and "archived" in text_of(refused)


def test_archive_hides_and_restore_brings_back(browser_of, practice):
    v = browser_of(practice.tutor)
    ws = practice.workspace_id
    sid = _add(v, ws, "Eve", "eve@example.com")
    v.post(f"/w/{ws}/students/{sid}/archive")
    assert "Eve" not in text_of(v.get(f"/w/{ws}/students"))
    shown = v.get(f"/w/{ws}/students?archived=true")
    assert "Eve" in text_of(shown) and "archived" in text_of(shown)
    assert practice.tutor.http.get(practice.path(f"/students/{sid}")).json()["archived_at"]
    v.post(f"/w/{ws}/students/{sid}/restore")
    assert "Eve" in text_of(v.get(f"/w/{ws}/students"))
    assert practice.tutor.http.get(practice.path(f"/students/{sid}")).json()["archived_at"] is None


def test_editing_the_profile_changes_and_clears_fields(browser_of, practice):
    v = browser_of(practice.tutor)
    ws = practice.workspace_id
    sid = _add(v, ws, "Finn", "finn@example.com", cohort_name="Morning")
    refused = v.post(f"/w/{ws}/students/{sid}", {"name": "Finn", "academic_year": "1800", "notes": "kept"})
    assert refused.status_code == 422 and 'id="academic_year-error"' in refused.text and ">kept</textarea>" in refused.text
    saved = v.post(f"/w/{ws}/students/{sid}", {"name": "Finn R.", "email": "finn@example.com", "academic_year": "2025",
                                               "notes": "Struggles with fractions", "cohort_name": ""})
    assert saved.status_code == 303
    profile = practice.tutor.http.get(practice.path(f"/students/{sid}")).json()
    assert profile["name"] == "Finn R." and profile["academic_year"] == 2025
    assert profile["notes"] == "Struggles with fractions" and profile["cohort_name"] is None
    page = v.get(f"/w/{ws}/students/{sid}")
    assert "Struggles with fractions" in page.text and "Study program" in text_of(page)
    nameless = v.post(f"/w/{ws}/students/{sid}", {"name": "", "notes": "still here"})
    assert nameless.status_code == 422 and 'id="name-error"' in nameless.text and ">still here</textarea>" in nameless.text
    bad_program = v.post(f"/w/{ws}/students/{sid}", {"name": "Finn", "study_program_id": "nope"})
    assert bad_program.status_code == 422 and 'id="study_program_id-error"' in bad_program.text


def test_the_student_page_shows_their_work_and_links(browser_of, practice):
    tutor = practice.tutor.http
    ws = practice.workspace_id
    topic = tutor.post(practice.path("/topics"), json={"name": "Fractions"}).json()
    question = tutor.post(practice.path("/questions"), json={
        "topic_id": topic["id"], "prompt_latex": "What is $1+1$?", "answer_type": "number",
        "answer_spec": {"type": "number", "value": "2"}, "status": "active"}).json()
    assert "id" in question, question
    assignment = tutor.post(practice.path("/assignments"), json={
        "title": "Warm-up", "student_profile_ids": [practice.student_profile_id],
        "question_ids": [question["id"]]}).json()
    attempt = practice.student.http.post(practice.path("/attempts"), json={
        "question_id": question["id"], "answer": "2"})
    assert attempt.status_code in (200, 201), attempt.text
    v = browser_of(practice.tutor)
    page = v.get(f"/w/{ws}/students/{practice.student_profile_id}")
    assert page.status_code == 200
    text = text_of(page)
    assert "Fractions" in text and "Correct" in text and "Warm-up" in text
    assert f'href="/w/{ws}/attempts/{attempt.json()["id"]}"' in page.text
    assert f'href="/w/{ws}/assignments/{assignment[0]["id"]}"' in page.text
    assert f'href="/w/{ws}/analytics/students/{practice.student_profile_id}">Analytics</a>' in page.text
    submitted = attempt.json()["submitted_at"][:16].replace("T", " ")
    listed = v.get(f"/w/{ws}/students")
    assert "Last attempt" in text_of(listed) and submitted in text_of(listed)


def test_students_pages_refuse_students_outsiders_and_bad_ids(browser_of, practice):
    ws = practice.workspace_id
    student, outsider, tutor = browser_of(practice.student), browser_of(practice.outsider), browser_of(practice.tutor)
    for path in (f"/w/{ws}/students", f"/w/{ws}/students/{practice.student_profile_id}", f"/w/{ws}/team"):
        assert student.get(path).status_code == 403, path
        assert outsider.get(path).status_code == 404, path
    for path in (f"/w/{ws}/students/{uuid.uuid4()}", f"/w/{ws}/students/not-an-id"):
        assert tutor.get(path).status_code == 404, path
    assert tutor.post(f"/w/{ws}/students/{uuid.uuid4()}/archive").status_code == 404
    assert tutor.get(f"/w/{ws}/students?archived=maybe").status_code == 422
    assert tutor.get(f"/w/{ws}/students?added=nope").status_code == 422
    assert student.post(f"/w/{ws}/students", {"name": "Sneaky"}).status_code == 403


def test_team_lists_tutors_invites_one_and_changes_roles(browser_of, people, practice):
    ws = practice.workspace_id
    owner = browser_of(practice.tutor)
    page = owner.get(f"/w/{ws}/team")
    assert page.status_code == 200 and practice.tutor.email in text_of(page) and practice.student.email not in page.text
    refused = owner.post(f"/w/{ws}/team/invite", {"email": "nope"})
    assert refused.status_code == 422 and 'id="email-error"' in refused.text and 'value="nope"' in refused.text
    colleague = people("Colleague")
    invited = owner.post(f"/w/{ws}/team/invite", {"email": colleague.email})
    token = re.search(r'id="invite-link" type="text" readonly value="[^"]+/invite/([\w-]+)"', invited.text).group(1)
    assert colleague.http.post(f"/invites/{token}/accept").status_code == 200
    assert owner.post(f"/w/{ws}/team/role", {"user_id": str(colleague.id), "role": "owner"}).status_code == 303
    members = practice.tutor.http.get(practice.path("/members")).json()
    assert next(m for m in members if m["user_id"] == str(colleague.id))["role"] == "owner"
    assert owner.post(f"/w/{ws}/team/role", {"user_id": "nope", "role": "owner"}).status_code == 404
    assert owner.post(f"/w/{ws}/team/role", {"user_id": str(colleague.id), "role": "boss"}).status_code == 422
    tutor = browser_of(colleague)
    assert owner.post(f"/w/{ws}/team/role", {"user_id": str(colleague.id), "role": "tutor"}).status_code == 303
    assert tutor.post(f"/w/{ws}/team/role", {"user_id": str(practice.tutor.id), "role": "tutor"}).status_code == 403
    assert "Only the workspace's owners invite tutors" in text_of(tutor.get(f"/w/{ws}/team"))
    last_owner = owner.post(f"/w/{ws}/team/role", {"user_id": str(practice.tutor.id), "role": "tutor"})
    assert last_owner.status_code == 409 and "at least one owner" in text_of(last_owner)


def test_student_invite_states_say_when_and_whether_open(db_url, practice):
    engine = app_engine(db_url)
    try:
        ctx = RequestContext(engine=engine, token=practice.tutor.session["token"], ip=None, user_agent=None)
        ws = uuid.UUID(practice.workspace_id)
        tutor = practice.tutor.http
        fresh = tutor.post(practice.path("/students"), json={"name": "Gus", "email": "gus@example.com"}).json()
        never = tutor.post(practice.path("/students"), json={"name": "Hal", "email": "hal@example.com"}).json()
        tutor.post(practice.path(f"/students/{fresh['id']}/invites"), json={})
        states = service.student_invite_states(ctx, ws)
        assert states[uuid.UUID(fresh["id"])].open_until is not None
        assert states[uuid.UUID(practice.student_profile_id)].open_until is None, "used by the sign-up"
        assert uuid.UUID(never["id"]) not in states
    finally:
        engine.dispose()


def test_last_attempt_at_is_per_student_with_attempts_only(db_url, practice):
    tutor = practice.tutor.http
    question = tutor.post(practice.path("/questions"), json={
        "prompt_latex": "$2+2$", "answer_type": "number", "answer_spec": {"type": "number", "value": "4"},
        "status": "active"}).json()
    first = practice.student.http.post(practice.path("/attempts"), json={"question_id": question["id"], "answer": "3"})
    latest = practice.student.http.post(practice.path("/attempts"), json={"question_id": question["id"], "answer": "4"})
    assert first.status_code in (200, 201) and latest.status_code in (200, 201), latest.text
    engine = app_engine(db_url)
    try:
        ctx = RequestContext(engine=engine, token=practice.tutor.session["token"], ip=None, user_agent=None)
        last = attempts.last_attempt_at(ctx, uuid.UUID(practice.workspace_id))
        assert list(last) == [practice.student.id]
        assert last[practice.student.id].isoformat().replace("+00:00", "Z")[:19] == latest.json()["submitted_at"][:19]
        student_ctx = RequestContext(engine=engine, token=practice.student.session["token"], ip=None, user_agent=None)
        with pytest.raises(Problem) as refused:  # a student may not read every student's activity
            attempts.last_attempt_at(student_ctx, uuid.UUID(practice.workspace_id))
        assert refused.value.status == 403
    finally:
        engine.dispose()


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(values=st.dictionaries(st.sampled_from(["name", "email", "parent_email", "cohort_name", "academic_year",
                                               "study_program_id", "grade_level_id", "notes", "archived", "other"]),
                              st.text(max_size=30), max_size=6))
def test_no_student_form_input_is_a_server_error(browser_of, practice, values):
    v = browser_of(practice.tutor)
    ws = practice.workspace_id
    assert v.post(f"/w/{ws}/students", values).status_code < 500
    assert v.post(f"/w/{ws}/students/{practice.student_profile_id}", values).status_code < 500
