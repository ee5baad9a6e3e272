"""AI usage and generation analytics: the API's sums equal ai_usage_log, cost per accepted question, batch
outcomes, and the operator's CLI across workspaces."""

from __future__ import annotations

import json
import subprocess
from datetime import datetime, timedelta, timezone

import pytest

from tests import factories
from tests.jobs.workers import ROOT, TUTORASSIST, worker_env

NOW = datetime.now(timezone.utc)
TODAY, YESTERDAY = NOW.date(), (NOW - timedelta(days=1)).date()

CALLS = [  # (days ago, operation, model, tokens in, tokens out, cost, success)
    (0, "generate_question", "gpt-4o-mini", 100, 50, "0.010000", True),
    (0, "generate_question", "gpt-4o-mini", 80, 0, None, False),
    (1, "batch_generate", "gpt-4o-mini", 1000, 500, "0.050000", True),
    (1, "generate_embedding", "text-embedding-3-small", 40, 0, "0.001000", True),
    (1, "generate_syllabus", "gpt-4o", 300, 200, "0.020000", True),
    (120, "generate_question", "gpt-4o-mini", 5, 5, "9.000000", True),  # outside the default 90 days
]


def log_calls(owner, ws, calls=CALLS):
    for days, op, model, tin, tout, cost, ok in calls:
        owner.execute("INSERT INTO ai_usage_log (workspace_id, operation_type, model, tokens_input, tokens_output, "
                      "tokens_total, cost_usd, success, error_message, created_at) VALUES (%s, %s, %s, %s, %s, %s, %s, "
                      "%s, %s, %s)", (ws, op, model, tin, tout, tin + tout, cost, ok, None if ok else "timeout",
                                      NOW - timedelta(days=days, minutes=1)))


def truth(owner, ws, group: str, since) -> dict:
    rows = owner.execute(f"SELECT {group}, count(*), sum(tokens_total), coalesce(sum(cost_usd), 0)::float8 "
                         "FROM ai_usage_log WHERE workspace_id = %s AND created_at >= %s GROUP BY 1", (ws, since))
    return {str(r[0]): (r[1], r[2], pytest.approx(r[3])) for r in rows}


@pytest.mark.parametrize("by, group", [("model", "model"), ("operation", "operation_type"),
                                       ("day", "to_char(created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD')")])
def test_usage_sums_equal_the_log(practice, owner, by, group):
    ws = practice.workspace_id
    log_calls(owner, ws)
    log_calls(owner, practice.outsider_workspace_id)  # another workspace's calls are not counted
    body = practice.tutor.http.get(practice.path("/analytics/ai/usage"), params={"by": by}).json()
    since = datetime.combine(TODAY - timedelta(days=89), datetime.min.time(), timezone.utc)  # the default period
    got = {r["key"]: (r["calls"], r["tokens_total"], r["cost_usd"]) for r in body["rows"]}
    assert got == truth(owner, ws, group, since)
    assert body["total"]["calls"] == 5 and body["total"]["failed_calls"] == 1
    assert body["total"]["cost_usd"] == pytest.approx(0.081)
    assert body["freshness"]["source"] == "live"
    one_day = practice.tutor.http.get(practice.path("/analytics/ai/usage"),
                                      params={"by": by, "from": str(YESTERDAY), "to": str(YESTERDAY)}).json()
    assert one_day["total"]["calls"] == 3 and one_day["total"]["cost_usd"] == pytest.approx(0.071)


def test_cost_per_accepted_question_and_batches(practice, owner):
    ws = practice.workspace_id
    log_calls(owner, ws)
    job = owner.execute("INSERT INTO jobs (workspace_id, type) VALUES (%s, 'GENERATE_QUESTIONS_BATCH') RETURNING id",
                        (ws,)).fetchone()[0]
    batch = owner.execute("INSERT INTO question_batches (workspace_id, job_id, total_requested, total_generated, "
                          "total_failed, status, total_cost_usd) VALUES (%s, %s, 5, 3, 1, 'completed', 0.05) RETURNING id",
                          (ws, job)).fetchone()[0]
    owner.execute("INSERT INTO question_batches (workspace_id, total_requested, status) VALUES (%s, 2, 'failed')", (ws,))
    approved = factories.question(owner, ws, origin="ai_generated", batch_id=batch, status="draft")
    owner.execute("UPDATE questions SET status = 'active' WHERE id = %s", (approved,))
    approved_then_archived = factories.question(owner, ws, origin="ai_generated", status="draft")
    owner.execute("UPDATE questions SET status = 'active' WHERE id = %s", (approved_then_archived,))
    owner.execute("UPDATE questions SET status = 'archived' WHERE id = %s", (approved_then_archived,))
    rejected = factories.question(owner, ws, origin="ai_generated", status="draft")
    owner.execute("UPDATE questions SET status = 'archived' WHERE id = %s", (rejected,))
    factories.question(owner, ws, origin="ai_generated", status="draft")  # waiting for a tutor
    factories.question(owner, ws)  # written by hand: not generation's
    body = practice.tutor.http.get(practice.path("/analytics/ai/generation")).json()
    assert (body["generated_questions"], body["accepted_questions"], body["pending_drafts"], body["rejected_drafts"]) \
        == (4, 2, 1, 1)
    assert body["generation_cost_usd"] == pytest.approx(0.08)  # generation calls only, not the embedding
    assert body["cost_per_accepted_question_usd"] == pytest.approx(0.04)
    assert body["batches"] == {"batches": 2, "by_status": {"completed": 1, "failed": 1}, "requested": 7,
                               "generated": 3, "failed": 1, "cost_usd": pytest.approx(0.05)}


def cli(db_url: str, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([TUTORASSIST, "analytics", *args], env=worker_env(db_url, COLUMNS="200"), cwd=ROOT,
                          capture_output=True, text=True, timeout=120)


def test_cli_across_workspaces(owner, db_url):
    a, b = factories.tenant(owner, "A"), factories.tenant(owner, "B")
    log_calls(owner, a.workspace_id)
    log_calls(owner, b.workspace_id, CALLS[:1])
    out = cli(db_url, "ai-usage", "--by", "workspace", "--format", "json")
    assert out.returncode == 0, out.stderr
    doc = json.loads(out.stdout)
    rows = {r["key"]: r for r in doc["rows"]}
    assert rows[str(a.workspace_id)]["calls"] == 5 and rows[str(b.workspace_id)]["calls"] == 1
    assert doc["total"]["cost_usd"] == pytest.approx(0.091)
    table = cli(db_url, "ai-usage", "--by", "model", "--from", str(YESTERDAY))
    assert table.returncode == 0 and "gpt-4o-mini" in table.stdout and "text-embedding-3-small" in table.stdout
    for bad in (["--from", "yesterday"], ["--from", str(TODAY), "--to", str(YESTERDAY)], ["--by", "planet"]):
        refused = cli(db_url, "ai-usage", *bad)
        assert refused.returncode != 0 and "Traceback" not in refused.stderr, bad


def test_cli_refresh_items(owner, db_url):
    t = factories.tenant(owner, "R")
    owner.execute("INSERT INTO attempts (workspace_id, student_user_id, question_id, answer_raw, is_correct, score) "
                  "VALUES (%s, %s, %s, 'x', true, 1)", (t.workspace_id, t.student_id, t.question_id))
    done = cli(db_url, "refresh-items")
    assert done.returncode == 0, done.stderr
    assert "refreshed 1 workspaces: 1 questions" in done.stdout
    assert owner.execute("SELECT students FROM question_item_statistics WHERE workspace_id = %s",
                         (t.workspace_id,)).fetchone()[0] == 1
    unknown = cli(db_url, "refresh-items", "--workspace", "00000000-0000-0000-0000-000000000000")
    assert unknown.returncode == 1 and "no such workspace" in unknown.stderr
