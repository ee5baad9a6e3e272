"""Question-quality analytics over HTTP: item statistics withheld below the minimum sample, calibration, notes,
coverage and distribution; staff only; bad filters are 422 problem+json, never a 500."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from urllib.parse import quote

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests import factories
from tests.api.helpers import fields, problem
from tutorassist.analytics import item_refresh
from tutorassist.db.connection import owner_engine

EARLIER = datetime.now(timezone.utc) - timedelta(hours=2)


def attempt(owner, ws, student, question, score, notes="[]"):
    owner.execute("INSERT INTO attempts (workspace_id, student_user_id, question_id, answer_raw, is_correct, score, "
                  "submitted_at, error_taxonomy_json) VALUES (%s, %s, %s, 'x', %s, %s, %s, %s)",
                  (ws, student, question, score == 1, score, EARLIER, notes))


@pytest.fixture
def bank(practice, owner, db_url):
    """12 students answer `popular` (half right), 3 answer `rare`; a flag on `rare`; then the job refreshes."""
    ws = practice.workspace_id
    topic = owner.execute("INSERT INTO topics (workspace_id, name) VALUES (%s, 'Algebra') RETURNING id", (ws,)).fetchone()[0]
    popular = factories.question(owner, ws, topic, difficulty=2)
    rare = factories.question(owner, ws, topic, difficulty=4)
    unfiled = factories.question(owner, ws, None, difficulty=4, status="draft")
    for i in range(12):
        s = factories.student(owner, ws, f"S{i}")
        attempt(owner, ws, s, popular, i % 2, '["sign_error"]' if i % 2 == 0 else "[]")
        if i < 3:
            attempt(owner, ws, s, rare, 1)
    owner.execute("INSERT INTO question_flags (workspace_id, question_id, flagged_by, reason) VALUES (%s, %s, %s, 'typo')",
                  (ws, rare, practice.student.id))
    engine = owner_engine(db_url)
    try:
        item_refresh.refresh(engine)
    finally:
        engine.dispose()
    return {"topic": str(topic), "popular": str(popular), "rare": str(rare), "unfiled": str(unfiled)}


def test_item_statistics_with_n_and_withheld_below_the_minimum(practice, bank, owner):
    body = practice.tutor.http.get(practice.path("/analytics/questions")).json()
    items = {i["question_id"]: i for i in body["items"]}
    assert set(items) == {bank["popular"], bank["rare"], bank["unfiled"]} and body["min_sample"] == 10
    popular, rare, unfiled = items[bank["popular"]], items[bank["rare"]], items[bank["unfiled"]]
    assert (popular["students"], popular["facility"], popular["withheld_reason"]) == (12, 0.5, None)
    assert popular["score_sd"] == pytest.approx((12 * 0.25 / 11) ** 0.5)
    assert rare["students"] == 3 and rare["facility"] is None and rare["dubious"] is None
    assert "fewer than 10 students" in rare["withheld_reason"] and "n = 3" in rare["withheld_reason"]
    assert (rare["flags"], rare["open_flags"], rare["flag_rate"]) == (1, 1, pytest.approx(1 / 3))
    assert (unfiled["students"], unfiled["attempts"], unfiled["flag_rate"]) == (0, 0, None)
    as_of = owner.execute("SELECT data_as_of FROM item_statistics_refreshes WHERE workspace_id = %s",
                          (practice.workspace_id,)).fetchone()[0]
    assert body["freshness"]["source"] == "refreshed"
    assert datetime.fromisoformat(body["freshness"]["as_of"]) == as_of


def test_filters_sorts_and_pages(practice, bank):
    get = lambda **p: practice.tutor.http.get(practice.path("/analytics/questions"), params=p).json()  # noqa: E731
    assert [i["question_id"] for i in get(sort="flag_rate")["items"]][0] == bank["rare"]
    assert [i["question_id"] for i in get(min_students=10)["items"]] == [bank["popular"]]
    assert {i["question_id"] for i in get(topic_id=bank["topic"])["items"]} == {bank["popular"], bank["rare"]}
    assert [i["question_id"] for i in get(status="draft")["items"]] == [bank["unfiled"]]
    assert get(dubious="true")["items"] == []  # popular discriminates (no rest score: no efficiency) and is in the band
    assert [i["question_id"] for i in get(sort="facility")["items"]][0] == bank["popular"]  # withheld ones last
    for sort in ("question", "flag_rate", "facility", "discrimination", "students"):
        seen, cursor = [], None
        while True:
            page = get(sort=sort, limit=1, **({"cursor": cursor} if cursor else {}))
            seen += [i["question_id"] for i in page["items"]]
            cursor = page["next_cursor"]
            if cursor is None:
                break
        assert sorted(seen) == sorted(bank[k] for k in ("popular", "rare", "unfiled")), sort


def test_calibration_notes_coverage_distribution(practice, bank):
    http = practice.tutor.http
    levels = {lv["difficulty"]: lv for lv in http.get(practice.path("/analytics/questions/calibration")).json()["levels"]}
    assert sorted(levels) == [1, 2, 3, 4, 5]
    assert (levels[2]["questions"], levels[2]["students"], levels[2]["facility"]) == (1, 12, 0.5)
    assert (levels[4]["questions"], levels[4]["students"], levels[4]["facility"]) == (2, 3, None)
    assert levels[4]["withheld_reason"] and levels[1]["questions"] == 0
    notes = http.get(practice.path("/analytics/wrong-answer-notes")).json()
    assert [(n["note_code"], n["attempts"], n["students"], n["topic_name"]) for n in notes["items"]] == \
           [("sign_error", 6, 6, "Algebra")]
    assert notes["freshness"]["source"] == "refreshed"
    coverage = http.get(practice.path("/analytics/coverage")).json()
    algebra = next(t for t in coverage["topics"] if t["topic_id"] == bank["topic"])
    assert algebra["by_difficulty"] == {"1": 0, "2": 1, "3": 0, "4": 1, "5": 0} and algebra["total"] == 2
    assert coverage["freshness"]["source"] == "live"
    dist = http.get(practice.path("/analytics/questions/distribution")).json()
    assert dist["total"] == 3 and dist["by_status"] == {"active": 2, "draft": 1}
    assert dist["by_difficulty"]["4"] == 2 and dist["by_origin"] == {"manual": 3}
    assert {(t["name"], t["count"]) for t in dist["by_topic"]} == {("Algebra", 2), (None, 1)}


PATHS = ["/analytics/questions", "/analytics/questions/calibration", "/analytics/questions/distribution",
         "/analytics/wrong-answer-notes", "/analytics/coverage", "/analytics/ai/usage", "/analytics/ai/generation"]


@pytest.mark.parametrize("path", PATHS)
def test_staff_only(practice, path):
    problem(practice.student.http.get(practice.path(path)), 403)
    problem(practice.outsider.http.get(practice.path(path)), 404)
    ok = practice.tutor.http.get(practice.path(path))
    assert ok.status_code == 200 and ok.json()["freshness"]["as_of"]


@pytest.mark.parametrize("path, params, field", [
    ("/analytics/questions", {"sort": "bogus"}, "sort"),
    ("/analytics/questions", {"min_students": "-1"}, "min_students"),
    ("/analytics/questions", {"limit": "0"}, "limit"),
    ("/analytics/questions", {"status": "gone"}, "status"),
    ("/analytics/questions", {"topic_id": "nope"}, "topic_id"),
    ("/analytics/questions", {"dubious": "maybe"}, "dubious"),
    ("/analytics/questions", {"cursor": "not-a-cursor"}, "cursor"),
    ("/analytics/questions", {"cursor": "WyJ4IiwgInkiXQ"}, "cursor"),  # ["x", "y"]
    ("/analytics/ai/usage", {"by": "planet"}, "by"),
    ("/analytics/ai/usage", {"from": "2026-02-30"}, "from"),
    ("/analytics/ai/usage", {"from": "2026-03-02", "to": "2026-03-01"}, "from"),
    ("/analytics/ai/generation", {"from": "2020-01-01", "to": "2026-01-01"}, "from"),
    ("/analytics/ai/usage", {"to": "9999-12-31"}, "to"),
    ("/analytics/ai/usage", {"to": "0001-01-01"}, "to"),
    ("/analytics/ai/generation", {"from": "0001-01-01"}, "from"),
])
def test_bad_filters_are_named(practice, path, params, field):
    body = problem(practice.tutor.http.get(practice.path(path), params=params), 422)
    assert any(f.endswith(field) for f in fields(body)), body


_TOKEN = st.sampled_from(["sort", "min_students", "limit", "status", "topic_id", "dubious", "cursor", "by", "from",
                          "to", "flag_rate", "facility", "-1", "0", "201", "true", "active", "2026-01-01",
                          "9999-12-31", "0001-01-01", "%00", "%FF", "'", "\"", "[", "]", "=", "&", " ", "WyJ4Il0"])


@settings(max_examples=60, deadline=None, database=None, suppress_health_check=list(HealthCheck))
@given(path=st.sampled_from(["/analytics/questions", "/analytics/ai/usage", "/analytics/questions/calibration"]),
       query=st.lists(st.one_of(_TOKEN, st.text(max_size=8).map(quote)), max_size=8).map("".join))
def test_no_query_string_makes_a_500(practice, path, query):
    response = practice.tutor.http.get(practice.path(path) + "?" + query)
    assert response.status_code in (200, 422), (query, response.text)
    if response.status_code == 422:
        problem(response, 422)
