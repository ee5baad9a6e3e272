"""Migrations up and down, `db verify`, and the CLI's promises, against real databases."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import psycopg
import pytest

from tutorassist.db import migrate
from tutorassist.db.catalog import describe
from tutorassist.db.connection import connect
from tutorassist.db.generated_docs import GENERATED, stale
from tutorassist.db.verify import SNAPSHOT_PATH, verify


def public_objects(url: str) -> set[str]:
    with connect(url) as conn:
        rows = conn.execute(
            """SELECT relname FROM pg_class WHERE relnamespace = 'public'::regnamespace AND relname NOT LIKE 'alembic\\_version%%'
               UNION ALL SELECT proname FROM pg_proc WHERE pronamespace = 'public'::regnamespace
               UNION ALL SELECT nspname FROM pg_namespace WHERE nspname IN ('app', 'extensions')"""
        ).fetchall()
    return {r[0] for r in rows}


def test_up_down_up_is_clean(empty_db_url):
    migrate.upgrade(empty_db_url)
    with connect(empty_db_url) as conn:
        first = describe(conn)
    assert migrate.status(empty_db_url).up_to_date
    migrate.downgrade(empty_db_url, "base")
    assert public_objects(empty_db_url) == set()
    assert migrate.status(empty_db_url).current is None
    migrate.upgrade(empty_db_url)
    with connect(empty_db_url) as conn:
        assert describe(conn) == first
    assert verify(empty_db_url).ok


def test_each_revision_downgrades_and_upgrades_alone(empty_db_url):
    revisions = [r.revision for r in reversed(list(migrate.script_directory().walk_revisions()))]
    migrate.upgrade(empty_db_url)
    for previous in reversed(["base", *revisions[:-1]]):
        migrate.downgrade(empty_db_url, previous)
        assert migrate.status(empty_db_url).current == (None if previous == "base" else previous)
    for rev in revisions:
        migrate.upgrade(empty_db_url, rev)
    assert migrate.status(empty_db_url).up_to_date


def test_verify_passes_on_migrated_database(db_url):
    report = verify(db_url)
    assert report.problems == []
    assert report.objects_checked > 1000


def test_verify_lists_pending_migrations(empty_db_url):
    migrate.upgrade(empty_db_url, "0003_integrity_triggers")
    report = verify(empty_db_url)
    assert "migration 0004_row_level_security is not applied" in report.problems
    assert "migration 0006_identity is not applied" in report.problems
    assert "migration 0007_reference_data is not applied" in report.problems
    assert "migration 0008_assignment_status is not applied" in report.problems
    assert "migration 0009_question_flags is not applied" in report.problems
    assert "migration 0010_review_events is not applied" in report.problems
    head = migrate.script_directory().get_current_head()
    assert f"migration {head} is not applied" in report.problems


DRIFTS = [
    ("DROP INDEX idx_attempts_student_date", "missing index public.idx_attempts_student_date"),
    ("ALTER TABLE questions ADD COLUMN legacy text", "unexpected column questions.legacy"),
    ("ALTER TABLE attempts ALTER COLUMN answer_raw TYPE varchar(50)", "changed column attempts.answer_raw"),
    ("ALTER TABLE question_flags DROP CONSTRAINT question_flags_reason_check", "missing constraint question_flags.question_flags_reason_check"),
    ("CREATE OR REPLACE FUNCTION app.current_workspace_id() RETURNS uuid LANGUAGE sql STABLE SET search_path = pg_catalog AS $$ SELECT NULL::uuid $$",
     "changed function app.current_workspace_id()"),
    ("DROP TRIGGER attempts_derived ON attempts", "missing trigger attempts.attempts_derived"),
    ("ALTER TABLE attempts DISABLE TRIGGER attempts_derived", "changed trigger attempts.attempts_derived"),
    ("ALTER POLICY staff_workspace ON attempts USING (true)", "changed policy attempts.staff_workspace"),
    ("ALTER TABLE sessions NO FORCE ROW LEVEL SECURITY", "row-level security is not forced on tenant table sessions"),
    ("ALTER TABLE sessions DISABLE ROW LEVEL SECURITY", "row-level security is off on tenant table sessions"),
    ("COMMENT ON COLUMN attempts.context_json IS NULL", "column attempts.context_json has no COMMENT"),
    ("CREATE TABLE scratch (id int)", "table scratch has no COMMENT"),
    ("DROP MATERIALIZED VIEW mv_topic_performance CASCADE", "missing view public.mv_topic_performance"),
    ("GRANT UPDATE ON questions TO tutorassist_app", "changed grant questions to tutorassist_app"),
    ("ALTER ROLE tutorassist_app BYPASSRLS", "the application role tutorassist_app bypasses row-level security (superuser or BYPASSRLS)"),
    ("DROP EXTENSION pg_trgm CASCADE", "required extension pg_trgm is not installed"),  # CASCADE: the trigram index
]


@pytest.mark.parametrize(("statement", "expected"), DRIFTS, ids=[d[1].split(" ")[0] + ":" + d[0][:30] for d in DRIFTS])
def test_verify_reports_each_drift(db_url, statement, expected):
    with connect(db_url, autocommit=True) as conn:
        conn.execute(statement)
    try:
        problems = verify(db_url).problems
    finally:
        if "ROLE" in statement:  # roles are cluster-wide: put it back for the other tests
            with connect(db_url, autocommit=True) as conn:
                conn.execute("ALTER ROLE tutorassist_app NOBYPASSRLS")
    assert any(p.startswith(expected) for p in problems), problems


def test_committed_snapshot_matches_fresh_migration(db_url):
    with connect(db_url) as conn:
        assert json.loads(SNAPSHOT_PATH.read_text()) == describe(conn), (
            "schema_snapshot.json is stale: migrate a fresh database and run `tutorassist db snapshot`")


def test_committed_generated_docs_match_the_catalog(db_url):
    """docs/data-dictionary.md and docs/er-diagram.md say what a fresh migration to head says."""
    assert len(GENERATED) == 2
    with connect(db_url) as conn:
        assert [path.name for path in stale(conn)] == [], (
            "stale generated docs: run `tutorassist db docs` on a database migrated to head")


def cli(*args: str, env_extra: dict[str, str]) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL",)} | env_extra
    return subprocess.run([sys.executable, "-m", "tutorassist.cli.main", *args], capture_output=True, text=True,
                          env=env | {"COLUMNS": "200"}, timeout=120)


def test_cli_migrate_status_verify_downgrade(empty_db_url):
    env = {"DATABASE_URL": empty_db_url}
    status = cli("db", "status", env_extra=env)
    assert status.returncode == 0 and "pending: 0001_foundation" in status.stdout
    first = cli("db", "migrate", env_extra=env)
    revisions = len(list(migrate.script_directory().walk_revisions()))
    assert first.returncode == 0 and f"applied {revisions} migration(s)" in first.stdout
    again = cli("db", "migrate", env_extra=env)
    assert again.returncode == 0 and "already at the newest revision" in again.stdout
    ok = cli("db", "verify", env_extra=env)
    assert ok.returncode == 0, ok.stdout + ok.stderr
    down = cli("db", "downgrade", "0004_row_level_security", env_extra=env)
    assert down.returncode == 0 and "pending: 0005_analytics_views" in down.stdout
    failing = cli("db", "verify", env_extra=env)
    assert failing.returncode == 1 and "migration 0005_analytics_views is not applied" in failing.stdout
    assert "Traceback" not in failing.stdout + failing.stderr


def test_cli_refuses_bad_input_with_a_message(empty_db_url):
    bad_rev = cli("db", "downgrade", "9999_nope", env_extra={"DATABASE_URL": empty_db_url})
    assert bad_rev.returncode == 2 and "unknown revision '9999_nope'" in bad_rev.stderr
    unreachable = cli("db", "status", env_extra={"DATABASE_URL": "postgresql://nobody@/nodb?host=/nonexistent"})
    assert unreachable.returncode == 2 and "cannot connect to the database" in unreachable.stderr
    wrong_scheme = cli("db", "status", env_extra={"DATABASE_URL": "mysql://localhost/x"})
    assert wrong_scheme.returncode == 2 and "DATABASE_URL must be a postgresql:// URL" in wrong_scheme.stderr
    for result in (bad_rev, unreachable, wrong_scheme):
        assert "Traceback" not in result.stdout + result.stderr


def test_server_without_a_required_extension_is_named(db_url):
    from tutorassist.db.connection import server_problems

    with connect(db_url) as conn:
        assert server_problems(conn) == []
        conn.execute("SET ROLE tutorassist_app")  # a role without BYPASSRLS cannot own the schema
        assert any("BYPASSRLS" in p for p in server_problems(conn))


def test_app_role_cannot_escape_row_level_security(db_url):
    with connect(db_url) as conn:
        conn.execute("SET ROLE tutorassist_app")
        with pytest.raises(psycopg.errors.InsufficientPrivilege):
            conn.execute("SET row_security = off; SELECT count(*) FROM attempts")
