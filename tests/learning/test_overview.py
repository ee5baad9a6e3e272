"""The tutor's mastery grid: one cell per (student, topic) with data, its level in words, falling accuracy and
overdue reviews per topic, and staff only."""

from __future__ import annotations

import uuid

import pytest

from tests.api.conftest import api_url, people, practice  # noqa: F401  (fixtures)
from tests.api.test_practice import setup_bank
from tutorassist.api.context import Tx
from tutorassist.db.connection import acting
from tutorassist.kit.problems import Problem
from tutorassist.learning import overview


def _grid(app_db, owner, room, role="owner") -> overview.MasteryGrid:
    ws = uuid.UUID(room.workspace_id)
    user = owner.execute("SELECT user_id FROM workspace_members WHERE workspace_id = %s AND role = %s",
                         (ws, "owner" if role == "owner" else "student")).fetchone()[0]
    with acting(app_db, user, ws) as conn:
        return overview.grid(Tx(conn, user, ws, role))


def test_levels_in_words():
    assert overview.level(None, None) == "not started"
    assert overview.level(0.3, None) == "beginning"
    assert overview.level(0.6, None) == "developing"
    assert overview.level(0.8, None) == "mastered"
    assert overview.level(0.6, 0.55) == "mastered"


def test_falling_needs_enough_attempts_in_both_windows():
    assert overview.falling(5, 2, 5, 5)  # 40% after 100%
    assert not overview.falling(4, 0, 5, 5)  # too few recent attempts to say
    assert not overview.falling(10, 9, 10, 10)  # 90% after 100%: a drop under 15 points


def test_grid_cells_come_from_attempts_cards_and_state(practice, app_db, owner):  # noqa: F811
    a, b, a2, a1, b1 = setup_bank(practice)
    student, path = practice.student.http, practice.path
    empty = _grid(app_db, owner, practice)
    assert [s.name for s in empty.students] == ["Student"] and [t.name for t in empty.topics] == ["Arithmetic", "Algebra"]
    assert empty.cells == []

    for _ in range(5):
        assert student.post(path("/attempts"), json={"question_id": a1, "answer": "1"}).status_code == 201
    owner.execute("UPDATE attempts SET submitted_at = now() - interval '10 days' WHERE question_id = %s", (a1,))
    for _ in range(5):
        assert student.post(path("/attempts"), json={"question_id": a2, "answer": "9"}).status_code == 201
    owner.execute("UPDATE spaced_repetition SET due_at = now() - interval '2 days' WHERE question_id = %s", (a2,))

    grid = _grid(app_db, owner, practice)
    cells = grid.by_pair()
    profile = uuid.UUID(practice.student_profile_id)
    cell = cells[(profile, uuid.UUID(a))]
    assert (cell.attempts, cell.correct) == (10, 5)
    assert cell.p_known is not None and 0 < cell.p_known < 1 and cell.level != "not started"
    assert cell.falling_accuracy and cell.overdue_reviews == 1
    assert (profile, uuid.UUID(b)) not in cells  # nothing answered in Algebra yet


def test_archived_students_and_topics_leave_the_grid_and_students_may_not_read_it(practice, app_db, owner):  # noqa: F811
    _, algebra, *_ = setup_bank(practice)
    practice.tutor.http.patch(practice.path(f"/students/{practice.student_profile_id}"), json={"archived": True})
    owner.execute("UPDATE topics SET archived_at = now() WHERE id = %s", (algebra,))
    grid = _grid(app_db, owner, practice)
    assert grid.students == [] and [t.name for t in grid.topics] == ["Arithmetic"]
    with pytest.raises(Problem) as refused:
        _grid(app_db, owner, practice, role="student")
    assert refused.value.status == 403
