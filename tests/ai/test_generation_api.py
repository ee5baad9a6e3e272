"""The AI generation API over real HTTP: estimate, start (202 with job, batch and estimate), the budget refusal with
its figures, drafts in keyset pages, approval through the normal status rule, a batch's report; every bad input a
clear problem, every role and outsider held to its rights."""

from __future__ import annotations

import uuid

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.api.helpers import problem
from tutorassist.ai import jobs
from tutorassist.ai.generation import split
from tutorassist.config import get_settings
from tutorassist.db.connection import app_engine, owner_engine
from tutorassist.jobs.context import JobContext


@pytest.fixture
def topic(practice):
    response = practice.tutor.http.post(practice.path("/topics"), json={"name": "Linear equations",
                                                                        "description": "First degree"})
    assert response.status_code == 201, response.text
    return response.json()["id"]


def _run_job(db_url, practice, job_id):
    """What the worker does with the job the API enqueued: the handler on a JobContext of the real row."""
    owner_e, app_e = owner_engine(db_url), app_engine(db_url)
    try:
        with owner_e.connect() as conn:
            row = conn.exec_driver_sql("SELECT type, payload_json, created_by FROM jobs WHERE id = %s",
                                       (job_id,)).one()
        ctx = JobContext(owner=owner_e, app=app_e, workspace_id=uuid.UUID(practice.workspace_id),
                         job_id=uuid.UUID(job_id), user_id=row.created_by, attempt=1, type=row.type)
        return jobs.run_generate(ctx, row.payload_json)
    finally:
        owner_e.dispose()
        app_e.dispose()


def test_offline_generation_drafts_and_approval(db_url, practice, topic):
    tutor = practice.tutor.http
    body = {"topic_id": topic, "count": 5, "difficulty_mix": {"1": 2, "3": 3}, "provider": "offline"}
    estimate = tutor.post(practice.path("/ai/generations/estimate"), json=body)
    assert estimate.status_code == 200, estimate.text
    assert estimate.json() | {"cost_usd": 0.0, "provider": "offline", "within_budget": True,
                              "difficulty_counts": {"1": 2, "3": 3}} == estimate.json()
    started = tutor.post(practice.path("/ai/generations"), json=body)
    assert started.status_code == 202, started.text
    job_id, batch_id = started.json()["job_id"], started.json()["batch_id"]
    assert job_id == batch_id and started.json()["job_type"] == "GENERATE_QUESTIONS"
    pending = tutor.get(practice.path(f"/ai/batches/{batch_id}")).json()
    assert pending["status"] == "pending" and pending["total_requested"] == 5

    result = _run_job(db_url, practice, job_id)
    batch = tutor.get(practice.path(f"/ai/batches/{batch_id}")).json()
    assert batch["status"] == "completed" and batch["total_generated"] == result["generated"] >= 4
    assert batch["total_generated"] + batch["total_failed"] == 5 and batch["total_cost_usd"] == 0

    first = tutor.get(practice.path("/ai/drafts"), params={"limit": 2}).json()
    assert len(first["items"]) == 2 and first["next_cursor"]
    rest = tutor.get(practice.path("/ai/drafts"), params={"limit": 50, "cursor": first["next_cursor"]}).json()
    drafts = first["items"] + rest["items"]
    assert len({d["id"] for d in drafts}) == batch["total_generated"] and rest["next_cursor"] is None
    assert all(d["batch_id"] == batch_id and 0 < d["quality_score"] <= 1 and d["model"] == "offline-templates"
               for d in drafts)

    ids = [d["id"] for d in drafts[:2]]
    assert practice.student.http.post(practice.path("/ai/drafts/approve"), json={"ids": ids}).status_code == 403
    approved = tutor.post(practice.path("/ai/drafts/approve"), json={"ids": ids})
    assert approved.status_code == 200 and approved.json()["approved"] == ids
    assert {tutor.get(practice.path(f"/questions/{i}")).json()["status"] for i in ids} == {"active"}
    assert "is active" in problem(tutor.post(practice.path("/ai/drafts/approve"), json={"ids": ids}), 409)["detail"]
    stranger = str(uuid.uuid4())
    assert stranger in problem(tutor.post(practice.path("/ai/drafts/approve"), json={"ids": [drafts[2]["id"], stranger]}),
                               404)["detail"]
    assert tutor.get(practice.path(f"/questions/{drafts[2]['id']}")).json()["status"] == "draft"  # all or nothing
    remaining = tutor.get(practice.path("/ai/drafts")).json()["items"]
    assert len(remaining) == len(drafts) - 2


@pytest.mark.parametrize(("change", "status", "field"), [
    ({"count": 0}, 422, "count"),
    ({"count": 201}, 422, "count"),
    ({"count": "3"}, 422, "count"),
    ({"difficulty_mix": {"6": 1}}, 422, "difficulty_mix"),
    ({"difficulty_mix": {"2": 0}}, 422, "difficulty_mix"),
    ({"difficulty_mix": {}}, 422, "difficulty_mix"),
    ({"mode": "later"}, 422, "mode"),
    ({"provider": "gemini"}, 422, "provider"),
    ({"topic_id": "not-a-uuid"}, 422, "topic_id"),
    ({"surprise": 1}, 422, "surprise"),
])
def test_bad_input_is_a_clear_422(practice, topic, change, status, field):
    body = {"topic_id": topic, "count": 3} | change
    for path in ("/ai/generations", "/ai/generations/estimate"):
        errors = problem(practice.tutor.http.post(practice.path(path), json=body), status)["errors"]
        assert any(e["field"].startswith(field) for e in errors), errors


def test_other_workspaces_topics_and_materials_are_404(practice, topic):
    outsider = practice.outsider
    their_topic = outsider.http.post(f"/workspaces/{practice.outsider_workspace_id}/topics",
                                     json={"name": "Theirs"}).json()["id"]
    their_material = outsider.http.post(f"/workspaces/{practice.outsider_workspace_id}/materials/text",
                                        json={"title": "Notes", "content_text": "secret"}).json()["id"]
    tutor = practice.tutor.http
    assert "no such topic" in problem(tutor.post(practice.path("/ai/generations"),
                                                 json={"topic_id": their_topic, "count": 2}), 404)["detail"]
    problem(tutor.post(practice.path("/ai/generations"),
                       json={"topic_id": topic, "count": 2, "source_material_id": their_material}), 404)
    problem(outsider.http.post(practice.path("/ai/generations"), json={"topic_id": topic, "count": 2}), 404)
    problem(practice.student.http.post(practice.path("/ai/generations"), json={"topic_id": topic, "count": 2}), 403)
    problem(tutor.get(practice.path(f"/ai/batches/{uuid.uuid4()}")), 404)
    problem(tutor.get(practice.path("/ai/drafts"), params={"cursor": "garbage"}), 422)


def test_batch_mode_needs_a_configured_provider(practice, topic):
    body = {"topic_id": topic, "count": 2, "mode": "batch"}
    assert "batch mode needs" in problem(practice.tutor.http.post(practice.path("/ai/generations"), json=body),
                                         409)["detail"]
    body["provider"] = "openai"
    assert "no AI provider is configured" in problem(
        practice.tutor.http.post(practice.path("/ai/generations"), json=body), 409)["detail"]


@pytest.fixture
def openai_configured(fake, monkeypatch):
    monkeypatch.setenv("TUTORASSIST_AI_API_KEY", "test-key")
    monkeypatch.setenv("TUTORASSIST_AI_BASE_URL", fake.url)
    get_settings.cache_clear()
    yield fake
    get_settings.cache_clear()


def test_over_budget_is_refused_with_the_figures(db_url, practice, topic, openai_configured):
    tutor = practice.tutor.http
    assert tutor.patch(practice.path(), json={"settings": {"ai_monthly_budget_usd": 0.001}}).status_code == 200
    body = {"topic_id": topic, "count": 20, "mode": "batch"}
    estimate = tutor.post(practice.path("/ai/generations/estimate"), json=body).json()
    assert estimate["provider"] == "openai" and estimate["calls"] == 20 and estimate["pricing"] == "batch"
    assert estimate["cost_usd"] > 0.001 and estimate["within_budget"] is False and estimate["budget_usd"] == 0.001
    refused = problem(tutor.post(practice.path("/ai/generations"), json=body), 409)
    assert refused["title"] == "Over budget" and refused["budget_usd"] == 0.001
    assert refused["estimate_usd"] == estimate["cost_usd"] and refused["spent_this_month_usd"] == 0
    assert "monthly AI budget of $0.00" in refused["detail"]
    owner_e = owner_engine(db_url)
    with owner_e.connect() as conn:
        assert conn.exec_driver_sql("SELECT count(*) FROM jobs").scalar() == 0  # nothing enqueued
    owner_e.dispose()
    # Within the budget: accepted as a batch job with its estimate recorded in the payload.
    assert tutor.patch(practice.path(), json={"settings": {"ai_monthly_budget_usd": 5}}).status_code == 200
    started = tutor.post(practice.path("/ai/generations"), json=body)
    assert started.status_code == 202 and started.json()["job_type"] == "GENERATE_QUESTIONS_BATCH"


@given(count=st.integers(1, 200), weights=st.dictionaries(st.sampled_from("12345"), st.integers(1, 200), min_size=1))
@settings(max_examples=200, deadline=None)
def test_difficulty_split_adds_up_and_follows_the_weights(count, weights):
    shares = split(count, weights)
    assert sum(shares.values()) == count and set(shares) <= set(weights)
    total = sum(weights.values())
    assert all(abs(shares.get(d, 0) - count * w / total) < 1 for d, w in weights.items())


def test_a_page_needs_a_material(practice, topic):
    errors = problem(practice.tutor.http.post(practice.path("/ai/generations"),
                                              json={"topic_id": topic, "count": 2, "material_page": 3}), 422)["errors"]
    assert errors[0]["field"] == "material_page" and "needs source_material_id" in errors[0]["message"]
