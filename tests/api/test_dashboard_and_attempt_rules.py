"""The student dashboard, and the rules of attempt submission: archived students, idempotency keys, hint counts,
question versions, and one shape for an attempt wherever it is read."""

from __future__ import annotations

from tests.api.helpers import problem
from tests.api.test_practice import setup_bank
from tutorassist.db.connection import connect


def test_dashboard_serves_a_students_day_in_one_request(practice, db_url):
    a, b, a2, a1, b1 = setup_bank(practice)
    tutor, student, path = practice.tutor.http, practice.student.http, practice.path
    assignment = tutor.post(path("/assignments"), json={
        "student_profile_ids": [practice.student_profile_id], "title": "Homework", "question_ids": [a1, a2],
        "status": "assigned"})
    assert assignment.status_code == 201, assignment.text
    created = assignment.json()
    assignment_id = (created[0] if isinstance(created, list) else created)["id"]
    assert student.post(path("/attempts"), json={"question_id": a1, "answer": "1",
                                                 "assignment_id": assignment_id}).status_code == 201

    board = student.get(path("/me/dashboard"))
    assert board.status_code == 200, board.text
    body = board.json()
    assert [(x["title"], x["status"], x["completed_count"], x["total_items"]) for x in body["assignments_due"]] == [
        ("Homework", "in_progress", 1, 2)]
    assert [q["question_id"] for q in body["review_queue"]] == [a2, b1]  # a1 is scheduled for tomorrow
    assert body["next_question"]["question"]["question_id"] == a2
    mastery = {m["topic_id"]: m for m in body["mastery"]}
    assert mastery[a]["attempts"] == 1 and not mastery[a]["mastered"] and not mastery[b]["prerequisites_met"]
    # The dashboard agrees with the endpoints it gathers.
    assert body["review_queue"] == student.get(path("/me/review-queue"), params={"limit": 10}).json()
    assert body["next_question"] == student.get(path("/me/next-question")).json()
    assert body["mastery"] == tutor.get(path(f"/students/{practice.student_profile_id}/mastery")).json()
    # Only students have a day to plan.
    assert problem(tutor.get(path("/me/dashboard")), 403)


def test_an_archived_student_reads_their_work_but_practises_no_more(practice):
    _, _, _, a1, _ = setup_bank(practice)
    tutor, student, path = practice.tutor.http, practice.student.http, practice.path
    assert student.post(path("/attempts"), json={"question_id": a1, "answer": "1"}).status_code == 201
    archived = tutor.patch(path(f"/students/{practice.student_profile_id}"), json={"archived": True})
    assert archived.status_code == 200, archived.text
    for response in (student.post(path("/attempts"), json={"question_id": a1, "answer": "1"}),
                     student.get(path("/me/dashboard")), student.get(path("/me/review-queue")),
                     student.get(path("/me/next-question"))):
        body = problem(response, 403)
        assert "archived" in body["detail"]
    assert len(student.get(path("/me/attempts")).json()["items"]) == 1  # their past work stays theirs to read


def test_a_reused_client_request_id_with_another_answer_is_refused(practice):
    _, _, a2, a1, _ = setup_bank(practice)
    student, path = practice.student.http, practice.path
    first = student.post(path("/attempts"), json={"question_id": a1, "answer": "1", "client_request_id": "k-1"})
    again = student.post(path("/attempts"), json={"question_id": a1, "answer": "1", "client_request_id": "k-1"})
    assert (first.status_code, again.status_code) == (201, 200) and again.json() == first.json()
    for other in ({"question_id": a1, "answer": "7"}, {"question_id": a2, "answer": "1"}):
        body = problem(student.post(path("/attempts"), json=other | {"client_request_id": "k-1"}), 409)
        assert body["errors"][0]["field"] == "client_request_id"
    assert len(student.get(path("/me/attempts")).json()["items"]) == 1


def test_hint_count_and_hint_times_cannot_disagree(practice, db_url):
    _, _, _, a1, _ = setup_bank(practice)
    student, path = practice.student.http, practice.path
    times = ["2026-11-01T10:00:00+00:00", "2026-11-01T10:01:00+00:00"]
    ok = student.post(path("/attempts"), json={"question_id": a1, "answer": "1", "context": {"hints_viewed_at": times}})
    assert ok.status_code == 201 and ok.json()["hints_viewed"] == 2
    body = problem(student.post(path("/attempts"), json={"question_id": a1, "answer": "1", "hints_viewed_at": times[:1],
                                                       "context": {"hints_viewed_at": times}}), 422)
    assert body["errors"][0]["field"] == "context.hints_viewed_at"
    with connect(db_url, autocommit=True) as owner:
        rows = owner.execute("SELECT hints_viewed, jsonb_array_length(context_json -> 'hints_viewed_at') FROM attempts").fetchall()
        assert rows == [(2, 2)]
        # The database holds the rule too: no path can store a count that disagrees with the times.
        failed = owner.execute("SELECT count(*) FROM attempts").fetchone()[0]
        try:
            owner.execute("UPDATE attempts SET hints_viewed = 5")
        except Exception as exc:  # noqa: BLE001 - the CHECK constraint's refusal is the point
            assert "attempts_hints_match_context_check" in str(exc)
        else:
            raise AssertionError("a disagreeing hint count was stored")
        assert owner.execute("SELECT count(*) FROM attempts").fetchone()[0] == failed


def test_an_attempt_records_the_question_version_and_has_one_shape(practice):
    _, _, _, a1, _ = setup_bank(practice)
    tutor, student, path = practice.tutor.http, practice.student.http, practice.path
    first = student.post(path("/attempts"), json={"question_id": a1, "answer": "1"}).json()
    assert first["question_version"] == 1
    edited = tutor.patch(path(f"/questions/{a1}"), json={"answer_spec": {"type": "number", "value": "5"}})
    assert edited.status_code == 200 and edited.json()["version"] == 2
    second = student.post(path("/attempts"), json={"question_id": a1, "answer": "5"}).json()
    assert (second["question_version"], second["verdict"]) == (2, "correct")
    feedback = tutor.post(path(f"/attempts/{first['id']}/feedback"), json={"body": "Well done"})
    assert feedback.status_code == 201
    listed = {a["id"]: a for a in student.get(path("/me/attempts")).json()["items"]}
    staff_listed = {a["id"]: a for a in tutor.get(path("/attempts")).json()["items"]}
    for attempt in (first, second):
        read = student.get(path(f"/attempts/{attempt['id']}")).json()
        assert set(read) == set(attempt) == set(listed[attempt["id"]]) == set(staff_listed[attempt["id"]])
        assert {k: v for k, v in read.items() if k != "tutor_feedback"} == {
            k: v for k, v in attempt.items() if k != "tutor_feedback"}
    assert [f["body"] for f in listed[first["id"]]["tutor_feedback"]] == ["Well done"]


def test_guardians_read_but_never_answer(practice, people):
    _, _, _, a1, _ = setup_bank(practice)
    tutor, path = practice.tutor.http, practice.path
    invite = tutor.post(path(f"/students/{practice.student_profile_id}/invites"), json={"role": "guardian",
                                                                                       "email": "parent@example.com"})
    assert invite.status_code == 201, invite.text
    guardian = people("Parent", invite_token=invite.json()["token"], email="parent@example.com")
    assert practice.student.http.post(path("/attempts"), json={"question_id": a1, "answer": "1"}).status_code == 201
    problem(guardian.http.post(path("/attempts"), json={"question_id": a1, "answer": "1"}), 403)
    problem(guardian.http.get(path("/me/dashboard")), 403)
    mastery = guardian.http.get(path(f"/students/{practice.student_profile_id}/mastery"))
    assert mastery.status_code == 200 and sum(m["attempts"] for m in mastery.json()) == 1
