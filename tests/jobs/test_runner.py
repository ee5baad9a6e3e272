"""The runner on real rows: claim, handler, and every way a job ends; the queue entry written with the row."""

from __future__ import annotations

import pytest
from sqlalchemy import text

from tests.jobs.conftest import ask, job
from tutorassist.db.connection import acting
from tutorassist.jobs import service
from tutorassist.jobs.runner import execute


def queue_entries(owner, job_id) -> list[tuple]:
    return owner.execute("SELECT status::text, scheduled_at IS NOT NULL FROM procrastinate.procrastinate_jobs "
                         "WHERE lock = %s ORDER BY id", (str(job_id),)).fetchall()


def test_a_queued_row_has_its_queue_entry_in_the_same_transaction(owner, world):
    job_id = ask(owner, world.ws, "TEST_TRIVIAL")
    row = job(owner, job_id)
    assert row["status"] == "queued" and row["queue_job_id"] is not None
    entry = owner.execute("SELECT task_name, queue_name, lock, args FROM procrastinate.procrastinate_jobs WHERE id = %s",
                          (row["queue_job_id"],)).fetchone()
    assert entry == ("run_job", "jobs", str(job_id), {"workspace_id": str(world.ws), "job_id": str(job_id)})
    # A row that fails to be written leaves no queue entry behind.
    before = owner.execute("SELECT count(*) FROM procrastinate.procrastinate_jobs").fetchone()[0]
    with pytest.raises(Exception):
        owner.execute("INSERT INTO jobs (workspace_id, type) VALUES (%s, 'not a type')", (world.ws,))
    assert owner.execute("SELECT count(*) FROM procrastinate.procrastinate_jobs").fetchone()[0] == before


def test_success_records_result_progress_and_effect_once(owner, world):
    job_id = ask(owner, world.ws, "TEST_WRITE_QUESTIONS", {"count": 3}, created_by=world.tutor)
    assert execute(world.engines, world.ws, job_id) == "succeeded"
    row = job(owner, job_id)
    assert (row["status"], row["attempts"], row["progress_done"], row["progress_total"]) == ("succeeded", 1, 3, 3)
    assert row["result_json"] == {"written_this_run": 3, "count": 3} and row["finished_at"] is not None
    # Run again (a duplicate queue entry, a retry after a crash): nothing happens twice.
    assert execute(world.engines, world.ws, job_id) == "skipped"
    assert owner.execute("SELECT count(*) FROM questions WHERE prompt_latex LIKE %s", (f"job {job_id}%",)).fetchone()[0] == 3


def test_a_job_interrupted_mid_way_resumes_without_duplicating(owner, world):
    job_id = ask(owner, world.ws, "TEST_WRITE_QUESTIONS", {"count": 4}, created_by=world.tutor)
    # As if a worker had claimed it, written two items and died.
    owner.execute("UPDATE jobs SET status = 'running', attempts = 1 WHERE id = %s", (job_id,))
    for item in range(2):
        owner.execute("INSERT INTO questions (workspace_id, prompt_latex, answer_type, answer_spec) "
                      "VALUES (%s, %s, 'number', '{\"value\": \"1\"}')", (world.ws, f"job {job_id} item {item}"))
    assert execute(world.engines, world.ws, job_id) == "succeeded"
    assert job(owner, job_id)["result_json"]["written_this_run"] == 2
    assert job(owner, job_id)["attempts"] == 2
    assert owner.execute("SELECT count(*) FROM questions WHERE prompt_latex LIKE %s", (f"job {job_id}%",)).fetchone()[0] == 4


def test_work_for_a_member_is_done_as_that_member(owner, world):
    # Asked by nobody (the member was deleted): the job cannot act for anyone and fails in words.
    job_id = ask(owner, world.ws, "TEST_WRITE_QUESTIONS", {"count": 1})
    assert execute(world.engines, world.ws, job_id) == "failed"
    assert "no member to act for" in job(owner, job_id)["error_text"]
    # Asked by a student (who could never write questions): refused by the database's own rules.
    job_id = ask(owner, world.ws, "TEST_WRITE_QUESTIONS", {"count": 1}, created_by=world.student)
    assert execute(world.engines, world.ws, job_id) == "failed"
    assert "no longer staff" in job(owner, job_id)["error_text"]


def test_permanent_failure_is_not_retried(owner, world):
    job_id = ask(owner, world.ws, "TEST_FAIL", {"message": "over the monthly AI budget"})
    assert execute(world.engines, world.ws, job_id) == "failed"
    row = job(owner, job_id)
    assert (row["status"], row["attempts"], row["error_text"]) == ("failed", 1, "over the monthly AI budget")


def test_transient_failure_retries_later_then_gives_up(owner, world):
    job_id = ask(owner, world.ws, "TEST_RETRY", {"seconds": 30}, max_attempts=2)
    assert execute(world.engines, world.ws, job_id) == "retrying"
    row = job(owner, job_id)
    assert row["status"] == "queued" and row["error_text"] == "provider busy"
    assert owner.execute("SELECT %s > now() + interval '25 seconds'", (row["run_after"],)).fetchone()[0]
    assert len(queue_entries(owner, job_id)) == 2  # the first entry and the one for the retry
    assert execute(world.engines, world.ws, job_id) == "failed"
    row = job(owner, job_id)
    assert row["attempts"] == 2 and row["error_text"] == "provider busy (after 2 attempts)"


def test_transient_failure_then_success(owner, world):
    job_id = ask(owner, world.ws, "TEST_RETRY", {"succeed_on": 2})
    assert execute(world.engines, world.ws, job_id) == "retrying"
    assert execute(world.engines, world.ws, job_id) == "succeeded"
    assert job(owner, job_id)["result_json"] == {"attempt": 2}


def test_an_unexpected_error_is_retried_with_backoff_and_told_in_short(owner, world):
    job_id = ask(owner, world.ws, "TEST_CRASH", max_attempts=2)
    assert execute(world.engines, world.ws, job_id) == "retrying"
    assert job(owner, job_id)["error_text"] == "internal error (ValueError): a bug"
    owner.execute("UPDATE jobs SET run_after = now() WHERE id = %s", (job_id,))
    assert execute(world.engines, world.ws, job_id) == "failed"
    assert job(owner, job_id)["error_text"].startswith("internal error (ValueError): a bug (after 2 attempts)")


def test_snoozing_waits_without_spending_attempts(owner, world):
    job_id = ask(owner, world.ws, "TEST_SNOOZE", max_attempts=1)
    assert execute(world.engines, world.ws, job_id) == "snoozed"
    row = job(owner, job_id)
    assert (row["status"], row["attempts"], row["progress_message"]) == ("running", 0, "waiting for the provider")
    assert execute(world.engines, world.ws, job_id) == "snoozed"
    assert execute(world.engines, world.ws, job_id) == "succeeded"
    assert job(owner, job_id)["attempts"] == 1


def test_a_job_whose_workers_keep_dying_gives_up(owner, world):
    job_id = ask(owner, world.ws, "TEST_TRIVIAL", max_attempts=2)
    owner.execute("UPDATE jobs SET status = 'running', attempts = 2 WHERE id = %s", (job_id,))
    assert execute(world.engines, world.ws, job_id) == "failed"
    assert job(owner, job_id)["error_text"] == "gave up after 2 attempts (its worker stopped each time)"


def test_unknown_type_fails_in_words(owner, world):
    job_id = ask(owner, world.ws, "NO_SUCH_TYPE")
    assert execute(world.engines, world.ws, job_id) == "failed"
    assert job(owner, job_id)["error_text"] == "unknown job type NO_SUCH_TYPE"


def test_cancel_a_queued_job_takes_it_off_the_queue(owner, world):
    job_id = ask(owner, world.ws, "TEST_TRIVIAL")
    with world.engines.owner.begin() as conn:
        assert service.cancel(conn, world.ws, job_id) == "cancelled"
        assert service.cancel(conn, world.ws, job_id) == "refused:cancelled"  # already: says so, changes nothing
    assert queue_entries(owner, job_id) == [("cancelled", True)]
    assert execute(world.engines, world.ws, job_id) == "skipped"


def test_cancel_a_running_job_stops_it_between_units(owner, world):
    job_id = ask(owner, world.ws, "TEST_WRITE_QUESTIONS", {"count": 3}, created_by=world.tutor)
    owner.execute("UPDATE jobs SET status = 'running', attempts = 1 WHERE id = %s", (job_id,))
    with world.engines.owner.begin() as conn:
        assert service.cancel(conn, world.ws, job_id) == "cancelling"
    assert execute(world.engines, world.ws, job_id) == "cancelled"
    assert job(owner, job_id)["progress_message"] == "cancelled on request"


def test_retry_queues_a_failed_job_again(owner, world):
    job_id = ask(owner, world.ws, "TEST_RETRY", {"succeed_on": 2}, max_attempts=1)
    assert execute(world.engines, world.ws, job_id) == "failed"
    with world.engines.owner.begin() as conn:
        assert service.retry(conn, world.ws, job_id) == "queued"
    row = job(owner, job_id)
    assert (row["status"], row["attempts"], row["error_text"]) == ("queued", 0, None)
    assert len(queue_entries(owner, job_id)) == 2
    with world.engines.owner.begin() as conn:
        assert service.retry(conn, world.ws, job_id) == "refused:queued"  # not failed: refused, the status says why


def test_staff_ask_for_jobs_and_read_them_but_never_move_them(owner, world):
    with acting(world.engines.app, world.tutor, world.ws) as conn:
        job_id = service.enqueue(conn, world.ws, "TEST_TRIVIAL", {"x": 1})
    row = job(owner, job_id)
    assert row["created_by"] == world.tutor and row["queue_job_id"] is not None
    for forged in ("UPDATE jobs SET status = 'succeeded'", "DELETE FROM jobs",
                   "UPDATE jobs SET cost_usd = 0"):
        with pytest.raises(Exception, match="permission denied"):
            with acting(world.engines.app, world.tutor, world.ws) as conn:
                conn.execute(text(forged))
    with pytest.raises(Exception, match="permission denied"):
        with acting(world.engines.app, world.tutor, world.ws) as conn:
            conn.execute(text("INSERT INTO jobs (workspace_id, type, status) VALUES (:w, 'TEST_TRIVIAL', 'succeeded')"),
                         {"w": world.ws})
    with acting(world.engines.app, world.tutor, world.ws) as conn:
        # Another workspace's job: invisible, and neither cancelled nor retried.
        other = ask(owner, world.other_ws, "TEST_TRIVIAL")
        assert service.find(conn, None, other) is None
        assert service.cancel(conn, world.other_ws, other) is None
        assert service.cancel(conn, world.ws, job_id) == "cancelled"
    with pytest.raises(Exception, match="permission denied"):  # a student manages no jobs
        with acting(world.engines.app, world.student, world.ws) as conn:
            service.cancel(conn, world.ws, job_id)
    assert job(owner, other)["status"] == "queued"


def test_ai_usage_cost_adds_up_on_the_job(owner, world):
    job_id = ask(owner, world.ws, "TEST_TRIVIAL")
    for cost in ("0.001500", "0.000250"):
        owner.execute("INSERT INTO ai_usage_log (workspace_id, job_id, operation_type, model, cost_usd) "
                      "VALUES (%s, %s, 'generate_question', 'gpt-4o-mini', %s)", (world.ws, job_id, cost))
    assert str(job(owner, job_id)["cost_usd"]) == "0.001750"
    owner.execute("DELETE FROM ai_usage_log WHERE job_id = %s AND cost_usd = 0.00025", (job_id,))
    assert str(job(owner, job_id)["cost_usd"]) == "0.001500"


def test_the_queue_and_the_maintenance_record_are_the_platforms_alone(world):
    for user in (world.tutor, world.student):
        for sql in ("SELECT count(*) FROM procrastinate.procrastinate_jobs", "SELECT count(*) FROM system_jobs",
                    "SELECT app.queue_job_entry(app.staff_workspace(), gen_random_uuid(), 0, now())"):
            with pytest.raises(Exception, match="permission denied"):
                with acting(world.engines.app, user, world.ws) as conn:
                    conn.execute(text(sql))
