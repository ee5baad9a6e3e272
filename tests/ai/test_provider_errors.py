"""What each way a provider call can go wrong leads to: a retry with the right delay, a clear job failure, or items
rejected and counted; always a logged call, never a half-written chunk."""

from __future__ import annotations

import json

import pytest

from tests import factories
from tests.ai.fake_provider import Reply, completion, counts, job_context, linear_question, rerun, settings_for
from tutorassist.ai import jobs
from tutorassist.jobs.registry import JobFailed, RetryLater


def _payload(world, count=3):
    return {"topic_id": str(world.topic_id), "count": count, "provider": "openai"}


def _usage(owner, ws):
    return owner.execute("SELECT success, error_message, tokens_total, cost_usd FROM ai_usage_log "
                         "WHERE workspace_id = %s ORDER BY created_at", (ws,)).fetchall()


@pytest.mark.parametrize(("reply", "delay"), [
    (Reply(500, {"error": {"message": "upstream broke"}}), 30.0),
    (Reply(503, {"error": {"message": "overloaded"}}, {"Retry-After": "12"}), 12.0),
    (Reply(429, {"error": {"message": "rate limited"}}, {"Retry-After": "17"}), 17.0),
])
def test_transient_errors_retry_later_and_are_logged(owner, engines, world, fake, reply, delay):
    payload = _payload(world)
    ctx = job_context(engines, world, jobs.GENERATE_QUESTIONS, payload)
    fake.script.append(reply)
    with pytest.raises(RetryLater) as raised:
        jobs.run_generate(ctx, payload, settings=settings_for(fake))
    assert raised.value.seconds == delay
    usage = _usage(owner, world.workspace_id)
    assert len(usage) == 1 and usage[0][0] is False and str(reply.status) in usage[0][1]
    assert counts(owner, world.workspace_id)["questions"] == 0
    # The retry (the provider is fine again) completes the job; the failed call stays logged once.
    result = jobs.run_generate(rerun(ctx), payload, settings=settings_for(fake))
    assert result["generated"] == 3
    assert [u[0] for u in _usage(owner, world.workspace_id)] == [False, True]


def test_timeout_retries_later(owner, engines, world, fake):
    payload = _payload(world)
    ctx = job_context(engines, world, jobs.GENERATE_QUESTIONS, payload)
    fake.script.append(Reply(200, completion(json.dumps({"questions": []})), delay=2.5))
    with pytest.raises(RetryLater):
        jobs.run_generate(ctx, payload, settings=settings_for(fake, ai_timeout=0.5))
    usage = _usage(owner, world.workspace_id)
    assert usage[0][0] is False and "in time" in usage[0][1]


def test_refused_request_fails_the_job_clearly(owner, engines, world, fake):
    payload = _payload(world)
    ctx = job_context(engines, world, jobs.GENERATE_QUESTIONS, payload)
    fake.script.append(Reply(401, {"error": {"message": "Incorrect API key provided"}}))
    with pytest.raises(JobFailed, match="refused.*401.*Incorrect API key"):
        jobs.run_generate(ctx, payload, settings=settings_for(fake))
    assert _usage(owner, world.workspace_id)[0][0] is False
    batch = owner.execute("SELECT status, error_text, total_failed, item_outcomes FROM question_batches WHERE id = %s",
                          (ctx.job_id,)).fetchone()
    assert batch[0] == "failed" and "Incorrect API key" in batch[1] and batch[2] == 3
    assert set(batch[3].values()) == {"provider_error"}


@pytest.mark.parametrize("content", ["{not json", json.dumps({"questions": [{"prompt": "no such shape"}]}),
                                     json.dumps({"items": []})])
def test_malformed_answers_are_rejected_logged_and_counted(owner, engines, world, fake, content):
    payload = _payload(world, count=7)  # two chunks: the first answer is malformed, the second fine
    ctx = job_context(engines, world, jobs.GENERATE_QUESTIONS, payload)
    fake.script.append(Reply(200, completion(content)))
    result = jobs.run_generate(ctx, payload, settings=settings_for(fake))
    if content.startswith('{"questions": [{'):  # valid JSON, one candidate of the wrong shape: that item only
        assert result["rejected_by_reason"] == {"missing_from_response": 4, "schema_mismatch": 1}
    else:
        assert result["rejected_by_reason"] == {"malformed_response": 5}
    assert result["generated"] == 2 and result["failed"] == 5
    usage = _usage(owner, world.workspace_id)
    malformed = not content.startswith('{"questions": [{')
    assert usage[0][0] is (not malformed) and usage[0][2] == 700 and usage[0][3] > 0  # tokens were paid for
    if malformed:
        assert "not" in usage[0][1]
    assert counts(owner, world.workspace_id)["questions"] == 2


def test_wrong_answers_are_rejected_by_the_cas(owner, engines, world, fake):
    payload = _payload(world, count=4)
    ctx = job_context(engines, world, jobs.GENERATE_QUESTIONS, payload)
    fake.wrong = True
    result = jobs.run_generate(ctx, payload, settings=settings_for(fake))
    assert result["generated"] == 0 and result["rejected_by_reason"] == {"answer_wrong": 4}
    assert owner.execute("SELECT total_failed, status FROM question_batches WHERE id = %s", (ctx.job_id,)
                         ).fetchone() == (4, "completed")
    assert counts(owner, world.workspace_id)["questions"] == 0


def test_duplicates_of_the_workspace_and_within_a_call_are_rejected(owner, engines, world, fake):
    existing = linear_question(1, 3)
    factories.question(owner, world.workspace_id, prompt_latex=existing["prompt_latex"],
                       prompt_text=existing["prompt_latex"].replace("$$", "").replace("$", ""))
    twin = linear_question(50, 3)
    fake.script.append(Reply(200, completion(json.dumps({"questions": [linear_question(1, 3), twin, twin]}))))
    payload = _payload(world)
    ctx = job_context(engines, world, jobs.GENERATE_QUESTIONS, payload)
    result = jobs.run_generate(ctx, payload, settings=settings_for(fake))
    assert result["rejected_by_reason"] == {"duplicate_in_job": 1, "near_duplicate": 1}
    assert result["generated"] == 1


def test_same_wording_with_other_numbers_is_a_new_question_not_a_near_duplicate(owner, engines, world, fake):
    """Generated math questions share their wording by design: only the same wording about the same numbers is a
    near-duplicate, and the close ones are recorded as similar_questions."""
    existing = linear_question(1, 3)
    existing_id = factories.question(owner, world.workspace_id, prompt_latex=existing["prompt_latex"],
                                     prompt_text=existing["prompt_latex"].replace("$", ""))
    other_numbers = linear_question(7, 3)
    fake.script.append(Reply(200, completion(json.dumps({"questions": [other_numbers]}))))
    payload = _payload(world, count=1)
    ctx = job_context(engines, world, jobs.GENERATE_QUESTIONS, payload)
    result = jobs.run_generate(ctx, payload, settings=settings_for(fake))
    assert result["generated"] == 1 and result.get("rejected_by_reason", {}) == {}
    similar = owner.execute("SELECT generation_metadata->'source_context'->'similar_questions' FROM questions "
                            "WHERE workspace_id = %s AND origin = 'ai_generated'", (world.workspace_id,)).fetchone()[0]
    assert similar == [str(existing_id)]


def test_math_signature():
    from tutorassist.ai.pipeline import math_signature

    assert math_signature("Solve 2x + 3 = 7.") == math_signature("Find x when 2 x+3 = 7") == ("2", "3", "7")
    assert math_signature("Solve x + 4 = -8.") != math_signature("Solve x + 10 = 2.")
    assert math_signature("What is a prime number?") == ()
