"""analytics_daily: kept exact by the attempts triggers (inserts, corrections, deletions, topic moves, time zone
changes), left alone by retention's archiving deletes, and rebuilt without losing attempts."""

from __future__ import annotations

import threading
from datetime import datetime, timedelta, timezone
from decimal import Decimal

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import text

from tests.conftest import create_database, drop_database
from tests.factories import question, student, tenant
from tutorassist.db.connection import acting, connect

NO_TOPIC = "00000000-0000-0000-0000-000000000000"
_COLUMNS = ("student_user_id, topic_id, day, attempts, graded, correct, score_sum, time_spent_seconds, timed, "
            "hints_viewed, new_questions, new_questions_correct")
_KEPT = f"SELECT {_COLUMNS} FROM analytics_daily WHERE workspace_id = %s ORDER BY 1, 2, 3"
# Written independently of app.analytics_daily_truth: a first attempt is one with no earlier attempt (not a window).
_FROM_SCRATCH = f"""
SELECT a.student_user_id, coalesce(q.topic_id, '{NO_TOPIC}'::uuid), (a.submitted_at AT TIME ZONE w.timezone)::date,
       count(*), count(a.is_correct), count(*) FILTER (WHERE a.is_correct), coalesce(sum(a.score), 0),
       coalesce(sum(a.time_spent_seconds), 0), count(a.time_spent_seconds), coalesce(sum(a.hints_viewed), 0),
       count(*) FILTER (WHERE f.first), count(*) FILTER (WHERE f.first AND a.is_correct)
FROM attempts a JOIN questions q ON q.workspace_id = a.workspace_id AND q.id = a.question_id
JOIN workspaces w ON w.id = a.workspace_id
CROSS JOIN LATERAL (SELECT NOT EXISTS (SELECT 1 FROM attempts b WHERE b.workspace_id = a.workspace_id
  AND b.student_user_id = a.student_user_id AND b.question_id = a.question_id
  AND (b.submitted_at, b.id) < (a.submitted_at, a.id)) AS first) f
WHERE a.workspace_id = %s GROUP BY 1, 2, 3 ORDER BY 1, 2, 3
"""
_INSERT = ("INSERT INTO attempts (workspace_id, student_user_id, question_id, answer_raw, is_correct, score, "
           "time_spent_seconds, hints_viewed, submitted_at) VALUES (%s, %s, %s, 'x', %s, %s, %s, %s, %s) RETURNING id")


def _rows(conn, sql, ws):
    return [tuple(str(v) if not isinstance(v, (int, Decimal)) else v for v in r) for r in conn.execute(sql, (ws,))]


def _attempt(conn, ws, who, q, ok, at, secs=None, hints=0):
    score = None if ok is None else (1 if ok else 0)
    return conn.execute(_INSERT, (ws, who, q, ok, score, secs, hints, at)).fetchone()[0]


def test_hand_built_workspace_has_exact_days_in_its_time_zone(owner):
    t = tenant(owner)
    ws = t.workspace_id
    owner.execute("UPDATE workspaces SET timezone = 'America/New_York' WHERE id = %s", (ws,))
    loose = question(owner, ws, None)
    # 23:30 and 00:30 New York time (EST, UTC-5): two days, though both are 30 November in UTC.
    late = datetime(2026, 11, 30, 4, 30, tzinfo=timezone.utc)
    early = datetime(2026, 11, 30, 5, 30, tzinfo=timezone.utc)
    _attempt(owner, ws, t.student_id, t.question_id, False, late, secs=40, hints=1)
    _attempt(owner, ws, t.student_id, t.question_id, True, early, secs=20)
    _attempt(owner, ws, t.student_id, loose, True, early, secs=None)
    _attempt(owner, ws, t.student_id, loose, None, early + timedelta(minutes=5))  # ungraded
    assert _rows(owner, _KEPT, ws) == [  # the nil uuid (no topic) sorts first
        (str(t.student_id), NO_TOPIC, "2026-11-30", 2, 1, 1, Decimal("1.0000"), 0, 0, 0, 1, 1),
        (str(t.student_id), str(t.topic_id), "2026-11-29", 1, 1, 0, Decimal("0.0000"), 40, 1, 1, 1, 0),
        (str(t.student_id), str(t.topic_id), "2026-11-30", 1, 1, 1, Decimal("1.0000"), 20, 1, 0, 0, 0),
    ]
    # A backdated attempt becomes the first: the credit moves to its day.
    _attempt(owner, ws, t.student_id, t.question_id, True, late - timedelta(days=1))
    kept = _rows(owner, _KEPT, ws)
    assert [(r[2], r[10], r[11]) for r in kept if r[1] == str(t.topic_id)] == [
        ("2026-11-28", 1, 1), ("2026-11-29", 0, 0), ("2026-11-30", 0, 0)]
    assert kept == _rows(owner, _FROM_SCRATCH, ws)
    # The workspace moves to UTC: the 23:30 attempt now falls on the 30th.
    owner.execute("UPDATE workspaces SET timezone = 'UTC' WHERE id = %s", (ws,))
    assert [(r[1], r[2], r[3]) for r in _rows(owner, _KEPT, ws)] == [
        (NO_TOPIC, "2026-11-30", 2), (str(t.topic_id), "2026-11-29", 1), (str(t.topic_id), "2026-11-30", 2)]
    assert _rows(owner, _KEPT, ws) == _rows(owner, _FROM_SCRATCH, ws)


@pytest.fixture(scope="module")
def shared_db(pg_server, template_db):
    url = create_database(pg_server, template_db)
    yield url
    drop_database(pg_server, url)


_BASE = datetime(2026, 3, 28, 22, 0, tzinfo=timezone.utc)  # around the European clock change
_TIMES = st.integers(0, 40).map(lambda h: _BASE + timedelta(hours=h * 3))
_OUTCOME = st.sampled_from([True, False, None])
_OPS = st.one_of(
    st.tuples(st.just("insert"), st.integers(0, 1), st.integers(0, 2), _OUTCOME, _TIMES, st.none() | st.integers(0, 900),
              st.integers(0, 3)),
    st.tuples(st.just("insert_many"), st.lists(st.tuples(st.integers(0, 1), st.integers(0, 2), _OUTCOME, _TIMES),
                                               min_size=2, max_size=4)),
    st.tuples(st.just("correct"), st.integers(0, 50), _OUTCOME),
    st.tuples(st.just("move_time"), st.integers(0, 50), _TIMES),
    st.tuples(st.just("other_question"), st.integers(0, 50), st.integers(0, 2)),
    st.tuples(st.just("delete"), st.integers(0, 50)),
    st.tuples(st.just("delete_student_question"), st.integers(0, 1), st.integers(0, 2)),
    st.tuples(st.just("move_topic"), st.integers(0, 2), st.integers(0, 2)),
)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(ops=st.lists(_OPS, min_size=1, max_size=14), zone=st.sampled_from(["UTC", "Europe/Berlin", "Pacific/Auckland"]))
def test_rollup_equals_a_group_by_after_any_sequence_of_changes(shared_db, ops, zone):
    with connect(shared_db, autocommit=True) as conn:
        t = tenant(conn)
        ws = t.workspace_id
        conn.execute("UPDATE workspaces SET timezone = %s WHERE id = %s", (zone, ws))
        second_topic = conn.execute("INSERT INTO topics (workspace_id, name) VALUES (%s, 'Geometry') RETURNING id",
                                    (ws,)).fetchone()[0]
        topics = [t.topic_id, second_topic, None]
        students = [t.student_id, student(conn, ws, "Other")]
        questions = [t.question_id, question(conn, ws, second_topic), question(conn, ws, None)]
        ids: list = []
        for op in ops:
            kind = op[0]
            if kind == "insert":
                _, s, q, ok, at, secs, hints = op
                ids.append(_attempt(conn, ws, students[s], questions[q], ok, at, secs, hints))
            elif kind == "insert_many":
                values = [(ws, students[s], questions[q], ok, None if ok is None else int(ok), at) for s, q, ok, at in op[1]]
                marks = ", ".join(["(%s, %s, %s, 'x', %s, %s, 7, 0, %s)"] * len(values))
                ids += [r[0] for r in conn.execute(
                    "INSERT INTO attempts (workspace_id, student_user_id, question_id, answer_raw, is_correct, score, "
                    f"time_spent_seconds, hints_viewed, submitted_at) VALUES {marks} RETURNING id",
                    [v for row in values for v in row])]
            elif kind == "delete_student_question":
                conn.execute("DELETE FROM attempts WHERE workspace_id = %s AND student_user_id = %s AND question_id = %s",
                             (ws, students[op[1]], questions[op[2]]))
            elif kind == "move_topic":
                conn.execute("UPDATE questions SET topic_id = %s WHERE id = %s", (topics[op[2]], questions[op[1]]))
            elif ids:
                target = ids[op[1] % len(ids)]
                if kind == "correct":
                    conn.execute("UPDATE attempts SET is_correct = %s, score = %s WHERE id = %s",
                                 (op[2], None if op[2] is None else int(op[2]), target))
                elif kind == "move_time":
                    conn.execute("UPDATE attempts SET submitted_at = %s WHERE id = %s", (op[2], target))
                elif kind == "other_question":
                    conn.execute("UPDATE attempts SET question_id = %s, assignment_id = NULL WHERE id = %s",
                                 (questions[op[2]], target))
                else:
                    conn.execute("DELETE FROM attempts WHERE id = %s", (target,))
        assert _rows(conn, _KEPT, ws) == _rows(conn, _FROM_SCRATCH, ws)
        assert conn.execute("SELECT app.rebuild_analytics_daily(%s)", (ws,)).fetchone()[0] == 0


def test_archiving_deletes_keep_the_history_and_a_rebuild_keeps_it_too(owner):
    t = tenant(owner)
    ws = t.workspace_id
    old = datetime(2023, 1, 10, 12, tzinfo=timezone.utc)
    _attempt(owner, ws, t.student_id, t.question_id, True, old, secs=30)
    _attempt(owner, ws, t.student_id, t.question_id, False, old + timedelta(days=1000), secs=10)
    before = _rows(owner, _KEPT, ws)
    with owner.transaction():
        owner.execute("SET LOCAL tutorassist.archiving = 'on'")
        owner.execute("DELETE FROM attempts WHERE workspace_id = %s AND submitted_at < %s", (ws, old + timedelta(days=1)))
    assert _rows(owner, _KEPT, ws) == before
    assert owner.execute("SELECT day::text, archived_attempts FROM analytics_daily WHERE workspace_id = %s ORDER BY day",
                         (ws,)).fetchall() == [("2023-01-10", 1), ("2025-10-06", 0)]
    # A rebuild leaves the archived day alone; it credits the earliest remaining attempt as the student's first at
    # the question (it cannot see the archived one), and changes nothing else.
    assert owner.execute("SELECT app.rebuild_analytics_daily(%s)", (ws,)).fetchone()[0] == 1
    after = _rows(owner, _KEPT, ws)
    assert after[0] == before[0] and after[1][:10] == before[1][:10] and (before[1][10], after[1][10]) == (0, 1)
    # An ordinary delete (the setting off again) takes the attempt away.
    owner.execute("DELETE FROM attempts WHERE workspace_id = %s", (ws,))
    assert [r[2] for r in _rows(owner, _KEPT, ws)] == ["2023-01-10"]


def test_rebuild_repairs_drift_and_says_how_many_rows_it_changed(owner):
    t = tenant(owner)
    ws = t.workspace_id
    now = datetime(2026, 5, 1, 9, tzinfo=timezone.utc)
    for n in range(3):
        _attempt(owner, ws, t.student_id, t.question_id, n % 2 == 0, now + timedelta(days=n))
    truth = _rows(owner, _KEPT, ws)
    owner.execute("UPDATE analytics_daily SET correct = 0 WHERE workspace_id = %s AND day = '2026-05-01'", (ws,))
    owner.execute("DELETE FROM analytics_daily WHERE workspace_id = %s AND day = '2026-05-02'", (ws,))
    owner.execute("INSERT INTO analytics_daily (workspace_id, student_user_id, topic_id, day, attempts) "
                  "VALUES (%s, %s, %s, '2020-01-01', 4)", (ws, t.student_id, t.topic_id))
    assert owner.execute("SELECT app.rebuild_analytics_daily(%s)", (ws,)).fetchone()[0] == 3
    assert _rows(owner, _KEPT, ws) == truth
    with owner.transaction():
        owner.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")
        with pytest.raises(Exception, match="READ COMMITTED"):
            owner.execute("SELECT app.rebuild_analytics_daily(%s)", (ws,))


def test_deleting_a_question_or_a_student_takes_their_share_away(owner):
    t = tenant(owner)
    ws = t.workspace_id
    other = question(owner, ws, t.topic_id)
    at = datetime(2026, 6, 1, 9, tzinfo=timezone.utc)
    _attempt(owner, ws, t.student_id, t.question_id, True, at)
    _attempt(owner, ws, t.student_id, other, False, at)
    # The 0011 counters trigger cannot delete a question with attempts yet (its question_stats delta names the
    # question being deleted); with it off for this one statement, the rollup's own path is what is tested.
    with owner.transaction():
        owner.execute("ALTER TABLE attempts DISABLE TRIGGER attempts_derived")
        owner.execute("DELETE FROM questions WHERE id = %s", (other,))
        owner.execute("ALTER TABLE attempts ENABLE TRIGGER attempts_derived")
    assert [r[3:6] for r in _rows(owner, _KEPT, ws)] == [(1, 1, 1)]
    assert _rows(owner, _KEPT, ws) == _rows(owner, _FROM_SCRATCH, ws)
    owner.execute("DELETE FROM users WHERE id = %s", (t.student_id,))
    assert _rows(owner, _KEPT, ws) == []


def test_concurrent_first_attempts_at_one_question_are_credited_once(db_url, owner):
    t = tenant(owner)
    ws = t.workspace_id
    barrier = threading.Barrier(4)
    errors: list[BaseException] = []

    def submit() -> None:
        try:
            with connect(db_url, autocommit=True) as conn:
                barrier.wait()
                for _ in range(5):
                    _attempt(conn, ws, t.student_id, t.question_id, True, datetime.now(timezone.utc))
        except BaseException as exc:  # re-raised below
            errors.append(exc)

    threads = [threading.Thread(target=submit) for _ in range(4)]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    assert errors == []
    assert owner.execute("SELECT sum(attempts), sum(new_questions) FROM analytics_daily WHERE workspace_id = %s",
                         (ws,)).fetchone() == (20, 1)
    assert _rows(owner, _KEPT, ws) == _rows(owner, _FROM_SCRATCH, ws)


def test_the_app_reads_its_rollup_and_cannot_write_it(app_db, owner):
    t = tenant(owner)
    other = tenant(owner, "B")
    _attempt(owner, t.workspace_id, t.student_id, t.question_id, True, datetime.now(timezone.utc))
    _attempt(owner, other.workspace_id, other.student_id, other.question_id, True, datetime.now(timezone.utc))
    with acting(app_db, t.tutor_id, t.workspace_id) as conn:
        assert conn.execute(text("SELECT count(*) FROM analytics_daily")).scalar() == 1
    with acting(app_db, t.student_id, t.workspace_id) as conn:
        assert conn.execute(text("SELECT student_user_id FROM analytics_daily")).scalars().all() == [t.student_id]
    for statement in ("UPDATE analytics_daily SET attempts = 9", "DELETE FROM analytics_daily",
                      f"SELECT app.rebuild_analytics_daily('{t.workspace_id}')"):
        with acting(app_db, t.tutor_id, t.workspace_id) as conn:
            with pytest.raises(Exception, match="permission denied"):
                conn.execute(text(statement))


def test_rebuilding_while_students_answer_loses_no_attempt(db_url, owner):
    t = tenant(owner)
    ws = t.workspace_id
    students = [student(owner, ws, f"S{i}") for i in range(4)]
    errors: list[BaseException] = []
    rebuilt: list[int] = []
    stop = threading.Event()

    def submit(who) -> None:
        try:
            with connect(db_url, autocommit=True) as conn:
                for n in range(25):
                    _attempt(conn, ws, who, t.question_id, n % 2 == 0, datetime.now(timezone.utc), secs=n)
        except BaseException as exc:  # re-raised below
            errors.append(exc)

    def rebuild() -> None:
        try:
            with connect(db_url, autocommit=True) as conn:
                while not stop.is_set():
                    conn.execute("UPDATE analytics_daily SET correct = 0 WHERE workspace_id = %s", (ws,))  # drift
                    rebuilt.append(conn.execute("SELECT app.rebuild_analytics_daily(%s)", (ws,)).fetchone()[0])
        except BaseException as exc:
            errors.append(exc)

    rebuilder = threading.Thread(target=rebuild)
    rebuilder.start()
    threads = [threading.Thread(target=submit, args=(s,)) for s in students]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    stop.set()
    rebuilder.join()
    assert errors == []
    assert len(rebuilt) >= 2 and any(n > 0 for n in rebuilt)
    assert owner.execute("SELECT app.rebuild_analytics_daily(%s)", (ws,)).fetchone()[0] == 0
    assert owner.execute("SELECT sum(attempts), sum(new_questions) FROM analytics_daily WHERE workspace_id = %s",
                         (ws,)).fetchone() == (100, 4)
    assert _rows(owner, _KEPT, ws) == _rows(owner, _FROM_SCRATCH, ws)


def test_migration_0017_backfills_from_existing_attempts_and_downgrades(empty_db_url):
    from tutorassist.db import migrate

    migrate.upgrade(empty_db_url, "0016_embeddings")
    with connect(empty_db_url, autocommit=True) as conn:
        t = tenant(conn)
        conn.execute("UPDATE workspaces SET timezone = 'Asia/Tokyo' WHERE id = %s", (t.workspace_id,))
        loose = question(conn, t.workspace_id, None)
        at = datetime(2026, 1, 5, 14, 30, tzinfo=timezone.utc)  # 23:30 in Tokyo
        for n, q in enumerate([t.question_id, t.question_id, loose]):
            _attempt(conn, t.workspace_id, t.student_id, q, n != 1, at + timedelta(hours=n), secs=10 * n, hints=n)
        attempts = conn.execute("SELECT count(*) FROM attempts").fetchone()[0]
    migrate.upgrade(empty_db_url, "0017_analytics_rollups")
    with connect(empty_db_url, autocommit=True) as conn:
        kept = _rows(conn, _KEPT, t.workspace_id)
        assert kept == _rows(conn, _FROM_SCRATCH, t.workspace_id)
        assert [(r[1], r[2], r[3], r[10]) for r in kept] == [
            (NO_TOPIC, "2026-01-06", 1, 1), (str(t.topic_id), "2026-01-05", 1, 1), (str(t.topic_id), "2026-01-06", 1, 0)]
    migrate.downgrade(empty_db_url, "0016_embeddings")
    with connect(empty_db_url, autocommit=True) as conn:
        assert conn.execute("SELECT to_regclass('analytics_daily')").fetchone()[0] is None
        assert conn.execute("SELECT count(*) FROM attempts").fetchone()[0] == attempts
        _attempt(conn, t.workspace_id, t.student_id, loose, True, at)  # attempts work without the rollup


def test_deleting_a_workspace_takes_its_rollup_with_it(owner):
    t, other = tenant(owner), tenant(owner, "B")
    for x in (t, other):
        _attempt(owner, x.workspace_id, x.student_id, x.question_id, True, datetime.now(timezone.utc))
    kept = _rows(owner, _KEPT, other.workspace_id)
    # Today assignment items RESTRICT it, and the 0011 counters trigger fails on a cascaded attempt (see above).
    with owner.transaction():
        owner.execute("DELETE FROM assignments WHERE workspace_id = %s", (t.workspace_id,))
        owner.execute("ALTER TABLE attempts DISABLE TRIGGER attempts_derived")
        owner.execute("DELETE FROM workspaces WHERE id = %s", (t.workspace_id,))
        owner.execute("ALTER TABLE attempts ENABLE TRIGGER attempts_derived")
    assert owner.execute("SELECT count(*) FROM analytics_daily WHERE workspace_id = %s", (t.workspace_id,)).fetchone() == (0,)
    assert _rows(owner, _KEPT, other.workspace_id) == kept
