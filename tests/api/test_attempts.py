"""Submitting answers over real HTTP: grading, storage, question statistics and assignment progress (kept by the
database), spaced repetition (SM-2 and FSRS) with review events, idempotent retries, concurrency, roles, tenant
isolation and bad input. Questions and assignments are written directly as the schema owner."""

from __future__ import annotations

import threading
import uuid
from datetime import datetime, timedelta, timezone

import httpx
import pytest

from tests import factories
from tests.api.helpers import fields, problem
from tutorassist.db.connection import connect


@pytest.fixture
def owner(db_url):
    with connect(db_url, autocommit=True) as conn:
        yield conn


def stats(owner, question_id):
    return owner.execute("SELECT coalesce(sum(times_attempted), 0), coalesce(sum(times_correct), 0) FROM question_stats "
                         "WHERE question_id = %s", (question_id,)).fetchone()


def count(owner, table: str, ws) -> int:
    return owner.execute(f"SELECT count(*) FROM {table} WHERE workspace_id = %s", (ws,)).fetchone()[0]


def assignment(owner, practice, questions) -> str:
    a = owner.execute("INSERT INTO assignments (workspace_id, student_profile_id, title, status, created_by) "
                      "VALUES (%s, %s, 'Homework', 'assigned', %s) RETURNING id",
                      (practice.workspace_id, practice.student_profile_id, practice.tutor.id)).fetchone()[0]
    for position, q in enumerate(questions):
        owner.execute("INSERT INTO assignment_items (workspace_id, assignment_id, question_id, position) "
                      "VALUES (%s, %s, %s, %s)", (practice.workspace_id, a, q, position))
    return str(a)


def progress(owner, assignment_id):
    return owner.execute("SELECT completed_count, total_score, status FROM assignments WHERE id = %s",
                         (assignment_id,)).fetchone()


def card(owner, student_id, question_id):
    return owner.execute("SELECT algorithm, ease_factor, interval_days, repetitions, lapses, stability, fsrs_state, "
                         "due_at, last_reviewed_at FROM spaced_repetition WHERE student_user_id = %s AND question_id = %s",
                         (student_id, question_id)).fetchone()


def test_correct_incorrect_and_invalid_answers(practice, owner):
    ws, student = practice.workspace_id, practice.student
    q1, q2 = (str(factories.question(owner, ws)) for _ in range(2))
    homework = assignment(owner, practice, [q1, q2])

    right = student.http.post(practice.path("/attempts"), json={
        "question_id": q1, "answer": "2", "assignment_id": homework, "time_spent_seconds": 50,
        "context": {"device_type": "desktop"}})
    assert right.status_code == 201, right.text
    body = right.json()
    assert body["verdict"] == "correct" and body["is_correct"] is True and float(body["score"]) == 1
    assert body["answer_raw"] == "2" and body["answer_note"] and body["algorithm"] == "sm2"
    assert body["student_user_id"] == str(student.id) and body["assignment_id"] == homework
    due = datetime.fromisoformat(body["next_due_at"])
    assert due - datetime.fromisoformat(body["submitted_at"]) == timedelta(days=1)

    wrong = student.http.post(practice.path("/attempts"), json={
        "question_id": q2, "answer": "3", "assignment_id": homework, "time_spent_seconds": 20})
    assert wrong.status_code == 201, wrong.text
    assert wrong.json()["verdict"] == "incorrect" and wrong.json()["is_correct"] is False
    assert float(wrong.json()["score"]) == 0 and wrong.json()["feedback"] is not None

    bad = problem(student.http.post(practice.path("/attempts"), json={"question_id": q2, "answer": "2 +* @"}), 422)
    assert fields(bad) == {"answer"} and bad["answer_note"] and bad["detail"]
    empty = problem(student.http.post(practice.path("/attempts"), json={"question_id": q2, "answer": ""}), 422)
    assert empty["answer_note"] == "empty_answer"

    # The database kept the counters and the progress; the invalid answers were not stored.
    assert stats(owner, q1) == (1, 1) and stats(owner, q2) == (1, 0)
    assert progress(owner, homework)[0] == 2
    assert count(owner, "attempts", ws) == 2 and count(owner, "review_events", ws) == 2
    stored = owner.execute("SELECT answer_parsed IS NOT NULL, feedback_json ? 'feedback', error_taxonomy_json, "
                           "context_json FROM attempts WHERE question_id = %s", (q1,)).fetchone()
    assert stored[0] and stored[1] and len(stored[2]) == 1 and stored[3] == {"device_type": "desktop"}
    wrong_card = card(owner, student.id, q2)
    assert wrong_card[3] == 0 and wrong_card[4] == 1  # a lapse, due again at once
    event = owner.execute("SELECT algorithm, rating, fsrs_rating, duration_ms, card_before, card_after ->> 'repetitions' "
                          "FROM review_events WHERE question_id = %s", (q1,)).fetchone()
    assert event == ("sm2", 4, 3, 50000, None, "1")

    mine = student.http.get(practice.path("/me/attempts"), params={"limit": 1})
    assert mine.status_code == 200
    assert [a["question_id"] for a in mine.json()["items"]] == [q2]
    rest = student.http.get(practice.path("/me/attempts"), params={"limit": 1, "cursor": mine.json()["next_cursor"]})
    assert [a["question_id"] for a in rest.json()["items"]] == [q1] and rest.json()["next_cursor"] is None
    assert practice.tutor.http.get(practice.path("/me/attempts")).json()["items"] == []


def test_retry_with_the_same_client_request_id_records_once(practice, owner):
    ws, student = practice.workspace_id, practice.student
    q = str(factories.question(owner, ws))
    payload = {"question_id": q, "answer": "2", "client_request_id": "submit-1"}
    first = student.http.post(practice.path("/attempts"), json=payload)
    again = student.http.post(practice.path("/attempts"), json=payload)
    assert first.status_code == 201 and again.status_code == 200, again.text
    assert again.json() == first.json()
    assert count(owner, "attempts", ws) == 1 and count(owner, "review_events", ws) == 1
    assert stats(owner, q) == (1, 1) and card(owner, student.id, q)[3] == 1


def test_concurrent_submissions_of_one_student(practice, owner):
    ws, student = practice.workspace_id, practice.student
    qs = [str(factories.question(owner, ws)) for _ in range(6)]
    token = student.http.headers["Authorization"]
    barrier, statuses = threading.Barrier(6), []

    def submit(q):
        with httpx.Client(base_url=str(student.http.base_url), timeout=30, headers={"Authorization": token}) as c:
            barrier.wait()
            statuses.append(c.post(practice.path("/attempts"), json={"question_id": q, "answer": "2"}).status_code)

    threads = [threading.Thread(target=submit, args=(q,)) for q in qs]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert statuses == [201] * 6
    assert count(owner, "attempts", ws) == 6 and count(owner, "spaced_repetition", ws) == 6
    assert count(owner, "review_events", ws) == 6
    assert all(stats(owner, q) == (1, 1) for q in qs)


def test_sm2_intervals_follow_the_documented_schedule(practice, owner):
    ws, student = practice.workspace_id, practice.student
    q = str(factories.question(owner, ws))
    for expected_interval, expected_reps in ((1, 1), (6, 2)):
        r = student.http.post(practice.path("/attempts"), json={"question_id": q, "answer": "2", "time_spent_seconds": 60})
        assert r.status_code == 201, r.text
        algorithm, ease, interval, reps, lapses, stability, _state, due, reviewed = card(owner, student.id, q)
        assert (algorithm, interval, reps, lapses, stability) == ("sm2", expected_interval, expected_reps, 0, None)
        assert float(ease) == 2.5 and due - reviewed == timedelta(days=expected_interval)
    before = owner.execute("SELECT card_before ->> 'repetitions' FROM review_events WHERE question_id = %s "
                           "ORDER BY id", (q,)).fetchall()
    assert before == [(None,), ("1",)]


def test_fsrs_workspace_setting_gives_an_fsrs_card(practice, owner):
    ws, student = practice.workspace_id, practice.student
    owner.execute("UPDATE workspaces SET settings_json = '{\"spaced_repetition_algorithm\": \"fsrs\"}' WHERE id = %s", (ws,))
    q = str(factories.question(owner, ws))
    r = student.http.post(practice.path("/attempts"), json={"question_id": q, "answer": "2", "time_spent_seconds": 60})
    assert r.status_code == 201, r.text
    assert r.json()["algorithm"] == "fsrs"
    algorithm, _ease, _interval, _reps, _lapses, stability, state, _due, _reviewed = card(owner, student.id, q)
    assert algorithm == "fsrs" and stability == pytest.approx(2.3065) and state is not None
    assert owner.execute("SELECT algorithm, fsrs_rating FROM review_events WHERE question_id = %s", (q,)).fetchone() == ("fsrs", 3)


def test_only_students_submit_for_themselves(practice, people, owner):
    ws = practice.workspace_id
    q = str(factories.question(owner, ws))
    problem(practice.tutor.http.post(practice.path("/attempts"), json={"question_id": q, "answer": "2"}), 403)
    email = f"parent.{uuid.uuid4().hex[:6]}@example.com"
    invite = practice.tutor.http.post(practice.path(f"/students/{practice.student_profile_id}/invites"),
                                      json={"role": "guardian", "email": email}).json()
    guardian = people("Parent", invite_token=invite["token"], email=email)
    problem(guardian.http.post(practice.path("/attempts"), json={"question_id": q, "answer": "2"}), 403)
    # Not a field of the body: a student cannot answer as someone else.
    problem(practice.student.http.post(practice.path("/attempts"), json={
        "question_id": q, "answer": "2", "student_user_id": str(practice.tutor.id)}), 422)
    assert count(owner, "attempts", ws) == 0


def test_tenant_isolation_and_invisible_questions(practice, owner):
    ws, student = practice.workspace_id, practice.student
    q = str(factories.question(owner, ws))
    draft = str(factories.question(owner, ws, status="draft"))
    elsewhere = str(factories.question(owner, practice.outsider_workspace_id))
    problem(practice.outsider.http.post(practice.path("/attempts"), json={"question_id": q, "answer": "2"}), 404)
    problem(practice.outsider.http.post(practice.path("/answers/preview"), json={"answer_type": "number", "answer": "2"}), 404)
    problem(practice.outsider.http.get(practice.path("/me/attempts")), 404)
    problem(student.http.post(practice.path("/attempts"), json={"question_id": elsewhere, "answer": "2"}), 404)
    problem(student.http.post(practice.path("/attempts"), json={"question_id": draft, "answer": "2"}), 404)
    owner.execute("UPDATE questions SET hidden_at = now() WHERE id = %s", (q,))
    problem(student.http.post(practice.path("/attempts"), json={"question_id": q, "answer": "2"}), 404)
    assert count(owner, "attempts", ws) == 0 and count(owner, "attempts", practice.outsider_workspace_id) == 0
    assert count(owner, "review_events", ws) == 0 and count(owner, "spaced_repetition", ws) == 0


def test_preview_grades_and_stores_nothing(practice, owner):
    ws, student = practice.workspace_id, practice.student
    q = str(factories.question(owner, ws))
    r = student.http.post(practice.path("/answers/preview"), json={"question_id": q, "answer": "1/2"})
    assert r.status_code == 200, r.text
    assert set(r.json()) == {"ok", "answer_note", "message", "interpreted_as", "interpreted_mathml"}
    r = student.http.post(practice.path("/answers/preview"), json={"answer_type": "expression", "answer": "2(x+1"})
    assert r.status_code == 200 and r.json()["ok"] is False
    assert fields(problem(student.http.post(practice.path("/answers/preview"), json={"answer": "2"}), 422)) == {"answer_type"}
    assert count(owner, "attempts", ws) == 0


BAD_INPUT = [
    ({"answer": "x" * 2001}, "answer"),
    ({"answer": 2}, "answer"),
    ({"question_id": "nope"}, "question_id"),
    ({"time_spent_seconds": -1}, "time_spent_seconds"),
    ({"time_spent_seconds": 86401}, "time_spent_seconds"),
    ({"hints_viewed_at": ["2025-01-01T10:00:00"]}, "hints_viewed_at.0"),
    ({"context": {"device_type": "fridge"}}, "context.device_type"),
    ({"context": {"colour": "red"}}, "context.colour"),
    ({"client_request_id": ""}, "client_request_id"),
    ({"assignment_id": str(uuid.uuid4())}, "assignment_id"),
]


def test_bad_input_is_a_422_naming_the_field(practice, owner):
    q = str(factories.question(owner, practice.workspace_id))
    for change, field in BAD_INPUT:
        body = problem(practice.student.http.post(practice.path("/attempts"), json={"question_id": q, "answer": "2"} | change), 422)
        assert field in fields(body), (change, body)
    assert count(owner, "attempts", practice.workspace_id) == 0


def test_hints_lower_the_rating(practice, owner):
    q = str(factories.question(owner, practice.workspace_id))
    hints = [datetime(2025, 1, 1, 10, tzinfo=timezone.utc).isoformat()]
    r = practice.student.http.post(practice.path("/attempts"), json={"question_id": q, "answer": "2", "hints_viewed_at": hints})
    assert r.status_code == 201 and r.json()["hints_viewed"] == 1
    assert owner.execute("SELECT rating, fsrs_rating FROM review_events WHERE question_id = %s", (q,)).fetchone() == (3, 2)
    assert owner.execute("SELECT context_json -> 'hints_viewed_at' FROM attempts WHERE question_id = %s", (q,)).fetchone()[0]
