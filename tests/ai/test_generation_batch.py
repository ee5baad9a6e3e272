"""GENERATE_QUESTIONS_BATCH against a loopback server speaking the Batch API: submit once (also after a crash between
submitting and recording), wait, store each line with its usage at the batch price, and end clearly when the
provider's batch expires half done."""

from __future__ import annotations

import pytest

from tests.ai.fake_provider import counts, job_context, rerun, settings_for
from tutorassist.ai import jobs
from tutorassist.jobs.registry import JobFailed, Snooze
from tutorassist.questions.contracts import QuestionGenerationMetadata

BATCH_PRICE = (400 * 0.15e-6 + 300 * 0.6e-6) / 2  # gpt-4o-mini at the batch price (half the list price)


def _payload(world, count=6):
    return {"topic_id": str(world.topic_id), "count": count, "mode": "batch", "difficulty_mix": {"2": 2, "4": count - 2}}


def _submit(engines, world, fake, count=6):
    payload = _payload(world, count)
    ctx = job_context(engines, world, jobs.GENERATE_QUESTIONS_BATCH, payload)
    with pytest.raises(Snooze):
        jobs.run_batch(ctx, payload, settings=settings_for(fake))
    return ctx, payload


def test_batch_submitted_once_then_stored_with_batch_prices(owner, engines, world, fake):
    ctx, payload = _submit(engines, world, fake)
    assert len(fake.batches) == 1
    provider_batch = next(iter(fake.batches))
    lines = fake.files[fake.batches[provider_batch]["input_file_id"]].decode().splitlines()
    assert len(lines) == 6 and '"custom_id": "item-0000"' in lines[0]
    row = owner.execute("SELECT openai_batch_id, status, estimated_cost_usd, mode FROM question_batches WHERE id = %s",
                        (ctx.job_id,)).fetchone()
    assert row[0] == provider_batch and row[1] == "submitted" and row[2] > 0 and row[3] == "batch"
    assert owner.execute("SELECT openai_batch_id FROM jobs WHERE id = %s", (ctx.job_id,)).fetchone()[0] == provider_batch
    # Not finished yet: the job waits again, nothing is submitted twice.
    fake.batches[provider_batch]["status"] = "in_progress"
    with pytest.raises(Snooze):
        jobs.run_batch(rerun(ctx), payload, settings=settings_for(fake))
    assert len(fake.batches) == 1
    assert jobs.poll_pending_batches(engines[0], settings_for(fake)) == []
    fake.finish_batch(provider_batch)
    assert jobs.poll_pending_batches(engines[0], settings_for(fake)) == [
        {"workspace_id": world.workspace_id, "job_id": ctx.job_id, "status": "completed"}]
    result = jobs.run_batch(rerun(ctx), payload, settings=settings_for(fake))
    assert result["generated"] == 6 and result["failed"] == 0
    usage = owner.execute("SELECT operation_type, cost_usd, metadata FROM ai_usage_log WHERE job_id = %s",
                          (ctx.job_id,)).fetchall()
    assert len(usage) == 6 and {u[0] for u in usage} == {"batch_generate"}
    assert all(float(u[1]) == pytest.approx(BATCH_PRICE, abs=1e-6) for u in usage)
    assert usage[0][2]["provider_batch_id"] == provider_batch and usage[0][2]["pricing"].startswith("batch")
    metas = [QuestionGenerationMetadata.model_validate(r[0]) for r in owner.execute(
        "SELECT generation_metadata FROM questions WHERE batch_id = %s", (ctx.job_id,)).fetchall()]
    assert {m.batch_id for m in metas} == {provider_batch}
    # Run again after completion: nothing new, no cost twice.
    before = counts(owner, world.workspace_id)
    assert jobs.run_batch(rerun(ctx), payload, settings=settings_for(fake)) == result
    assert counts(owner, world.workspace_id) == before


def test_crash_after_submitting_finds_the_same_provider_batch(owner, engines, world, fake):
    ctx, payload = _submit(engines, world, fake)
    # The worker died after batches.create and before recording it:
    owner.execute("UPDATE question_batches SET openai_batch_id = NULL, status = 'running' WHERE id = %s", (ctx.job_id,))
    with pytest.raises(Snooze):
        jobs.run_batch(rerun(ctx), payload, settings=settings_for(fake))
    assert len(fake.batches) == 1  # found by the job id in its metadata, not submitted (and paid) again


def test_batch_expiring_half_done_keeps_the_half_and_fails_clearly(owner, engines, world, fake):
    ctx, payload = _submit(engines, world, fake)
    provider_batch = next(iter(fake.batches))
    fake.finish_batch(provider_batch, status="expired", done=3)
    with pytest.raises(JobFailed, match=r"expired: 3 of 6 questions stored, 3 failed"):
        jobs.run_batch(rerun(ctx), payload, settings=settings_for(fake))
    batch = owner.execute("SELECT status, total_generated, total_failed, item_outcomes, error_text FROM question_batches "
                          "WHERE id = %s", (ctx.job_id,)).fetchone()
    assert batch[:3] == ("failed", 3, 3) and "expired" in batch[4]
    assert sorted(k for k, v in batch[3].items() if v == "not_returned") == ["item-0003", "item-0004", "item-0005"]
    stored = owner.execute("SELECT batch_custom_id FROM questions WHERE batch_id = %s ORDER BY 1", (ctx.job_id,)).fetchall()
    assert [s[0] for s in stored] == ["item-0000", "item-0001", "item-0002"]
    before = counts(owner, world.workspace_id)
    assert before["usage_rows"] == 3
    # Run again (the worker retried): the completed half is not inserted or charged twice.
    result = jobs.run_batch(rerun(ctx), payload, settings=settings_for(fake))
    assert result["generated"] == 3 and counts(owner, world.workspace_id) == before


def test_batch_line_errors_are_counted_and_logged(owner, engines, world, fake):
    from tests.ai.fake_provider import Reply

    ctx, payload = _submit(engines, world, fake, count=3)
    fake.script.append(Reply(400, {"error": {"message": "context length exceeded"}}))
    fake.finish_batch(next(iter(fake.batches)))
    result = jobs.run_batch(rerun(ctx), payload, settings=settings_for(fake))
    assert result["generated"] == 2 and result["rejected_by_reason"] == {"provider_error": 1}
    failed = owner.execute("SELECT error_message FROM ai_usage_log WHERE job_id = %s AND NOT success",
                           (ctx.job_id,)).fetchall()
    assert len(failed) == 1 and "context length" in failed[0][0]


def test_the_periodic_poll_wakes_the_job_of_a_finished_batch(owner, engines, world, fake, monkeypatch):
    from tutorassist.config import get_settings

    ctx, _ = _submit(engines, world, fake)
    provider_batch = next(iter(fake.batches))
    # The job snoozes: its queue entry waits far in the future.
    owner.execute("UPDATE procrastinate.procrastinate_jobs SET scheduled_at = now() + interval '1 hour' "
                  "WHERE id = (SELECT queue_job_id FROM jobs WHERE id = %s)", (ctx.job_id,))
    monkeypatch.setenv("TUTORASSIST_AI_BASE_URL", fake.url)
    monkeypatch.setenv("TUTORASSIST_AI_API_KEY", "test-key")
    get_settings.cache_clear()
    try:
        assert jobs.poll_provider_batches(engines[0]) == {"finished_batches": 0, "jobs_woken": 0}
        fake.finish_batch(provider_batch)
        assert jobs.poll_provider_batches(engines[0]) == {"finished_batches": 1, "jobs_woken": 1}
    finally:
        monkeypatch.undo()
        get_settings.cache_clear()
    assert owner.execute("SELECT scheduled_at <= now() FROM procrastinate.procrastinate_jobs "
                         "WHERE id = (SELECT queue_job_id FROM jobs WHERE id = %s)", (ctx.job_id,)).fetchone()[0]
