"""The review queue, mastery per topic and the next best question, over HTTP."""

from __future__ import annotations

from tests.api.helpers import problem
from tutorassist.db.connection import connect


def setup_bank(practice):
    tutor, path = practice.tutor.http, practice.path
    a = tutor.post(path("/topics"), json={"name": "Arithmetic", "sort_order": 0}).json()["id"]
    b = tutor.post(path("/topics"), json={"name": "Algebra", "sort_order": 1, "metadata": {"prerequisites": [a]}}).json()["id"]

    def question(topic, difficulty, value):
        body = {"prompt_latex": f"What is ${value} + 0$?", "answer_type": "number", "answer_spec": {"type": "number", "value": value},
                "difficulty": difficulty, "topic_id": topic, "status": "active"}
        response = tutor.post(path("/questions"), json=body)
        assert response.status_code == 201, response.text
        return response.json()["id"]

    return a, b, question(a, 2, "2"), question(a, 1, "1"), question(b, 1, "3")


def test_queue_next_question_and_mastery(practice, db_url):
    a, b, a2, a1, b1 = setup_bank(practice)
    student, path = practice.student.http, practice.path
    queue = student.get(path("/me/review-queue")).json()
    assert [(q["question_id"], q["reason"]) for q in queue] == [(a1, "new"), (a2, "new"), (b1, "new")]
    nxt = student.get(path("/me/next-question")).json()
    assert nxt["question"]["question_id"] == a1 and nxt["topic"]["topic_id"] == a  # Algebra waits on Arithmetic
    # Answering schedules the card a day ahead: it leaves the queue until it is due.
    assert student.post(path("/attempts"), json={"question_id": a1, "answer": "1"}).status_code == 201
    assert [q["question_id"] for q in student.get(path("/me/review-queue")).json()] == [a2, b1]
    with connect(db_url, autocommit=True) as owner:
        owner.execute("UPDATE spaced_repetition SET due_at = now() - interval '1 hour' WHERE question_id = %s", (a1,))
    queue = student.get(path("/me/review-queue")).json()
    assert (queue[0]["question_id"], queue[0]["reason"]) == (a1, "due") and len(queue) == 3
    # Mastery by BKT: one correct answer is not enough (0.58 < 0.8); four more make Arithmetic mastered.
    mastery = {m["topic_id"]: m for m in practice.tutor.http.get(path(f"/students/{practice.student_profile_id}/mastery")).json()}
    assert mastery[a]["attempts"] == 1 and abs(mastery[a]["p_known"] - 0.576471) < 1e-5 and not mastery[a]["mastered"]
    assert mastery[b]["prerequisites_met"] is False
    for _ in range(4):
        assert student.post(path("/attempts"), json={"question_id": a2, "answer": "2"}).status_code == 201
    mine = {m["topic_id"]: m for m in student.get(path(f"/students/{practice.student_profile_id}/mastery")).json()}
    assert mine[a]["mastered"] and mine[b]["prerequisites_met"]
    nxt = student.get(path("/me/next-question")).json()
    assert nxt["question"]["question_id"] == b1 and nxt["topic"]["topic_id"] == b


def test_practice_roles_and_isolation(practice):
    setup_bank(practice)
    problem(practice.tutor.http.get(practice.path("/me/review-queue")), 403)
    problem(practice.tutor.http.get(practice.path("/me/next-question")), 403)
    problem(practice.outsider.http.get(practice.path("/me/review-queue")), 404)
    problem(practice.outsider.http.get(practice.path(f"/students/{practice.student_profile_id}/mastery")), 404)
    other = practice.tutor.http.post(practice.path("/students"), json={"name": "Other"}).json()["id"]
    problem(practice.student.http.get(practice.path(f"/students/{other}/mastery")), 404)
    problem(practice.student.http.get(practice.path("/me/review-queue?limit=0")), 422)
    assert practice.tutor.http.get(practice.path(f"/students/{other}/mastery")).status_code == 200


def test_tutors_list_every_attempt_students_only_their_own(practice, people):
    a, b, a2, a1, b1 = setup_bank(practice)
    path = practice.path
    for question, answer in ((a1, "1"), (a2, "5"), (b1, "3")):
        assert practice.student.http.post(path("/attempts"), json={"question_id": question, "answer": answer}).status_code == 201
    everything = practice.tutor.http.get(path("/attempts")).json()["items"]
    assert [x["question_id"] for x in everything] == [b1, a2, a1]  # newest first
    assert [x["verdict"] for x in everything] == ["correct", "incorrect", "correct"]
    only_a2 = practice.tutor.http.get(path(f"/attempts?question_id={a2}")).json()["items"]
    assert [x["answer_raw"] for x in only_a2] == ["5"]
    page = practice.tutor.http.get(path(f"/attempts?student_user_id={practice.student.id}&limit=2")).json()
    rest = practice.tutor.http.get(path(f"/attempts?student_user_id={practice.student.id}&limit=2&cursor={page['next_cursor']}")).json()
    assert [x["id"] for x in page["items"] + rest["items"]] == [x["id"] for x in everything] and rest["next_cursor"] is None
    problem(practice.student.http.get(path("/attempts")), 403)
    assert len(practice.student.http.get(path("/me/attempts")).json()["items"]) == 3
    problem(practice.outsider.http.get(path("/attempts")), 404)
    problem(practice.tutor.http.get(path("/attempts?cursor=nonsense")), 422)
