"""What the database keeps right by itself: counters, progress, history, audit, tree shape, and the seed's decisions."""

from __future__ import annotations

import threading
from decimal import Decimal

import psycopg
import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from tests.factories import member, question, student, tenant, user
from tutorassist.db.connection import acting, app_engine, connect


def stats(owner, question_id):
    return owner.execute(
        "SELECT coalesce(sum(times_attempted), 0), coalesce(sum(times_correct), 0), coalesce(sum(times_timed), 0), "
        "coalesce(sum(time_spent_total_seconds), 0), "
        "CASE WHEN sum(times_timed) > 0 THEN round(sum(time_spent_total_seconds)::numeric / sum(times_timed), 2) END "
        "FROM question_stats WHERE question_id = %s",
        (question_id,),
    ).fetchone()


def progress(owner, assignment_id):
    return owner.execute(
        "SELECT total_items, completed_count, total_score, max_score, status, completed_at IS NOT NULL FROM assignments WHERE id = %s",
        (assignment_id,),
    ).fetchone()


def test_question_stats_exact_under_concurrent_attempts(db_url, owner):
    t = tenant(owner)
    students = [student(owner, t.workspace_id, f"S{i}") for i in range(8)]
    per_thread = 25
    engine = app_engine(db_url, pool_size=8)
    barrier = threading.Barrier(len(students))
    errors: list[BaseException] = []

    def submit(index: int, student) -> None:
        try:
            barrier.wait()
            for n in range(per_thread):
                with acting(engine, student, t.workspace_id) as conn:
                    conn.execute(
                        text("INSERT INTO attempts (workspace_id, student_user_id, question_id, answer_raw, is_correct, score, time_spent_seconds) "
                             "VALUES (:w, :s, :q, 'x', :ok, :score, :secs)"),
                        {"w": t.workspace_id, "s": student, "q": t.question_id, "ok": n % 3 == 0,
                         "score": 1 if n % 3 == 0 else 0, "secs": None if n % 5 == 0 else index + n},
                    )
        except BaseException as exc:  # collected and re-raised in the main thread
            errors.append(exc)

    threads = [threading.Thread(target=submit, args=(i, s)) for i, s in enumerate(students)]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    engine.dispose()
    assert errors == []
    truth = owner.execute(
        "SELECT count(*), count(*) FILTER (WHERE is_correct), count(time_spent_seconds), coalesce(sum(time_spent_seconds), 0) "
        "FROM attempts WHERE question_id = %s", (t.question_id,)
    ).fetchone()
    attempted, correct, timed, total, avg = stats(owner, t.question_id)
    assert (attempted, correct, timed, total) == truth
    assert attempted == len(students) * per_thread
    assert avg == round(Decimal(total) / timed, 2)


def test_question_stats_follow_updates_and_deletes_and_reconcile(owner):
    t = tenant(owner)
    a1 = owner.execute("INSERT INTO attempts (workspace_id, student_user_id, question_id, answer_raw, is_correct, score, time_spent_seconds) "
                       "VALUES (%s, %s, %s, '3', false, 0, 10) RETURNING id", (t.workspace_id, t.student_id, t.question_id)).fetchone()[0]
    owner.execute("INSERT INTO attempts (workspace_id, student_user_id, question_id, answer_raw, is_correct, score, time_spent_seconds) "
                  "VALUES (%s, %s, %s, '2', true, 1, 21)", (t.workspace_id, t.student_id, t.question_id))
    assert stats(owner, t.question_id) == (2, 1, 2, 31, Decimal("15.50"))
    owner.execute("UPDATE attempts SET is_correct = true, score = 1 WHERE id = %s", (a1,))
    assert stats(owner, t.question_id)[:2] == (2, 2)
    owner.execute("DELETE FROM attempts WHERE id = %s", (a1,))
    assert stats(owner, t.question_id) == (1, 1, 1, 21, Decimal("21.00"))
    # Drift made by hand is found and repaired by the reconciliation function.
    owner.execute("UPDATE question_stats SET times_attempted = times_attempted + 8, times_correct = 0 WHERE question_id = %s",
                  (t.question_id,))
    assert owner.execute("SELECT app.reconcile_question_stats(%s)", (t.workspace_id,)).fetchone()[0] == 1
    assert stats(owner, t.question_id) == (1, 1, 1, 21, Decimal("21.00"))
    assert owner.execute("SELECT app.reconcile_question_stats()").fetchone()[0] == 0


def test_app_role_cannot_write_counters_or_call_stats_function(app_db, owner):
    t = tenant(owner)
    with pytest.raises(DBAPIError) as info, acting(app_db, t.tutor_id) as conn:
        conn.execute(text("UPDATE question_stats SET times_attempted = 100 WHERE question_id = :q"), {"q": t.question_id})
    assert isinstance(info.value.orig, psycopg.errors.InsufficientPrivilege)
    with pytest.raises(DBAPIError) as info, acting(app_db, t.tutor_id) as conn:
        conn.execute(text("SELECT update_question_stats(:w, :q, true, 1)"), {"w": t.workspace_id, "q": t.question_id})
    assert isinstance(info.value.orig, psycopg.errors.InsufficientPrivilege)
    with pytest.raises(DBAPIError), acting(app_db, t.tutor_id) as conn:
        conn.execute(text("UPDATE assignments SET completed_count = 1 WHERE id = :a"), {"a": t.assignment_id})


def test_assignment_progress_derives_from_attempts(owner):
    t = tenant(owner, items=3)
    items = [r[0] for r in owner.execute(
        "SELECT question_id FROM assignment_items WHERE assignment_id = %s ORDER BY position", (t.assignment_id,))]
    owner.execute("UPDATE assignment_items SET points = 2 WHERE question_id = %s", (items[2],))
    assert progress(owner, t.assignment_id) == (3, 0, Decimal("0"), Decimal("4"), "assigned", False)

    def attempt(q, correct):
        owner.execute("INSERT INTO attempts (workspace_id, student_user_id, question_id, assignment_id, answer_raw, is_correct, score) "
                      "VALUES (%s, %s, %s, %s, 'x', %s, %s)", (t.workspace_id, t.student_id, q, t.assignment_id, correct, int(correct)))

    attempt(items[0], False)
    assert progress(owner, t.assignment_id) == (3, 1, Decimal("0"), Decimal("4"), "in_progress", False)
    attempt(items[0], True)  # a retry: still one item done, best score counts
    attempt(items[1], True)
    assert progress(owner, t.assignment_id) == (3, 2, Decimal("2"), Decimal("4"), "in_progress", False)
    attempt(items[2], True)
    assert progress(owner, t.assignment_id) == (3, 3, Decimal("4"), Decimal("4"), "completed", True)
    started = owner.execute("SELECT started_at FROM assignments WHERE id = %s", (t.assignment_id,)).fetchone()[0]
    assert started is not None
    # Adding an item reopens it; removing it completes it again.
    extra = question(owner, t.workspace_id)
    owner.execute("INSERT INTO assignment_items (workspace_id, assignment_id, question_id, position) VALUES (%s, %s, %s, 9)",
                  (t.workspace_id, t.assignment_id, extra))
    assert progress(owner, t.assignment_id)[:2] == (4, 3) and progress(owner, t.assignment_id)[4] == "in_progress"
    owner.execute("DELETE FROM assignment_items WHERE question_id = %s", (extra,))
    assert progress(owner, t.assignment_id)[4] == "completed"


def test_assignment_progress_exact_under_concurrent_attempts(db_url, owner):
    t = tenant(owner, items=6)
    items = [r[0] for r in owner.execute("SELECT question_id FROM assignment_items WHERE assignment_id = %s", (t.assignment_id,))]
    engine = app_engine(db_url, pool_size=6)
    barrier = threading.Barrier(len(items))
    errors: list[BaseException] = []

    def submit(q) -> None:
        try:
            barrier.wait()
            with acting(engine, t.student_id, t.workspace_id) as conn:
                conn.execute(text("INSERT INTO attempts (workspace_id, student_user_id, question_id, assignment_id, answer_raw, is_correct, score) "
                                  "VALUES (:w, :s, :q, :a, 'x', true, 1)"),
                             {"w": t.workspace_id, "s": t.student_id, "q": q, "a": t.assignment_id})
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=submit, args=(q,)) for q in items]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    engine.dispose()
    assert errors == []
    assert progress(owner, t.assignment_id) == (6, 6, Decimal("6"), Decimal("6"), "completed", True)


def test_assignment_attempt_must_be_an_item_of_the_students_assignment(owner):
    t = tenant(owner)
    other_question = question(owner, t.workspace_id)
    with pytest.raises(psycopg.errors.ForeignKeyViolation):
        owner.execute("INSERT INTO attempts (workspace_id, student_user_id, question_id, assignment_id, answer_raw) VALUES (%s, %s, %s, %s, 'x')",
                      (t.workspace_id, t.student_id, other_question, t.assignment_id))
    stranger = user(owner, "Stranger")
    member(owner, t.workspace_id, stranger)
    with pytest.raises(psycopg.errors.CheckViolation):
        owner.execute("INSERT INTO attempts (workspace_id, student_user_id, question_id, assignment_id, answer_raw) VALUES (%s, %s, %s, %s, 'x')",
                      (t.workspace_id, stranger, t.question_id, t.assignment_id))


def test_topic_tree_refuses_cycles(owner):
    t = tenant(owner)
    child = owner.execute("INSERT INTO topics (workspace_id, parent_id, name) VALUES (%s, %s, 'Child') RETURNING id",
                          (t.workspace_id, t.topic_id)).fetchone()[0]
    grandchild = owner.execute("INSERT INTO topics (workspace_id, parent_id, name) VALUES (%s, %s, 'Grandchild') RETURNING id",
                               (t.workspace_id, child)).fetchone()[0]
    with pytest.raises(psycopg.errors.CheckViolation):
        owner.execute("UPDATE topics SET parent_id = %s WHERE id = %s", (grandchild, t.topic_id))
    with pytest.raises(psycopg.errors.CheckViolation):
        owner.execute("UPDATE topics SET parent_id = id WHERE id = %s", (child,))
    owner.execute("UPDATE topics SET parent_id = NULL WHERE id = %s", (grandchild,))  # moving out is fine
    with pytest.raises(psycopg.errors.UniqueViolation):
        owner.execute("INSERT INTO topics (workspace_id, name) VALUES (%s, 'Algebra')", (t.workspace_id,))


def test_question_edits_are_versioned_and_kept_in_history(app_db, owner):
    t = tenant(owner)
    with acting(app_db, t.tutor_id, t.workspace_id) as conn:
        conn.execute(text("UPDATE questions SET difficulty = 4 WHERE id = :q"), {"q": t.question_id})
        conn.execute(text("UPDATE questions SET prompt_latex = 'Solve $x+2=5$', hints_json = '[\"Subtract 2\"]' WHERE id = :q"), {"q": t.question_id})
        conn.execute(text("UPDATE questions SET status = status WHERE id = :q"), {"q": t.question_id})  # no-op
    owner.execute("INSERT INTO attempts (workspace_id, student_user_id, question_id, answer_raw) VALUES (%s, %s, %s, '3')",
                  (t.workspace_id, t.student_id, t.question_id))  # counters are not edits
    history = owner.execute("SELECT change_type, question_version, changed_by, old_values, new_values FROM question_history "
                            "WHERE question_id = %s ORDER BY id", (t.question_id,)).fetchall()
    assert [h[0] for h in history] == ["created", "difficulty_changed", "edited"]
    assert [h[1] for h in history] == [1, 2, 3]
    assert history[1][2] == t.tutor_id and history[1][3] == {"difficulty": 3} and history[1][4] == {"difficulty": 4}
    assert set(history[2][4]) == {"prompt_latex", "hints_json"}
    version, updated_by = owner.execute("SELECT version, updated_by FROM questions WHERE id = %s", (t.question_id,)).fetchone()
    assert (version, updated_by) == (3, t.tutor_id)


def test_audit_log_records_actor_changes_and_redacts_secrets(app_db, owner):
    t = tenant(owner)
    with acting(app_db, t.tutor_id, t.workspace_id) as conn:
        conn.execute(text("UPDATE student_profiles SET notes = 'Strong at algebra' WHERE id = :p"), {"p": t.student_profile_id})
        conn.execute(text("UPDATE student_profiles SET notes = notes WHERE id = :p"), {"p": t.student_profile_id})
        conn.execute(text("INSERT INTO oauth_connections (workspace_id, user_id, provider, access_token_encrypted) "
                          "VALUES (:w, :u, 'google', '\\x0102')"), {"w": t.workspace_id, "u": t.tutor_id})
        conn.execute(text("DELETE FROM topics WHERE id = :t AND NOT EXISTS (SELECT 1 FROM questions WHERE topic_id = :t)"), {"t": t.topic_id})
    rows = owner.execute("SELECT action, entity_type, entity_id, actor_user_id, changed_fields, before_json, after_json "
                         "FROM audit_log WHERE workspace_id = %s AND actor_user_id IS NOT NULL ORDER BY id", (t.workspace_id,)).fetchall()
    assert [(r[0], r[1]) for r in rows] == [("update", "student_profiles"), ("insert", "oauth_connections")]
    update = rows[0]
    assert update[2] == str(t.student_profile_id) and update[3] == t.tutor_id and update[4] == ["notes"]
    assert update[5]["notes"] is None and update[6]["notes"] == "Strong at algebra"
    assert rows[1][6]["access_token_encrypted"] == "[redacted]"
    # Setup done as the owner with nobody acting is audited too, with no actor.
    inserted = {r[0] for r in owner.execute("SELECT entity_type FROM audit_log WHERE workspace_id = %s AND action = 'insert'", (t.workspace_id,))}
    assert {"workspaces", "workspace_members", "student_profiles", "topics", "questions", "assignments", "assignment_items"} <= inserted
    # Counter updates from attempts are not audit noise; attempts' own inserts are their own record.
    owner.execute("INSERT INTO attempts (workspace_id, student_user_id, question_id, answer_raw) VALUES (%s, %s, %s, '3')",
                  (t.workspace_id, t.student_id, t.question_id))
    assert owner.execute("SELECT count(*) FROM audit_log WHERE entity_type IN ('questions', 'attempts') AND action = 'update'").fetchone()[0] == 0
    with pytest.raises(DBAPIError) as info, acting(app_db, t.tutor_id) as conn:
        conn.execute(text("DELETE FROM audit_log"))
    assert isinstance(info.value.orig, psycopg.errors.InsufficientPrivilege)


def test_flag_reasons_are_a_fixed_set(owner):
    t = tenant(owner)
    with pytest.raises(psycopg.errors.CheckViolation):
        owner.execute("INSERT INTO question_flags (workspace_id, question_id, reason) VALUES (%s, %s, 'i_dont_like_it')",
                      (t.workspace_id, t.question_id))
    with pytest.raises(psycopg.errors.CheckViolation):  # 'other' needs a comment
        owner.execute("INSERT INTO question_flags (workspace_id, question_id, reason) VALUES (%s, %s, 'other')", (t.workspace_id, t.question_id))
    owner.execute("INSERT INTO question_flags (workspace_id, question_id, reason) VALUES (%s, %s, 'typo')", (t.workspace_id, t.question_id))
    with pytest.raises(psycopg.errors.CheckViolation):  # resolved needs resolved_at
        owner.execute("UPDATE question_flags SET status = 'resolved' WHERE question_id = %s", (t.question_id,))


def test_seed_decisions_hold_in_the_schema(owner):
    tables = {r[0] for r in owner.execute("SELECT tablename FROM pg_tables WHERE schemaname = 'public'")}
    assert "assignment_attempts" not in tables and "flag_reasons" not in tables
    assert {"tutor_feedback", "audit_log", "ai_usage_log", "question_batches", "question_history",
            "student_progress_snapshots", "users", "question_programs", "question_grade_levels"} <= tables
    later = {"auth_sessions", "sign_in_attempts", "review_events", "question_stats", "student_topic_state", "system_jobs",
             "embedding_models", "analytics_daily", "attempts_archive", "audit_log_archive", "ai_usage_monthly",
             "question_item_statistics", "topic_wrong_answer_notes", "item_statistics_refreshes"}
    assert later <= tables  # identity (0006), review events (0010), the hot path (0011), jobs (0014), embeddings (0016),
    # analytics rollups (0017), retention (0018), item statistics (0020)
    assert len(tables - later - {"alembic_version"}) == 28  # the foundation's tables
    question_columns = {r[0] for r in owner.execute(
        "SELECT column_name FROM information_schema.columns WHERE table_schema = 'public' AND table_name = 'questions'")}
    assert not {"primary_program_id", "primary_grade_level_id"} & question_columns
    assert {"generation_metadata", "batch_id", "batch_custom_id"} <= question_columns
    statistics_columns = {r[0] for r in owner.execute(
        "SELECT column_name FROM information_schema.columns WHERE table_schema = 'public' AND table_name = 'question_statistics'")}
    assert {"times_attempted", "times_correct", "avg_time_seconds"} <= statistics_columns  # the seed's counters, summed
    wanted = {
        "attempts": {"context_json"}, "sessions": {"session_metadata", "actual_start", "actual_end", "topics_covered",
                                                   "questions_reviewed", "session_notes"},
        "student_profiles": {"academic_year", "cohort_id", "cohort_name"},
        "question_embeddings": {"model_version", "generated_at", "generation_time_ms"},
        "assignments": {"completed_count", "total_score", "completed_at"}, "topics": {"metadata"},
    }
    for table, columns in wanted.items():
        have = {r[0] for r in owner.execute(
            "SELECT column_name FROM information_schema.columns WHERE table_schema = 'public' AND table_name = %s", (table,))}
        assert columns <= have, table
    indexes = {r[0] for r in owner.execute("SELECT indexname FROM pg_indexes WHERE schemaname = 'public'")}
    assert {"idx_attempts_student_date", "idx_attempts_analytics", "idx_attempts_correct", "idx_attempts_context",
            "idx_questions_filters", "idx_questions_generation", "idx_questions_batch",
            "idx_question_flags_question", "idx_question_flags_analytics", "idx_ai_usage_workspace", "idx_ai_usage_operation",
            "idx_student_profiles_cohort", "idx_mv_student_performance", "idx_mv_topic_performance"} <= indexes
    assert owner.execute("SELECT count(*) FROM pg_proc WHERE proname = 'update_question_stats'").fetchone()[0] == 1


def test_every_foreign_key_has_an_index(owner):
    unindexed = owner.execute(
        r"""SELECT con.conrelid::regclass || '.' || con.conname FROM pg_constraint con
           WHERE con.contype = 'f' AND con.connamespace = 'public'::regnamespace
             AND NOT EXISTS (
               SELECT 1 FROM pg_index i WHERE i.indrelid = con.conrelid
                 -- a partial index on "col IS NOT NULL" still serves every lookup by value
                 AND (i.indpred IS NULL OR pg_get_expr(i.indpred, i.indrelid) ~ '^\(\w+ IS NOT NULL\)$')
                 AND (i.indkey::int2[])[0:array_length(con.conkey, 1) - 1] @> con.conkey
                 AND (i.indkey::int2[])[0:array_length(con.conkey, 1) - 1] <@ con.conkey)"""
    ).fetchall()
    assert unindexed == []


def test_analytics_views_refresh_concurrently_and_filter_by_workspace(app_db, owner):
    a, b = tenant(owner, "A"), tenant(owner, "B")
    for t in (a, b):
        owner.execute("INSERT INTO attempts (workspace_id, student_user_id, question_id, answer_raw, is_correct, score, time_spent_seconds) "
                      "VALUES (%s, %s, %s, '2', true, 1, 40)", (t.workspace_id, t.student_id, t.question_id))
    owner.execute("SELECT app.refresh_analytics_views()")  # CONCURRENTLY: needs the unique indexes
    assert owner.execute("SELECT count(*) FROM mv_student_performance").fetchone()[0] == 2
    with acting(app_db, a.tutor_id, a.workspace_id) as conn:
        rows = conn.execute(text("SELECT student_user_id, total_attempts, accuracy_pct FROM v_student_performance")).all()
        topics = conn.execute(text("SELECT topic_id, unique_students FROM v_topic_performance")).all()
        assert rows == [(a.student_id, 1, Decimal("100.00"))]
        assert topics == [(a.topic_id, 1)]
    with pytest.raises(DBAPIError) as info, acting(app_db, a.tutor_id, a.workspace_id) as conn:
        conn.execute(text("SELECT * FROM mv_student_performance"))
    assert isinstance(info.value.orig, psycopg.errors.InsufficientPrivilege)


def test_policies_resolve_membership_once_per_statement(owner, db_url):
    """The membership lookup is an InitPlan (run once), compared with workspace_id, never re-run per row."""
    t = tenant(owner)
    with connect(db_url) as conn:
        conn.execute("SET ROLE tutorassist_app")
        conn.execute("SELECT set_config('app.user_id', %s, true), set_config('app.workspace_id', %s, true)",
                     (str(t.tutor_id), str(t.workspace_id)))
        plan = "\n".join(r[0] for r in conn.execute("EXPLAIN (VERBOSE) SELECT * FROM attempts WHERE student_user_id = %s", (t.student_id,)))
    assert "InitPlan" in plan
    assert "workspace_id = (InitPlan 1).col1" in plan or "workspace_id = $0" in plan, plan
    assert plan.count("staff_workspace") == 1
