"""The openai provider against a real OpenAI-compatible server on loopback: every outcome is a clear job error or a
retry, every call (successful or not) is one ai_usage_log row, and a failed batch writes no embedding."""

from __future__ import annotations

import pytest

from tests.embeddings.provider_server import provider_server
from tutorassist.embeddings.jobs import embed_missing
from tutorassist.embeddings.providers import OpenAIProvider, ProviderRefused, ProviderUnavailable
from tutorassist.jobs.registry import JobFailed, RetryLater


@pytest.fixture
def server(settings_env):
    with provider_server() as s:
        settings_env(TUTORASSIST_EMBEDDING_PROVIDER="openai", TUTORASSIST_EMBEDDING_BASE_URL=s.url,
                     TUTORASSIST_EMBEDDING_API_KEY="sk-test", TUTORASSIST_EMBEDDING_TIMEOUT="0.5")
        yield s


def usage_rows(owner, job_id):
    return owner.execute(
        "SELECT operation_type, model, tokens_input, cost_usd, duration_ms, success, error_message FROM ai_usage_log "
        "WHERE job_id = %s ORDER BY created_at", (job_id,)).fetchall()


def stored(owner, bank):
    return owner.execute("SELECT count(*) FROM question_embeddings WHERE workspace_id = %s AND embedding_model = "
                         "'text-embedding-3-small'", (bank.workspace_id,)).fetchone()[0]


def last_job(owner, bank):
    return owner.execute("SELECT id FROM jobs WHERE workspace_id = %s ORDER BY created_at DESC LIMIT 1",
                         (bank.workspace_id,)).fetchone()[0]


def test_success_stores_vectors_and_logs_tokens_and_cost(owner, bank, run_job, server):
    job_id, result = run_job(embed_missing, bank, "EMBED_QUESTIONS")
    assert result["embedded"] == 12 and stored(owner, bank) == 12
    [(operation, model, tokens, cost, ms, ok, error)] = usage_rows(owner, job_id)
    assert (operation, model, ok, error) == ("generate_embedding", "text-embedding-3-small", True, None)
    assert tokens > 0 and cost > 0 and ms >= 0
    assert server.requests[0]["auth"] == "Bearer sk-test"
    assert "dimensions" not in server.requests[0]["body"]  # the model's own size unless configured


@pytest.mark.parametrize("behaviour, seconds, says", [
    ("429", 7.0, "rate limiting (429): Rate limit reached"),
    ("500", 10.0, "failed (500): The server had an error"),
    ("slow", 10.0, "did not answer in time"),
])
def test_transient_failures_retry_later_log_the_call_and_store_nothing(owner, bank, run_job, server, behaviour, seconds, says):
    server.default = behaviour
    with pytest.raises(RetryLater) as raised:
        run_job(embed_missing, bank, "EMBED_QUESTIONS")
    assert says in str(raised.value) and raised.value.seconds == seconds  # 429's Retry-After: 7 is honoured
    [(_, _, tokens, cost, _, ok, error)] = usage_rows(owner, last_job(owner, bank))
    assert ok is False and says in error and tokens is None and cost is None
    assert stored(owner, bank) == 0
    assert len(server.requests) == 1  # the SDK's own retries are off: the job decides when to try again

    server.default = "ok"  # the retried job then completes
    _, result = run_job(embed_missing, bank, "EMBED_QUESTIONS")
    assert result["embedded"] == 12


@pytest.mark.parametrize("behaviour, says", [
    ("malformed", "not an embeddings response"),
    ("401", "refused the request (401): Incorrect API key provided"),
])
def test_permanent_failures_fail_the_job_with_the_reason_and_log_the_call(owner, bank, run_job, server, behaviour, says):
    server.default = behaviour
    with pytest.raises(JobFailed, match=says.replace("(", r"\(").replace(")", r"\)")):
        run_job(embed_missing, bank, "EMBED_QUESTIONS")
    [(_, _, _, _, _, ok, error)] = usage_rows(owner, last_job(owner, bank))
    assert ok is False and says in error
    assert stored(owner, bank) == 0


def test_a_failure_after_a_committed_batch_keeps_that_batch_and_the_rerun_finishes_the_rest(owner, bank, run_job, server,
                                                                                          monkeypatch):
    from tutorassist.embeddings import service

    server.script = ["ok", "500"]
    monkeypatch.setattr(service, "BATCH_SIZE", 5)
    with pytest.raises(RetryLater):
        run_job(embed_missing, bank, "EMBED_QUESTIONS")
    assert stored(owner, bank) == 5
    assert [r[5] for r in usage_rows(owner, last_job(owner, bank))] == [True, False]
    _, result = run_job(embed_missing, bank, "EMBED_QUESTIONS")
    assert result == result | {"embedded": 7, "up_to_date": 5}
    assert [r[5] for r in usage_rows(owner, last_job(owner, bank))] == [True, True]  # 7 left: batches of 5 and 2


def test_dimensions_are_requested_when_configured(server):
    provider = OpenAIProvider(model="text-embedding-3-small", api_key="k", base_url=server.url, dimensions=384)
    [vector] = provider.embed(["x"])
    assert len(vector) == 384 and server.requests[0]["body"]["dimensions"] == 384


def test_a_provider_answering_the_wrong_size_is_refused(server):
    server.native_dimensions = 768
    logged = []
    provider = OpenAIProvider(model="text-embedding-3-small", api_key="k", base_url=server.url, usage=logged.append)
    with pytest.raises(ProviderRefused, match="768 dimensions, expected 1536"):
        provider.embed(["x"])
    assert [u.success for u in logged] == [False]


def test_an_unreachable_provider_is_transient():
    logged = []
    provider = OpenAIProvider(model="text-embedding-3-small", api_key="k", base_url="http://127.0.0.1:9/v1",
                              usage=logged.append, timeout=2)
    with pytest.raises(ProviderUnavailable, match="cannot be reached"):
        provider.embed(["x"])
    assert [u.success for u in logged] == [False]


def test_the_openai_provider_needs_a_key(bank, run_job, settings_env):
    settings_env(TUTORASSIST_EMBEDDING_PROVIDER="openai")
    with pytest.raises(JobFailed, match="TUTORASSIST_EMBEDDING_API_KEY"):
        run_job(embed_missing, bank, "EMBED_QUESTIONS")
