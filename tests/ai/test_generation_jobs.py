"""GENERATE_QUESTIONS end to end: a real jobs row, the handler run as the worker runs it, the offline provider and an
OpenAI-compatible server on loopback; what is stored, what is logged, and that a re-run duplicates nothing."""

from __future__ import annotations

import pytest

from tests.ai.fake_provider import counts, job_context, rerun, settings_for
from tutorassist.ai import jobs
from tutorassist.ai.pricing import OFFLINE_MODEL
from tutorassist.kit.jsonb import validate_jsonb
from tutorassist.questions.contracts import QuestionGenerationMetadata


def _questions(owner, ws):
    return owner.execute(
        "SELECT id, status, origin, batch_id, batch_custom_id, quality_score, generation_metadata, created_by, "
        "difficulty, tags_json FROM questions WHERE workspace_id = %s AND origin = 'ai_generated' "
        "ORDER BY batch_custom_id", (ws,)).fetchall()


def test_offline_generation_end_to_end(owner, engines, world):
    ctx = job_context(engines, world, jobs.GENERATE_QUESTIONS,
                      {"topic_id": str(world.topic_id), "count": 4, "difficulty_mix": {"1": 1, "4": 3}})
    result = jobs.run_generate(ctx, {"topic_id": str(world.topic_id), "count": 4, "difficulty_mix": {"1": 1, "4": 3}},
                               settings=settings_for(None))
    assert result["requested"] == 4 and result["generated"] + result["failed"] == 4
    assert result["generated"] >= 3, result
    assert result["cost_usd"] == 0 and result["provider"] == "offline" and result["model"] == OFFLINE_MODEL
    rows = _questions(owner, world.workspace_id)
    assert len(rows) == result["generated"]
    for row in rows:
        assert row[1] == "draft" and row[2] == "ai_generated" and row[3] == ctx.job_id
        assert row[7] == world.tutor_id  # inserted acting as the member who asked
        meta = QuestionGenerationMetadata.model_validate(row[6])
        assert meta.model == OFFLINE_MODEL and meta.model_version and meta.job_id == ctx.job_id
        assert meta.tokens_used.total == 0 and meta.cost_usd == 0 and meta.validation_passed
        assert 0 < float(row[5]) <= 1
    difficulties = sorted(r[8] for r in rows)
    assert set(difficulties) <= {1, 4}
    usage = owner.execute("SELECT model, cost_usd, success, operation_type, job_id FROM ai_usage_log "
                          "WHERE workspace_id = %s", (world.workspace_id,)).fetchall()
    assert usage == [(OFFLINE_MODEL, 0, True, "generate_question", ctx.job_id)]  # 4 items: one chunk, one call
    history = owner.execute("SELECT count(*) FROM question_history h JOIN questions q ON q.id = h.question_id "
                            "WHERE q.workspace_id = %s AND h.changed_by = %s", (world.workspace_id, world.tutor_id)
                            ).fetchone()[0]
    assert history == len(rows)  # the history trigger saw the member insert them
    progress = owner.execute("SELECT progress_done, progress_total FROM jobs WHERE id = %s", (ctx.job_id,)).fetchone()
    assert progress == (4, 4)


def test_openai_generation_stores_full_provenance_and_cost(owner, engines, world, fake):
    payload = {"topic_id": str(world.topic_id), "count": 7, "difficulty_mix": {"2": 3, "3": 4},
               "source_material_id": str(world.material_id), "material_page": 2, "provider": "openai"}
    ctx = job_context(engines, world, jobs.GENERATE_QUESTIONS, payload)
    result = jobs.run_generate(ctx, payload, settings=settings_for(fake))
    assert result == result | {"requested": 7, "generated": 7, "failed": 0, "rejected_by_reason": {}}
    assert len(fake.chat_requests) == 2  # chunks of 5 and 2
    prompt = fake.chat_requests[0]["messages"][-1]["content"]
    assert "Linear equations" in prompt and "Solve ax + b = c" in prompt
    assert "Page two: unknowns" in prompt and "Page one" not in prompt and "(page 2)" in prompt
    assert fake.chat_requests[0]["response_format"]["type"] == "json_schema"
    rows = _questions(owner, world.workspace_id)
    assert [r[4] for r in rows] == [f"item-{i:04d}" for i in range(7)]
    usage = owner.execute("SELECT tokens_input, tokens_output, tokens_total, cost_usd, success, metadata "
                          "FROM ai_usage_log WHERE workspace_id = %s ORDER BY created_at", (world.workspace_id,)).fetchall()
    assert len(usage) == 2 and all(u[4] for u in usage)
    # gpt-4o-mini list price: $0.15 / M input, $0.60 / M output; 400 in + 300 out per call
    assert all(float(u[3]) == pytest.approx(400 * 0.15e-6 + 300 * 0.6e-6) for u in usage)
    assert usage[0][5]["prompt_version"] == "gen-v1.0" and usage[0][5]["model_version"] == "gpt-4o-mini-2024-07-18"
    for row in rows:
        meta = validate_jsonb("questions", "generation_metadata", row[6])
        meta = QuestionGenerationMetadata.model_validate(row[6])
        assert meta.model == "gpt-4o-mini" and meta.prompt_version == "gen-v1.0" and meta.temperature == 0.7
        assert meta.source_context.material_id == world.material_id and meta.source_context.material_page == 2
        assert meta.source_context.topic_context.startswith("Linear equations")
        assert meta.auto_fixes_applied and "latex_formatting" in meta.auto_fixes_applied
        assert "tags_normalised" in meta.auto_fixes_applied and row[9] == ["linear-equations", "algebra"]
        assert meta.pedagogical.blooms_level == "apply"
        assert meta.quality_checks.latex_valid and meta.quality_checks.answer_parseable
    cost = owner.execute("SELECT b.total_cost_usd, b.total_generated, b.total_failed, b.status, b.total_tokens, j.cost_usd "
                         "FROM question_batches b JOIN jobs j ON j.id = b.job_id WHERE b.id = %s", (ctx.job_id,)).fetchone()
    assert float(cost[0]) == pytest.approx(2 * (400 * 0.15e-6 + 300 * 0.6e-6))
    assert cost[1:5] == (7, 0, "completed", 1400) and cost[5] == cost[0]  # the job's cost follows the log
    # The per-question shares add up to the calls' figures.
    shares = sum(QuestionGenerationMetadata.model_validate(r[6]).tokens_used.total for r in rows)
    assert shares == 1400


def test_rerun_after_completion_or_midway_duplicates_nothing(owner, engines, world, fake):
    payload = {"topic_id": str(world.topic_id), "count": 8, "provider": "openai"}
    ctx = job_context(engines, world, jobs.GENERATE_QUESTIONS, payload)
    settings = settings_for(fake)
    first = jobs.run_generate(ctx, payload, settings=settings)
    before = counts(owner, world.workspace_id)
    again = jobs.run_generate(rerun(ctx), payload, settings=settings)
    assert counts(owner, world.workspace_id) == before and again == first
    assert len(fake.chat_requests) == 2  # the completed job made no call

    # Half done: the first chunk's transaction committed, then the worker died (simulated by forgetting the second
    # chunk's outcome and question as if that commit never happened).
    ctx2 = job_context(engines, world, jobs.GENERATE_QUESTIONS, payload)
    jobs.run_generate(ctx2, payload, settings=settings)
    owner.execute("DELETE FROM questions WHERE batch_id = %s AND batch_custom_id >= 'item-0005'", (ctx2.job_id,))
    owner.execute("DELETE FROM ai_usage_log WHERE id = (SELECT id FROM ai_usage_log WHERE job_id = %s "
                  "ORDER BY created_at DESC LIMIT 1)", (ctx2.job_id,))
    owner.execute("UPDATE question_batches SET status = 'running', item_outcomes = item_outcomes - 'item-0005' "
                  "- 'item-0006' - 'item-0007' WHERE id = %s", (ctx2.job_id,))
    calls_before = len(fake.chat_requests)
    result = jobs.run_generate(rerun(ctx2), payload, settings=settings)
    assert len(fake.chat_requests) == calls_before + 1  # only the missing chunk is asked again
    assert result["generated"] == 8
    per_item = owner.execute("SELECT batch_custom_id, count(*) FROM questions WHERE batch_id = %s "
                             "GROUP BY 1 HAVING count(*) > 1", (ctx2.job_id,)).fetchall()
    assert per_item == []
    assert owner.execute("SELECT count(*) FROM ai_usage_log WHERE job_id = %s", (ctx2.job_id,)).fetchone()[0] == 2


def test_cancellation_stops_between_calls_and_keeps_what_was_stored(owner, engines, world, fake):
    from tutorassist.jobs.registry import Cancelled

    payload = {"topic_id": str(world.topic_id), "count": 12, "provider": "openai"}
    ctx = job_context(engines, world, jobs.GENERATE_QUESTIONS, payload)
    original = fake.answer

    def answer_then_cancel(difficulties):
        # A tutor asks to cancel while the first call runs.
        owner.execute("UPDATE jobs SET cancel_requested_at = now() WHERE id = %s", (ctx.job_id,))
        return original(difficulties)

    fake.answer = answer_then_cancel
    with pytest.raises(Cancelled):
        jobs.run_generate(ctx, payload, settings=settings_for(fake))
    assert len(fake.chat_requests) == 1
    batch = owner.execute("SELECT status, total_generated, total_failed, item_outcomes->>'item-0011' "
                          "FROM question_batches WHERE id = %s", (ctx.job_id,)).fetchone()
    assert batch == ("cancelled", 5, 7, "cancelled")


def test_a_member_who_is_no_longer_staff_gets_nothing_generated(owner, engines, world):
    from tests import factories
    from tutorassist.jobs.registry import JobFailed

    tutor = factories.user(owner, "Former tutor")
    factories.member(owner, world.workspace_id, tutor, "tutor")
    payload = {"topic_id": str(world.topic_id), "count": 2}
    ctx = job_context(engines, world, jobs.GENERATE_QUESTIONS, payload, user_id=tutor)
    owner.execute("DELETE FROM workspace_members WHERE workspace_id = %s AND user_id = %s", (world.workspace_id, tutor))
    with pytest.raises(JobFailed, match="no longer staff"):
        jobs.run_generate(ctx, payload, settings=settings_for(None))
    assert counts(owner, world.workspace_id) == {"questions": 0, "usage_rows": 0, "cost": 0}


def test_a_member_removed_during_a_call_still_has_the_call_logged(owner, engines, world, fake):
    from tests import factories
    from tutorassist.jobs.registry import JobFailed

    tutor = factories.user(owner, "Leaving tutor")
    factories.member(owner, world.workspace_id, tutor, "tutor")
    payload = {"topic_id": str(world.topic_id), "count": 3, "provider": "openai"}
    ctx = job_context(engines, world, jobs.GENERATE_QUESTIONS, payload, user_id=tutor)
    original = fake.answer

    def answer_then_remove(difficulties):
        owner.execute("DELETE FROM workspace_members WHERE workspace_id = %s AND user_id = %s",
                      (world.workspace_id, tutor))
        return original(difficulties)

    fake.answer = answer_then_remove
    with pytest.raises(JobFailed, match="no longer staff"):
        jobs.run_generate(ctx, payload, settings=settings_for(fake))
    usage = owner.execute("SELECT success, error_message, cost_usd FROM ai_usage_log WHERE job_id = %s",
                          (ctx.job_id,)).fetchall()
    assert len(usage) == 1 and usage[0][0] is False and "results discarded" in usage[0][1] and usage[0][2] > 0
    assert counts(owner, world.workspace_id)["questions"] == 0
