"""Service queries behind the tutor's pages: assignments due soon or overdue, progress per item, the open flag count
and question prompts by id — each called as a page calls it, with the tutor's session."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta, timezone

import pytest

from tests.api.conftest import api_url, people, practice  # noqa: F401  (fixtures)
from tests.web.teaching import classroom
from tutorassist.api.context import RequestContext
from tutorassist.assignments import service as assignments
from tutorassist.kit.problems import Problem
from tutorassist.learning import service as learning
from tutorassist.questions import lookup


def _ctx(app_db, person) -> RequestContext:
    return RequestContext(engine=app_db, token=person.session["token"], ip=None, user_agent=None)


def test_due_within_lists_overdue_and_soon_due_given_work_soonest_first(practice, app_db, owner):  # noqa: F811
    room = classroom(practice)  # Homework, due in 3 days, in progress
    tutor, path = practice.tutor.http, practice.path

    def give(title: str, days: float | None, status: str = "assigned") -> str:
        body = {"student_profile_ids": [practice.student_profile_id], "title": title, "question_ids": [room.q_three],
                "status": status}
        made = tutor.post(path("/assignments"), json=body).json()[0]["id"]
        if days is not None:  # past due dates cannot be given through the API
            owner.execute("UPDATE assignments SET due_at = now() + make_interval(secs => %s) WHERE id = %s",
                          (days * 86400, made))
        return made

    give("Late", -2)
    give("Next month", 30)
    give("No due date", None)
    give("Draft", 1, status="draft")
    archived = give("Archived", 1)
    tutor.patch(path(f"/assignments/{archived}"), json={"status": "archived"})
    ws = uuid.UUID(practice.workspace_id)
    due = assignments.due_within(_ctx(app_db, practice.tutor), ws, 7, 20)
    assert [a.title for a in due] == ["Late", "Homework"]
    assert due[0].due_at < datetime.now(timezone.utc) < due[1].due_at < datetime.now(timezone.utc) + timedelta(days=7)
    assert len(assignments.due_within(_ctx(app_db, practice.tutor), ws, 7, 1)) == 1
    with pytest.raises(Problem) as refused:
        assignments.due_within(_ctx(app_db, practice.student), ws, 7, 20)
    assert refused.value.status == 403


def test_item_progress_counts_attempts_and_correct_ones_per_item(practice, app_db):  # noqa: F811
    room = classroom(practice)  # q_one answered correctly in the assignment, q_two not answered
    student = practice.student.http
    assert student.post(practice.path("/attempts"), json={"question_id": room.q_one, "answer": "5",
                                                          "assignment_id": room.assignment_id}).status_code == 201
    ws, assignment = uuid.UUID(practice.workspace_id), uuid.UUID(room.assignment_id)
    progress = assignments.item_progress(_ctx(app_db, practice.tutor), ws, assignment)
    assert [(str(p.question_id), p.attempts, p.correct) for p in progress] == [(room.q_one, 2, 1), (room.q_two, 0, 0)]
    assert progress[0].last_attempt_at is not None and progress[1].last_attempt_at is None
    # The student reads their own; another workspace's id is not found.
    assert len(assignments.item_progress(_ctx(app_db, practice.student), ws, assignment)) == 2
    with pytest.raises(Problem) as missing:
        assignments.item_progress(_ctx(app_db, practice.tutor), ws, uuid.uuid4())
    assert missing.value.status == 404


def test_open_flag_count_and_prompts_by_id(practice, app_db):  # noqa: F811
    room = classroom(practice)
    ws, ctx = uuid.UUID(practice.workspace_id), _ctx(app_db, practice.tutor)
    assert learning.count_flags(ctx, ws, "open") == 1 and learning.count_flags(ctx, ws, None) == 1
    practice.tutor.http.patch(practice.path(f"/flags/{room.flag_id}"), json={"status": "dismissed"})
    assert learning.count_flags(ctx, ws, "open") == 0 and learning.count_flags(ctx, ws, "dismissed") == 1
    with pytest.raises(Problem):
        learning.count_flags(_ctx(app_db, practice.student), ws, "open")
    prompts = lookup.prompts(ctx, ws, [uuid.UUID(room.q_one), uuid.UUID(room.q_one), uuid.uuid4()])
    assert prompts == {uuid.UUID(room.q_one): "What is $1 + 0$?"}
    assert lookup.prompts(ctx, ws, []) == {}
