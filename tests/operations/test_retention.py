"""Retention on a real database: each rule takes exactly the rows outside its window, moves keep every total and
everything derived from attempts, a second run and a dry run change nothing, and a crash loses nothing."""

from __future__ import annotations

import json
from decimal import Decimal

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pydantic import ValidationError
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError
from typer.testing import CliRunner

from tests import factories
from tutorassist.cli.main import app
from tutorassist.config import Settings, get_settings
from tutorassist.db.connection import acting, owner_engine
from tutorassist.operations import reconcile, retention
from tutorassist.operations.retention import ATTEMPT_COLUMNS, RULE_NAMES, Policy

POLICY = Policy(batch_size=3)  # small batches, so every rule runs several transactions


@pytest.fixture
def engine(db_url):
    eng = owner_engine(db_url)
    yield eng
    eng.dispose()


def attempt(owner, t, days_ago: float, *, correct=True, assignment=True, seconds=20):
    return owner.execute(
        "INSERT INTO attempts (workspace_id, student_user_id, question_id, assignment_id, answer_raw, is_correct, score, "
        "time_spent_seconds, submitted_at) VALUES (%s, %s, %s, %s, '2', %s, %s, %s, now() - make_interval(secs => %s)) "
        "RETURNING id",
        (t.workspace_id, t.student_id, t.question_id, t.assignment_id if assignment else None, correct,
         1 if correct else 0, seconds, days_ago * 86400)).fetchone()[0]


def derived(owner, ws):
    """Everything the database derives from attempts, as comparable values."""
    q = owner.execute
    return {
        "stats": q("SELECT question_id, times_attempted, times_correct, times_timed, time_spent_total_seconds "
                   "FROM question_statistics WHERE workspace_id = %s ORDER BY 1", (ws,)).fetchall(),
        "mastery": q("SELECT student_user_id, topic_id, attempts, correct, p_known, last_attempt_at FROM student_topic_state "
                     "WHERE workspace_id = %s ORDER BY 1, 2", (ws,)).fetchall(),
        "progress": q("SELECT id, total_items, completed_count, total_score, max_score, started_at, status, completed_at "
                      "FROM assignments WHERE workspace_id = %s ORDER BY 1", (ws,)).fetchall(),
        "cards": q("SELECT * FROM spaced_repetition WHERE workspace_id = %s ORDER BY question_id", (ws,)).fetchall(),
        "reviews": q("SELECT id, attempt_id, card_after FROM review_events WHERE workspace_id = %s ORDER BY 1", (ws,)).fetchall(),
        "audit": q("SELECT count(*) FROM audit_log WHERE workspace_id = %s", (ws,)).fetchone()[0],
    }


def counts(owner, ws):
    return owner.execute("SELECT (SELECT count(*) FROM attempts WHERE workspace_id = %s), "
                         "(SELECT count(*) FROM attempts_archive WHERE workspace_id = %s)", (ws, ws)).fetchone()


def test_archive_repeats_the_columns_of_attempts(owner):
    def columns(table):
        return [tuple(r) for r in owner.execute(
            "SELECT column_name, data_type, is_nullable FROM information_schema.columns "
            "WHERE table_schema = 'public' AND table_name = %s ORDER BY ordinal_position", (table,))]
    live, archive = columns("attempts"), columns("attempts_archive")
    assert [c[0] for c in live] == list(ATTEMPT_COLUMNS)
    assert archive[:-1] == live and archive[-1][0] == "archived_at"


def test_attempts_outside_the_window_move_and_nothing_derived_changes(owner, engine):
    t = factories.tenant(owner, "R", items=2)
    owner.execute("UPDATE assignments SET status = 'assigned' WHERE id = %s", (t.assignment_id,))
    old = [attempt(owner, t, 731, correct=c) for c in (True, False, True, True)]
    just_outside = attempt(owner, t, 730 + 1 / 1440)
    just_inside = attempt(owner, t, 730 - 1 / 1440)
    recent = attempt(owner, t, 3, correct=False, assignment=False)
    owner.execute("INSERT INTO review_events (workspace_id, student_user_id, question_id, attempt_id, algorithm, rating, "
                  "fsrs_rating, card_after) VALUES (%s, %s, %s, %s, 'sm2', 4, 3, '{}')",
                  (t.workspace_id, t.student_id, t.question_id, old[0]))
    before, total = derived(owner, t.workspace_id), sum(counts(owner, t.workspace_id))

    with engine.connect() as conn:
        planned = retention.plan(conn, POLICY)
    assert planned["attempts"] == 5
    assert derived(owner, t.workspace_id) == before  # the dry run changed nothing

    done = retention.apply(engine, POLICY)
    assert done == planned
    live = {r[0] for r in owner.execute("SELECT id FROM attempts WHERE workspace_id = %s", (t.workspace_id,))}
    archived = {r[0] for r in owner.execute("SELECT id FROM attempts_archive WHERE workspace_id = %s", (t.workspace_id,))}
    assert live == {just_inside, recent} and archived == {*old, just_outside}
    assert sum(counts(owner, t.workspace_id)) == total
    assert derived(owner, t.workspace_id) == before  # counters, mastery, progress, cards, review links, audit log
    assert owner.execute("SELECT attempt_id FROM review_events WHERE workspace_id = %s", (t.workspace_id,)).fetchone()[0] == old[0]

    # The repairs that recount from attempts count the archive too, so they find nothing to repair.
    assert owner.execute("SELECT app.reconcile_question_stats()").fetchone()[0] == 0
    owner.execute("SELECT app.rebuild_learning_state()")
    owner.execute("SELECT app.refresh_assignment_progress(%s, %s)", (t.workspace_id, t.assignment_id))
    assert derived(owner, t.workspace_id) == before
    with engine.connect() as conn:  # `db reconcile` and the RECONCILE_STATS job count the archive too
        assert reconcile.measure_drift(conn, t.workspace_id) == []

    assert retention.apply(engine, POLICY) == dict.fromkeys(RULE_NAMES, 0)  # a second run changes nothing
    assert derived(owner, t.workspace_id) == before


def test_attempts_named_by_feedback_or_flags_stay(owner, engine):
    t = factories.tenant(owner, "F")
    commented, flagged, plain = (attempt(owner, t, 800) for _ in range(3))
    owner.execute("INSERT INTO tutor_feedback (workspace_id, attempt_id, tutor_user_id, body) VALUES (%s, %s, %s, 'Good')",
                  (t.workspace_id, commented, t.tutor_id))
    owner.execute("INSERT INTO question_flags (workspace_id, question_id, flagged_by, attempt_id, reason, comment) "
                  "VALUES (%s, %s, %s, %s, 'typo', 'x')", (t.workspace_id, t.question_id, t.student_id, flagged))
    retention.apply(engine, POLICY)
    live = {r[0] for r in owner.execute("SELECT id FROM attempts WHERE workspace_id = %s", (t.workspace_id,))}
    assert live == {commented, flagged}
    assert owner.execute("SELECT count(*) FROM tutor_feedback WHERE attempt_id = %s", (commented,)).fetchone()[0] == 1
    assert owner.execute("SELECT attempt_id FROM question_flags WHERE attempt_id = %s", (flagged,)).fetchone()[0] == flagged
    assert owner.execute("SELECT count(*) FROM attempts_archive WHERE id = %s", (plain,)).fetchone()[0] == 1


def test_an_application_role_cannot_pass_a_deletion_off_as_archiving(owner, app_db):
    t = factories.tenant(owner, "B")
    victim = attempt(owner, t, 900)
    owner.execute("INSERT INTO review_events (workspace_id, student_user_id, question_id, attempt_id, algorithm, rating, "
                  "fsrs_rating, card_after) VALUES (%s, %s, %s, %s, 'sm2', 4, 3, '{}')",
                  (t.workspace_id, t.student_id, t.question_id, victim))
    with pytest.raises(DBAPIError) as refused:
        with acting(app_db, t.tutor_id, t.workspace_id) as staff:
            staff.execute(text("SET LOCAL tutorassist.archiving = 'on'"))
            staff.execute(text("INSERT INTO attempts_archive SELECT *, now() FROM attempts WHERE id = :a"), {"a": victim})
    assert refused.value.orig.sqlstate == "42501"
    with acting(app_db, t.tutor_id, t.workspace_id) as staff:
        staff.execute(text("SET LOCAL tutorassist.archiving = 'on'"))
        assert staff.execute(text("DELETE FROM attempts WHERE id = :a"), {"a": victim}).rowcount == 1
    # A deletion with every effect: counters and mastery drop, progress is recomputed, the audit log records it,
    # the review event no longer names it, and nothing reached the archive.
    assert owner.execute("SELECT times_attempted FROM question_statistics WHERE question_id = %s", (t.question_id,)).fetchone()[0] == 0
    assert owner.execute("SELECT count(*) FROM student_topic_state WHERE workspace_id = %s", (t.workspace_id,)).fetchone()[0] == 0
    assert owner.execute("SELECT completed_count FROM assignments WHERE id = %s", (t.assignment_id,)).fetchone()[0] == 0
    assert owner.execute("SELECT count(*) FROM audit_log WHERE entity_type = 'attempts' AND action = 'delete' "
                         "AND entity_id = %s", (str(victim),)).fetchone()[0] == 1
    assert owner.execute("SELECT attempt_id FROM review_events WHERE workspace_id = %s", (t.workspace_id,)).fetchone()[0] is None
    assert owner.execute("SELECT count(*) FROM attempts_archive").fetchone()[0] == 0


def test_archived_attempts_are_read_like_attempts(owner, engine, app_db):
    t = factories.tenant(owner, "V")
    other = factories.student(owner, t.workspace_id, "Other")
    mine = attempt(owner, t, 800)
    owner.execute("INSERT INTO attempts (workspace_id, student_user_id, question_id, answer_raw, is_correct, score, submitted_at) "
                  "VALUES (%s, %s, %s, '1', false, 0, now() - interval '800 days')", (t.workspace_id, other, t.question_id))
    retention.apply(engine, POLICY)
    with acting(app_db, t.tutor_id, t.workspace_id) as staff:
        assert staff.execute(text("SELECT count(*) FROM attempts_archive")).scalar_one() == 2
    with acting(app_db, t.student_id, t.workspace_id) as student:
        assert list(student.execute(text("SELECT id FROM attempts_archive")).scalars()) == [mine]


def test_ai_usage_rolls_up_by_month_and_job_cost_stays(owner, engine):
    t = factories.tenant(owner, "AI")
    ws = t.workspace_id
    job = owner.execute("INSERT INTO jobs (workspace_id, type, status) VALUES (%s, 'GENERATE_QUESTIONS', 'running') RETURNING id",
                        (ws,)).fetchone()[0]
    rows = [(400, 10, 5, Decimal("0.010000"), True, "openai"), (400, 20, None, Decimal("0.020000"), True, "openai"),
            (401, None, None, None, False, None), (366, 1, 1, Decimal("0.000100"), True, "openai"),
            (364, 7, 7, Decimal("0.500000"), True, "openai")]
    for days, tin, tout, cost, ok, provider in rows:
        owner.execute(
            "INSERT INTO ai_usage_log (workspace_id, job_id, operation_type, model, tokens_input, tokens_output, tokens_total, "
            "cost_usd, success, error_message, metadata, created_at) VALUES (%s, %s, 'generate_question', 'gpt-4o-mini', "
            "%s, %s, %s, %s, %s, %s, %s, now() - make_interval(days => %s))",
            (ws, job, tin, tout, None if tin is None else tin + (tout or 0), cost, ok, None if ok else "timeout",
             json.dumps({"provider": provider} if provider else {}), days))
    cost_before = owner.execute("SELECT cost_usd FROM jobs WHERE id = %s", (job,)).fetchone()[0]
    old_sums = owner.execute(
        "SELECT count(*), coalesce(sum(tokens_input), 0), coalesce(sum(tokens_output), 0), coalesce(sum(tokens_total), 0), "
        "coalesce(sum(cost_usd), 0) FROM ai_usage_log WHERE created_at < now() - interval '365 days'").fetchone()

    assert retention.apply(engine, Policy(batch_size=2))["ai_usage_log"] == 4
    assert owner.execute("SELECT cost_usd FROM jobs WHERE id = %s", (job,)).fetchone()[0] == cost_before
    assert owner.execute("SELECT count(*) FROM ai_usage_log WHERE workspace_id = %s", (ws,)).fetchone()[0] == 1
    monthly = owner.execute("SELECT sum(calls), sum(tokens_input), sum(tokens_output), sum(tokens_total), sum(cost_usd) "
                            "FROM ai_usage_monthly WHERE workspace_id = %s", (ws,)).fetchone()
    assert tuple(monthly) == tuple(old_sums)
    providers = {r[0] for r in owner.execute("SELECT provider FROM ai_usage_monthly WHERE workspace_id = %s", (ws,))}
    assert providers == {"openai", "unrecorded"}
    assert owner.execute("SELECT sum(failed_calls) FROM ai_usage_monthly").fetchone()[0] == 1
    # An ordinary deletion (no archiving) still takes the cost off its job.
    owner.execute("DELETE FROM ai_usage_log WHERE workspace_id = %s", (ws,))
    assert owner.execute("SELECT cost_usd FROM jobs WHERE id = %s", (job,)).fetchone()[0] == cost_before - Decimal("0.5")


def test_audit_log_moves_yearly_and_is_deleted_after_seven_years(owner, engine):
    t = factories.tenant(owner, "AU")
    ws = t.workspace_id

    def entry(when: str) -> int:
        return owner.execute("INSERT INTO audit_log (workspace_id, action, entity_type, entity_id, after_json, occurred_at) "
                             f"VALUES (%s, 'insert', 'topics', 'x', '{{}}', {when}) RETURNING id", (ws,)).fetchone()[0]

    hot_start = "date_trunc('year', now(), 'UTC') - interval '1 year'"
    kept_hot = entry(f"{hot_start} + interval '1 second'")
    moved = entry(f"{hot_start} - interval '1 second'")
    kept_archived = entry("now() - interval '7 years' + interval '1 hour'")
    deleted = entry("now() - interval '7 years' - interval '1 hour'")
    total_recent = owner.execute("SELECT count(*) FROM audit_log WHERE workspace_id = %s", (ws,)).fetchone()[0]

    with engine.connect() as conn:
        planned = retention.plan(conn, POLICY)
    done = retention.apply(engine, POLICY)
    assert done["audit_log"] == planned["audit_log"] == 3 and done["audit_log_archive"] == planned["audit_log_archive"] == 1
    hot = {r[0] for r in owner.execute("SELECT id FROM audit_log WHERE workspace_id = %s", (ws,))}
    cold = {r[0] for r in owner.execute("SELECT id FROM audit_log_archive WHERE workspace_id = %s", (ws,))}
    assert kept_hot in hot and {moved, kept_archived} == cold and deleted not in hot | cold
    assert len(hot) + len(cold) == total_recent - 1
    copy = owner.execute("SELECT action, entity_type, entity_id, after_json FROM audit_log_archive WHERE id = %s", (moved,)).fetchone()
    assert tuple(copy) == ("insert", "topics", "x", {})


def test_question_history_and_job_records_are_deleted_outside_their_windows(owner, engine):
    t = factories.tenant(owner, "H")
    ws = t.workspace_id
    owner.execute("UPDATE questions SET prompt_text = 'edited' WHERE id = %s", (t.question_id,))
    owner.execute("UPDATE question_history SET changed_at = now() - interval '366 days' WHERE question_id = %s AND change_type = 'created'",
                  (t.question_id,))
    history_before = owner.execute("SELECT count(*) FROM question_history WHERE question_id = %s", (t.question_id,)).fetchone()[0]

    def job(status: str, days: float | None):
        finished = None if days is None else f"now() - make_interval(secs => {days * 86400})"
        return owner.execute(f"INSERT INTO jobs (workspace_id, type, status, finished_at) VALUES (%s, 'EMBED_QUESTIONS', %s, "
                             f"{finished or 'NULL'}) RETURNING id", (ws, status)).fetchone()[0]

    old_job, fresh_job, old_running = job("succeeded", 90 + 1 / 1440), job("failed", 90 - 1 / 1440), job("running", None)
    owner.execute("INSERT INTO system_jobs (type, status, started_at, finished_at) VALUES "
                  "('RETENTION', 'succeeded', now() - interval '100 days', now() - interval '91 days'), "
                  "('RETENTION', 'succeeded', now() - interval '100 days', now() - interval '89 days')")
    queue_ids = [owner.execute("INSERT INTO procrastinate.procrastinate_jobs (queue_name, task_name, status, args) "
                               "VALUES ('default', 'run_job', %s, '{}') RETURNING id", (status,)).fetchone()[0]
                 for status in ("succeeded", "failed", "todo")]
    # Events as the queue records them: the first ended 91 days ago, the second 89 days ago; the third never ended.
    for queue_id, days in zip(queue_ids, (91, 89, 91)):
        owner.execute("INSERT INTO procrastinate.procrastinate_events (job_id, type, at) "
                      "VALUES (%s, 'started', now() - make_interval(days => %s))", (queue_id, days + 1))
        owner.execute("INSERT INTO procrastinate.procrastinate_events (job_id, type, at) "
                      "VALUES (%s, 'succeeded', now() - make_interval(days => %s))", (queue_id, days))
    with engine.connect() as conn:
        planned = retention.plan(conn, POLICY)
    done = retention.apply(engine, POLICY)
    assert done == planned
    assert done["question_history"] == 1
    assert owner.execute("SELECT count(*) FROM question_history WHERE question_id = %s", (t.question_id,)).fetchone()[0] == history_before - 1
    jobs = {r[0] for r in owner.execute("SELECT id FROM jobs WHERE workspace_id = %s", (ws,))}
    assert jobs == {fresh_job, old_running} and old_job not in jobs
    assert owner.execute("SELECT count(*) FROM system_jobs").fetchone()[0] == 1
    left = {r[0] for r in owner.execute("SELECT id FROM procrastinate.procrastinate_jobs WHERE id = ANY(%s)", (queue_ids,))}
    assert left == set(queue_ids[1:])  # a recently finished one and an unfinished one stay
    assert owner.execute("SELECT count(*) FROM procrastinate.procrastinate_events WHERE job_id = %s", (queue_ids[0],)).fetchone()[0] == 0


def test_a_run_killed_mid_way_loses_and_duplicates_nothing(owner, engine):
    t = factories.tenant(owner, "K")
    ids = {attempt(owner, t, 800 + i) for i in range(7)}
    before = derived(owner, t.workspace_id)

    class Killed(Exception):
        pass

    def kill(_rule, _rows):
        raise Killed

    with pytest.raises(Killed):
        retention.apply(engine, Policy(batch_size=2), kill)
    assert counts(owner, t.workspace_id) == (5, 2)  # one whole batch moved, nothing half-done
    retention.apply(engine, Policy(batch_size=2))
    assert counts(owner, t.workspace_id) == (0, 7)
    assert {r[0] for r in owner.execute("SELECT id FROM attempts_archive")} == ids
    assert derived(owner, t.workspace_id) == before


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(ages=st.lists(st.integers(min_value=-3000, max_value=3000), min_size=1, max_size=8),
       window=st.integers(min_value=1, max_value=3))
def test_exactly_the_attempts_older_than_the_window_move(owner, engine, ages, window):
    """Ages in minutes around a window of `window` days: the dry run counts, and the run moves, exactly the older ones."""
    owner.execute("DELETE FROM attempts_archive")
    t = factories.tenant(owner, "P")
    made = {attempt(owner, t, window + age / 1440 + (1 / 1440 if age >= 0 else -1 / 1440)): age >= 0 for age in ages}
    policy = Policy(attempts_days=window, batch_size=3)
    with engine.connect() as conn:
        planned = retention.plan(conn, policy)["attempts"]
    retention.apply(engine, policy)
    archived = {r[0] for r in owner.execute("SELECT id FROM attempts_archive WHERE workspace_id = %s", (t.workspace_id,))}
    assert archived == {a for a, old in made.items() if old}
    # Earlier examples' attempts (other workspaces, other windows) count too: what was planned is what moved.
    assert planned == owner.execute("SELECT count(*) FROM attempts_archive").fetchone()[0]


@pytest.fixture
def cli(db_url, monkeypatch):
    monkeypatch.setenv("DATABASE_URL", db_url)
    get_settings.cache_clear()
    runner = CliRunner()
    yield lambda *args: runner.invoke(app, [str(a) for a in args])
    get_settings.cache_clear()


def test_cli_dry_run_reports_what_the_run_then_does(cli, owner):
    t = factories.tenant(owner, "C")
    for days in (800, 801, 10):
        attempt(owner, t, days)
    dry = cli("db", "retention", "--dry-run", "--format", "json")
    assert dry.exit_code == 0, dry.output
    planned = json.loads(dry.output)
    assert planned["dry_run"] and planned["rows"]["attempts"] == 2
    assert counts(owner, t.workspace_id) == (3, 0)
    real = cli("db", "retention")
    assert real.exit_code == 0, real.output
    assert "moved to attempts_archive" in real.output and "attempts" in real.output
    assert counts(owner, t.workspace_id) == (1, 2)
    again = json.loads(cli("db", "retention", "--format", "json").output)
    assert again["rows"] == dict.fromkeys(RULE_NAMES, 0)


@pytest.mark.parametrize("variable, value", [
    ("TUTORASSIST_RETENTION_ATTEMPTS_DAYS", "-1"), ("TUTORASSIST_RETENTION_JOBS_DAYS", "0"),
    ("TUTORASSIST_RETENTION_AUDIT_HOT_YEARS", "-2"), ("TUTORASSIST_RETENTION_BATCH", "lots")])
def test_bad_settings_fail_with_a_clear_message(cli, monkeypatch, variable, value, owner):
    factories.tenant(owner, "S")
    monkeypatch.setenv(variable, value)
    get_settings.cache_clear()
    result = cli("db", "retention", "--dry-run")
    assert result.exit_code == 2
    assert "invalid configuration" in result.output and variable in result.output
    assert "Traceback" not in result.output
    with pytest.raises(ValidationError):
        Settings()


@pytest.mark.parametrize("field", ["attempts_days", "jobs_days", "audit_years", "batch_size"])
def test_a_policy_refuses_windows_below_one(field):
    with pytest.raises(ValueError, match=field):
        Policy(**{field: 0})


def test_the_app_role_cannot_write_the_retention_tables(app_db, owner):
    t = factories.tenant(owner, "W")
    for statement in ("DELETE FROM attempts_archive", "DELETE FROM audit_log_archive", "DELETE FROM ai_usage_monthly",
                      "DELETE FROM audit_log", "DELETE FROM ai_usage_log"):
        with pytest.raises(DBAPIError) as refused:
            with acting(app_db, t.tutor_id, t.workspace_id) as staff:
                staff.execute(text(statement))
        assert refused.value.orig.sqlstate == "42501", statement


def test_the_retention_job_is_scheduled_and_records_its_run(owner, engine):
    import tutorassist.job_types  # noqa: F401  registers every periodic task, as a worker does
    from tutorassist.jobs.periodic import registered, run_recorded

    task = registered()["RETENTION"]
    assert task.cron == "30 3 * * *"
    t = factories.tenant(owner, "J")
    attempt(owner, t, 800)
    get_settings.cache_clear()
    result = run_recorded(engine, task, "test-worker", None)
    assert result["attempts"] == 1
    status, recorded = owner.execute("SELECT status, result_json FROM system_jobs WHERE type = 'RETENTION'").fetchone()
    assert status == "succeeded" and recorded["attempts"] == 1


def test_downgrade_puts_archived_rows_back_without_counting_them_twice(db_url, owner, engine):
    from tutorassist.db import migrate

    t = factories.tenant(owner, "D")
    moved = attempt(owner, t, 800)
    owner.execute("INSERT INTO review_events (workspace_id, student_user_id, question_id, attempt_id, algorithm, rating, "
                  "fsrs_rating, card_after) VALUES (%s, %s, %s, %s, 'sm2', 4, 3, '{}')",
                  (t.workspace_id, t.student_id, t.question_id, moved))
    owner.execute("INSERT INTO audit_log (workspace_id, action, entity_type, entity_id, after_json, occurred_at) "
                  "VALUES (%s, 'insert', 'topics', 'x', '{}', now() - interval '3 years')", (t.workspace_id,))
    before = derived(owner, t.workspace_id)
    retention.apply(engine, POLICY)
    assert counts(owner, t.workspace_id) == (0, 1)
    engine.dispose()
    migrate.downgrade(db_url, "0017_analytics_rollups")
    assert owner.execute("SELECT count(*) FROM attempts WHERE id = %s", (moved,)).fetchone()[0] == 1
    assert derived(owner, t.workspace_id) == before  # counters, mastery, progress, the review's link, audit rows
    assert owner.execute("SELECT to_regclass('public.attempts_archive')").fetchone()[0] is None
    migrate.upgrade(db_url)
    assert retention.apply(engine, POLICY)["attempts"] == 1
