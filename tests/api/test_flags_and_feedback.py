"""Question flags (with auto-hide) and tutor feedback over real HTTP: every feature, every role, bad input and tenant
isolation. Questions and attempts are written directly as the schema owner (the attempts API is not built yet)."""

from __future__ import annotations

import uuid

import httpx
import pytest

from tests import factories
from tests.api.helpers import fields, problem
from tutorassist.db.connection import connect


@pytest.fixture
def owner(db_url):
    with connect(db_url, autocommit=True) as conn:
        yield conn


def attempt(owner, ws, student_id, question_id) -> str:
    return str(owner.execute(
        "INSERT INTO attempts (workspace_id, student_user_id, question_id, answer_raw, is_correct, score) "
        "VALUES (%s, %s, %s, '2', true, 1) RETURNING id", (ws, student_id, question_id)).fetchone()[0])


def count(owner, table: str, ws) -> int:
    return owner.execute(f"SELECT count(*) FROM {table} WHERE workspace_id = %s", (ws,)).fetchone()[0]


def new_student(practice, people, name: str):
    email = f"{name.lower()}.{uuid.uuid4().hex[:6]}@example.com"
    profile = practice.tutor.http.post(practice.path("/students"), json={"name": name, "email": email}).json()["id"]
    token = practice.tutor.http.post(practice.path(f"/students/{profile}/invites"), json={}).json()["token"]
    return people(name, invite_token=token, email=email)


def guardian_of_student(practice, people):
    email = f"parent.{uuid.uuid4().hex[:6]}@example.com"
    invite = practice.tutor.http.post(practice.path(f"/students/{practice.student_profile_id}/invites"),
                                      json={"role": "guardian", "email": email}).json()
    return people("Parent", invite_token=invite["token"], email=email)


def second_tutor(practice, people):
    email = f"tutor2.{uuid.uuid4().hex[:6]}@example.com"
    token = practice.tutor.http.post(practice.path("/invites"), json={"email": email}).json()["token"]
    return people("Tutor2", invite_token=token, email=email)


# ---------------------------------------------------------------- flags
def test_flag_reasons_comment_attempt_and_own_list(practice, people, owner):
    ws = practice.workspace_id
    q = str(factories.question(owner, ws))
    draft = str(factories.question(owner, ws, status="draft"))
    student = practice.student
    mine = attempt(owner, ws, student.id, q)
    peer = new_student(practice, people, "Peer")
    theirs = attempt(owner, ws, peer.id, q)
    other_q = str(factories.question(owner, ws))
    on_other_q = attempt(owner, ws, student.id, other_q)

    flag = student.http.post(practice.path(f"/questions/{q}/flags"), json={"reason": "typo", "attempt_id": mine})
    assert flag.status_code == 201, flag.text
    body = flag.json()
    assert body["status"] == "open" and body["flagged_by"] == str(student.id) and body["attempt_id"] == mine
    assert body["resolved_at"] is None and body["comment"] is None
    other = student.http.post(practice.path(f"/questions/{q}/flags"), json={"reason": "other", "comment": "  odd  "})
    assert other.status_code == 201 and other.json()["comment"] == "odd"

    before = count(owner, "question_flags", ws)
    for bad, named in [
        ({"reason": "boring"}, "reason"),
        ({}, "reason"),
        ({"reason": "other"}, "comment"),
        ({"reason": "other", "comment": "   "}, "comment"),
        ({"reason": "typo", "comment": "x" * 2001}, "comment"),
        ({"reason": "typo", "extra": 1}, "extra"),
        ({"reason": "typo", "comment": "a\x00b"}, "comment"),
        ({"reason": "typo", "attempt_id": "not-a-uuid"}, "attempt_id"),
        ({"reason": "typo", "attempt_id": theirs}, "attempt_id"),  # not the student's own attempt
        ({"reason": "typo", "attempt_id": on_other_q}, "attempt_id"),  # an attempt at another question
        ({"reason": "typo", "attempt_id": str(uuid.uuid4())}, "attempt_id"),
    ]:
        assert named in fields(problem(student.http.post(practice.path(f"/questions/{q}/flags"), json=bad), 422)), bad
    problem(student.http.post(practice.path(f"/questions/{q}/flags"), content=b"{", headers={"content-type": "application/json"}), 422)
    problem(student.http.post(practice.path(f"/questions/{draft}/flags"), json={"reason": "typo"}), 404)  # not visible
    problem(student.http.post(practice.path(f"/questions/{uuid.uuid4()}/flags"), json={"reason": "typo"}), 404)
    problem(student.http.post(practice.path("/questions/nope/flags"), json={"reason": "typo"}), 422)
    assert count(owner, "question_flags", ws) == before

    # staff may flag any question (drafts too) and reference any attempt at it; guardians flag what they can see
    staff_flag = practice.tutor.http.post(practice.path(f"/questions/{q}/flags"), json={"reason": "duplicate", "attempt_id": theirs})
    assert staff_flag.status_code == 201
    assert practice.tutor.http.post(practice.path(f"/questions/{draft}/flags"), json={"reason": "typo"}).status_code == 201
    guardian = guardian_of_student(practice, people)
    assert guardian.http.post(practice.path(f"/questions/{q}/flags"), json={"reason": "unclear_wording"}).status_code == 201
    problem(guardian.http.post(practice.path(f"/questions/{q}/flags"), json={"reason": "typo", "attempt_id": mine}), 422)

    # everyone lists their own flags only; staff lists are refused to students and guardians
    own = student.http.get(practice.path("/me/flags")).json()
    assert [f["id"] for f in own["items"]] == [other.json()["id"], body["id"]] and own["next_cursor"] is None
    assert peer.http.get(practice.path("/me/flags")).json()["items"] == []
    assert len(guardian.http.get(practice.path("/me/flags")).json()["items"]) == 1
    for reader in (student, guardian, peer):
        problem(reader.http.get(practice.path("/flags")), 403)
        problem(reader.http.get(practice.path(f"/questions/{q}/flags")), 403)
        problem(reader.http.patch(practice.path(f"/flags/{body['id']}"), json={"status": "resolved"}), 403)


def test_staff_list_filter_paginate_and_triage(practice, owner):
    ws, tutor = practice.workspace_id, practice.tutor
    q1, q2 = str(factories.question(owner, ws)), str(factories.question(owner, ws))
    ids = []
    for q, reason in [(q1, "typo"), (q1, "wrong_topic"), (q2, "wrong_difficulty"), (q1, "rendering_problem")]:
        ids.append(practice.student.http.post(practice.path(f"/questions/{q}/flags"), json={"reason": reason}).json()["id"])

    seen, cursor = [], None
    while True:
        page = tutor.http.get(practice.path("/flags"), params={"limit": 3} | ({"cursor": cursor} if cursor else {})).json()
        seen += [f["id"] for f in page["items"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert seen == ids[::-1]
    assert [f["id"] for f in tutor.http.get(practice.path("/flags"), params={"question_id": q2}).json()["items"]] == [ids[2]]
    assert [f["id"] for f in tutor.http.get(practice.path(f"/questions/{q1}/flags")).json()["items"]] == [ids[3], ids[1], ids[0]]
    problem(tutor.http.get(practice.path(f"/questions/{uuid.uuid4()}/flags")), 404)

    resolved = tutor.http.patch(practice.path(f"/flags/{ids[0]}"), json={"status": "resolved", "resolution_note": "Fixed"})
    assert resolved.status_code == 200, resolved.text
    r = resolved.json()
    assert r["status"] == "resolved" and r["resolved_by"] == str(tutor.id) and r["resolved_at"] and r["resolution_note"] == "Fixed"
    dismissed = tutor.http.patch(practice.path(f"/flags/{ids[1]}"), json={"status": "dismissed"}).json()
    assert dismissed["status"] == "dismissed" and dismissed["resolved_at"]
    assert [f["id"] for f in tutor.http.get(practice.path("/flags"), params={"status": "open"}).json()["items"]] == [ids[3], ids[2]]
    assert [f["id"] for f in practice.student.http.get(practice.path("/me/flags"), params={"status": "resolved"}).json()["items"]] == [ids[0]]
    reopened = tutor.http.patch(practice.path(f"/flags/{ids[0]}"), json={"status": "open"}).json()
    assert reopened["status"] == "open" and reopened["resolved_by"] is None and reopened["resolved_at"] is None
    assert reopened["resolution_note"] == "Fixed"  # kept unless given

    for bad, named in [({"status": "closed"}, "status"), ({}, "status"), ({"status": "resolved", "resolution_note": "x" * 2001}, "resolution_note"),
                       ({"status": "resolved", "resolved_by": str(tutor.id)}, "resolved_by")]:
        assert named in fields(problem(tutor.http.patch(practice.path(f"/flags/{ids[2]}"), json=bad), 422))
    problem(tutor.http.patch(practice.path(f"/flags/{uuid.uuid4()}"), json={"status": "resolved"}), 404)
    for params in ({"status": "closed"}, {"limit": 0}, {"limit": 201}, {"cursor": "garbage"}, {"question_id": "x"}):
        problem(tutor.http.get(practice.path("/flags"), params=params), 422)
    assert ids[2] in [f["id"] for f in tutor.http.get(practice.path("/flags"), params={"status": "open"}).json()["items"]]


def test_auto_hide_at_the_threshold_and_tutor_unhides(practice, people, owner):
    ws, tutor, student = practice.workspace_id, practice.tutor, practice.student
    q = str(factories.question(owner, ws))
    # no threshold: never hidden
    for _ in range(3):
        student.http.post(practice.path(f"/questions/{q}/flags"), json={"reason": "typo"})
    assert tutor.http.get(practice.path(f"/questions/{q}")).json()["hidden_at"] is None
    assert student.http.get(practice.path(f"/questions/{q}")).status_code == 200

    assert tutor.http.patch(practice.path(), json={"settings": {"auto_hide_flag_threshold": 2}}).status_code == 200
    q2 = str(factories.question(owner, ws))
    peer = new_student(practice, people, "Peer")
    assert student.http.post(practice.path(f"/questions/{q2}/flags"), json={"reason": "typo"}).status_code == 201
    assert tutor.http.get(practice.path(f"/questions/{q2}")).json()["hidden_at"] is None
    assert peer.http.post(practice.path(f"/questions/{q2}/flags"), json={"reason": "incorrect_answer"}).status_code == 201
    staff_view = tutor.http.get(practice.path(f"/questions/{q2}")).json()
    assert staff_view["hidden_at"] is not None and staff_view["version"] == 1  # hiding is not a content edit
    for reader in (student, peer):
        problem(reader.http.get(practice.path(f"/questions/{q2}")), 404)
        assert q2 not in [x["id"] for x in reader.http.get(practice.path("/questions"), params={"limit": 200}).json()["items"]]
        problem(reader.http.post(practice.path(f"/questions/{q2}/flags"), json={"reason": "typo"}), 404)
    assert q2 in [x["id"] for x in tutor.http.get(practice.path("/questions"), params={"limit": 200}).json()["items"]]

    for bad in ({"hidden": None}, {"hidden": "maybe"}):
        assert "hidden" in fields(problem(tutor.http.patch(practice.path(f"/questions/{q2}"), json=bad), 422))
    problem(student.http.patch(practice.path(f"/questions/{q2}"), json={"hidden": False}), 403)
    shown = tutor.http.patch(practice.path(f"/questions/{q2}"), json={"hidden": False})
    assert shown.status_code == 200 and shown.json()["hidden_at"] is None and shown.json()["version"] == 1
    assert student.http.get(practice.path(f"/questions/{q2}")).status_code == 200
    audit = owner.execute("SELECT count(*) FROM audit_log WHERE workspace_id = %s AND entity_type = 'questions' "
                          "AND 'hidden_at' = ANY(changed_fields)", (ws,)).fetchone()[0]
    assert audit == 2  # hidden by the trigger, shown by the tutor

    # flags already open do not re-hide on triage; a newly open flag (new or reopened) reaching the threshold does
    flags = tutor.http.get(practice.path(f"/questions/{q2}/flags")).json()["items"]
    tutor.http.patch(practice.path(f"/flags/{flags[0]['id']}"), json={"status": "dismissed"})
    assert tutor.http.get(practice.path(f"/questions/{q2}")).json()["hidden_at"] is None
    tutor.http.patch(practice.path(f"/flags/{flags[0]['id']}"), json={"status": "open"})
    assert tutor.http.get(practice.path(f"/questions/{q2}")).json()["hidden_at"] is not None

    # hiding by hand, and un-hiding again
    assert tutor.http.patch(practice.path(f"/questions/{q}"), json={"hidden": True}).json()["hidden_at"] is not None
    problem(student.http.get(practice.path(f"/questions/{q}")), 404)
    assert tutor.http.patch(practice.path(f"/questions/{q}"), json={"hidden": False}).json()["hidden_at"] is None


# ---------------------------------------------------------------- feedback and attempts
def test_feedback_visibility_and_author_rules(practice, people, owner):
    ws, tutor, student = practice.workspace_id, practice.tutor, practice.student
    q = str(factories.question(owner, ws))
    mine = attempt(owner, ws, student.id, q)
    peer = new_student(practice, people, "Peer")
    theirs = attempt(owner, ws, peer.id, q)
    guardian = guardian_of_student(practice, people)
    colleague = second_tutor(practice, people)

    shown = tutor.http.post(practice.path(f"/attempts/{mine}/feedback"), json={"body": "Well done"})
    assert shown.status_code == 201, shown.text
    assert shown.json()["visible_to_student"] is True and shown.json()["tutor_user_id"] == str(tutor.id)
    private = colleague.http.post(practice.path(f"/attempts/{mine}/feedback"), json={"body": "Guessed?", "visible_to_student": False})
    assert private.status_code == 201

    full = tutor.http.get(practice.path(f"/attempts/{mine}")).json()
    assert full["answer_raw"] == "2" and full["is_correct"] is True
    assert [f["id"] for f in full["tutor_feedback"]] == [shown.json()["id"], private.json()["id"]]
    assert len(colleague.http.get(practice.path(f"/attempts/{mine}")).json()["tutor_feedback"]) == 2
    for reader in (student, guardian):
        view = reader.http.get(practice.path(f"/attempts/{mine}"))
        assert view.status_code == 200 and [f["id"] for f in view.json()["tutor_feedback"]] == [shown.json()["id"]]
        problem(reader.http.get(practice.path(f"/attempts/{theirs}")), 404)
        problem(reader.http.post(practice.path(f"/attempts/{mine}/feedback"), json={"body": "x"}), 403)
        problem(reader.http.patch(practice.path(f"/feedback/{shown.json()['id']}"), json={"body": "x"}), 403)
        problem(reader.http.delete(practice.path(f"/feedback/{shown.json()['id']}")), 403)
    problem(peer.http.get(practice.path(f"/attempts/{mine}")), 404)
    problem(tutor.http.get(practice.path(f"/attempts/{uuid.uuid4()}")), 404)
    problem(tutor.http.get(practice.path("/attempts/nope")), 422)

    # only the author or an owner edits or deletes
    problem(colleague.http.patch(practice.path(f"/feedback/{shown.json()['id']}"), json={"body": "Mine now"}), 403)
    problem(colleague.http.delete(practice.path(f"/feedback/{shown.json()['id']}")), 403)
    edited = colleague.http.patch(practice.path(f"/feedback/{private.json()['id']}"), json={"visible_to_student": True})
    assert edited.status_code == 200 and edited.json()["visible_to_student"] is True and edited.json()["body"] == "Guessed?"
    assert len(student.http.get(practice.path(f"/attempts/{mine}")).json()["tutor_feedback"]) == 2
    by_owner = tutor.http.patch(practice.path(f"/feedback/{private.json()['id']}"), json={"body": "Check the sign"})
    assert by_owner.status_code == 200 and by_owner.json()["body"] == "Check the sign"
    assert colleague.http.delete(practice.path(f"/feedback/{private.json()['id']}")).status_code == 204
    assert tutor.http.delete(practice.path(f"/feedback/{shown.json()['id']}")).status_code == 204
    problem(tutor.http.delete(practice.path(f"/feedback/{shown.json()['id']}")), 404)
    assert student.http.get(practice.path(f"/attempts/{mine}")).json()["tutor_feedback"] == []

    before = count(owner, "tutor_feedback", ws)
    for bad, named in [({}, "body"), ({"body": ""}, "body"), ({"body": "   "}, "body"), ({"body": "x" * 10001}, "body"),
                       ({"body": "ok", "visible_to_student": "yes"}, "visible_to_student"), ({"body": "ok", "x": 1}, "x"),
                       ({"body": "a\x00"}, "body")]:
        assert named in fields(problem(tutor.http.post(practice.path(f"/attempts/{mine}/feedback"), json=bad), 422)), bad
    problem(tutor.http.post(practice.path(f"/attempts/{uuid.uuid4()}/feedback"), json={"body": "x"}), 404)
    note = tutor.http.post(practice.path(f"/attempts/{theirs}/feedback"), json={"body": "Note"}).json()
    for bad, named in [({"body": None}, "body"), ({"visible_to_student": None}, "visible_to_student"), ({"body": ""}, "body")]:
        assert named in fields(problem(tutor.http.patch(practice.path(f"/feedback/{note['id']}"), json=bad), 422))
    problem(tutor.http.patch(practice.path(f"/feedback/{uuid.uuid4()}"), json={"body": "x"}), 404)
    assert count(owner, "tutor_feedback", ws) == before + 1


# ---------------------------------------------------------------- tenant isolation
def test_outsiders_and_cross_workspace_references_get_nothing(practice, owner):
    ws, out_ws, tutor, outsider = practice.workspace_id, practice.outsider_workspace_id, practice.tutor, practice.outsider
    q = str(factories.question(owner, ws))
    a = attempt(owner, ws, practice.student.id, q)
    flag = practice.student.http.post(practice.path(f"/questions/{q}/flags"), json={"reason": "typo"}).json()
    fb = tutor.http.post(practice.path(f"/attempts/{a}/feedback"), json={"body": "Nice"}).json()
    their_q = str(factories.question(owner, out_ws))
    their_a = attempt(owner, out_ws, outsider.id, their_q)

    def snapshot():
        return [owner.execute(f"SELECT count(*), coalesce(md5(string_agg(t::text, '|' ORDER BY t::text)), '') FROM {t} t "
                              "WHERE workspace_id = %s", (w,)).fetchone()
                for t in ("question_flags", "tutor_feedback", "questions", "attempts") for w in (ws, out_ws)]

    before = snapshot()
    victim = f"/workspaces/{ws}"
    for method, path, body in [
        ("POST", f"/questions/{q}/flags", {"reason": "typo"}),
        ("GET", f"/questions/{q}/flags", None),
        ("GET", "/flags", None),
        ("GET", "/me/flags", None),
        ("PATCH", f"/flags/{flag['id']}", {"status": "dismissed"}),
        ("GET", f"/attempts/{a}", None),
        ("POST", f"/attempts/{a}/feedback", {"body": "x"}),
        ("PATCH", f"/feedback/{fb['id']}", {"body": "x"}),
        ("DELETE", f"/feedback/{fb['id']}", None),
    ]:
        problem(outsider.http.request(method, victim + path, json=body), 404)
        # the victim's objects through the outsider's own workspace: they do not exist there
        own = f"/workspaces/{out_ws}" + path
        response = outsider.http.request(method, own, json=body)
        if path in ("/flags", "/me/flags"):
            assert response.status_code == 200 and response.json()["items"] == []
        else:
            problem(response, 404)
    # the other way round: the practice's staff reference the outsider's question and attempt from their own workspace
    problem(tutor.http.post(practice.path(f"/questions/{their_q}/flags"), json={"reason": "typo"}), 404)
    problem(tutor.http.get(practice.path(f"/attempts/{their_a}")), 404)
    problem(tutor.http.post(practice.path(f"/attempts/{their_a}/feedback"), json={"body": "x"}), 404)
    assert "attempt_id" in fields(problem(tutor.http.post(practice.path(f"/questions/{q}/flags"),
                                                          json={"reason": "typo", "attempt_id": their_a}), 422))
    assert tutor.http.get(practice.path("/flags"), params={"question_id": their_q}).json()["items"] == []
    assert snapshot() == before
    # unauthenticated: 401
    with httpx.Client(base_url=str(tutor.http.base_url)) as anonymous:
        problem(anonymous.get(practice.path("/flags")), 401)
