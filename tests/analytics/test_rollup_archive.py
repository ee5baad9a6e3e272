"""The rollup and archived attempts: a student's first attempt at a question may be archived, and the live attempts
after it are then never new again, whatever happens to them."""

from __future__ import annotations

from tests import factories


def _rollup(owner, ws):
    return owner.execute(
        "SELECT student_user_id, topic_id, day, attempts, graded, correct, score_sum, time_spent_seconds, timed, "
        "hints_viewed, new_questions, new_questions_correct FROM analytics_daily WHERE workspace_id = %s "
        "AND archived_attempts = 0 ORDER BY 1, 2, 3", (ws,)).fetchall()


def _truth(owner, ws):
    return owner.execute("SELECT student_user_id, topic_id, day, attempts, graded, correct, score_sum, time_spent_seconds, "
                         "timed, hints_viewed, new_questions, new_questions_correct "
                         "FROM app.analytics_daily_truth(%s) ORDER BY 1, 2, 3", (ws,)).fetchall()


def test_live_attempts_after_an_archived_first_one_are_not_new_and_can_be_deleted(owner):
    t = factories.tenant(owner, "Arch")
    ws, student, question = t.workspace_id, t.student_id, t.question_id
    factories.archived_attempt(owner, ws, student, question)  # the student's first attempt, now archived
    for _ in range(2):
        owner.execute("INSERT INTO attempts (workspace_id, student_user_id, question_id, answer_raw) VALUES (%s, %s, %s, '3')",
                      (ws, student, question))
    assert sum(r[10] for r in _rollup(owner, ws)) == 0  # neither live attempt is the first
    assert _rollup(owner, ws) == _truth(owner, ws)
    archived = owner.execute("SELECT new_questions, archived_attempts FROM analytics_daily WHERE workspace_id = %s "
                             "AND archived_attempts > 0", (ws,)).fetchall()
    assert archived == [(1, 1)]  # the credit stays with the archived first attempt

    owner.execute("UPDATE questions SET topic_id = NULL WHERE workspace_id = %s AND id = %s", (ws, question))
    assert _rollup(owner, ws) == _truth(owner, ws)
    owner.execute("DELETE FROM attempts WHERE workspace_id = %s", (ws,))  # refused by a CHECK before 0021
    assert _rollup(owner, ws) == [] and _truth(owner, ws) == []
    assert owner.execute("SELECT app.rebuild_analytics_daily(%s)", (ws,)).fetchone()[0] == 0


def test_the_materialized_views_keep_archived_attempts_after_a_refresh(owner):
    t = factories.tenant(owner, "ArchMv")
    ws, student, question = t.workspace_id, t.student_id, t.question_id
    factories.archived_attempt(owner, ws, student, question)
    owner.execute("INSERT INTO attempts (workspace_id, student_user_id, question_id, answer_raw, is_correct, score, "
                  "time_spent_seconds) VALUES (%s, %s, %s, '3', true, 1, 30)", (ws, student, question))
    owner.execute("SELECT app.refresh_analytics_views()")
    row = owner.execute("SELECT total_attempts, correct_attempts, unique_questions, days_active, avg_time_seconds "
                        "FROM mv_student_performance WHERE workspace_id = %s AND student_user_id = %s",
                        (ws, student)).fetchone()
    assert row == (2, 1, 1, 2, 30)  # the archived attempt still counts; one question, two days
    topic = owner.execute("SELECT total_attempts, unique_students, first_attempts FROM mv_topic_performance "
                          "WHERE workspace_id = %s", (ws,)).fetchall()
    assert topic == [(2, 1, 1)]
