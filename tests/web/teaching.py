"""A practice with topics, questions, an assignment, an attempt and a flag, made through the API, for the tutor's
pages tests."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

from tests.api.test_practice import setup_bank


@dataclass
class Classroom:
    arithmetic: str
    algebra: str
    q_two: str  # "What is $2 + 0$?" (Arithmetic)
    q_one: str  # "What is $1 + 0$?" (Arithmetic)
    q_three: str  # "What is $3 + 0$?" (Algebra)
    assignment_id: str
    attempt_id: str
    flag_id: str


def classroom(practice) -> Classroom:
    """The student answers q_one correctly in an assignment due in three days, and flags q_two as a typo."""
    a, b, a2, a1, b1 = setup_bank(practice)
    tutor, student, path = practice.tutor.http, practice.student.http, practice.path
    due = (datetime.now(timezone.utc) + timedelta(days=3)).isoformat()
    created = tutor.post(path("/assignments"), json={
        "student_profile_ids": [practice.student_profile_id], "title": "Homework", "question_ids": [a1, a2],
        "due_at": due})
    assert created.status_code == 201, created.text
    assignment_id = created.json()[0]["id"]
    attempt = student.post(path("/attempts"), json={"question_id": a1, "answer": "1", "assignment_id": assignment_id})
    assert attempt.status_code == 201, attempt.text
    flag = student.post(path(f"/questions/{a2}/flags"), json={"reason": "typo", "comment": "a plus sign is missing"})
    assert flag.status_code == 201, flag.text
    return Classroom(a, b, a2, a1, b1, assignment_id, attempt.json()["id"], flag.json()["id"])
