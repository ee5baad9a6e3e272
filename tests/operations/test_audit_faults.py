"""Each kind of fault, injected into a healthy database, is reported with its key and level; the healthy database
has no finding above info."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.operations.conftest import above_info, audit_with, committed_suppressions, injected
from tutorassist.db.connection import connect
from tutorassist.operations.audit.checks import indexes
from tutorassist.operations.audit.findings import Level
from tutorassist.operations.audit.registry import registered
from tutorassist.operations.audit.runner import audit_connection

E, W, I = Level.ERROR, Level.WARNING, Level.INFO

# (id, statements, expected key, expected level). Statements run as the owner inside a rolled-back transaction.
FAULTS = [
    # row-level security
    ("rls not forced", ["ALTER TABLE attempts NO FORCE ROW LEVEL SECURITY"], "rls_not_forced:public.attempts", E),
    ("rls disabled", ["ALTER TABLE attempts DISABLE ROW LEVEL SECURITY"], "rls_disabled:public.attempts", E),
    ("tenant table without policy",
     ["CREATE TABLE fault_tenant (workspace_id uuid NOT NULL, id uuid NOT NULL, PRIMARY KEY (workspace_id, id))",
      "ALTER TABLE fault_tenant ENABLE ROW LEVEL SECURITY", "ALTER TABLE fault_tenant FORCE ROW LEVEL SECURITY"],
     "rls_no_policy:public.fault_tenant", E),
    ("policy always true", ["CREATE POLICY fault_open ON attempts FOR UPDATE TO tutorassist_app USING (true)"],
     "rls_always_true:public.attempts.fault_open", E),
    ("policy without qual", ["CREATE POLICY fault_open ON topics FOR DELETE TO tutorassist_app"],
     "rls_always_true:public.topics.fault_open", E),
    ("second permissive policy",
     ["CREATE POLICY fault_more ON topics FOR SELECT TO tutorassist_app "
      "USING (workspace_id = (SELECT app.staff_workspace()))"],
     "rls_multiple_permissive:public.topics.tutorassist_app.SELECT", W),
    ("policy exists, rls disabled",
     ["CREATE TABLE fault_notes (id int PRIMARY KEY, owner_id uuid)",
      "CREATE POLICY fault_mine ON fault_notes USING (owner_id = (SELECT app.current_user_id()))"],
     "policy_exists_rls_disabled:public.fault_notes", E),
    ("rls disabled, writable",
     ["CREATE TABLE fault_notes (id int PRIMARY KEY, body text)", "GRANT INSERT ON fault_notes TO tutorassist_app"],
     "rls_disabled_writable:public.fault_notes", E),
    ("rls enabled, no policy", ["CREATE TABLE fault_notes (id int PRIMARY KEY)",
                                "ALTER TABLE fault_notes ENABLE ROW LEVEL SECURITY"],
     "rls_enabled_no_policy:public.fault_notes", I),
    # exposure
    ("function without search_path", ["CREATE FUNCTION public.fault_fn() RETURNS int LANGUAGE sql AS 'SELECT 1'"],
     "function_search_path_mutable:public.fault_fn()", W),
    ("definer function without search_path",
     ["CREATE FUNCTION app.fault_fn(n int) RETURNS int LANGUAGE sql SECURITY DEFINER AS 'SELECT n'",
      "REVOKE EXECUTE ON FUNCTION app.fault_fn(int) FROM PUBLIC"],
     "function_search_path_mutable:app.fault_fn(n integer)", E),
    ("definer function executable by PUBLIC",
     ["CREATE FUNCTION public.fault_definer() RETURNS bigint LANGUAGE sql SECURITY DEFINER "
      "SET search_path = pg_catalog AS 'SELECT count(*) FROM public.attempts'"],
     "security_definer_public:public.fault_definer()", E),
    ("definer function granted to the learner",
     ["CREATE FUNCTION app.fault_definer() RETURNS bigint LANGUAGE sql SECURITY DEFINER "
      "SET search_path = pg_catalog AS 'SELECT count(*) FROM public.attempts'",
      "REVOKE EXECUTE ON FUNCTION app.fault_definer() FROM PUBLIC",
      "GRANT EXECUTE ON FUNCTION app.fault_definer() TO tutorassist_learner"],
     "security_definer_api:app.fault_definer()", I),
    ("unfiltered definer view",
     ["CREATE VIEW v_fault AS SELECT workspace_id, id FROM attempts", "GRANT SELECT ON v_fault TO tutorassist_app"],
     "security_definer_view_unfiltered:public.v_fault", E),
    ("filtered definer view",
     ["CREATE VIEW v_fault WITH (security_barrier) AS SELECT workspace_id, id FROM attempts "
      "WHERE workspace_id = (SELECT app.staff_workspace())", "GRANT SELECT ON v_fault TO tutorassist_app"],
     "security_definer_view_filtered:public.v_fault", I),
    ("materialized view readable", ["GRANT SELECT ON mv_student_performance TO tutorassist_learner"],
     "materialized_view_readable:public.mv_student_performance", W),
    ("sensitive column readable",
     ["CREATE TABLE fault_keys (id int PRIMARY KEY, api_key text)", "GRANT SELECT ON fault_keys TO tutorassist_app"],
     "sensitive_columns_exposed:public.fault_keys", E),
    ("extension in public", ["CREATE EXTENSION hstore SCHEMA public"], "extension_in_public:hstore", W),
    ("extension outdated", ["CREATE EXTENSION hstore SCHEMA extensions VERSION '1.4'"], "extension_outdated:hstore", W),
    # indexes
    ("unindexed foreign key",
     ["CREATE TABLE fault_child (id int PRIMARY KEY, user_id uuid REFERENCES users (id) ON DELETE CASCADE)"],
     "unindexed_foreign_key:public.fault_child.fault_child_user_id_fkey", W),
    ("foreign key led by a partial index",
     ["CREATE TABLE fault_child (id int PRIMARY KEY, user_id uuid REFERENCES users (id), done boolean)",
      "CREATE INDEX fault_child_user ON fault_child (user_id) WHERE done"],
     "unindexed_foreign_key:public.fault_child.fault_child_user_id_fkey", W),
    ("invalid index", ["UPDATE pg_index SET indisvalid = false WHERE indexrelid = 'idx_attempts_question'::regclass"],
     "invalid_index:public.idx_attempts_question", E),
    ("duplicate index", ["CREATE INDEX idx_fault_copy ON attempts (workspace_id, question_id, submitted_at)"],
     "duplicate_index:public.idx_attempts_question+idx_fault_copy", W),
    ("unused index", ["CREATE INDEX idx_fault_unused ON topics (name)"], "unused_index:public.idx_fault_unused", I),
    ("vector column without ANN index",
     ["CREATE TABLE fault_vectors (id int PRIMARY KEY, embedding extensions.vector(3))"],
     "vector_without_ann:public.fault_vectors.embedding", W),
    ("embedding model without its index",
     ["INSERT INTO embedding_models (name, dimensions, provider) VALUES ('fault-model', 384, 'local')",
      "INSERT INTO question_embeddings (workspace_id, question_id, embedding_model, text_hash, embedding) "
      "SELECT workspace_id, question_id, 'fault-model', text_hash, embedding FROM question_embeddings LIMIT 1"],
     "vector_without_ann:public.question_embeddings.embedding[fault-model]", W),
    # storage
    ("no primary key", ["CREATE TABLE fault_log (line text)"], "no_primary_key:public.fault_log", W),
    ("reg* column", ["CREATE TABLE fault_reg (id int PRIMARY KEY, handler regproc)"],
     "unsupported_reg_type:public.fault_reg.handler", W),
    ("bloated table",
     ["CREATE TABLE fault_bloat (id int PRIMARY KEY, body text) WITH (autovacuum_enabled = false)",
      "INSERT INTO fault_bloat SELECT i, repeat('x', 900) FROM generate_series(1, 30000) AS i",
      "DELETE FROM fault_bloat WHERE id > 50", "ANALYZE fault_bloat"],
     "table_bloat:public.fault_bloat", W),
    # freshness
    ("materialized view without unique index", ["CREATE MATERIALIZED VIEW mv_fault AS SELECT 1 AS one"],
     "matview_without_unique_index:public.mv_fault", W),
    ("materialized view never populated", ["CREATE MATERIALIZED VIEW mv_fault AS SELECT 1 AS one WITH NO DATA",
                                           "CREATE UNIQUE INDEX ON mv_fault (one)"],
     "matview_unpopulated:public.mv_fault", E),
    ("analytics refreshed too long ago",
     ["INSERT INTO system_jobs (type, status, started_at, finished_at) "
      "VALUES ('REFRESH_ANALYTICS', 'succeeded', now() - interval '3 hours', now() - interval '3 hours')"],
     "analytics_stale", W),
    ("analytics never refreshed, attempts waiting",
     ["SET LOCAL session_replication_role = replica", "UPDATE attempts SET created_at = now() - interval '2 hours'"],
     "analytics_stale", W),
    # migrations
    ("migration not applied", ["UPDATE alembic_version SET version_num = '0018_retention'"], "migrations_pending", E),
    ("no migration applied", ["DELETE FROM alembic_version"], "migrations_pending", E),
    ("unknown revision", ["UPDATE alembic_version SET version_num = '9999_from_the_future'"],
     "migrations_unknown_revision", E),
    # orphans and contracts
    ("foreign key not validated",
     ["UPDATE pg_constraint SET convalidated = false WHERE conname = 'tutor_feedback_tutor_user_id_fkey'"],
     "foreign_key_not_valid:public.tutor_feedback.tutor_feedback_tutor_user_id_fkey", W),
    ("check constraint not validated",
     ["UPDATE pg_constraint SET convalidated = false WHERE conrelid = 'attempts'::regclass "
      "AND conname = 'attempts_answer_raw_check'"],
     "check_not_valid:public.attempts.attempts_answer_raw_check", W),
    ("attempt context breaks its contract",
     ["""UPDATE attempts SET context_json = '{"device_type": "fridge"}'"""],
     "jsonb_contract:public.attempts.context_json", E),
    ("topic metadata with an unknown key", ["""UPDATE topics SET metadata = '{"colour": "blue"}'"""],
     "jsonb_contract:public.topics.metadata", E),
]


@pytest.mark.parametrize(("statements", "key", "level"), [f[1:] for f in FAULTS], ids=[f[0] for f in FAULTS])
def test_each_fault_is_reported_with_its_key_and_level(audited, statements, key, level):
    url, _, _ = audited
    report = audit_with(url, *statements)
    found = {f.key: f for f in report.findings}
    assert key in found, f"{key} not reported; got {sorted(k for k in found if not k.startswith('unused_index'))}"
    assert found[key].level is level
    assert report.exit_code == max(int(level), report.exit_code) and report.exit_code >= int(level)


def test_healthy_database_with_every_table_filled_has_nothing_above_info(audited):
    url, _, _ = audited
    report = audit_with(url)
    assert above_info(report) == []
    assert report.exit_code == 0
    assert report.checks_run == len(registered())
    # What a healthy database does report are facts: the narrow SECURITY DEFINER entry points, the filtered views.
    assert "security_definer_view_filtered:public.v_student_performance" in {f.key for f in report.findings}
    # Every committed suppression still matches a real finding.
    assert sorted(f.key for f in report.suppressed) == sorted(s.key for s in committed_suppressions())
    assert not [f for f in report.findings if f.key.startswith("unused_suppression:")]


def test_keys_are_stable_between_runs(audited):
    url, _, _ = audited
    fault = "ALTER TABLE topics NO FORCE ROW LEVEL SECURITY"
    first, second = audit_with(url, fault), audit_with(url, fault)
    assert [f.key for f in first.findings] == [f.key for f in second.findings]


def test_unwrapped_helper_in_a_policy_is_reported(audited):
    url, _, _ = audited
    with injected(url) as conn:
        policy = "staff_workspace"
        conn.execute(f"ALTER POLICY {policy} ON topics USING (workspace_id = app.staff_workspace())")
        report = audit_connection(conn, url, accepted=committed_suppressions())
    finding = {f.key: f for f in report.findings}[f"rls_unwrapped_call:public.topics.{policy}"]
    assert finding.level is W and "app.staff_workspace()" in finding.detail
    assert report.exit_code == 1


def test_policy_not_bound_to_the_workspace_is_reported(audited):
    url, _, _ = audited
    with injected(url) as conn:
        policy = "staff_workspace"
        conn.execute(f"ALTER POLICY {policy} ON attempts USING (student_user_id IS NOT NULL)")
        report = audit_connection(conn, url, accepted=committed_suppressions())
    assert {f.key: f.level for f in report.findings}[f"rls_policy_unbound:public.attempts.{policy}"] is E


def test_recent_refresh_and_turned_off_refresh(audited):
    url, _, _ = audited
    recent = audit_with(url, "INSERT INTO system_jobs (type, status, started_at, finished_at) VALUES "
                             "('REFRESH_ANALYTICS', 'succeeded', now() - interval '20 minutes', now() - interval '20 minutes')",
                        "SET LOCAL session_replication_role = replica",
                        "UPDATE attempts SET created_at = now() - interval '2 hours'")
    assert "analytics_stale" not in {f.key for f in recent.findings}
    off = audit_with(url, "INSERT INTO system_jobs (type, status, started_at, finished_at) VALUES "
                          "('REFRESH_ANALYTICS', 'succeeded', now() - interval '3 hours', now() - interval '3 hours')",
                     schedule_overrides="REFRESH_ANALYTICS=off")
    keys = {f.key: f.level for f in off.findings}
    assert "analytics_stale" not in keys and keys["refresh_turned_off"] is I


def test_dead_rows_vacuum_did_not_remove_are_reported(audited):
    url, _, _ = audited
    # Dead-row counts are statistics of committed work, so this fault is committed (and dropped afterwards).
    with connect(url, autocommit=True) as conn:
        conn.execute("CREATE TABLE fault_churn (id int PRIMARY KEY) WITH (autovacuum_enabled = false)")
        try:
            conn.execute("INSERT INTO fault_churn SELECT generate_series(1, 20000)")
            conn.execute("DELETE FROM fault_churn WHERE id > 1000")
            conn.execute("SELECT pg_stat_force_next_flush()")
            conn.execute("SELECT 1")  # the flush happens at the end of a statement
            finding = {f.key: f for f in audit_with(url).findings}["dead_tuples:public.fault_churn"]
            assert finding.level is W and "19000 dead rows" in finding.detail
        finally:
            conn.execute("DROP TABLE fault_churn")


def test_a_large_unused_index_is_a_warning(audited, monkeypatch):
    url, _, _ = audited
    monkeypatch.setattr(indexes, "LARGE_UNUSED_INDEX_BYTES", 1)
    report = audit_with(url, "CREATE INDEX idx_fault_unused ON topics (name)")
    assert {f.key: f.level for f in report.findings}["unused_index:public.idx_fault_unused"] is W


def test_every_kind_of_finding_is_documented():
    docs = (Path(__file__).resolve().parents[2] / "docs" / "database-audit.md").read_text()
    kinds = {key.split(":", 1)[0] for _, _, key, _ in FAULTS} | {
        "orphan_ids", "rls_unwrapped_call", "rls_policy_unbound", "dead_tuples", "refresh_turned_off",
        "check_failed", "unused_suppression", "counter_drift"}
    assert sorted(kind for kind in kinds if f"`{kind}" not in docs) == []


def test_a_drifted_counter_is_reported_with_the_repair_that_fixes_it(audited):
    url, _, _ = audited
    report = audit_with(url, "UPDATE question_stats SET times_attempted = times_attempted + 5 "
                             "WHERE question_id = (SELECT question_id FROM question_stats ORDER BY 1 LIMIT 1)")
    drifted = [f for f in report.findings if f.key.startswith("counter_drift:")]
    assert [f.key.split(":")[1] for f in drifted] == ["question_stats"]
    assert drifted[0].level is W and report.exit_code == 1
    assert "times_attempted" in drifted[0].detail and "db reconcile" in drifted[0].remediation
