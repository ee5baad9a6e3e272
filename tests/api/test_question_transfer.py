"""Bulk JSON export and import: a faithful round trip between workspaces, all-or-nothing validation reporting every
invalid item by path, topic resolution by id or path, size limits, roles and tenant isolation."""

from __future__ import annotations

import json
import uuid

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
    # Importing the same document again files it under the topics created the first time.
    twice = tutor.http.post(f"/workspaces/{second}/questions/import", json=again).json()
    assert twice["created_topic_ids"] == [] and len(twice["created_ids"]) == 3
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
        question_body(topic_id=str(uuid.uuid4()), topic_path=["Algebra", "Quadratics"]),  # unknown id: the path
        question_body(topic_path=["Algebra", "Quadratics", "Factoring"]),  # shares the new prefix
        question_body(topic_path=["Old"]),  # an existing archived topic can be used
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
        question_body(topic_path=["Old", "New child"])]}), 422)
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
