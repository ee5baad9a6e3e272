"""`tutorassist jobs ...` as an operator runs it, against a real database."""

from __future__ import annotations

import subprocess

from tests.jobs.conftest import ask, job
from tests.jobs.workers import ROOT, TUTORASSIST, worker_env
from tutorassist.jobs.runner import execute


def cli(db_url: str, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([TUTORASSIST, "jobs", *args], env=worker_env(db_url, COLUMNS="200"), cwd=ROOT,
                          capture_output=True, text=True, timeout=120)


def test_list_show_cancel_retry(owner, world, db_url):
    done = ask(owner, world.ws, "TEST_WRITE_QUESTIONS", {"count": 1}, created_by=world.tutor)
    execute(world.engines, world.ws, done)
    waiting = ask(owner, world.ws, "TEST_TRIVIAL")
    listed = cli(db_url, "list")
    assert listed.returncode == 0, listed.stderr
    assert str(done) in listed.stdout and str(waiting) in listed.stdout and "succeeded" in listed.stdout
    only_queued = cli(db_url, "list", "--status", "queued").stdout
    assert str(waiting) in only_queued and str(done) not in only_queued
    shown = cli(db_url, "show", str(done))
    assert shown.returncode == 0 and "written_this_run" in shown.stdout and "succeeded" in shown.stdout
    cancelled = cli(db_url, "cancel", str(waiting))
    assert cancelled.returncode == 0 and f"{waiting}: cancelled" in cancelled.stdout
    assert job(owner, waiting)["status"] == "cancelled"
    again = cli(db_url, "cancel", str(waiting))
    assert again.returncode == 1 and "already ended (cancelled)" in again.stderr
    retried = cli(db_url, "retry", str(waiting))
    assert retried.returncode == 0 and job(owner, waiting)["status"] == "queued"


def test_failures_are_told_in_words(owner, world, db_url):
    failed = ask(owner, world.ws, "TEST_FAIL", {"message": "no such topic"})
    execute(world.engines, world.ws, failed)
    shown = cli(db_url, "show", str(failed))
    assert shown.returncode == 1 and "no such topic" in shown.stdout
    missing = cli(db_url, "show", "00000000-0000-4000-8000-000000000000")
    assert missing.returncode == 1 and "no job" in missing.stderr
    for args in (("show", "not-a-uuid"), ("list", "--status", "done")):
        result = cli(db_url, *args)
        assert result.returncode != 0 and "Traceback" not in result.stderr + result.stdout


def test_system_runs_are_listed(owner, db_url):
    owner.execute("INSERT INTO system_jobs (type, status, result_json, finished_at) "
                  "VALUES ('RECONCILE_STATS', 'succeeded', '{\"questions_repaired\": 0}', now())")
    listed = cli(db_url, "list", "--system")
    assert listed.returncode == 0 and "RECONCILE_STATS" in listed.stdout and "questions_repaired" in listed.stdout
