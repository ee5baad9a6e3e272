"""Drift of every kind is measured and repaired exactly, a healthy database is left alone, and repair loses no
attempt that arrives while it runs."""

from __future__ import annotations

import threading
import time
import uuid

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests import factories
from tutorassist.db.connection import connect, owner_engine
from tutorassist.jobs.maintenance import reconcile_stats
from tutorassist.operations.reconcile import KINDS, Drift, measure_drift, repair


@pytest.fixture
def engine(db_url):
    engine = owner_engine(db_url)
    yield engine
    engine.dispose()


def attempt(conn, t: factories.Tenant, question=None, *, correct=True, seconds=30, assignment=True, student=None):
    return conn.execute(
        "INSERT INTO attempts (workspace_id, student_user_id, question_id, assignment_id, answer_raw, is_correct, score, "
        "time_spent_seconds) VALUES (%s, %s, %s, %s, '2', %s, %s, %s) RETURNING id",
        (t.workspace_id, student or t.student_id, question or t.question_id, t.assignment_id if assignment else None,
         correct, 1 if correct else 0, seconds)).fetchone()[0]


def job_with_usage(conn, t: factories.Tenant, costs=(0.25, 0.5)):
    job = conn.execute("INSERT INTO jobs (workspace_id, type) VALUES (%s, 'GENERATE_QUESTIONS_BATCH') RETURNING id",
                       (t.workspace_id,)).fetchone()[0]
    for cost in costs:
        conn.execute("INSERT INTO ai_usage_log (workspace_id, user_id, job_id, operation_type, model, tokens_input, cost_usd) "
                     "VALUES (%s, %s, %s, 'generate_question', 'gpt-4o-mini', 10, %s)", (t.workspace_id, t.tutor_id, job, cost))
    return job


@pytest.fixture
def world(owner):
    """Two workspaces with attempts, assignment progress, mastery and a job with AI costs: everything consistent."""
    a = factories.tenant(owner, "A", items=2)
    b = factories.tenant(owner, "B", items=1)
    second = owner.execute("SELECT question_id FROM assignment_items WHERE workspace_id = %s AND question_id <> %s",
                           (a.workspace_id, a.question_id)).fetchone()[0]
    attempt(owner, a, correct=False, seconds=40)
    attempt(owner, a, correct=True, seconds=20)
    attempt(owner, a, second, correct=True, seconds=None)
    attempt(owner, b, correct=True)
    job_with_usage(owner, a)
    return a, b, second


def snapshot(owner):
    """Every derived value the kinds cover, to prove repair restores them exactly."""
    return {
        "stats": owner.execute("SELECT question_id, times_attempted, times_correct, times_timed, time_spent_total_seconds "
                               "FROM question_statistics ORDER BY 1").fetchall(),
        "progress": owner.execute("SELECT id, total_items, max_score, completed_count, total_score, started_at, status, "
                                  "completed_at IS NOT NULL FROM assignments ORDER BY id").fetchall(),
        "mastery": owner.execute("SELECT student_user_id, topic_id, attempts, correct, p_known, last_attempt_at "
                                 "FROM student_topic_state ORDER BY 1, 2").fetchall(),
        "cost": owner.execute("SELECT id, cost_usd FROM jobs ORDER BY id").fetchall(),
        "rollup": owner.execute("SELECT workspace_id, student_user_id, topic_id, day, attempts, correct, new_questions "
                                "FROM analytics_daily ORDER BY 1, 2, 3, 4").fetchall(),
    }


def test_a_consistent_database_has_no_drift_and_repair_changes_nothing(owner, engine, world):
    before = snapshot(owner)
    assert measure_drift(owner) == []
    assert repair(engine) == []
    assert snapshot(owner) == before


# (kind, what the owner breaks, field, object id of the world, stored value afterwards, recomputed value)
INJECTIONS = {
    "question_stats": ("UPDATE question_stats SET times_correct = times_correct + 5 WHERE question_id = %(q)s",
                       "times_correct"),
    "assignment_progress": ("UPDATE assignments SET completed_count = 0, total_score = 0 WHERE id = %(assignment)s",
                            "completed_count"),
    "topic_mastery": ("UPDATE student_topic_state SET attempts = 9, correct = 9, p_known = 0.99 "
                      "WHERE student_user_id = %(student)s", "attempts"),
    "job_cost": ("UPDATE jobs SET cost_usd = 7 WHERE workspace_id = %(ws)s", "cost_usd"),
    "analytics_daily": ("UPDATE analytics_daily SET correct = 0, new_questions = 0, new_questions_correct = 0 "
                        "WHERE workspace_id = %(ws)s", "correct"),
}


def test_the_registry_covers_every_kind_the_tests_inject():
    assert set(KINDS) == set(INJECTIONS)


@pytest.mark.parametrize("kind", sorted(INJECTIONS))
def test_injected_drift_is_measured_and_repaired_exactly(owner, engine, world, kind):
    a, b, _ = world
    healthy = snapshot(owner)
    sql, field = INJECTIONS[kind]
    owner.execute(sql, {"q": a.question_id, "assignment": a.assignment_id, "student": a.student_id, "ws": a.workspace_id})

    drifts = measure_drift(owner)
    assert drifts, f"{kind}: injected drift not measured"
    assert {d.kind for d in drifts} == {kind}
    assert {d.workspace_id for d in drifts} == {str(a.workspace_id)}
    assert field in {d.field for d in drifts}
    assert all(d.stored != d.recomputed for d in drifts)
    assert measure_drift(owner, workspace_id=b.workspace_id) == []

    changed = repair(engine)
    assert {(d.kind, d.object_id, d.field, d.stored) for d in changed} == \
        {(d.kind, d.object_id, d.field, d.stored) for d in drifts}
    # What repair says it wrote is what measuring recomputed.
    assert sorted(str(d.recomputed) for d in changed) == sorted(str(d.recomputed) for d in drifts)
    assert measure_drift(owner) == []
    assert snapshot(owner) == healthy


def test_missing_and_extra_rows_are_drift(owner, engine, world):
    a, _, _ = world
    healthy = snapshot(owner)
    owner.execute("DELETE FROM question_stats WHERE question_id = %s", (a.question_id,))
    owner.execute("DELETE FROM student_topic_state WHERE student_user_id = %s", (a.student_id,))
    lonely = factories.question(owner, a.workspace_id, a.topic_id)
    owner.execute("INSERT INTO question_stats (workspace_id, question_id, shard, times_attempted) VALUES (%s, %s, 3, 4)",
                  (a.workspace_id, lonely))
    found = {(d.kind, d.object_id, d.field): (d.stored, d.recomputed) for d in measure_drift(owner)}
    assert found[("question_stats", str(a.question_id), "times_attempted")] == (0, 2)
    assert found[("question_stats", str(lonely), "times_attempted")] == (4, 0)
    assert found[("topic_mastery", f"{a.student_id}/{a.topic_id}", "attempts")] == (0, 3)
    repair(engine)
    assert measure_drift(owner) == []
    assert snapshot(owner) == healthy


def test_one_workspace_or_one_kind_only(owner, engine, world):
    a, b, _ = world
    owner.execute("UPDATE question_stats SET times_attempted = 50")
    owner.execute("UPDATE jobs SET cost_usd = 3")
    only_b = repair(engine, workspace_id=str(b.workspace_id))
    assert only_b and {d.workspace_id for d in only_b} == {str(b.workspace_id)}
    only_cost = repair(engine, kinds=["job_cost"])
    assert {d.kind for d in only_cost} == {"job_cost"}
    assert {d.kind for d in measure_drift(owner)} == {"question_stats"}
    with pytest.raises(ValueError, match="unknown drift kind"):
        measure_drift(owner, kinds=["nonsense"])


def test_the_periodic_job_runs_the_same_repair(owner, engine, world):
    a, _, _ = world
    owner.execute("UPDATE question_stats SET times_attempted = 99 WHERE question_id = %s", (a.question_id,))
    owner.execute("UPDATE assignments SET status = 'assigned', completed_count = 0 WHERE id = %s", (a.assignment_id,))
    result = reconcile_stats(engine)
    assert result["repaired"] == {"question_stats": 1, "assignment_progress": 1, "topic_mastery": 0, "job_cost": 0,
                                  "analytics_daily": 0}
    assert result["fields_changed"] >= 2
    assert measure_drift(owner) == []
    assert reconcile_stats(engine)["repaired"] == dict.fromkeys(KINDS, 0)


def test_drift_is_a_plain_dataclass(owner, world):
    a, _, _ = world
    owner.execute("UPDATE jobs SET cost_usd = 1.5")
    (drift,) = measure_drift(owner)
    assert isinstance(drift, Drift)
    assert drift.as_dict() == {"kind": "job_cost", "workspace_id": str(a.workspace_id), "object_id": drift.object_id,
                               "field": "cost_usd", "stored": 1.5, "recomputed": 0.75}


def test_measuring_works_through_a_sqlalchemy_connection_too(owner, engine, world):
    owner.execute("UPDATE jobs SET cost_usd = 1.5")
    with engine.connect() as conn:
        assert measure_drift(conn) == measure_drift(owner)


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(outcomes=st.lists(st.tuples(st.booleans(), st.one_of(st.none(), st.integers(0, 600)), st.booleans()),
                         min_size=1, max_size=12),
       damage=st.sampled_from(["times_attempted = times_attempted + 1", "times_timed = times_timed + 3",
                               "time_spent_total_seconds = time_spent_total_seconds * 2 + 1"]))
def test_any_history_of_attempts_reconciles_to_a_recount(db_url, engine, outcomes, damage):
    """Whatever attempts were made (right or wrong, timed or not, in an assignment or not), damaged counters and
    mastery come back to what a recount says and measuring afterwards finds nothing."""
    with connect(db_url, autocommit=True) as conn:
        t = factories.tenant(conn, uuid.uuid4().hex[:6], items=1)
        for correct, seconds, in_assignment in outcomes:
            attempt(conn, t, correct=correct, seconds=seconds, assignment=in_assignment)
        conn.execute(f"UPDATE question_stats SET {damage} WHERE question_id = %s", (t.question_id,))
        conn.execute("UPDATE student_topic_state SET p_known = 1 - p_known / 2, correct = 0 WHERE student_user_id = %s",
                     (t.student_id,))
        assert {d.kind for d in measure_drift(conn, t.workspace_id)} == {"question_stats", "topic_mastery"}
        repair(engine, workspace_id=str(t.workspace_id))
        assert measure_drift(conn, t.workspace_id) == []
        stats = conn.execute("SELECT times_attempted, times_correct, times_timed, time_spent_total_seconds "
                             "FROM question_statistics WHERE question_id = %s", (t.question_id,)).fetchone()
        assert stats == (len(outcomes), sum(c for c, _, _ in outcomes), sum(s is not None for _, s, _ in outcomes),
                         sum(s or 0 for _, s, _ in outcomes))


def test_repair_loses_no_attempt_made_while_it_runs(owner, engine, db_url):
    """Writers on other connections insert attempts (and AI usage) at the very objects repair is fixing; afterwards
    every counter equals a recount from scratch."""
    tenants = [factories.tenant(owner, f"C{i}", items=3) for i in range(3)]
    questions = {t.workspace_id: [r[0] for r in owner.execute(
        "SELECT question_id FROM assignment_items WHERE workspace_id = %s", (t.workspace_id,))] for t in tenants}
    jobs = {t.workspace_id: job_with_usage(owner, t, costs=(0.1,)) for t in tenants}
    for t in tenants:
        for q in questions[t.workspace_id]:
            attempt(owner, t, q, correct=False)

    stop = threading.Event()
    written = [0] * len(tenants)
    errors: list[BaseException] = []

    def write(n: int, t: factories.Tenant) -> None:
        try:
            with connect(db_url, autocommit=True) as conn:
                i = 0
                while not stop.is_set() or i < 5:
                    q = questions[t.workspace_id][i % 3]
                    # Held open after the triggers ran, so repair meets uncommitted increments.
                    with conn.transaction():
                        attempt(conn, t, q, correct=i % 2 == 0, seconds=i)
                        conn.execute("INSERT INTO ai_usage_log (workspace_id, user_id, job_id, operation_type, model, "
                                     "tokens_input, cost_usd) VALUES (%s, %s, %s, 'generate_question', 'gpt-4o-mini', 1, 0.01)",
                                     (t.workspace_id, t.tutor_id, jobs[t.workspace_id]))
                        conn.execute("SELECT pg_sleep(0.01)")
                    written[n] += 1
                    i += 1
        except BaseException as exc:  # noqa: BLE001 - reported by the test thread below
            errors.append(exc)

    def damage() -> None:
        owner.execute("UPDATE question_stats SET times_attempted = times_attempted + 100, times_correct = 0")
        owner.execute("UPDATE student_topic_state SET attempts = attempts + 100, p_known = 0.5")
        owner.execute("UPDATE assignments SET completed_count = 0, total_score = 0, status = 'assigned', completed_at = NULL")
        owner.execute("UPDATE jobs SET cost_usd = 42")

    writers = [threading.Thread(target=write, args=(n, t)) for n, t in enumerate(tenants)]
    for w in writers:
        w.start()
    repaired_objects = 0
    try:
        for _ in range(4):
            damage()
            repaired_objects += len({(d.kind, d.object_id) for d in repair(engine)})
    finally:
        stop.set()
        for w in writers:
            w.join(timeout=60)
    assert not errors, errors
    assert sum(written) >= 15 and repaired_objects >= 4 * 3 * 3
    # Every counter equals a recount from scratch.
    assert measure_drift(owner) == []
    total = owner.execute("SELECT count(*) FROM attempts").fetchone()[0]
    assert total == 9 + sum(written)
    assert owner.execute("SELECT sum(times_attempted) FROM question_stats").fetchone()[0] == total
    assert owner.execute("SELECT sum(attempts) FROM student_topic_state").fetchone()[0] == total


def test_a_worker_runs_the_reconcile_and_health_sample_jobs_on_schedule(owner, db_url, world, tmp_path):
    from tests.jobs.workers import start_worker, stop

    a, _, _ = world
    owner.execute("UPDATE question_stats SET times_attempted = 99 WHERE question_id = %s", (a.question_id,))
    worker = start_worker(db_url, tmp_path / "worker.log",
                          TUTORASSIST_SCHEDULE="RECONCILE_STATS=* * * * * */1;HEALTH_SAMPLE=* * * * * */1")
    try:
        deadline = time.monotonic() + 60
        runs = {}
        while time.monotonic() < deadline and len(runs) < 2:
            runs = {row[0]: row[1] for row in owner.execute(
                "SELECT DISTINCT ON (type) type, result_json FROM system_jobs WHERE status = 'succeeded' "
                "AND type IN ('RECONCILE_STATS', 'HEALTH_SAMPLE') ORDER BY type, started_at")}
            time.sleep(0.3)
    finally:
        stop(worker)
    assert set(runs) == {"RECONCILE_STATS", "HEALTH_SAMPLE"}, (tmp_path / "worker.log").read_text()[-3000:]
    assert runs["RECONCILE_STATS"]["repaired"]["question_stats"] == 1
    assert runs["HEALTH_SAMPLE"]["tables"]["attempts"] > 0
    assert measure_drift(owner) == []
