"""State the attempt's transaction keeps (question_stats, student_topic_state), its repair while attempts arrive,
and migration 0011 carrying existing data over."""

from __future__ import annotations

import threading

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import text

from tests.conftest import create_database, drop_database
from tests.factories import every_tenant_table, question, student, tenant
from tutorassist.db import migrate
from tutorassist.db.connection import acting, app_engine, connect
from tutorassist.learning.mastery import BktParameters, mastery_after

_TRUTH = ("SELECT count(*), count(*) FILTER (WHERE is_correct), count(time_spent_seconds), "
          "coalesce(sum(time_spent_seconds), 0) FROM attempts WHERE question_id = %s")
_KEPT = ("SELECT coalesce(sum(times_attempted), 0), coalesce(sum(times_correct), 0), coalesce(sum(times_timed), 0), "
         "coalesce(sum(time_spent_total_seconds), 0) FROM question_stats WHERE question_id = %s")
_STATE = "SELECT topic_id, attempts, correct, round(p_known::numeric, 12) FROM student_topic_state ORDER BY 1"


def test_reconcile_while_eight_threads_submit_loses_no_attempt(db_url, owner):
    t = tenant(owner)
    questions = [t.question_id, question(owner, t.workspace_id, t.topic_id)]
    students = [student(owner, t.workspace_id, f"S{i}") for i in range(8)]
    # Drift to repair, made by hand before the storm.
    owner.execute("INSERT INTO question_stats (workspace_id, question_id, shard, times_attempted) VALUES (%s, %s, 7, 40)",
                  (t.workspace_id, questions[1]))
    engine = app_engine(db_url, pool_size=8)
    stop = threading.Event()
    errors: list[BaseException] = []
    repaired: list[int] = []

    def submit(index: int, student) -> None:
        try:
            for n in range(30):
                with acting(engine, student, t.workspace_id) as conn:
                    conn.execute(text(
                        "INSERT INTO attempts (workspace_id, student_user_id, question_id, answer_raw, is_correct, score, "
                        "time_spent_seconds) VALUES (:w, :s, :q, 'x', :ok, :score, :secs)"),
                        {"w": t.workspace_id, "s": student, "q": questions[n % 2], "ok": n % 3 == 0,
                         "score": 1 if n % 3 == 0 else 0, "secs": None if n % 4 == 0 else index + n})
        except BaseException as exc:  # re-raised in the main thread
            errors.append(exc)

    def reconcile() -> None:
        try:
            with connect(db_url, autocommit=True) as conn:
                while not stop.is_set():
                    repaired.append(conn.execute("SELECT app.reconcile_question_stats()").fetchone()[0])
        except BaseException as exc:
            errors.append(exc)

    reconciler = threading.Thread(target=reconcile)
    reconciler.start()
    threads = [threading.Thread(target=submit, args=(i, s)) for i, s in enumerate(students)]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    stop.set()
    reconciler.join()
    engine.dispose()
    assert errors == []
    assert len(repaired) >= 2 and repaired[0] >= 1  # it ran during the storm and repaired the drift
    for q in questions:
        assert owner.execute(_KEPT, (q,)).fetchone() == owner.execute(_TRUTH, (q,)).fetchone()
    assert sum(owner.execute(_TRUTH, (q,)).fetchone()[0] for q in questions) == 8 * 30
    assert owner.execute("SELECT app.reconcile_question_stats()").fetchone()[0] == 0


@pytest.fixture(scope="module")
def shared_db(pg_server, template_db):
    """One migrated database for every example of a property test (hypothesis runs a test many times per fixture)."""
    url = create_database(pg_server, template_db)
    yield url
    drop_database(pg_server, url)


@settings(max_examples=60, deadline=None)
@given(outcomes=st.lists(st.booleans(), max_size=40))
def test_bkt_in_the_database_equals_the_python_reference(shared_db, outcomes):
    p = BktParameters()
    assert (p.p_init, p.p_transit, p.p_slip, p.p_guess) == (0.2, 0.1, 0.1, 0.2)  # the constants of app.bkt_update
    with connect(shared_db) as conn:
        got = conn.execute("SELECT app.bkt(o ORDER BY n) FROM unnest(%s::boolean[]) WITH ORDINALITY AS x(o, n)",
                           (outcomes,)).fetchone()[0]
    assert abs((got if outcomes else 0.2) - mastery_after(outcomes)) < 1e-12


def test_mastery_state_follows_corrections_deletions_and_moves_and_equals_a_rebuild(owner):
    t = tenant(owner)
    other_topic = owner.execute("INSERT INTO topics (workspace_id, name) VALUES (%s, 'Geometry') RETURNING id",
                                (t.workspace_id,)).fetchone()[0]
    q2 = question(owner, t.workspace_id, t.topic_id)

    def attempt(q, ok):
        return owner.execute("INSERT INTO attempts (workspace_id, student_user_id, question_id, answer_raw, is_correct, score) "
                             "VALUES (%s, %s, %s, 'x', %s, %s) RETURNING id", (t.workspace_id, t.student_id, q, ok, int(ok))
                             ).fetchone()[0]

    first = attempt(t.question_id, False)
    attempt(t.question_id, True)
    attempt(q2, True)
    kept = owner.execute(_STATE).fetchall()
    assert [(r[1], r[2]) for r in kept] == [(3, 2)]
    assert abs(float(kept[0][3]) - mastery_after([False, True, True])) < 1e-9

    def rebuilt():
        before = owner.execute(_STATE).fetchall()
        owner.execute("SELECT app.rebuild_learning_state()")
        return before, owner.execute(_STATE).fetchall()

    owner.execute("UPDATE attempts SET is_correct = true, score = 1 WHERE id = %s", (first,))
    before, after = rebuilt()
    assert before == after and [(r[1], r[2]) for r in after] == [(3, 3)]
    owner.execute("UPDATE questions SET topic_id = %s WHERE id = %s", (other_topic, q2))
    before, after = rebuilt()
    assert before == after and sorted((r[1], r[2]) for r in after) == [(1, 1), (2, 2)]
    owner.execute("DELETE FROM attempts WHERE id = %s", (first,))
    before, after = rebuilt()
    assert before == after and sorted((r[1], r[2]) for r in after) == [(1, 1), (1, 1)]


def test_migration_0011_carries_existing_data_over(empty_db_url):
    migrate.upgrade(empty_db_url, "0010_review_events")
    with connect(empty_db_url, autocommit=True) as owner:
        t = every_tenant_table(owner, "M")
        owner.execute("INSERT INTO attempts (workspace_id, student_user_id, question_id, answer_raw, is_correct, score, "
                      "time_spent_seconds, hints_viewed, context_json) VALUES (%s, %s, %s, 'x', false, 0, 10, 3, "
                      "'{\"hints_viewed_at\": [\"2026-01-01T00:00:00+00:00\"]}')", (t.workspace_id, t.student_id, t.question_id))
        owner.execute("UPDATE questions SET prompt_latex = 'Edited $x$' WHERE id = %s", (t.question_id,))
        counters = owner.execute("SELECT times_attempted, times_correct, times_timed, time_spent_total_seconds FROM questions "
                                 "WHERE id = %s", (t.question_id,)).fetchone()
        assert counters == (2, 1, 2, 40)
        audit_rows = owner.execute("SELECT count(*) FROM audit_log").fetchone()[0]
    migrate.upgrade(empty_db_url, "0011_roles_and_hot_path")
    with connect(empty_db_url, autocommit=True) as owner:
        assert owner.execute(_KEPT, (t.question_id,)).fetchone() == counters
        assert owner.execute("SELECT DISTINCT question_version FROM attempts").fetchall() == [(2,)]
        assert owner.execute("SELECT hints_viewed FROM attempts WHERE answer_raw = 'x'").fetchone() == (1,)
        assert owner.execute("SELECT student_user_id FROM tutor_feedback").fetchall() == [(t.student_id,)]
        assert owner.execute("SELECT attempts, correct FROM student_topic_state").fetchall() == [(2, 1)]
        assert owner.execute("SELECT count(*) FROM audit_log").fetchone()[0] == audit_rows  # backfills are not edits
    migrate.downgrade(empty_db_url, "0010_review_events")
    with connect(empty_db_url, autocommit=True) as owner:
        assert owner.execute("SELECT times_attempted, times_correct, times_timed, time_spent_total_seconds FROM questions "
                             "WHERE id = %s", (t.question_id,)).fetchone() == counters


def test_the_app_cannot_touch_derived_state(app_db, owner):
    t = tenant(owner)
    owner.execute("INSERT INTO attempts (workspace_id, student_user_id, question_id, answer_raw, is_correct, score) "
                  "VALUES (%s, %s, %s, 'x', true, 1)", (t.workspace_id, t.student_id, t.question_id))
    for statement in ("UPDATE question_stats SET times_attempted = 0",
                      "UPDATE student_topic_state SET p_known = 1",
                      "SELECT app.reconcile_question_stats()", "SELECT app.rebuild_learning_state()"):
        with acting(app_db, t.tutor_id, t.workspace_id) as conn:
            try:
                conn.execute(text(statement))
            except Exception as exc:  # noqa: BLE001
                assert "permission denied" in str(exc)
            else:
                raise AssertionError(f"the app role could run: {statement}")
    assert owner.execute("SELECT attempts, p_known < 1 FROM student_topic_state").fetchone() == (1, True)
