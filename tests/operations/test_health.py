"""`db health` reports real figures: sizes that grow, growth against the HEALTH_SAMPLE, failed and stuck jobs,
analytics view freshness, and `--check` turns crossed thresholds into an exit code."""

from __future__ import annotations

import json
import shutil
import subprocess
import tempfile
import time
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import text

import tutorassist.jobs.maintenance  # noqa: F401  (registers HEALTH_SAMPLE, REFRESH_ANALYTICS)
from tests import factories
from tests.jobs.workers import ROOT, TUTORASSIST, worker_env
from tutorassist.db import embedded
from tutorassist.db.connection import connect, owner_engine
from tutorassist.jobs.periodic import registered, run_recorded
from tutorassist.operations.health import HealthReport, Thresholds, _problems, _ratio, _slow_statements, measure


@pytest.fixture
def engine(db_url):
    engine = owner_engine(db_url)
    yield engine
    engine.dispose()


def report(engine, **thresholds):
    with engine.connect() as conn:
        return measure(conn, Thresholds(**thresholds))


def cli(db_url: str, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([TUTORASSIST, "db", *args], env=worker_env(db_url, COLUMNS="250"), cwd=ROOT,
                          capture_output=True, text=True, timeout=120)


def many_attempts(owner, t: factories.Tenant, n: int) -> None:
    owner.execute("INSERT INTO attempts (workspace_id, student_user_id, question_id, answer_raw, is_correct, score) "
                  "SELECT %s, %s, %s, repeat('x', 200), true, 1 FROM generate_series(1, %s)",
                  (t.workspace_id, t.student_id, t.question_id, n))


def flushed_report(owner, engine):
    """A report once the owner connection's statistics reached the shared counters (a backend sends them when idle)."""
    owner.execute("SELECT pg_stat_force_next_flush()")
    deadline = time.monotonic() + 10
    while True:
        r = report(engine)
        if r.cache["table_hits"] > 0 or time.monotonic() > deadline:
            return r
        time.sleep(0.2)


def by_name(rows, name):
    return next(row for row in rows if row["name"] == name)


def test_sizes_grow_and_growth_is_measured_against_the_previous_sample(owner, engine):
    t = factories.tenant(owner)
    before = by_name(report(engine).tables, "attempts")
    assert before["growth_bytes"] is None  # no sample yet
    run_recorded(engine, registered()["HEALTH_SAMPLE"], "test", None)
    many_attempts(owner, t, 3000)
    after = report(engine)
    attempts = by_name(after.tables, "attempts")
    assert attempts["total_bytes"] > before["total_bytes"] + 3000 * 200
    assert attempts["growth_bytes"] == attempts["total_bytes"] - before["total_bytes"]
    assert attempts["growth_bytes_per_day"] > attempts["growth_bytes"]  # the sample is seconds old
    assert after.previous_sample_at is not None
    assert by_name(after.indexes, "idx_attempts_workspace_date")["growth_bytes"] > 0
    # The job's own record holds the sizes and, from its second run, the growth.
    second = run_recorded(engine, registered()["HEALTH_SAMPLE"], "test", None)
    assert second["tables"]["attempts"] == attempts["total_bytes"]
    assert second["database_growth_bytes"] > 0 and second["since"] == after.previous_sample_at


def test_index_usage_and_cache(owner, engine):
    t = factories.tenant(owner)
    many_attempts(owner, t, 200)
    for _ in range(3):
        owner.execute("SELECT count(*) FROM attempts WHERE workspace_id = %s AND student_user_id = %s",
                      (t.workspace_id, t.student_id))
    r = flushed_report(owner, engine)
    names = {i["name"]: i for i in r.indexes}
    assert all(i["unused"] == (i["scans"] == 0 and not i["is_unique"] and not i["is_primary"]) for i in r.indexes)
    assert names["workspaces_pkey"]["unused"] is False  # a primary key is never "unused"
    assert any(i["unused"] for i in r.indexes)  # a fresh database has indexes nothing has scanned yet
    assert r.cache["table_hits"] > 0 and 0 < r.cache["table_hit_ratio"] <= 1
    # A ratio below the threshold over enough reads is a problem; too few reads are not judged.
    assert any("cache hit ratio" in p for p in report(engine, cache_hit_ratio=1.01, cache_min_reads=1).problems)
    assert not any("cache hit ratio" in p for p in report(engine, cache_hit_ratio=1.01, cache_min_reads=10**12).problems)


def test_slow_statements_say_honestly_whether_they_are_available(engine):
    slow = report(engine).slow_statements
    if slow["available"]:
        assert isinstance(slow["statements"], list)
    else:
        assert slow["statements"] == [] and "pg_stat_statements" in slow["reason"]


def test_failed_and_stuck_jobs(owner, engine, db_url):
    t = factories.tenant(owner)
    assert report(engine).problems == []
    failed = owner.execute("INSERT INTO jobs (workspace_id, type, status, error_text, finished_at) "
                           "VALUES (%s, 'EMBED_QUESTIONS', 'failed', 'provider down', now()) RETURNING id",
                           (t.workspace_id,)).fetchone()[0]
    owner.execute("INSERT INTO jobs (workspace_id, type, status, error_text, finished_at) "
                  "VALUES (%s, 'EMBED_QUESTIONS', 'failed', 'long ago', now() - interval '3 days')", (t.workspace_id,))
    owner.execute("INSERT INTO system_jobs (type, status, error_text, finished_at) "
                  "VALUES ('REFRESH_ANALYTICS', 'failed', 'OperationalError: boom', now())")

    def running_job(heartbeat_age: str):
        job = owner.execute("INSERT INTO jobs (workspace_id, type) VALUES (%s, 'GENERATE_QUESTIONS_BATCH') RETURNING id",
                            (t.workspace_id,)).fetchone()[0]
        worker = owner.execute("INSERT INTO procrastinate.procrastinate_workers (last_heartbeat) "
                               f"VALUES (now() - interval '{heartbeat_age}') RETURNING id").fetchone()[0]
        owner.execute("UPDATE procrastinate.procrastinate_jobs SET status = 'doing', worker_id = %s "
                      "WHERE id = (SELECT queue_job_id FROM jobs WHERE id = %s)", (worker, job))
        owner.execute("UPDATE jobs SET status = 'running', started_at = now(), attempts = 1 WHERE id = %s", (job,))
        return job

    stale = running_job("10 minutes")
    alive = running_job("1 second")
    late = owner.execute("INSERT INTO jobs (workspace_id, type, run_after) VALUES (%s, 'EMBED_QUESTIONS', "
                         "now() - interval '2 hours') RETURNING id", (t.workspace_id,)).fetchone()[0]

    r = report(engine)
    assert {f["id"] for f in r.jobs["failed"] if f["source"] == "job"} == {str(failed)}
    assert {f["type"] for f in r.jobs["failed"] if f["source"] == "maintenance"} == {"REFRESH_ANALYTICS"}
    assert [s["id"] for s in r.jobs["stuck"]] == [stale]
    assert "no heartbeat since" in r.jobs["stuck"][0]["reason"]
    assert alive not in {s["id"] for s in r.jobs["stuck"]}
    assert [q["id"] for q in r.jobs["queued_too_long"]] == [late]
    backlog = {(b["source"], b["name"]): b["waiting"] for b in r.jobs["backlog"]}
    assert backlog[("jobs", "EMBED_QUESTIONS")] == 1
    assert backlog[("queue", "run_job")] >= 1
    last = {m["type"]: m for m in r.maintenance}
    assert last["REFRESH_ANALYTICS"]["last_status"] == "failed" and last["REFRESH_ANALYTICS"]["last_success_at"] is None
    assert len(r.problems) == 3 and any("stuck" in p for p in r.problems) and any("failed" in p for p in r.problems)

    checked = cli(db_url, "health", "--check")
    assert checked.returncode == 1, checked.stderr
    assert "stuck" in checked.stdout and "provider down" in checked.stdout and str(stale) in checked.stdout
    assert cli(db_url, "health").returncode == 0  # without --check it only reports


def test_analytics_views_are_stale_without_a_recent_refresh(owner, engine):
    assert report(engine).analytics_views["stale"] is False  # nothing to be stale about
    t = factories.tenant(owner)
    many_attempts(owner, t, 1)
    views = report(engine).analytics_views
    assert views["stale"] is True and views["last_refresh_at"] is None
    run_recorded(engine, registered()["REFRESH_ANALYTICS"], "test", None)
    views = report(engine).analytics_views
    assert views["stale"] is False and views["age_hours"] < 0.1
    owner.execute("UPDATE system_jobs SET started_at = started_at - interval '3 hours', "
                  "finished_at = finished_at - interval '3 hours'")
    assert any("analytics views stale" in p for p in report(engine).problems)


def test_cli_json_check_and_bad_input(db_url):
    healthy = cli(db_url, "health", "--check", "--format", "json")
    assert healthy.returncode == 0, healthy.stderr
    document = json.loads(healthy.stdout)
    assert document["problems"] == [] and by_name(document["tables"], "attempts")["total_bytes"] > 0
    assert {"cache", "slow_statements", "jobs", "maintenance", "analytics_views"} <= set(document)
    for args in (("health", "--format", "xml"), ("reconcile", "--format", "yaml"), ("reconcile", "--workspace", "nope"),
                 ("reconcile", "--kind", "nonsense")):
        result = cli(db_url, *args)
        assert result.returncode == 2, (args, result.stdout, result.stderr)
        assert len(result.stderr.strip().splitlines()) == 1 and "error:" in result.stderr, (args, result.stderr)
        assert "Traceback" not in result.stderr + result.stdout


def test_reconcile_cli_prints_what_it_changed(owner, db_url):
    t = factories.tenant(owner)
    owner.execute("INSERT INTO attempts (workspace_id, student_user_id, question_id, answer_raw, is_correct, score) "
                  "VALUES (%s, %s, %s, '2', true, 1)", (t.workspace_id, t.student_id, t.question_id))
    assert "nothing drifted" in cli(db_url, "reconcile").stdout
    owner.execute("UPDATE question_stats SET times_correct = 7")
    dry = cli(db_url, "reconcile", "--dry-run")
    assert dry.returncode == 0 and "times_correct" in dry.stdout and "7 → 1" in dry.stdout
    as_json = json.loads(cli(db_url, "reconcile", "--dry-run", "--format", "json").stdout)
    assert as_json["dry_run"] is True
    assert [(d["kind"], d["field"], d["stored"], d["recomputed"]) for d in as_json["drift"]] == \
        [("question_stats", "times_correct", 7, 1)]
    fixed = cli(db_url, "reconcile")
    assert fixed.returncode == 0 and "7 → 1" in fixed.stdout and "repaired" in fixed.stdout
    assert owner.execute("SELECT times_correct FROM question_statistics").fetchone()[0] == 1
    assert "nothing drifted" in cli(db_url, "reconcile", "--workspace", str(t.workspace_id)).stdout


def test_a_kept_embedded_server_collects_statement_statistics_and_health_reads_them():
    """The embedded server that `make serve` keeps running loads pg_stat_statements; health reads the slowest
    statements through an extension created in a savepoint it rolls back, so the schema is left as it was."""
    data_dir = Path(tempfile.mkdtemp(prefix="tutorassist-health-"))
    try:
        url = embedded.start(data_dir)
        assert embedded.start(data_dir) == url  # loaded once: no second restart
        with connect(url, autocommit=True) as conn:
            assert "pg_stat_statements" in conn.execute("SHOW shared_preload_libraries").fetchone()[0]
            conn.execute("CREATE SCHEMA extensions")
            conn.execute("SELECT count(*) FROM generate_series(1, 200000)")
        engine = owner_engine(url)
        try:
            with engine.connect() as conn:
                slow = _slow_statements(conn)
                assert conn.execute(text("SELECT count(*) FROM pg_extension WHERE extname = 'pg_stat_statements'")
                                    ).scalar_one() == 0
        finally:
            engine.dispose()
        assert slow["available"] is True, slow
        assert any("generate_series" in s["query"] and s["calls"] >= 1 for s in slow["statements"])
    finally:
        embedded.stop(data_dir)
        shutil.rmtree(data_dir, ignore_errors=True)


@settings(max_examples=200, deadline=None)
@given(table_hits=st.integers(0, 10**7), table_reads=st.integers(0, 10**7), index_hits=st.integers(0, 10**7),
       index_reads=st.integers(0, 10**7), threshold=st.floats(0.5, 1.0), min_reads=st.integers(0, 10**6))
def test_the_cache_threshold_judges_only_enough_reads(table_hits, table_reads, index_hits, index_reads, threshold,
                                                       min_reads):
    cache = {"table_hits": table_hits, "table_reads": table_reads, "index_hits": index_hits, "index_reads": index_reads,
             "table_hit_ratio": _ratio(table_hits, table_reads), "index_hit_ratio": _ratio(index_hits, index_reads)}
    r = HealthReport(taken_at="", database_bytes=0, tables=[], indexes=[], previous_sample_at=None, cache=cache,
                     slow_statements={}, jobs={k: [] for k in ("failed", "stuck", "queued_too_long", "maintenance_stuck")},
                     maintenance=[], analytics_views={"stale": False})
    problems = _problems(r, Thresholds(cache_hit_ratio=threshold, cache_min_reads=min_reads))
    for what, hits, reads in (("table", table_hits, table_reads), ("index", index_hits, index_reads)):
        total = hits + reads
        expected = total >= max(min_reads, 1) and round(hits / total, 4) < threshold
        assert any(p.startswith(f"{what} cache hit ratio") for p in problems) == expected
    assert len(problems) <= 2
