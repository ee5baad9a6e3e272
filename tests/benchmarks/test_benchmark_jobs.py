"""The jobs benchmark end to end on a small run: figures for both systems in their docs section."""

from __future__ import annotations

import psycopg

from benchmarks import jobs
from benchmarks.database import with_database


def test_jobs_benchmark_measures_both_systems(pg_server, tmp_path, monkeypatch):
    url = with_database(pg_server, "ta_bench_jobs")
    docs = tmp_path / "performance.md"
    docs.write_text("# Figures\n\nBy hand.\n")
    monkeypatch.setattr(jobs, "DOCS", docs)
    try:
        assert jobs.main(["--database-url", url, "--jobs", "30", "--pickups", "3", "--workers", "2"]) == 0
    finally:
        with psycopg.connect(pg_server, autocommit=True) as conn:
            conn.execute('DROP DATABASE IF EXISTS "ta_bench_jobs" WITH (FORCE)')
    text = docs.read_text()
    assert text.startswith("# Figures\n\nBy hand.\n") and text.count("### Jobs") == 1
    for figure in ("pickup p50 (ms)", "trivial jobs/s, 2 workers"):
        row = next(line for line in text.splitlines() if line.startswith(f"| {figure} |"))
        ours, bare = (float(cell) for cell in row.split("|")[2:4])
        assert ours > 0 and bare > 0


def test_a_database_that_holds_data_is_not_dropped(pg_server, owner, db_url):
    owner.execute("INSERT INTO users (email, display_name) VALUES ('real@example.test', 'Real')")
    owner.execute("INSERT INTO workspaces (name, owner_user_id) SELECT 'Real', id FROM users")
    assert jobs.main(["--database-url", db_url, "--jobs", "1", "--pickups", "1", "--no-docs"]) == 2
    assert jobs.main(["--database-url", db_url, "--workers", "0", "--no-docs"]) == 2
    assert jobs.main(["--database-url", db_url, "--workers", "one", "--no-docs"]) == 2
    assert owner.execute("SELECT count(*) FROM workspaces").fetchone()[0] == 1
