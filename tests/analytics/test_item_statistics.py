"""Item statistics on a hand-built workspace: exact values against formulas computed here, the dubious rule, wrong
answer notes, dirty workspaces only, idempotence, and a reader never blocked by a refresh."""

from __future__ import annotations

import math
import threading
import uuid
from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import text

from tests import factories
from tutorassist.analytics import item_refresh
from tutorassist.db.connection import acting, owner_engine

HOUR_AGO = datetime.now(timezone.utc) - timedelta(hours=1)

# Scores of the first graded attempt of students s0..s11 at questions q0..q2 (None: never answered it).
SCORES = [
    (1, 1, 1), (1, 0.5, 1), (1, 0, 1), (0, 0, 0), (1, 1, 0), (0, 1, 0),
    (1, 0, None), (0.5, 0.5, 1), (1, 1, 1), (0, 0, 1), (1, None, None), (1, 1, 0.5),
]


def mean(v):
    return sum(v) / len(v)


def covariance(x, y):
    mx, my = mean(x), mean(y)
    return sum((a - mx) * (b - my) for a, b in zip(x, y)) / (len(x) - 1)


def expected(question: int) -> dict:
    """Moodle's item statistics with Y = the student's mean score on their other answered questions."""
    x = [row[question] for row in SCORES if row[question] is not None]
    pairs = []
    for row in SCORES:
        if row[question] is None:
            continue
        others = [v for j, v in enumerate(row) if j != question and v is not None]
        if others:
            pairs.append((row[question], mean(others)))
    xs, ys = [p[0] for p in pairs], [p[1] for p in pairs]
    c = covariance(xs, ys)
    c_max = covariance(sorted(xs), sorted(ys))
    return {
        "students": len(x), "facility": mean(x), "score_sd": math.sqrt(covariance(x, x)), "rest_students": len(pairs),
        "discrimination_index": 100 * c / math.sqrt(covariance(xs, xs) * covariance(ys, ys)),
        "discriminative_efficiency": 100 * c / c_max,
    }


def attempt(owner, ws, student, question, score, at, notes="[]", correct=None):
    is_correct = (score == 1) if correct is None else correct
    owner.execute("INSERT INTO attempts (workspace_id, student_user_id, question_id, answer_raw, is_correct, score, "
                  "time_spent_seconds, submitted_at, error_taxonomy_json) VALUES (%s, %s, %s, 'x', %s, %s, 20, %s, %s)",
                  (ws, student, question, is_correct if score is not None else None, score, at, notes))


@pytest.fixture
def classroom(owner):
    """A workspace with SCORES as first attempts, later retries and an ungraded first try that must not count."""
    t = factories.tenant(owner, "Stats", items=3)
    questions = [r[0] for r in owner.execute("SELECT id FROM questions WHERE workspace_id = %s ORDER BY created_at, id",
                                             (t.workspace_id,))]
    students = [factories.student(owner, t.workspace_id, f"S{i}") for i in range(len(SCORES))]
    for i, row in enumerate(SCORES):
        for j, score in enumerate(row):
            if score is None:
                continue
            first = HOUR_AGO - timedelta(minutes=30 - j)
            if i == 0:  # an ungraded try before the first graded one
                attempt(owner, t.workspace_id, students[i], questions[j], None, first - timedelta(minutes=5))
            attempt(owner, t.workspace_id, students[i], questions[j], score, first,
                    notes='["sign_error"]' if score == 0 else "[]")
            attempt(owner, t.workspace_id, students[i], questions[j], 1 - score, first + timedelta(minutes=10),
                    notes='["sign_error", "sign_error"]' if score == 1 else "[]")  # a retry: never a first attempt
    owner.execute("INSERT INTO question_flags (workspace_id, question_id, flagged_by, reason, status, resolved_at, "
                  "created_at, updated_at) VALUES (%s, %s, %s, 'typo', 'open', NULL, %s, %s), "
                  "(%s, %s, %s, 'typo', 'dismissed', %s, %s, %s)",
                  (t.workspace_id, questions[0], students[0], HOUR_AGO, HOUR_AGO,
                   t.workspace_id, questions[0], students[1], HOUR_AGO, HOUR_AGO, HOUR_AGO))
    return t, questions, students


@pytest.fixture
def engine(db_url):
    e = owner_engine(db_url)
    yield e
    e.dispose()


def stats_of(owner, ws) -> dict:
    rows = owner.execute("SELECT to_jsonb(s) FROM question_item_statistics s WHERE workspace_id = %s", (ws,)).fetchall()
    return {r[0]["question_id"]: r[0] for r in rows}


def test_statistics_are_exact(owner, engine, classroom):
    t, questions, _ = classroom
    item_refresh.refresh(engine)
    stats = stats_of(owner, t.workspace_id)
    for j, q in enumerate(questions):
        got, want = stats[str(q)], expected(j)
        for key, value in want.items():
            assert got[key] == pytest.approx(value, abs=1e-9), (j, key)
        answered = sum(1 for row in SCORES if row[j] is not None)
        assert got["attempts"] == 2 * answered + (1 if j < 3 else 0)  # first + retry each, and student 0's ungraded try
        assert got["students_attempted"] == answered
        assert got["mean_time_seconds"] == 20
    assert (stats[str(questions[0])]["flags"], stats[str(questions[0])]["open_flags"]) == (2, 1)
    assert stats[str(questions[0])]["flag_rate"] == pytest.approx(2 / 12)
    assert stats[str(questions[1])]["flags"] == 0 and stats[str(questions[1])]["flag_rate"] == 0
    for j, q in enumerate(questions):  # the documented rule, from the numbers computed here
        want = expected(j)
        rule = want["students"] >= 10 and (not 0.05 <= want["facility"] <= 0.95 or want["discriminative_efficiency"] < 15)
        assert stats[str(q)]["dubious"] is rule, j
    assert {j: stats[str(q)]["dubious"] for j, q in enumerate(questions)} == {0: False, 1: True, 2: True}
    assert stats[str(questions[2])]["students"] == 10


def test_dubious_when_everyone_answers_right(owner, engine):
    t = factories.tenant(owner, "Easy", items=2)
    easy, few = [r[0] for r in owner.execute("SELECT id FROM questions WHERE workspace_id = %s", (t.workspace_id,))]
    for i in range(12):
        s = factories.student(owner, t.workspace_id, f"E{i}")
        attempt(owner, t.workspace_id, s, easy, 1, HOUR_AGO)
        if i < 3:
            attempt(owner, t.workspace_id, s, few, 1, HOUR_AGO)
    item_refresh.refresh(engine)
    stats = stats_of(owner, t.workspace_id)
    assert stats[str(easy)]["dubious"] is True and stats[str(easy)]["facility"] == 1
    assert stats[str(easy)]["discrimination_index"] is None  # no variance: no correlation
    assert stats[str(few)]["dubious"] is False  # 3 students: below the minimum sample, never dubious


def test_wrong_answer_notes_per_topic(owner, engine, classroom):
    t, _, _ = classroom
    item_refresh.refresh(engine)
    rows = owner.execute("SELECT topic_id, note_code, attempts, students FROM topic_wrong_answer_notes "
                         "WHERE workspace_id = %s", (t.workspace_id,)).fetchall()
    zeros = [(i, j) for i, row in enumerate(SCORES) for j, v in enumerate(row) if v == 0]
    ones = [(i, j) for i, row in enumerate(SCORES) for j, v in enumerate(row) if v == 1]
    # a wrong first attempt (score 0) carries sign_error; a wrong retry after a right answer carries it twice (once)
    wrong_with_note = len(zeros) + len(ones)
    students = len({i for i, _ in zeros + ones})
    assert rows == [(t.topic_id, "sign_error", wrong_with_note, students)]


def test_only_dirty_workspaces_are_recomputed_and_a_rerun_changes_nothing(owner, engine, classroom):
    t, questions, students = classroom
    other = factories.tenant(owner, "Other", items=1)
    attempt(owner, other.workspace_id, other.student_id, other.question_id, 1, HOUR_AGO)
    quiet = factories.tenant(owner, "Quiet", items=1)  # no attempts, no flags: never computed
    first = item_refresh.refresh(engine)
    assert first["workspaces_refreshed"] == 2
    before = stats_of(owner, t.workspace_id)
    assert item_refresh.refresh(engine)["workspaces_refreshed"] == 0
    assert item_refresh.dirty_workspaces(engine) == []
    # A new attempt in one workspace makes that one dirty, and only it.
    attempt(owner, other.workspace_id, other.student_id, other.question_id, 0, datetime.now(timezone.utc))
    assert item_refresh.dirty_workspaces(engine) == [other.workspace_id]
    # A flag triaged in the first workspace makes it dirty too.
    owner.execute("UPDATE question_flags SET status = 'resolved', resolved_at = now() WHERE workspace_id = %s "
                  "AND status = 'open'", (t.workspace_id,))
    assert set(item_refresh.dirty_workspaces(engine)) == {other.workspace_id, t.workspace_id}
    item_refresh.refresh(engine, [t.workspace_id])
    after = stats_of(owner, t.workspace_id)
    assert after.keys() == before.keys()
    for q, row in after.items():  # same data, same numbers (only the flag triaged and the watermark moved)
        assert {k: v for k, v in row.items() if k not in ("computed_at", "open_flags")} == \
               {k: v for k, v in before[q].items() if k not in ("computed_at", "open_flags")}
    assert owner.execute("SELECT count(*) FROM item_statistics_refreshes WHERE workspace_id = %s",
                         (quiet.workspace_id,)).fetchone()[0] == 0


def test_the_watermark_waits_for_a_transaction_in_flight(owner, engine, classroom, db_url):
    """An attempt whose transaction began before a refresh and commits after it is counted by the next one."""
    t, questions, students = classroom
    late = owner_engine(db_url)
    try:
        with late.begin() as conn:
            conn.execute(text("SELECT 1"))  # the transaction has started
            started = conn.execute(text("SELECT now()")).scalar_one()
            item_refresh.refresh(engine)
            conn.execute(text("INSERT INTO attempts (workspace_id, student_user_id, question_id, answer_raw, is_correct, "
                              "score, submitted_at) VALUES (:w, :s, :q, 'x', true, 1, :at)"),
                         {"w": t.workspace_id, "s": students[10], "q": questions[2], "at": started})
        as_of = owner.execute("SELECT data_as_of FROM item_statistics_refreshes WHERE workspace_id = %s",
                              (t.workspace_id,)).fetchone()[0]
        assert as_of <= started
        assert t.workspace_id in item_refresh.dirty_workspaces(engine)
        item_refresh.refresh(engine)
        assert stats_of(owner, t.workspace_id)[str(questions[2])]["students"] == 11
    finally:
        late.dispose()


def test_a_reader_is_not_blocked_by_a_refresh(owner, engine, classroom, app_db):
    t, questions, _ = classroom
    item_refresh.refresh(engine)
    owner.execute("DELETE FROM attempts WHERE workspace_id = %s AND question_id = %s", (t.workspace_id, questions[1]))
    owner.execute("UPDATE attempts SET submitted_at = now() WHERE workspace_id = %s AND id = (SELECT id FROM attempts "
                  "WHERE workspace_id = %s LIMIT 1)", (t.workspace_id, t.workspace_id))
    read: dict = {}
    with engine.begin() as refresh_tx:
        item_refresh.refresh_workspace(refresh_tx, t.workspace_id)  # open: its rows are not committed yet

        def reader():
            with acting(app_db, t.tutor_id, t.workspace_id) as conn:
                conn.execute(text("SET LOCAL statement_timeout = '3s'"))
                read["questions"] = conn.execute(text("SELECT count(*) FROM question_item_statistics")).scalar_one()

        thread = threading.Thread(target=reader)
        thread.start()
        thread.join(10)
        assert read == {"questions": 3}, "the reader saw the previous rows at once"
    with acting(app_db, t.tutor_id, t.workspace_id) as conn:
        assert conn.execute(text("SELECT count(*) FROM question_item_statistics")).scalar_one() == 2


def test_refreshes_of_one_workspace_take_turns(owner, engine, classroom):
    t, _, _ = classroom
    with engine.begin() as first:
        item_refresh.refresh_workspace(first, t.workspace_id)
        with engine.connect() as second:
            second.execute(text("SET lock_timeout = '200ms'"))
            with pytest.raises(Exception, match="lock timeout"):
                item_refresh.refresh_workspace(second, t.workspace_id)
            second.rollback()
    assert owner.execute("SELECT questions FROM item_statistics_refreshes WHERE workspace_id = %s",
                         (t.workspace_id,)).fetchone()[0] == 3


def test_the_maintenance_task_is_registered_and_recorded(owner, engine, classroom):
    import tutorassist.job_types  # noqa: F401
    from tutorassist.jobs.periodic import registered, run_recorded

    task = registered()["REFRESH_ITEM_STATISTICS"]
    assert task.cron == "*/30 * * * *"
    result = run_recorded(engine, task, "test:1", None)
    assert result["workspaces_refreshed"] == 1 and result["questions"] == 3
    row = owner.execute("SELECT status, result_json FROM system_jobs WHERE type = 'REFRESH_ITEM_STATISTICS'").fetchone()
    assert row[0] == "succeeded" and row[1]["questions"] == 3
    assert uuid.UUID(str(classroom[0].workspace_id))
