"""Bulk JSON export and import: a faithful round trip between workspaces, all-or-nothing validation reporting every
invalid item by path, topic resolution by id or path, size limits, roles and tenant isolation."""

from __future__ import annotations

import json
import uuid

from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from tests.api.conftest import Practice
from tests.api.test_questions import (
    count_questions,
    create,
    fields,
    problem,
    program_with_grades,
    question_body,
    topic,
)

FORMAT = "tutorassist.questions.v1"


def _content(document: dict) -> list[dict]:
    """The questions without what differs between workspaces (ids) or by design (imports are origin 'imported')."""
    return [{k: v for k, v in q.items() if k not in ("id", "topic_id", "origin")} for q in document["questions"]]


def test_round_trip_between_workspaces_keeps_every_field(practice: Practice, owner):
    ws, tutor = practice.workspace_id, practice.tutor
    algebra = topic(owner, ws, "Algebra")
    linear = topic(owner, ws, "Linear equations", algebra)
    program, grades = program_with_grades(owner)
    create(tutor, ws, topic_id=linear, hints=["Isolate $x$", "Divide"], solution_latex="$x = 2$", difficulty=2,
           tags=["linear", "exam"], program_ids=[program], grade_level_ids=grades, curriculum={"codes": ["A.1"]},
           status="active")
    create(tutor, ws, topic_id=algebra, answer_type="multiple_choice", answer_spec={
        "type": "multiple_choice", "choices": [{"id": "a", "latex": "$1$"}, {"id": "b", "latex": "$2$"}],
        "correct_ids": ["b"], "shuffle": False}, status="archived")
    create(tutor, ws, prompt_latex=r"Name the \emph{theorem}", answer_type="text",
           answer_spec={"type": "text", "accepted_answers": ["Pythagoras"]})

    exported = tutor.http.get(practice.path("/questions/export")).json()
    assert exported["format"] == FORMAT and exported["exported_at"] and len(exported["questions"]) == 3
    first = exported["questions"][0]
    assert first["topic_path"] == ["Algebra", "Linear equations"] and first["topic_id"] == linear
    assert first["hints"] == ["Isolate $x$", "Divide"] and first["program_ids"] == [program]
    assert exported["questions"][2]["topic_path"] is None
    only_active = tutor.http.get(practice.path("/questions/export"), params={"status": "active"}).json()
    assert [q["prompt_latex"] for q in only_active["questions"]] == [first["prompt_latex"]]

    second = tutor.http.post("/workspaces", json={"name": "Second"}).json()["id"]
    imported = tutor.http.post(f"/workspaces/{second}/questions/import", json=exported)
    assert imported.status_code == 201, imported.text
    result = imported.json()
    assert len(result["created_ids"]) == 3 and len(result["created_topic_ids"]) == 2  # Algebra, Linear equations
    again = tutor.http.get(f"/workspaces/{second}/questions/export").json()
    assert _content(again) == _content(exported)
    assert [q["id"] for q in again["questions"]] == result["created_ids"]
    assert {q["origin"] for q in again["questions"]} == {"imported"}
    assert again["questions"][0]["topic_id"] not in (linear, None)
    stored = tutor.http.get(f"/workspaces/{second}/questions/{result['created_ids'][0]}").json()
    assert stored["prompt_text"] == "Solve 2x + 3 = 7 for x." and stored["created_by"] == str(tutor.id)
    assert result["skipped"] == []
    # Importing the same document again creates nothing: every item is skipped, naming the question it duplicates.
    twice = tutor.http.post(f"/workspaces/{second}/questions/import", json=exported).json()
    assert twice["created_ids"] == [] and twice["created_topic_ids"] == []
    assert twice["skipped"] == [{"index": i, "existing_id": result["created_ids"][i], "reason": "same_content"}
                                for i in range(3)]
    # Its own export back into it: skipped by id.
    own = tutor.http.post(f"/workspaces/{second}/questions/import", json=again).json()
    assert own["created_ids"] == [] and {s["reason"] for s in own["skipped"]} == {"same_id"}
    assert count_questions(owner, second) == 3
    assert owner.execute("SELECT count(*) FROM topics WHERE workspace_id = %s", (second,)).fetchone()[0] == 2


def test_import_reports_every_invalid_item_and_stores_nothing(practice: Practice, owner):
    ws, tutor = practice.workspace_id, practice.tutor
    good = question_body()
    document = {"format": FORMAT, "questions": [
        good,
        question_body(answer_spec={"type": "number", "value": "two"}),
        good | {"topic_path": ["New topic"]},
        question_body(difficulty=9, tags=["x" * 60]),
        question_body(program_ids=[str(uuid.uuid4())]),
        question_body(answer_type="set"),
        question_body(topic_id=str(uuid.uuid4())),
        question_body(curriculum={"note": "a\x00b"}),
        {"prompt_latex": "only a prompt"},
        "not an object",
    ]}
    body = problem(tutor.http.post(practice.path("/questions/import"), json=document), 422)
    assert {"questions.1.answer_spec.value", "questions.3.difficulty", "questions.3.tags", "questions.4.program_ids.0",
            "questions.5.answer_spec.type", "questions.6.topic_id", "questions.7.curriculum.note",
            "questions.8.answer_type", "questions.8.answer_spec", "questions.9"} == fields(body)
    assert body["invalid_items"] == [1, 3, 4, 5, 6, 7, 8, 9] and "nothing imported" in body["detail"]
    assert count_questions(owner, ws) == 0
    assert owner.execute("SELECT count(*) FROM topics WHERE workspace_id = %s", (ws,)).fetchone()[0] == 0

    url = practice.path("/questions/import")
    for bad, field in [
        ({"format": "other.v9", "questions": []}, "format"), ({"questions": []}, "format"),
        ({"format": FORMAT}, "questions"), ({"format": FORMAT, "questions": {}}, "questions"),
        ({"format": FORMAT, "questions": [], "extra": 1}, "extra"), ([1, 2], "body"),
        ({"format": FORMAT, "exported_at": "yesterday", "questions": []}, "exported_at"),
        ({"format": FORMAT, "questions": [question_body(origin="ai_generated", prompt_latex="\x00")]}, "questions.0.prompt_latex"),
    ]:
        assert field in fields(problem(tutor.http.post(url, json=bad), 422)), bad
    assert "body" in fields(problem(tutor.http.post(url, content=b"{oops", headers={"content-type": "application/json"}), 422))
    too_many = {"format": FORMAT, "questions": [{}] * 5001}
    assert fields(problem(tutor.http.post(url, json=too_many), 422)) == {"questions"}
    huge = json.dumps({"format": FORMAT, "questions": [question_body(prompt_latex="x" * 20000)] * 530}).encode()
    assert len(huge) > 10 * 1024 * 1024
    problem(tutor.http.post(url, content=huge, headers={"content-type": "application/json"}), 413)

    def chunks():  # no Content-Length: the limit holds while streaming
        for _ in range(11):
            yield b" " * (1024 * 1024)

    problem(tutor.http.post(url, content=chunks(), headers={"content-type": "application/json"}), 413)
    assert count_questions(owner, ws) == 0
    # An imported question's origin is always 'imported', whatever the document says; status defaults to draft.
    created = tutor.http.post(url, json={"format": FORMAT, "questions": [good | {"origin": "ai_generated"}]}).json()
    stored = tutor.http.get(practice.path(f"/questions/{created['created_ids'][0]}")).json()
    assert stored["origin"] == "imported" and stored["status"] == "draft"


def test_topics_resolve_by_id_then_by_path(practice: Practice, owner):
    ws, tutor = practice.workspace_id, practice.tutor
    algebra = topic(owner, ws, "Algebra")
    archived = topic(owner, ws, "Old")
    owner.execute("UPDATE topics SET archived_at = now() WHERE id = %s", (archived,))
    url = practice.path("/questions/import")
    document = {"format": FORMAT, "questions": [
        question_body(topic_id=algebra, topic_path=["Somewhere", "Else"]),  # the id wins
        question_body(topic_id=str(uuid.uuid4()), topic_path=["Algebra", "Quadratics"], prompt_latex="Two"),  # the path
        question_body(topic_path=["Algebra", "Quadratics", "Factoring"], prompt_latex="Three"),  # shares the prefix
        question_body(topic_path=["Old"], prompt_latex="Four"),  # an existing archived topic can be used
    ]}
    result = tutor.http.post(url, json=document).json()
    assert len(result["created_topic_ids"]) == 2
    rows = {r[0]: r[1] for r in owner.execute(
        "SELECT q.id::text, t.name FROM questions q LEFT JOIN topics t ON t.workspace_id = q.workspace_id "
        "AND t.id = q.topic_id WHERE q.workspace_id = %s", (ws,)).fetchall()}
    assert [rows[i] for i in result["created_ids"]] == ["Algebra", "Quadratics", "Factoring", "Old"]
    quadratics = owner.execute("SELECT parent_id::text, metadata FROM topics WHERE name = 'Quadratics'").fetchone()
    assert quadratics[0] == algebra and quadratics[1] == {"generated_from": "imported"}
    refused = problem(tutor.http.post(url, json={"format": FORMAT, "questions": [
        question_body(topic_path=["Old", "New child"], prompt_latex="Five")]}), 422)
    assert fields(refused) == {"questions.0.topic_path"} and "archived" in refused["detail"]
    assert count_questions(owner, ws) == 4


def test_transfer_is_isolated_between_workspaces(practice: Practice, owner):
    ws, tutor, outsider = practice.workspace_id, practice.tutor, practice.outsider
    victim_topic = topic(owner, ws, "Victim")
    create(tutor, ws, topic_id=victim_topic)
    before = tutor.http.get(practice.path("/questions/export")).json()["questions"]
    document = {"format": FORMAT, "questions": [question_body(topic_id=victim_topic)]}
    for response in (outsider.http.get(practice.path("/questions/export")),
                     outsider.http.post(practice.path("/questions/import"), json=document),
                     outsider.http.post(practice.path("/questions/import"), content=b"{bad")):
        assert problem(response, 404)["detail"] == "no such workspace"
    own = f"/workspaces/{practice.outsider_workspace_id}/questions"
    # The victim's topic id is not a topic of the outsider's workspace: refused, nothing created.
    assert fields(problem(outsider.http.post(f"{own}/import", json=document), 422)) == {"questions.0.topic_id"}
    assert count_questions(owner, practice.outsider_workspace_id) == 0
    # With a path, the outsider's own topic is created; the victim's topic is never touched or used.
    document["questions"][0]["topic_path"] = ["Victim"]
    result = outsider.http.post(f"{own}/import", json=document).json()
    assert len(result["created_topic_ids"]) == 1 and result["created_topic_ids"][0] != victim_topic
    assert outsider.http.get(f"{own}/export").json()["questions"][0]["topic_id"] == result["created_topic_ids"][0]
    assert tutor.http.get(practice.path("/questions/export")).json()["questions"] == before
    assert count_questions(owner, ws) == 1
    # The victim's question id and content tell the outsider nothing: their own import creates it, skips nothing.
    secret = create(tutor, ws, prompt_latex="Only the victim has this")
    item = next(q for q in tutor.http.get(practice.path("/questions/export")).json()["questions"] if q["id"] == secret["id"])
    probe = outsider.http.post(f"{own}/import", json={"format": FORMAT, "questions": [item]}).json()
    assert len(probe["created_ids"]) == 1 and probe["skipped"] == []
    assert count_questions(owner, ws) == 2


GENERATION = {"model": "gpt-4o-mini", "prompt_version": "v2", "temperature": 0.7, "generated_at": "2025-12-31T10:00:00Z",
              "job_id": "5b0e7c1e-8f5d-4c1a-9a59-0c1f7d8e2b6a", "tokens_used": {"input": 1, "output": 2, "total": 3},
              "generation_time_ms": 10, "validation_passed": True}


def test_generation_metadata_quality_score_and_batch_travel_with_the_question(practice: Practice, owner):
    ws, tutor = practice.workspace_id, practice.tutor
    batch = owner.execute("INSERT INTO question_batches (workspace_id, total_requested) VALUES (%s, 1) RETURNING id",
                          (ws,)).fetchone()[0]
    generated = owner.execute(
        "INSERT INTO questions (workspace_id, prompt_latex, answer_type, answer_spec, origin, quality_score, "
        "generation_metadata, batch_id, batch_custom_id) VALUES (%s, 'Generated', 'number', "
        "'{\"type\": \"number\", \"value\": \"2\"}', 'ai_generated', 0.875, %s, %s, 'req-1') RETURNING id",
        (ws, json.dumps(GENERATION), batch)).fetchone()[0]
    exported = tutor.http.get(practice.path("/questions/export")).json()
    item = exported["questions"][0]
    assert item["id"] == str(generated) and item["batch_id"] == str(batch) and item["batch_custom_id"] == "req-1"
    assert float(item["quality_score"]) == 0.875 and item["generation_metadata"]["model"] == "gpt-4o-mini"

    # Into the same workspace (as a new question: another prompt, no id) the batch exists and is kept.
    copy = item | {"id": None, "prompt_latex": "Generated, reworded"}
    created = tutor.http.post(practice.path("/questions/import"), json={"format": FORMAT, "questions": [copy]})
    assert created.status_code == 201, created.text
    row = owner.execute("SELECT origin, quality_score, generation_metadata, batch_id, batch_custom_id FROM questions "
                        "WHERE id = %s", (created.json()["created_ids"][0],)).fetchone()
    assert row[0] == "imported" and float(row[1]) == 0.875 and row[3] == batch and row[4] == "req-1"
    assert row[2] == GENERATION | {"temperature": 0.7}  # stored as the contract dumps it
    # Into another workspace the batch does not exist: dropped, the rest kept.
    second = tutor.http.post("/workspaces", json={"name": "Second"}).json()["id"]
    moved = tutor.http.post(f"/workspaces/{second}/questions/import", json=exported).json()["created_ids"][0]
    row = owner.execute("SELECT quality_score, generation_metadata, batch_id, batch_custom_id FROM questions "
                        "WHERE id = %s", (moved,)).fetchone()
    assert float(row[0]) == 0.875 and row[1]["job_id"] == GENERATION["job_id"] and row[2] is None and row[3] is None

    bad = item | {"id": None, "prompt_latex": "Other", "quality_score": 1.5,
                  "generation_metadata": GENERATION | {"tokens_used": {"input": 1, "output": 2, "total": 4}}}
    refused = problem(tutor.http.post(practice.path("/questions/import"), json={"format": FORMAT, "questions": [bad]}), 422)
    assert fields(refused) == {"questions.0.quality_score", "questions.0.generation_metadata.tokens_used"}, refused


def test_duplicates_inside_one_document_are_created_once(practice: Practice, owner):
    ws, tutor = practice.workspace_id, practice.tutor
    document = {"format": FORMAT, "questions": [
        question_body(), question_body(prompt_latex="Other"),
        question_body(answer_spec={"type": "number", "value": "2", "tolerance_abs": None}),  # same spec once dumped
    ]}
    result = tutor.http.post(practice.path("/questions/import"), json=document).json()
    assert len(result["created_ids"]) == 2
    assert result["skipped"] == [{"index": 2, "existing_id": result["created_ids"][0], "reason": "same_content"}]
    assert count_questions(owner, ws) == 2


def test_import_refuses_specs_the_checker_cannot_grade_naming_the_item(practice: Practice, owner):
    tutor = practice.tutor
    document = {"format": FORMAT, "questions": [
        question_body(),
        question_body(prompt_latex="B", answer_type="expression", answer_spec={"type": "expression", "value": "x+*"}),
        question_body(prompt_latex="C", answer_type="set", answer_spec={"type": "set", "elements": ["1", "(2"]}),
    ]}
    body = problem(tutor.http.post(practice.path("/questions/import"), json=document), 422)
    assert fields(body) == {"questions.1.answer_spec.value", "questions.2.answer_spec.elements.1"}
    assert body["invalid_items"] == [1, 2] and "2 invalid question(s), nothing imported" in body["detail"]
    assert count_questions(owner, practice.workspace_id) == 0


def test_import_and_export_match_the_openapi_document(practice: Practice, client):
    spec = client.get("/openapi.json").json()
    operation = spec["paths"]["/workspaces/{workspace_id}/questions/import"]["post"]
    body = operation["requestBody"]["content"]["application/json"]["schema"]
    assert set(body["required"]) == {"format", "questions"}  # exported_at optional
    assert "$ref" not in json.dumps(body) or "#/components/" in json.dumps(body)
    exported = spec["components"]["schemas"]["ExportDocument"]
    assert set(exported["required"]) == {"format", "exported_at", "questions"}
    assert "skipped" in spec["components"]["schemas"]["ImportResult"]["properties"]
    url = practice.path("/questions/import")
    assert practice.tutor.http.post(url, json={"format": FORMAT, "questions": [question_body()]}).status_code == 201
    assert fields(problem(practice.tutor.http.post(url, json={"questions": []}), 422)) == {"format"}


def test_export_streams_every_row_in_order(practice: Practice, owner):
    ws, tutor = practice.workspace_id, practice.tutor
    owner.execute("INSERT INTO questions (workspace_id, prompt_latex, answer_type, answer_spec, created_at) "
                  "SELECT %s, 'Q' || n, 'number', jsonb_build_object('type', 'number', 'value', n::text), "
                  "now() - (2000 - n) * interval '1 second' FROM generate_series(1, 1234) n", (ws,))
    with tutor.http.stream("GET", practice.path("/questions/export")) as response:
        assert response.status_code == 200 and response.headers["content-type"] == "application/json"
        assert "content-length" not in response.headers  # written as it is read, not built first
        chunks = list(response.iter_raw())
    document = json.loads(b"".join(chunks))
    assert [q["prompt_latex"] for q in document["questions"]] == [f"Q{n}" for n in range(1, 1235)]
    assert document["format"] == FORMAT and document["exported_at"]


# ---------------------------------------------------------------- property: no document makes the import fail badly
_json = st.recursive(
    st.none() | st.booleans() | st.integers(-2**70, 2**70) | st.floats() | st.text(max_size=30),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=10), children, max_size=4),
    max_leaves=12)
_math = st.sampled_from(["2", "x+*", "1e999999", "(1,", "[1, 3)", "x \\le 2", "y = 2x", "\\frac{1}{0}", "", " ", "1/0",
                         "2(1,5)", "6.02e23", "\x00", "é", "∞"])
_spec = st.one_of(
    st.fixed_dictionaries({"type": st.sampled_from(["number", "expression", "equation", "inequality", "interval"]),
                           "value": _math}),
    st.fixed_dictionaries({"type": st.sampled_from(["set", "list"]), "elements": st.lists(_math, max_size=3)}),
    _json)
_item = st.fixed_dictionaries(
    {"prompt_latex": st.one_of(st.text(max_size=20), _json),
     "answer_type": st.sampled_from(["number", "expression", "equation", "inequality", "set", "list", "interval", "x"])},
    optional={"answer_spec": _spec, "topic_path": st.lists(st.text(max_size=8), max_size=3) | _json,
              "topic_id": st.uuids().map(str) | _json, "quality_score": st.floats() | st.text(max_size=5) | _json,
              "generation_metadata": _json, "batch_id": st.uuids().map(str) | _json, "difficulty": _json,
              "tags": st.lists(st.text(max_size=8), max_size=3) | _json, "curriculum": _json, "id": _json,
              "status": st.sampled_from(["draft", "active", "archived", "gone"]), "hints": _json})
_plausible = st.builds(lambda prompt, extra: question_body(prompt_latex=prompt) | extra,
                       st.text(min_size=1, max_size=10), st.dictionaries(st.sampled_from(["topic_path", "tags", "quality_score",
                                                                                          "status", "id"]), _json, max_size=2))
_document = st.one_of(
    _json,
    st.fixed_dictionaries({"format": st.just(FORMAT), "questions": st.lists(_plausible | _item, max_size=4)}),
    st.fixed_dictionaries({"questions": st.lists(_item | _json, max_size=4)},
                          optional={"format": st.just(FORMAT) | _json, "exported_at": st.just("2025-01-01T00:00:00Z") | _json}))


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(document=_document)
def test_random_import_documents_never_fail_with_a_server_error(practice: Practice, owner, document):
    before = count_questions(owner, practice.workspace_id)
    response = practice.tutor.http.post(practice.path("/questions/import"), content=json.dumps(document),
                                        headers={"content-type": "application/json"})
    assert response.status_code in (201, 422), response.text
    event(f"status {response.status_code}")
    if response.status_code == 422:
        assert response.headers["content-type"].startswith("application/problem+json")
        assert response.json()["errors"] and count_questions(owner, practice.workspace_id) == before
    else:
        result = response.json()
        assert count_questions(owner, practice.workspace_id) == before + len(result["created_ids"])
