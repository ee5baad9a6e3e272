"""Job types the tests run through real workers (TUTORASSIST_JOB_MODULES=tests.jobs.job_types_for_tests).

TEST_WRITE_QUESTIONS writes `count` questions, one transaction each, pausing between them: long enough to be killed
mid-job, and idempotent the way real handlers are (an item already written is skipped, never written twice)."""

from __future__ import annotations

import time

from sqlalchemy import text

from tutorassist.jobs.registry import JobFailed, RetryLater, Snooze, job_type


@job_type("TEST_WRITE_QUESTIONS", max_attempts=10)
def write_questions(ctx, payload):
    count, pause = int(payload.get("count", 3)), float(payload.get("pause", 0))
    written = 0
    for item in range(count):
        ctx.stop_if_cancelled()
        prompt = f"job {ctx.job_id} item {item}"
        with ctx.acting() as conn:
            conn.execute(text("SELECT pg_advisory_xact_lock(hashtext(:p))"), {"p": prompt})
            written += conn.execute(text(
                "INSERT INTO questions (workspace_id, prompt_latex, answer_type, answer_spec, status) "
                "SELECT :w, :p, 'number', '{\"value\": \"1\"}', 'draft' "
                "WHERE NOT EXISTS (SELECT 1 FROM questions WHERE workspace_id = :w AND prompt_latex = :p)"),
                {"w": ctx.workspace_id, "p": prompt}).rowcount
        ctx.progress(item + 1, count, f"item {item + 1} of {count}")
        time.sleep(pause)
    return {"written_this_run": written, "count": count}


@job_type("TEST_FAIL")
def fail(ctx, payload):
    raise JobFailed(payload.get("message", "the request cannot be done"))


@job_type("TEST_RETRY", max_attempts=3)
def retry_then_succeed(ctx, payload):
    if ctx.attempt < int(payload.get("succeed_on", 99)):
        raise RetryLater("provider busy", seconds=float(payload.get("seconds", 0)))
    return {"attempt": ctx.attempt}


@job_type("TEST_CRASH", max_attempts=2)
def crash(ctx, payload):
    raise ValueError("a bug")


@job_type("TEST_SNOOZE", max_attempts=1)
def snooze_twice(ctx, payload):
    with ctx.owner.connect() as conn:
        seen = conn.execute(text("SELECT progress_done FROM jobs WHERE workspace_id = :w AND id = :j"),
                            {"w": ctx.workspace_id, "j": ctx.job_id}).scalar_one()
    if seen < 2:
        ctx.progress(seen + 1, 2, "waiting for the provider")
        raise Snooze("waiting for the provider", seconds=0)
    return {"waited": seen}


@job_type("TEST_TRIVIAL", max_attempts=1)
def trivial(ctx, payload):
    return None
