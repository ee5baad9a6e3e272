"""Similarity search: within one workspace, k results, on each model's own HNSW index; near-duplicates."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import text

from tests import factories
from tests.conftest import create_database, drop_database
from tests.embeddings.conftest import make_bank
from tests.embeddings.provider_server import provider_server
from tutorassist.db.connection import acting, app_engine, connect, owner_engine
from tutorassist.embeddings import providers, similarity
from tutorassist.embeddings.jobs import embed_missing
from tutorassist.embeddings.service import embed_questions
from tutorassist.embeddings.text import question_text

PER_WORKSPACE = 600
BULK = """
WITH q AS (
  INSERT INTO questions (workspace_id, prompt_latex, prompt_text, answer_type, answer_spec, status)
  SELECT %(w)s, 'Generated ' || g, 'Generated ' || g, 'number', '{"type": "number", "value": "1"}', 'active'
  FROM generate_series(1, %(n)s) g RETURNING id
), models AS (SELECT * FROM (VALUES ('all-MiniLM-L6-v2', 384), ('text-embedding-3-small', 1536)) m(name, dims))
INSERT INTO question_embeddings (workspace_id, question_id, embedding_model, text_hash, embedding)
SELECT %(w)s, q.id, m.name, repeat('a', 64),
       CAST((SELECT array_agg(random()::real - 0.5) FROM generate_series(1, m.dims) WHERE q.id IS NOT NULL) AS extensions.vector)
FROM q CROSS JOIN models m
"""


@pytest.fixture(scope="module")
def crowd(pg_server, template_db):
    """Three workspaces of PER_WORKSPACE questions, each embedded by two models of different sizes (random vectors:
    the search, not the model, is under test), in a database shared by the module's read-only tests."""
    url = create_database(pg_server, template_db)
    with connect(url, autocommit=True) as owner:
        tutor = factories.user(owner, "Tutor")
        workspaces = [factories.workspace(owner, tutor, f"W{i}") for i in range(3)]
        for ws in workspaces:
            owner.execute(BULK, {"w": ws, "n": PER_WORKSPACE})
        owner.execute("ANALYZE question_embeddings")
    engine = app_engine(url)
    yield engine, tutor, workspaces
    engine.dispose()
    drop_database(pg_server, url)


def random_vector(dims: int, seed: int) -> list[float]:
    import random

    rng = random.Random(seed)
    return [rng.random() - 0.5 for _ in range(dims)]


@pytest.mark.parametrize("model, dims", [("all-MiniLM-L6-v2", 384), ("text-embedding-3-small", 1536)])
def test_each_model_is_searched_through_its_own_hnsw_index(crowd, model, dims):
    engine, tutor, workspaces = crowd
    with acting(engine, tutor, workspaces[0]) as conn:
        similarity.tune(conn)
        # A workspace this small is cheaper to scan exactly (its rows by primary key, then sort), and the planner rightly
        # does; without sorting it must take an ordered index, and the only one that fits is the model's own.
        conn.execute(text("SET LOCAL enable_sort = off"))
        plan = "\n".join(r[0] for r in conn.execute(
            text("EXPLAIN " + similarity.nearest_sql(model, dims, exclude=False)),
            {"q": str(random_vector(dims, 1)).replace(" ", ""), "w": workspaces[0], "k": 10}))
    from tutorassist.embeddings.models import index_name

    assert f"Index Scan using {index_name(model)}" in plan, plan
    others = {index_name(m) for m in ("all-MiniLM-L6-v2", "bge-small-en-v1.5", "text-embedding-3-small")} - {index_name(model)}
    assert not any(other in plan for other in others)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(k=st.integers(1, 60), which=st.integers(0, 2), seed=st.integers(0, 10_000), hnsw=st.booleans(),
       model=st.sampled_from([("all-MiniLM-L6-v2", 384), ("text-embedding-3-small", 1536)]))
def test_filtered_search_returns_k_results_of_the_right_workspace_in_order(crowd, k, which, seed, hnsw, model):
    engine, tutor, workspaces = crowd
    name, dims = model
    with acting(engine, tutor, workspaces[which]) as conn:
        if hnsw:  # the filtered HNSW scan, as a workspace of EXACT_BELOW embeddings or more gets it
            conn.execute(text("SET LOCAL enable_sort = off"))
        found = similarity.similar_to_vector(conn, workspaces[which], name, dims, random_vector(dims, seed), k,
                                             exact=not hnsw)
        own = {r[0] for r in conn.execute(text("SELECT id FROM questions WHERE workspace_id = :w"), {"w": workspaces[which]})}
    assert len(found) == k
    assert {s.question_id for s in found} <= own
    assert [s.similarity for s in found] == sorted((s.similarity for s in found), reverse=True)


def test_exact_and_hnsw_search_agree_and_a_small_workspace_is_searched_exactly(crowd):
    engine, tutor, workspaces = crowd
    query = random_vector(384, 3)
    with acting(engine, tutor, workspaces[0]) as conn:
        assert conn.execute(text(similarity.size_sql("all-MiniLM-L6-v2")), {"w": workspaces[0]}).scalar() == PER_WORKSPACE
        plan = "\n".join(r[0] for r in conn.execute(
            text("EXPLAIN " + similarity.nearest_sql("all-MiniLM-L6-v2", 384, exclude=False, exact=True)),
            {"q": str(query).replace(" ", ""), "w": workspaces[0], "k": 10}))
        assert "hnsw" not in plan
        chosen = similarity.similar_to_vector(conn, workspaces[0], "all-MiniLM-L6-v2", 384, query, 10)  # 600 < EXACT_BELOW
        exact = similarity.similar_to_vector(conn, workspaces[0], "all-MiniLM-L6-v2", 384, query, 10, exact=True)
        approximate = similarity.similar_to_vector(conn, workspaces[0], "all-MiniLM-L6-v2", 384, query, 10, exact=False)
    assert chosen == exact
    assert len({s.question_id for s in approximate} & {s.question_id for s in exact}) >= 8


def test_a_workspace_never_finds_another_workspaces_questions_even_when_asking_for_it(crowd):
    engine, tutor, workspaces = crowd
    with acting(engine, tutor, workspaces[0]) as conn:  # acting in workspace 0, asking about workspace 1
        found = similarity.similar_to_vector(conn, workspaces[1], "all-MiniLM-L6-v2", 384, random_vector(384, 2), 10)
    assert found == []  # row-level security: the tutor is not a member there


def test_similar_to_question_and_text_with_the_local_model(owner, app_db, bank, run_job):
    run_job(embed_missing, bank, "EMBED_QUESTIONS")
    other = make_bank(owner, "B")
    run_job(embed_missing, other, "EMBED_QUESTIONS")
    linear = bank.ids("linear equations")
    with acting(app_db, bank.tutor_id, bank.workspace_id) as conn:
        found = similarity.similar_to_question(conn, bank.workspace_id, linear[0], 5)
        by_text = similarity.similar_to_text(conn, bank.workspace_id, "Find the circumference of a circle of radius 3", 3)
    assert len(found) == 5 and linear[0] not in {s.question_id for s in found}
    assert {s.question_id for s in found} <= set(bank.ids())  # the same texts in workspace B never show up
    assert {s.question_id for s in found[:2]} <= set(linear[1:])
    assert bank.topic_of[by_text[0].question_id] == "geometry"
    assert all(-1 <= s.similarity <= 1 for s in found + by_text)


def test_similar_to_question_without_an_embedding_says_so(app_db, bank):
    with acting(app_db, bank.tutor_id, bank.workspace_id) as conn, pytest.raises(similarity.NotEmbedded):
        similarity.similar_to_question(conn, bank.workspace_id, bank.ids()[0], 5)


def test_near_duplicates_finds_a_rephrased_question_above_the_threshold_and_nothing_new(app_db, bank, run_job, settings_env):
    run_job(embed_missing, bank, "EMBED_QUESTIONS")
    duplicate = question_text("Solve for $x$: $3x + 5 = 20$.", "number")
    new = question_text("Differentiate $f(x) = 3x^4 - 2x^2 + 7$ with respect to $x$.", "expression")
    with acting(app_db, bank.tutor_id, bank.workspace_id) as conn:
        same, fresh = similarity.near_duplicates(conn, bank.workspace_id, [duplicate, new])
        assert similarity.near_duplicates(conn, bank.workspace_id, []) == []
    assert len(same) == 1 and same[0].similarity > 0.99 and bank.topic_of[same[0].question_id] == "linear equations"
    assert fresh == []

    settings_env(TUTORASSIST_DUPLICATE_SIMILARITY="0.05")  # the threshold is configurable
    with acting(app_db, bank.tutor_id, bank.workspace_id) as conn:
        [loose] = similarity.near_duplicates(conn, bank.workspace_id, [new])
    assert loose and all(s.similarity >= 0.05 for s in loose)


def test_two_models_of_different_sizes_coexist_for_the_same_questions(owner, db_url, app_db, bank):
    engine = owner_engine(db_url)
    local = providers.local()
    with provider_server() as server:
        remote = providers.OpenAIProvider(model="text-embedding-3-small", api_key="k", base_url=server.url)

        def tx():
            return acting(app_db, bank.tutor_id, bank.workspace_id)

        assert embed_questions(tx, bank.workspace_id, local).embedded == 12
        assert embed_questions(tx, bank.workspace_id, remote).embedded == 12
        with tx() as conn:
            via_local = similarity.similar_to_question(conn, bank.workspace_id, bank.ids()[0], 3, model=local.model)
            via_remote = similarity.similar_to_question(conn, bank.workspace_id, bank.ids()[0], 3, model=remote.model)
    engine.dispose()
    assert len(via_local) == len(via_remote) == 3
    assert dict(owner.execute("SELECT embedding_model, count(*) FROM question_embeddings GROUP BY 1").fetchall()) == {
        "all-MiniLM-L6-v2": 12, "text-embedding-3-small": 12}
    assert dict(owner.execute("SELECT embedding_model, min(dimensions) FROM question_embeddings GROUP BY 1").fetchall()) == {
        "all-MiniLM-L6-v2": 384, "text-embedding-3-small": 1536}
