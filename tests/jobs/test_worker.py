"""Real worker processes: jobs picked up and finished, maintenance on its schedule, and workers killed with SIGKILL
mid-job a dozen times without a job finishing twice or its effect being duplicated."""

from __future__ import annotations

import subprocess

from tests.jobs.conftest import ask
from tests.jobs.workers import TUTORASSIST, kill_hard, start_worker, stop, wait_for, worker_env


def statuses(owner, ids) -> dict:
    return dict(owner.execute("SELECT id, status FROM jobs WHERE id = ANY(%s)", (list(ids),)).fetchall())


def test_a_worker_runs_queued_jobs_and_scheduled_maintenance(owner, world, db_url, tmp_path):
    ids = [ask(owner, world.ws, "TEST_WRITE_QUESTIONS", {"count": 2}, created_by=world.tutor) for _ in range(3)]
    failing = ask(owner, world.ws, "TEST_FAIL", {"message": "no"})
    worker = start_worker(db_url, tmp_path / "worker.log", TUTORASSIST_SCHEDULE="PURGE_SESSIONS=* * * * * */1")
    try:
        wait_for(lambda: set(statuses(owner, [*ids, failing]).values()) <= {"succeeded", "failed"}, 60, "the jobs")
        assert statuses(owner, ids) == {i: "succeeded" for i in ids}
        assert statuses(owner, [failing]) == {failing: "failed"}
        run = wait_for(lambda: owner.execute("SELECT status, result_json FROM system_jobs WHERE type = 'PURGE_SESSIONS' "
                                             "AND status <> 'running'").fetchone(), 30, "a maintenance run")
        assert run[0] == "succeeded" and set(run[1]) == {"sessions_deleted", "sign_in_attempts_deleted"}
        # Finished queue entries are deleted: `jobs` is the record, the queue stays small.
        assert owner.execute("SELECT count(*) FROM procrastinate.procrastinate_jobs WHERE task_name = 'run_job' "
                             "AND status = 'succeeded'").fetchone()[0] == 0
    finally:
        stop(worker)
    assert worker.returncode == 0, (tmp_path / "worker.log").read_text()[-3000:]


def test_a_bad_schedule_stops_the_worker_with_a_message(db_url):
    result = subprocess.run([TUTORASSIST, "worker"], env=worker_env(db_url, TUTORASSIST_SCHEDULE="NOPE=* * * * *"),
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 2
    assert "TUTORASSIST_SCHEDULE" in result.stderr and "RECONCILE_STATS" in result.stderr
    assert "Traceback" not in result.stderr


KILLS = 12
JOBS = 20  # more jobs than kills, so there is always one to interrupt
ITEMS = 4


def test_workers_killed_mid_job_a_dozen_times_finish_every_job_exactly_once(owner, world, db_url, tmp_path):
    ids = [ask(owner, world.ws, "TEST_WRITE_QUESTIONS", {"count": ITEMS, "pause": 0.3}, created_by=world.tutor)
           for _ in range(JOBS)]
    log = tmp_path / "workers.log"

    def mid_job(worker):
        """Jobs this worker has claimed and reported progress on, with work still to do."""
        return owner.execute("SELECT count(*) FROM jobs WHERE id = ANY(%s) AND status = 'running' "
                             "AND locked_by LIKE %s AND updated_at > started_at AND progress_done BETWEEN 1 AND %s",
                             (ids, f"%:{worker.pid}", ITEMS - 1)).fetchone()[0]

    kills = 0
    for _ in range(KILLS):
        worker = start_worker(db_url, log, "--concurrency", "2")
        wait_for(lambda: mid_job(worker), 60, "a job in the middle of its work")
        kill_hard(worker)
        kills += 1
    assert kills == KILLS
    worker = start_worker(db_url, log)
    try:
        wait_for(lambda: set(statuses(owner, ids).values()) == {"succeeded"}, 180, "every job to succeed", interval=0.2)
    finally:
        stop(worker)
    written = dict(owner.execute(
        "SELECT j.id, (SELECT count(*) FROM questions q WHERE q.workspace_id = j.workspace_id "
        "AND q.prompt_latex LIKE 'job ' || j.id || ' item %%') FROM jobs j WHERE j.id = ANY(%s)", (ids,)).fetchall())
    assert written == {i: ITEMS for i in ids}
    # Every kill cost at least one run of a job; each such job was claimed again and finished once.
    extra_runs = owner.execute("SELECT sum(attempts) - count(*) FROM jobs WHERE id = ANY(%s)", (ids,)).fetchone()[0]
    assert extra_runs >= KILLS
    assert owner.execute("SELECT count(*) FROM procrastinate.procrastinate_jobs WHERE task_name = 'run_job' "
                         "AND status IN ('todo', 'doing')").fetchone()[0] == 0


def test_the_worker_inside_serve_runs_jobs(owner, world, db_url, monkeypatch):
    """`tutorassist serve` starts this same background worker in its process (the single-command setup)."""
    from tutorassist.config import Settings
    from tutorassist.jobs.worker import start_background_worker

    monkeypatch.setenv("TUTORASSIST_JOB_MODULES", "tests.jobs.job_types_for_tests")
    worker = start_background_worker(db_url, Settings())
    try:
        job_id = ask(owner, world.ws, "TEST_WRITE_QUESTIONS", {"count": 1}, created_by=world.tutor)
        wait_for(lambda: statuses(owner, [job_id])[job_id] == "succeeded", 60, "the job")
        assert worker.thread.is_alive()
    finally:
        worker.stop()
    assert not worker.thread.is_alive()
