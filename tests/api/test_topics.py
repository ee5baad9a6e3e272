"""The topic tree over HTTP: create, list, tree, move, archive, delete; roles and tenant isolation."""

from __future__ import annotations

import uuid

import httpx
import psycopg
import pytest

from tests import factories
from tests.api.helpers import fields, problem


def add(person, ws: str, name: str, **extra) -> dict:
    response = person.http.post(f"/workspaces/{ws}/topics", json={"name": name} | extra)
    assert response.status_code == 201, response.text
    return response.json()


def names(tree: list[dict]) -> list:
    return [[n["name"], names(n["children"])] if n["children"] else n["name"] for n in tree]


@pytest.fixture
def guardian(practice, people):
    token = practice.tutor.http.post(practice.path(f"/students/{practice.student_profile_id}/invites"),
                                     json={"role": "guardian", "email": "parent@example.com"}).json()["token"]
    return people("Guardian", invite_token=token, email="parent@example.com")


def test_tree_list_and_get(practice):
    tutor, ws = practice.tutor, practice.workspace_id
    algebra = add(tutor, ws, "Algebra", sort_order=1, description="Symbols", metadata={"difficulty": 2})
    geometry = add(tutor, ws, "Geometry", sort_order=0)
    linear = add(tutor, ws, "Linear equations", parent_id=algebra["id"], sort_order=2)
    add(tutor, ws, "Quadratics", parent_id=algebra["id"], sort_order=1)
    add(tutor, ws, "Two-step", parent_id=linear["id"])
    assert algebra | {"parent_id": None, "description": "Symbols", "metadata": {"difficulty": 2}, "archived_at": None} == algebra
    tree = tutor.http.get(practice.path("/topics/tree")).json()
    assert names(tree) == ["Geometry", ["Algebra", ["Quadratics", ["Linear equations", ["Two-step"]]]]]
    flat = tutor.http.get(practice.path("/topics")).json()
    assert [t["name"] for t in flat] == ["Geometry", "Algebra", "Quadratics", "Linear equations", "Two-step"]
    assert "children" not in flat[0]
    assert tutor.http.get(practice.path(f"/topics/{geometry['id']}")).json() == geometry
    # The same name may appear under different parents, never twice among siblings.
    add(tutor, ws, "Two-step", parent_id=algebra["id"])
    assert "already exists" in problem(tutor.http.post(practice.path("/topics"), json={"name": "Algebra"}), 409)["detail"]
    problem(tutor.http.post(practice.path("/topics"), json={"name": "Two-step", "parent_id": linear["id"]}), 409)
    problem(tutor.http.get(practice.path(f"/topics/{uuid.uuid4()}")), 404)


def test_update_rename_move_and_cycles(practice):
    tutor, ws = practice.tutor, practice.workspace_id
    a = add(tutor, ws, "A")
    b = add(tutor, ws, "B", parent_id=a["id"])
    c = add(tutor, ws, "C", parent_id=b["id"])
    moved = tutor.http.patch(practice.path(f"/topics/{c['id']}"),
                             json={"name": "C2", "parent_id": a["id"], "sort_order": -5, "description": "d"}).json()
    assert moved | {"name": "C2", "parent_id": a["id"], "sort_order": -5, "description": "d"} == moved
    to_root = tutor.http.patch(practice.path(f"/topics/{b['id']}"), json={"parent_id": None}).json()
    assert to_root["parent_id"] is None
    tutor.http.patch(practice.path(f"/topics/{b['id']}"), json={"parent_id": c["id"]}).raise_for_status()  # B under C
    # A under its own grandchild B (A > C2 > B): the trigger refuses, nothing changes.
    body = problem(tutor.http.patch(practice.path(f"/topics/{a['id']}"), json={"parent_id": b["id"], "name": "A!"}), 422)
    assert fields(body) == {"parent_id"} and "descendant" in body["detail"]
    assert "own parent" in problem(tutor.http.patch(practice.path(f"/topics/{a['id']}"), json={"parent_id": a["id"]}), 422)["detail"]
    after = tutor.http.get(practice.path(f"/topics/{a['id']}")).json()
    assert after["parent_id"] is None and after["name"] == "A"
    # Renaming onto a sibling's name is a conflict; nulls for required fields are refused naming the field.
    add(tutor, ws, "Other", parent_id=a["id"])
    problem(tutor.http.patch(practice.path(f"/topics/{c['id']}"), json={"name": "Other"}), 409)
    assert fields(problem(tutor.http.patch(practice.path(f"/topics/{c['id']}"), json={"name": None}), 422)) == {"name"}
    assert fields(problem(tutor.http.patch(practice.path(f"/topics/{c['id']}"), json={"sort_order": None}), 422)) == {"sort_order"}
    problem(tutor.http.patch(practice.path(f"/topics/{c['id']}"), json={"parent_id": str(uuid.uuid4())}), 422)


def test_bad_input_and_metadata_are_problems_naming_the_field(practice):
    tutor, ws = practice.tutor, practice.workspace_id
    base = add(tutor, ws, "Arithmetic")
    topic = add(tutor, ws, "Fractions", metadata={"prerequisites": [base["id"]], "learning_objectives": ["Add fractions"]})
    assert topic["metadata"]["prerequisites"] == [base["id"]]
    cases = [
        ({"difficulty": 9}, "metadata.difficulty"),
        ({"colour": "red"}, "metadata.colour"),
        ({"prerequisites": ["not-a-uuid"]}, "metadata.prerequisites.0"),
        ({"prerequisites": [str(uuid.uuid4())]}, "metadata.prerequisites"),
        ({"leads_to_topics": [str(uuid.uuid4())]}, "metadata.leads_to_topics"),
        ({"source_program_id": str(uuid.uuid4())}, "metadata.source_program_id"),
    ]
    for metadata, field in cases:
        body = problem(tutor.http.post(practice.path("/topics"), json={"name": "X", "metadata": metadata}), 422)
        assert fields(body) == {field}, body
    body = problem(tutor.http.patch(practice.path(f"/topics/{topic['id']}"), json={"metadata": {"prerequisites": [topic["id"]]}}), 422)
    assert fields(body) == {"metadata.prerequisites"}
    upper = tutor.http.patch(practice.path(f"/topics/{topic['id']}"), json={"metadata": {"prerequisites": [base["id"].upper()]}})
    assert upper.status_code == 200, upper.text  # any spelling of a uuid the contract accepts
    cleared = tutor.http.patch(practice.path(f"/topics/{topic['id']}"), json={"metadata": None}).json()
    assert cleared["metadata"] == {}
    assert [t["name"] for t in tutor.http.get(practice.path("/topics")).json()] == ["Arithmetic", "Fractions"]
    for body, field in [({}, "name"), ({"name": "   "}, "name"), ({"name": "x" * 201}, "name"), ({"name": "a\x00b"}, "name"),
                        ({"name": "X", "sort_order": 2**31}, "sort_order"), ({"name": "X", "parent_id": "nope"}, "parent_id"),
                        ({"name": "X", "extra": 1}, "extra"), ({"name": "X", "metadata": []}, "metadata")]:
        assert field in fields(problem(tutor.http.post(practice.path("/topics"), json=body), 422)), body
    problem(tutor.http.get(practice.path("/topics/not-a-uuid")), 422)
    problem(tutor.http.get("/workspaces/not-a-uuid/topics"), 422)
    with httpx.Client(base_url=str(tutor.http.base_url)) as anonymous:
        problem(anonymous.get(practice.path("/topics")), 401)


def test_archive_hides_the_subtree_and_unarchive_restores_it(practice, guardian):
    tutor, student, ws = practice.tutor, practice.student, practice.workspace_id
    algebra = add(tutor, ws, "Algebra")
    linear = add(tutor, ws, "Linear", parent_id=algebra["id"])
    old = add(tutor, ws, "Old", parent_id=algebra["id"])
    add(tutor, ws, "Geometry")
    archived_first = tutor.http.post(practice.path(f"/topics/{old['id']}/archive")).json()["archived_at"]
    archived = tutor.http.post(practice.path(f"/topics/{algebra['id']}/archive")).json()
    assert archived["archived_at"] is not None
    assert tutor.http.post(practice.path(f"/topics/{algebra['id']}/archive")).json() == archived  # idempotent
    assert tutor.http.get(practice.path(f"/topics/{linear['id']}")).json()["archived_at"] == archived["archived_at"]
    for reader in (student, guardian, tutor):
        assert [t["name"] for t in reader.http.get(practice.path("/topics")).json()] == ["Geometry"]
        assert names(reader.http.get(practice.path("/topics/tree?include_archived=true" if reader is not tutor else "/topics/tree")).json()) == ["Geometry"]
    problem(student.http.get(practice.path(f"/topics/{linear['id']}")), 404)
    full = tutor.http.get(practice.path("/topics/tree"), params={"include_archived": True}).json()
    assert names(full) == [["Algebra", ["Linear", "Old"]], "Geometry"]
    # No active topic under an archived parent: creating or moving there is refused; unarchiving a child too.
    assert "archived" in problem(tutor.http.post(practice.path("/topics"), json={"name": "New", "parent_id": algebra["id"]}), 409)["detail"]
    problem(tutor.http.post(practice.path(f"/topics/{linear['id']}/unarchive")), 409)
    restored = tutor.http.post(practice.path(f"/topics/{algebra['id']}/unarchive")).json()
    assert restored["archived_at"] is None
    assert tutor.http.get(practice.path(f"/topics/{linear['id']}")).json()["archived_at"] is None
    # A subtopic archived on its own before stays archived.
    assert tutor.http.get(practice.path(f"/topics/{old['id']}")).json()["archived_at"] == archived_first
    assert [t["name"] for t in student.http.get(practice.path("/topics")).json()] == ["Algebra", "Linear", "Geometry"]


def test_delete_only_leaves_without_questions(practice, owner):
    tutor, ws = practice.tutor, practice.workspace_id
    parent = add(tutor, ws, "Parent")
    child = add(tutor, ws, "Child", parent_id=parent["id"])
    with_question = add(tutor, ws, "Has questions")
    factories.question(owner, uuid.UUID(ws), uuid.UUID(with_question["id"]))
    assert "subtopic" in problem(tutor.http.delete(practice.path(f"/topics/{parent['id']}")), 409)["detail"]
    assert "question" in problem(tutor.http.delete(practice.path(f"/topics/{with_question['id']}")), 409)["detail"]
    assert tutor.http.delete(practice.path(f"/topics/{child['id']}")).status_code == 204
    problem(tutor.http.get(practice.path(f"/topics/{child['id']}")), 404)
    assert tutor.http.delete(practice.path(f"/topics/{parent['id']}")).status_code == 204
    assert [t["name"] for t in tutor.http.get(practice.path("/topics")).json()] == ["Has questions"]
    problem(tutor.http.delete(practice.path(f"/topics/{parent['id']}")), 404)


def test_students_and_guardians_read_but_never_write(practice, guardian):
    topic = add(practice.tutor, practice.workspace_id, "Algebra")
    for reader in (practice.student, guardian):
        assert reader.http.get(practice.path(f"/topics/{topic['id']}")).json()["name"] == "Algebra"
        assert len(reader.http.get(practice.path("/topics/tree")).json()) == 1
        problem(reader.http.post(practice.path("/topics"), json={"name": "Mine"}), 403)
        problem(reader.http.patch(practice.path(f"/topics/{topic['id']}"), json={"name": "Renamed"}), 403)
        problem(reader.http.post(practice.path(f"/topics/{topic['id']}/archive")), 403)
        problem(reader.http.post(practice.path(f"/topics/{topic['id']}/unarchive")), 403)
        problem(reader.http.delete(practice.path(f"/topics/{topic['id']}")), 403)
    assert practice.tutor.http.get(practice.path("/topics")).json() == [practice.tutor.http.get(practice.path(f"/topics/{topic['id']}")).json()]


def test_outsiders_can_neither_see_nor_touch_nor_reference_topics(practice):
    tutor, outsider, ws = practice.tutor, practice.outsider, practice.workspace_id
    parent = add(tutor, ws, "Algebra", metadata={"difficulty": 3})
    topic = add(tutor, ws, "Linear", parent_id=parent["id"])
    own = f"/workspaces/{practice.outsider_workspace_id}/topics"
    mine = add(outsider, practice.outsider_workspace_id, "Mine")
    path = practice.path(f"/topics/{topic['id']}")
    attempts = [
        outsider.http.get(practice.path("/topics")), outsider.http.get(practice.path("/topics/tree")), outsider.http.get(path),
        outsider.http.post(practice.path("/topics"), json={"name": "Intruder"}),
        outsider.http.patch(path, json={"name": "Hacked", "metadata": {}}), outsider.http.post(path + "/archive"),
        outsider.http.post(path + "/unarchive"), outsider.http.delete(path),
        # the other workspace's ids through the outsider's own workspace
        outsider.http.get(f"{own}/{topic['id']}"), outsider.http.patch(f"{own}/{topic['id']}", json={"name": "Hacked"}),
        outsider.http.post(f"{own}/{topic['id']}/archive"), outsider.http.delete(f"{own}/{topic['id']}"),
    ]
    for response in attempts:
        problem(response, 404)
    # Referencing the other workspace's topic from one's own: refused, nothing created or changed.
    assert fields(problem(outsider.http.post(own, json={"name": "Child", "parent_id": topic["id"]}), 422)) == {"parent_id"}
    assert fields(problem(outsider.http.patch(f"{own}/{mine['id']}", json={"parent_id": topic["id"]}), 422)) == {"parent_id"}
    assert fields(problem(outsider.http.post(own, json={"name": "P", "metadata": {"prerequisites": [topic["id"]]}}), 422)) == {"metadata.prerequisites"}
    assert outsider.http.get(own).json() == [outsider.http.get(f"{own}/{mine['id']}").json()]
    assert outsider.http.get(f"{own}/{mine['id']}").json()["parent_id"] is None
    assert tutor.http.get(practice.path("/topics")).json() == [parent, topic]


def test_prerequisites_never_dangle(practice, owner):
    tutor, ws = practice.tutor, practice.workspace_id
    numbers = add(tutor, ws, "Numbers")
    order = add(tutor, ws, "Order")
    algebra = add(tutor, ws, "Algebra", metadata={"prerequisites": [numbers["id"]], "follows_topics": [order["id"]],
                                                  "leads_to_topics": [order["id"]]})
    # Deleting a prerequisite of another topic is refused, naming who needs it; nothing changes.
    refused = problem(tutor.http.delete(practice.path(f"/topics/{numbers['id']}")), 409)
    assert "Algebra (needs Numbers)" in refused["detail"]
    # Archiving it would gate an active topic on a hidden one: refused too.
    assert "Algebra (needs Numbers)" in problem(tutor.http.post(practice.path(f"/topics/{numbers['id']}/archive")), 409)["detail"]
    assert tutor.http.get(practice.path(f"/topics/{numbers['id']}")).json()["archived_at"] is None
    # A topic only listed in follows/leads_to is deleted and taken out of those lists (emptied keys go).
    assert tutor.http.delete(practice.path(f"/topics/{order['id']}")).status_code == 204
    assert tutor.http.get(practice.path(f"/topics/{algebra['id']}")).json()["metadata"] == {"prerequisites": [numbers["id"]]}
    # No path past the API either: the database refuses a dangling reference written directly.
    with pytest.raises(psycopg.errors.CheckViolation):
        owner.execute("UPDATE topics SET metadata = jsonb_build_object('prerequisites', jsonb_build_array(%s::text)) "
                      "WHERE id = %s", (str(uuid.uuid4()), algebra["id"]))
    with pytest.raises(psycopg.Error) as deleted:
        owner.execute("DELETE FROM topics WHERE id = %s", (numbers["id"],))
    assert deleted.value.sqlstate == "TA409"
    # An active topic cannot be given an archived prerequisite; archiving both together is fine, and so is
    # unarchiving them together.
    parent = add(tutor, ws, "Old branch")
    old = add(tutor, ws, "Old", parent_id=parent["id"])
    tutor.http.post(practice.path(f"/topics/{old['id']}/archive")).raise_for_status()
    body = problem(tutor.http.patch(practice.path(f"/topics/{algebra['id']}"), json={
        "metadata": {"prerequisites": [numbers["id"], old["id"]]}}), 422)
    assert fields(body) == {"metadata.prerequisites"} and "archived" in body["detail"]
    tutor.http.post(practice.path(f"/topics/{old['id']}/unarchive")).raise_for_status()
    sibling = add(tutor, ws, "Sibling", parent_id=parent["id"], metadata={"prerequisites": [old["id"]]})
    assert tutor.http.post(practice.path(f"/topics/{parent['id']}/archive")).status_code == 200
    assert tutor.http.post(practice.path(f"/topics/{parent['id']}/unarchive")).status_code == 200
    assert tutor.http.get(practice.path(f"/topics/{sibling['id']}")).json()["archived_at"] is None
    # Deleting the prerequisite together with the topic that needs it (the whole workspace) works.
    owner.execute("DELETE FROM workspaces WHERE id = %s", (ws,))
    assert owner.execute("SELECT count(*) FROM topics WHERE workspace_id = %s", (ws,)).fetchone()[0] == 0
