"""Assignment pages: the list with filters and pages, the new-assignment form (chosen questions or a rule), and an
assignment's page (progress per item, edit, replace items, delete)."""

from __future__ import annotations

import re
import uuid
from datetime import date, timedelta

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.api.test_practice import setup_bank
from tests.web.conftest import text_of
from tests.web.teaching import classroom


def _assignments(practice) -> list[dict]:
    return practice.tutor.http.get(practice.path("/assignments"), params={"limit": 200}).json()["items"]


def test_the_list_shows_progress_and_filters_by_status_and_student(browser_of, practice):
    room = classroom(practice)
    v = browser_of(practice.tutor)
    page = v.get(f"/w/{practice.workspace_id}/assignments")
    assert page.status_code == 200
    text = text_of(page)
    assert "New assignment" in text and "Homework" in text and "1 of 2 answered" in text and "In progress" in text
    assert f'/assignments/{room.assignment_id}"' in page.text
    none = v.get(f"/w/{practice.workspace_id}/assignments", params={"status": "completed", "student": ""})
    assert none.status_code == 200, text_of(none)
    assert "Homework" not in text_of(none) and "match these filters" in text_of(none)
    mine = v.get(f"/w/{practice.workspace_id}/assignments", params={"student": practice.student_profile_id})
    assert "Homework" in text_of(mine)
    for bad in ({"status": "lost"}, {"student": "nobody"}, {"cursor": "garbage"}):
        assert v.get(f"/w/{practice.workspace_id}/assignments", params=bad).status_code == 422, bad


def test_the_list_pages_by_keyset(browser_of, practice):
    _, _, _, a1, _ = setup_bank(practice)
    for n in range(51):
        assert practice.tutor.http.post(practice.path("/assignments"), json={
            "student_profile_ids": [practice.student_profile_id], "title": f"Set {n}", "question_ids": [a1]}).status_code == 201
    v = browser_of(practice.tutor)
    first = v.get(f"/w/{practice.workspace_id}/assignments")
    nxt = re.search(r'href="([^"]*cursor=[^"]*)">Next page', first.text)
    assert nxt and "Set 50" in text_of(first)
    second = v.get(nxt.group(1).replace("&amp;", "&"))
    assert second.status_code == 200 and "Set 0" in text_of(second) and "Set 50" not in text_of(second)
    assert "Next page" not in second.text and "First page" in second.text


def test_new_assignment_from_chosen_questions_for_a_student(browser_of, practice):
    _, _, a2, a1, _ = setup_bank(practice)
    v = browser_of(practice.tutor)
    form = v.get(f"/w/{practice.workspace_id}/assignments/new")
    assert form.status_code == 200
    assert re.search(rf'<label for="student-{practice.student_profile_id}">.*?Student</label>', form.text, re.S)
    assert f'value="{a1}"' in form.text and 'type="date"' in form.text and "Create assignment" in form.text
    due = (date.today() + timedelta(days=5)).isoformat()
    created = v.post(f"/w/{practice.workspace_id}/assignments/new", {
        "title": "Fractions", "student_profile_ids[]": [practice.student_profile_id], "source": "questions",
        "question_ids[]": [a1, a2], "due_date": due, "description": "Show your work"})
    assert created.status_code == 303, created.text
    [made] = [a for a in _assignments(practice) if a["title"] == "Fractions"]
    assert made["total_items"] == 2 and made["description"] == "Show your work" and made["due_at"].startswith(due)
    assert created.headers["location"] == f"/w/{practice.workspace_id}/assignments/{made['id']}"


def test_new_assignment_by_rule(browser_of, practice):
    arithmetic, *_ = setup_bank(practice)
    v = browser_of(practice.tutor)
    created = v.post(f"/w/{practice.workspace_id}/assignments/new", {
        "title": "Drill", "student_profile_ids[]": [practice.student_profile_id], "source": "rule",
        "rule.topic_id": arithmetic, "rule.count": "2", "rule.difficulty_min": "1", "rule.difficulty_max": "5",
        "rule.exclude_seen_days": "", "rule.tags": ""})
    assert created.status_code == 303, created.text
    [made] = [a for a in _assignments(practice) if a["title"] == "Drill"]
    assert made["total_items"] == 2 and made["rule"]["topic_id"] == arithmetic


def test_a_refused_assignment_keeps_the_input_and_names_the_fields(browser_of, practice):
    _, _, _, a1, _ = setup_bank(practice)
    v = browser_of(practice.tutor)
    refused = v.post(f"/w/{practice.workspace_id}/assignments/new", {
        "title": "", "source": "questions", "question_ids[]": [a1], "due_date": "2001-01-01", "description": "kept text"})
    assert refused.status_code == 422
    assert 'id="title-error"' in refused.text and 'id="student_profile_ids-error"' in refused.text
    assert "kept text" in refused.text and re.search(rf'value="{a1}" checked', refused.text)
    past = v.post(f"/w/{practice.workspace_id}/assignments/new", {
        "title": "Late", "student_profile_ids[]": [practice.student_profile_id], "source": "questions",
        "question_ids[]": [a1], "due_date": "2001-01-01"})
    assert past.status_code == 422 and 'id="due_date-error"' in past.text and "future" in text_of(past)
    no_rule = v.post(f"/w/{practice.workspace_id}/assignments/new", {
        "title": "Rule", "student_profile_ids[]": [practice.student_profile_id], "source": "rule", "rule.topic_id": ""})
    assert no_rule.status_code == 422 and 'id="rule.topic_id-error"' in no_rule.text
    assert not [a for a in _assignments(practice) if a["title"] in ("Late", "Rule")]


def test_the_assignment_page_shows_progress_per_item_and_edits(browser_of, practice):
    room = classroom(practice)
    v = browser_of(practice.tutor)
    path = f"/w/{practice.workspace_id}/assignments/{room.assignment_id}"
    page = v.get(path)
    assert page.status_code == 200
    items = text_of(page).split("Items and progress", 1)[1].split("Edit", 1)[0]
    assert "Correct" in items and "Not answered" in items
    due = (date.today() + timedelta(days=10)).isoformat()
    saved = v.post(path, {"title": "Homework 2", "due_date": due, "description": "", "status": "assigned"})
    assert saved.status_code == 303, saved.text
    detail = practice.tutor.http.get(practice.path(f"/assignments/{room.assignment_id}")).json()
    assert detail["title"] == "Homework 2" and detail["due_at"].startswith(due)
    refused = v.post(path, {"title": "", "due_date": "not a day"})
    assert refused.status_code == 422 and 'id="title-error"' in refused.text and 'id="due_date-error"' in refused.text
    assert v.post(path, {"title": "Homework 2", "due_date": ""}).status_code == 303
    assert practice.tutor.http.get(practice.path(f"/assignments/{room.assignment_id}")).json()["due_at"] is None


def test_replacing_items_and_deleting(browser_of, practice):
    room = classroom(practice)
    v = browser_of(practice.tutor)
    path = f"/w/{practice.workspace_id}/assignments/{room.assignment_id}"
    # q_one has an attempt in the assignment: removing it is refused, the page says why.
    refused = v.post(path + "/items", {"keep[]": [room.q_two]})
    assert refused.status_code == 409 and "already have attempts" in text_of(refused)
    replaced = v.post(path + "/items", {"keep[]": [room.q_one], "add[]": [room.q_three]})
    assert replaced.status_code == 303
    items = practice.tutor.http.get(practice.path(f"/assignments/{room.assignment_id}")).json()["items"]
    assert [i["question_id"] for i in items] == [room.q_one, room.q_three]
    assert v.post(path + "/items", {}).status_code == 422
    assert v.post(path + "/delete").status_code == 303
    assert practice.tutor.http.get(practice.path(f"/assignments/{room.assignment_id}")).status_code == 404
    assert v.get(path).status_code == 404


def test_only_staff_see_assignment_pages(browser_of, practice):
    room = classroom(practice)
    base = f"/w/{practice.workspace_id}/assignments"
    student = browser_of(practice.student)
    for path in (base, base + "/new", f"{base}/{room.assignment_id}"):
        assert student.get(path).status_code == 403, path
    assert browser_of(practice.outsider).get(base).status_code == 404
    tutor = browser_of(practice.tutor)
    assert tutor.get(f"{base}/{uuid.uuid4()}").status_code == 404
    assert tutor.get(f"{base}/not-an-id").status_code == 404


def test_no_filter_or_form_input_answers_a_server_error(browser_of, practice):
    _, _, _, a1, _ = setup_bank(practice)
    v = browser_of(practice.tutor)
    text = st.text(max_size=40)

    @settings(max_examples=40, deadline=None, suppress_health_check=list(HealthCheck))
    @given(status=text, student=text, cursor=text, q=text, title=text, day=text, count=text)
    def check(status, student, cursor, q, title, day, count):
        base = f"/w/{practice.workspace_id}/assignments"
        assert v.get(base, params={"status": status, "student": student, "cursor": cursor}).status_code < 500
        assert v.get(base + "/new", params={"q": q}).status_code < 500
        posted = v.post(base + "/new", {"title": title, "due_date": day, "source": "rule", "rule.count": count,
                                        "rule.topic_id": student, "student_profile_ids[]": [student, a1]})
        assert posted.status_code < 500

    check()


def test_the_live_search_swaps_the_question_choices_and_keeps_the_ticked_ones(browser_of, practice):
    _, _, a2, a1, b1 = setup_bank(practice)
    v = browser_of(practice.tutor)
    new = v.get(f"/w/{practice.workspace_id}/assignments/new")
    assert 'hx-get="' in new.text and 'id="question-choices"' in new.text
    swap = v.get(f"/w/{practice.workspace_id}/assignments/new/questions", params={"q": "2", "question_ids[]": [a1]},
                 headers={"HX-Request": "true"})
    assert swap.status_code == 200 and "<html" not in swap.text
    assert re.search(rf'value="{a1}" checked', swap.text)  # ticked before, kept though the search does not find it
    assert f'value="{a2}"' in swap.text and f'value="{b1}"' not in swap.text
    bad = v.get(f"/w/{practice.workspace_id}/assignments/new/questions", params={"question_ids[]": ["x"], "q": "\x00"})
    assert bad.status_code == 200 and 'value="x"' not in bad.text
