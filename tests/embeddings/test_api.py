"""GET …/questions/{id}/similar and GET …/questions/similar?text= over real HTTP, with every refusal as problem+json."""

from __future__ import annotations

import uuid

import pytest

from tests.api.conftest import Practice
from tests.api.helpers import fields, problem
from tests.api.test_questions import create
from tests.embeddings.provider_server import provider_server

PROMPTS = {
    "linear": [r"Solve $3x + 5 = 20$.", r"Find $x$ if $7x - 4 = 2x + 11$.", r"Solve $5(x - 2) = 3x + 6$."],
    "geometry": [r"Find the area of a circle with radius $7$ cm.", r"A right triangle has legs $6$ and $8$; find the hypotenuse."],
}


@pytest.fixture
def questions(practice: Practice) -> dict[str, list[str]]:
    return {topic: [create(practice.tutor, practice.workspace_id, prompt_latex=p)["id"] for p in prompts]
            for topic, prompts in PROMPTS.items()}


def embed_workspace(db_url, practice: Practice) -> None:
    """What an EMBED_QUESTIONS job does, acting as the tutor."""
    from tutorassist.db.connection import acting, app_engine
    from tutorassist.embeddings import providers
    from tutorassist.embeddings.service import embed_questions

    engine = app_engine(db_url)
    try:
        embed_questions(lambda: acting(engine, practice.tutor.id, practice.workspace_id), uuid.UUID(practice.workspace_id),
                        providers.local())
    finally:
        engine.dispose()


def test_similar_to_a_question_embeds_it_on_the_spot_and_ranks_its_topic_first(practice: Practice, questions, owner, db_url):
    first = questions["linear"][0]
    before = practice.tutor.http.get(practice.path(f"/questions/{first}/similar"), params={"limit": 3})
    assert before.status_code == 200, before.text
    assert before.json()["items"] == [] and before.json()["not_embedded"] == 4  # only the question asked about
    embed_workspace(db_url, practice)
    response = practice.tutor.http.get(practice.path(f"/questions/{first}/similar"), params={"limit": 3})
    body = response.json()
    assert body["model"] == "all-MiniLM-L6-v2" and len(body["items"]) == 3 and body["not_embedded"] == 0
    ids = [item["question_id"] for item in body["items"]]
    assert first not in ids and set(ids[:2]) == set(questions["linear"][1:])
    assert [i["similarity"] for i in body["items"]] == sorted((i["similarity"] for i in body["items"]), reverse=True)
    assert body["items"][0]["prompt_text"].startswith(("Find x", "Solve"))


def test_similar_to_text(practice: Practice, questions, db_url):
    embed_workspace(db_url, practice)
    response = practice.tutor.http.get(practice.path("/questions/similar"),
                                       params={"text": "What is the circumference of a circle of radius 2?", "limit": 2})
    assert response.status_code == 200, response.text
    assert [i["question_id"] for i in response.json()["items"]][0] == questions["geometry"][0]


@pytest.mark.parametrize("params, field", [
    ({"text": ""}, "text"), ({"text": "   "}, "text"), ({"text": "x" * 2001}, "text"), ({}, "text"),
    ({"text": "ok", "limit": 0}, "limit"), ({"text": "ok", "limit": 101}, "limit"), ({"text": "ok", "limit": "ten"}, "limit"),
])
def test_bad_text_queries_are_422_naming_the_parameter(practice: Practice, params, field):
    body = problem(practice.tutor.http.get(practice.path("/questions/similar"), params=params), 422)
    assert any(field in f for f in fields(body)), body


def test_other_workspaces_and_unknown_ids_are_404_and_students_403(practice: Practice, questions):
    first = questions["linear"][0]
    problem(practice.outsider.http.get(practice.path(f"/questions/{first}/similar")), 404)
    problem(practice.outsider.http.get(f"/workspaces/{practice.outsider_workspace_id}/questions/{first}/similar"), 404)
    problem(practice.tutor.http.get(practice.path(f"/questions/{uuid.uuid4()}/similar")), 404)
    problem(practice.outsider.http.get(practice.path("/questions/similar"), params={"text": "solve"}), 404)
    problem(practice.student.http.get(practice.path(f"/questions/{first}/similar")), 403)
    problem(practice.student.http.get(practice.path("/questions/similar"), params={"text": "solve"}), 403)
    problem(practice.tutor.http.get(practice.path("/questions/not-a-uuid/similar")), 422)


def test_with_a_remote_provider_a_question_without_embedding_is_409_and_failures_are_problems(
        practice: Practice, questions, owner, monkeypatch):
    from tutorassist.config import get_settings

    with provider_server() as server:
        monkeypatch.setenv("TUTORASSIST_EMBEDDING_PROVIDER", "openai")
        monkeypatch.setenv("TUTORASSIST_EMBEDDING_BASE_URL", server.url)
        monkeypatch.setenv("TUTORASSIST_EMBEDDING_API_KEY", "k")
        get_settings.cache_clear()
        try:
            first = questions["linear"][0]
            body = problem(practice.tutor.http.get(practice.path(f"/questions/{first}/similar")), 409)
            assert "EMBED_QUESTIONS" in body["detail"]
            ok = practice.tutor.http.get(practice.path("/questions/similar"), params={"text": "solve"})
            assert ok.status_code == 200 and ok.json()["model"] == "text-embedding-3-small"
            server.default = "429"
            body = problem(practice.tutor.http.get(practice.path("/questions/similar"), params={"text": "solve"}), 503)
            assert body["retry_after"] == 7 and "rate limiting" in body["detail"]
            server.default = "401"
            problem(practice.tutor.http.get(practice.path("/questions/similar"), params={"text": "solve"}), 502)
            logged = owner.execute("SELECT success, user_id FROM ai_usage_log WHERE workspace_id = %s ORDER BY created_at",
                                   (practice.workspace_id,)).fetchall()
            assert [row[0] for row in logged] == [True, False, False]  # every call, kept although the request failed
            assert {row[1] for row in logged} == {practice.tutor.id}
        finally:
            monkeypatch.undo()
            get_settings.cache_clear()
