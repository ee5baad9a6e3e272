"""The workspace's monthly AI budget: generation that would exceed it is refused before it starts, and stops between
calls when the next call would exceed it."""

from __future__ import annotations

import json

import pytest

from tests.ai.fake_provider import counts, job_context, settings_for
from tutorassist.ai import jobs
from tutorassist.jobs.registry import JobFailed

CALL = 400 * 0.15e-6 + 300 * 0.6e-6  # one call's cost at gpt-4o-mini list prices (the fake's usage)


def _budget(owner, ws, usd):
    owner.execute("UPDATE workspaces SET settings_json = %s WHERE id = %s", (json.dumps({"ai_monthly_budget_usd": usd}), ws))


def _spent(owner, ws, usd, month_ago=False):
    owner.execute("INSERT INTO ai_usage_log (workspace_id, operation_type, model, cost_usd, created_at) VALUES "
                  "(%s, 'generate_question', 'gpt-4o-mini', %s, now() - %s::interval)",
                  (ws, usd, "40 days" if month_ago else "0 days"))


def test_over_budget_refuses_to_start_with_the_figures(owner, engines, world, fake):
    _budget(owner, world.workspace_id, 1.0)
    _spent(owner, world.workspace_id, 0.9999)
    _spent(owner, world.workspace_id, 50, month_ago=True)  # last month's spend does not count
    payload = {"topic_id": str(world.topic_id), "count": 10, "provider": "openai"}
    ctx = job_context(engines, world, jobs.GENERATE_QUESTIONS, payload)
    with pytest.raises(JobFailed, match=r"refused: the workspace's monthly AI budget of \$1\.00 would be exceeded: "
                                        r"\$0\.999900 spent this month"):
        jobs.run_generate(ctx, payload, settings=settings_for(fake))
    assert fake.chat_requests == [] and counts(owner, world.workspace_id)["questions"] == 0
    batch = owner.execute("SELECT status, total_failed, item_outcomes FROM question_batches WHERE id = %s",
                          (ctx.job_id,)).fetchone()
    assert batch[0] == "failed" and batch[1] == 10 and set(batch[2].values()) == {"over_budget"}


def test_budget_stops_generation_between_calls(owner, engines, world, fake):
    from tests.ai.fake_provider import Reply, completion, linear_question

    payload = {"topic_id": str(world.topic_id), "count": 10, "provider": "openai"}
    ctx = job_context(engines, world, jobs.GENERATE_QUESTIONS, payload)
    _budget(owner, world.workspace_id, 0.01)  # the whole job's estimate fits at the start...
    # ... but the first call costs far more than estimated (a long answer): $0.0121, over the budget.
    fake.script.append(Reply(200, completion(json.dumps({"questions": [linear_question(90 + i, 3) for i in range(5)]}),
                                             400, 20000)))
    with pytest.raises(JobFailed, match="stopped before the next call"):
        jobs.run_generate(ctx, payload, settings=settings_for(fake))
    assert len(fake.chat_requests) == 1
    batch = owner.execute("SELECT status, total_generated, total_failed, item_outcomes->>'item-0009' "
                          "FROM question_batches WHERE id = %s", (ctx.job_id,)).fetchone()
    assert batch == ("failed", 5, 5, "over_budget")


def test_offline_generation_ignores_the_budget(owner, engines, world):
    _budget(owner, world.workspace_id, 0.0)
    _spent(owner, world.workspace_id, 3)
    payload = {"topic_id": str(world.topic_id), "count": 2}
    ctx = job_context(engines, world, jobs.GENERATE_QUESTIONS, payload)
    assert jobs.run_generate(ctx, payload, settings=settings_for(None))["generated"] == 2
