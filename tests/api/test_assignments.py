"""Assignments over HTTP against the running app: creation (hand-picked and by rule), reading with items, progress and
effective settings, changes, items, roles and tenant isolation. Topics, questions and attempts are written directly
as the schema owner (the questions API is not used here)."""

from __future__ import annotations

import json
import uuid
from datetime import datetime, timedelta, timezone

import httpx
import pytest

from tests.api.helpers import PROBLEM, problem
from tests.factories import question as factory_question
from tutorassist.db.connection import connect


def fields(response: httpx.Response) -> set[str]:
    return {e["field"] for e in problem(response, 422)["errors"]}


def future(days: int = 7) -> str:
    return (datetime.now(timezone.utc) + timedelta(days=days)).isoformat()


class Bank:
    """Topics, questions and attempts of one workspace, written as the schema owner."""

    def __init__(self, db_url: str, workspace_id: str):
        self.conn = connect(db_url, autocommit=True)
        self.ws = workspace_id

    def topic(self, name: str, parent: str | None = None, archived: bool = False) -> str:
        return str(self.conn.execute(
            "INSERT INTO topics (workspace_id, parent_id, name, archived_at) VALUES (%s, %s, %s, %s) RETURNING id",
            (self.ws, parent, name, datetime.now(timezone.utc) if archived else None)).fetchone()[0])

    def question(self, topic: str | None = None, difficulty: int = 3, status: str = "active",
                 tags: list[str] | None = None, ws: str | None = None) -> str:
        return str(factory_question(self.conn, ws or self.ws, topic, difficulty=difficulty, status=status,
                                    tags_json=json.dumps(tags or []), solution_latex="SECRET-SOLUTION"))

    def questions(self, n: int, topic: str | None = None, **kw) -> list[str]:
        return [self.question(topic, **kw) for _ in range(n)]

    def attempt(self, student_user: uuid.UUID, question_id, assignment_id=None, score: float = 1.0, days_ago: float = 0):
        self.conn.execute(
            "INSERT INTO attempts (workspace_id, student_user_id, question_id, assignment_id, answer_raw, is_correct, score, "
            "submitted_at) VALUES (%s, %s, %s, %s, 'x', %s, %s, now() - make_interval(secs => %s))",
            (self.ws, student_user, question_id, assignment_id, score >= 1, score, days_ago * 86400))

    def scalar(self, sql: str, *params):
        return self.conn.execute(sql, params).fetchone()[0]


@pytest.fixture
def bank(db_url, practice):
    b = Bank(db_url, practice.workspace_id)
    yield b
    b.conn.close()


def create(person, practice, **body) -> httpx.Response:
    body = {"title": "Homework", "student_profile_ids": [practice.student_profile_id]} | body
    return person.http.post(practice.path("/assignments"), json=json.loads(json.dumps(body, default=str)))


def created(person, practice, **body) -> list[dict]:
    response = create(person, practice, **body)
    assert response.status_code == 201, response.text
    return response.json()


def new_student(practice, people=None, name: str = "Other") -> tuple[str, object | None]:
    """Another student profile; signed up (with their own client) when `people` is given."""
    email = f"{name.lower()}.{uuid.uuid4().hex[:6]}@example.com"
    profile = practice.tutor.http.post(practice.path("/students"), json={"name": name, "email": email}).json()["id"]
    if people is None:
        return profile, None
    token = practice.tutor.http.post(practice.path(f"/students/{profile}/invites"), json={}).json()["token"]
    return profile, people(name, invite_token=token, email=email)


def all_assignments(person, practice) -> list[dict]:
    return person.http.get(practice.path("/assignments"), params={"limit": 200}).json()["items"]


# ---------------------------------------------------------------- creating by hand and reading back
def test_create_hand_picked_for_several_students_and_read_back(practice, bank):
    topic = bank.topic("Algebra")
    qs = bank.questions(3, topic)
    other, _ = new_student(practice)
    due = future()
    out = created(practice.tutor, practice, question_ids=qs, student_profile_ids=[practice.student_profile_id, other],
                  description="Chapter 1", due_at=due, settings={"time_limit_minutes": 30})
    assert [a["student_profile_id"] for a in out] == [practice.student_profile_id, other]
    for a in out:
        assert [i["question_id"] for i in a["items"]] == [str(q) for q in qs]
        assert [i["position"] for i in a["items"]] == [0, 1, 2] and all(i["points"] == 1 for i in a["items"])
        assert a | {"status": "assigned", "total_items": 3, "completed_count": 0, "max_score": 3, "total_score": 0,
                    "shortfall": 0, "rule": None, "started_at": None, "completed_at": None,
                    "created_by": str(practice.tutor.id), "description": "Chapter 1"} == a
        assert datetime.fromisoformat(a["due_at"]) == datetime.fromisoformat(due)
        assert a["items"][0]["question"]["difficulty"] == 3  # staff see difficulty, topic and status
    mine = practice.student.http.get(practice.path(f"/assignments/{out[0]['id']}"))
    assert mine.status_code == 200
    assert "SECRET-SOLUTION" not in mine.text and "answer_spec" not in mine.text
    item = mine.json()["items"][0]
    assert item["question"]["prompt_latex"] == "Solve $x + 1 = 3$" and item["question"]["difficulty"] is None
    assert mine.json()["effective_settings"]["time_limit_minutes"] == {"value": 30, "source": "assignment"}


def test_bad_create_input_is_422_naming_the_field_and_creates_nothing(practice, bank, db_url):
    topic = bank.topic("Algebra")
    qs = bank.questions(2, topic)
    draft_q = bank.question(topic, status="draft")
    archived, _ = new_student(practice, name="Gone")
    assert practice.tutor.http.patch(practice.path(f"/students/{archived}"), json={"archived": True}).status_code == 200
    rule = {"topic_id": str(topic), "count": 2}
    cases = [
        ({}, {"question_ids", "rule"}),
        ({"question_ids": qs, "rule": rule}, {"question_ids", "rule"}),
        ({"question_ids": qs, "due_at": (datetime.now(timezone.utc) - timedelta(minutes=1)).isoformat()}, {"due_at"}),
        ({"question_ids": qs, "due_at": "2030-01-01T10:00:00"}, {"due_at"}),  # no UTC offset
        ({"question_ids": qs, "student_profile_ids": [practice.student_profile_id, str(uuid.uuid4())]}, {"student_profile_ids.1"}),
        ({"question_ids": qs, "student_profile_ids": [practice.student_profile_id, archived]}, {"student_profile_ids.1"}),
        ({"question_ids": qs, "student_profile_ids": [practice.student_profile_id] * 2}, {"student_profile_ids.1"}),
        ({"question_ids": qs, "student_profile_ids": []}, {"student_profile_ids"}),
        ({"question_ids": qs, "student_profile_ids": [str(uuid.uuid4()) for _ in range(51)]}, {"student_profile_ids"}),
        ({"question_ids": [qs[0], draft_q]}, {"question_ids.1"}),
        ({"question_ids": [qs[0], str(uuid.uuid4())]}, {"question_ids.1"}),
        ({"question_ids": [qs[0], qs[0]]}, {"question_ids.1"}),
        ({"question_ids": []}, {"question_ids"}),
        ({"question_ids": ["not-a-uuid"]}, {"question_ids.0"}),
        ({"question_ids": qs, "settings": {"spaced_repetition_algorithm": "fsrs"}}, {"settings.spaced_repetition_algorithm"}),
        ({"question_ids": qs, "settings": {"show_hints": "sometimes"}}, {"settings.show_hints"}),
        ({"question_ids": qs, "settings": {"no_such_key": 1}}, {"settings.no_such_key"}),
        ({"question_ids": qs, "status": "completed"}, {"status"}),
        ({"question_ids": qs, "title": "   "}, {"title"}),
        ({"question_ids": qs, "title": "x" * 301}, {"title"}),
        ({"question_ids": qs, "title": "a\x00b"}, {"title"}),
        ({"question_ids": qs, "surprise": True}, {"surprise"}),
        ({"rule": rule | {"count": 0}}, {"rule.count"}),
        ({"rule": rule | {"count": 101}}, {"rule.count"}),
        ({"rule": rule | {"difficulty_min": 4, "difficulty_max": 2}}, {"rule.difficulty_max"}),
        ({"rule": rule | {"difficulty_min": 0}}, {"rule.difficulty_min"}),
        ({"rule": rule | {"exclude_seen_days": 366}}, {"rule.exclude_seen_days"}),
        ({"rule": rule | {"topic_id": str(uuid.uuid4())}}, {"rule.topic_id"}),
        ({"rule": rule | {"tags": [""]}}, {"rule.tags.0"}),
        ({"rule": rule | {"seed": -1}}, {"rule.seed"}),
        ({"rule": {"count": 2}}, {"rule.topic_id"}),
        ({"rule": rule | {"tags": ["none-has-this"]}}, {"rule"}),  # nothing qualifies
    ]
    for body, expected in cases:
        assert fields(create(practice.tutor, practice, **body)) == expected, body
    assert all_assignments(practice.tutor, practice) == []
    with connect(db_url) as conn:
        assert conn.execute("SELECT count(*) FROM assignments").fetchone()[0] == 0
        assert conn.execute("SELECT count(*) FROM assignment_items").fetchone()[0] == 0


# ---------------------------------------------------------------- rules
def test_rule_respects_topic_subtree_difficulty_tags_and_count(practice, bank):
    algebra = bank.topic("Algebra")
    linear = bank.topic("Linear", algebra)
    quadratic = bank.topic("Quadratic", linear)  # grandchild
    old = bank.topic("Old", algebra, archived=True)
    geometry = bank.topic("Geometry")
    in_range = {bank.question(algebra, d) for d in (2, 3, 4)} | {bank.question(linear, 2)} | {bank.question(quadratic, 4)}
    tagged = bank.question(linear, 3, tags=["exam", "calc"])
    in_range.add(tagged)
    bank.question(algebra, 1), bank.question(linear, 5)  # outside the difficulty range
    bank.question(algebra, 3, status="draft"), bank.question(algebra, 3, status="archived")  # not active
    bank.question(geometry, 3), bank.question(None, 3), bank.question(old, 3)  # other topics, none, archived subtopic
    rule = {"topic_id": str(algebra), "difficulty_min": 2, "difficulty_max": 4, "count": 100}

    [a] = created(practice.tutor, practice, rule=rule)
    chosen = [i["question_id"] for i in a["items"]]
    assert set(chosen) == {str(q) for q in in_range} and a["shortfall"] == 100 - len(in_range)
    difficulties = [i["question"]["difficulty"] for i in a["items"]]
    assert difficulties == sorted(difficulties)  # easiest first
    assert a["rule"] | {"include_subtopics": True, "exclude_seen_days": 0, "tags": None} == a["rule"]
    assert isinstance(a["rule"]["seed"], int)  # the seed drawn is kept, so the choice can be reproduced

    [top] = created(practice.tutor, practice, rule=rule | {"include_subtopics": False})
    assert {i["question"]["topic_id"] for i in top["items"]} == {str(algebra)} and top["total_items"] == 3
    [few] = created(practice.tutor, practice, rule=rule | {"count": 2})
    assert few["total_items"] == 2 and few["shortfall"] == 0 and set(i["question_id"] for i in few["items"]) <= {str(q) for q in in_range}
    [exam] = created(practice.tutor, practice, rule=rule | {"tags": ["exam", "calc"]})
    assert [i["question_id"] for i in exam["items"]] == [str(tagged)] and exam["shortfall"] == 99
    problem(create(practice.tutor, practice, rule=rule | {"tags": ["exam", "other"]}), 422)  # every tag must match
    problem(create(practice.tutor, practice, rule=rule | {"topic_id": str(old)}), 422)  # archived topic


def test_rule_excludes_recent_attempts_per_student_and_seed_reproduces(practice, bank, people):
    topic = bank.topic("Algebra")
    qs = bank.questions(10, topic)
    other, _ = new_student(practice, people, "Second")  # signed up, but has attempted nothing
    sid = practice.student.id
    bank.attempt(sid, qs[0], days_ago=1)
    bank.attempt(sid, qs[1], days_ago=6.5)
    bank.attempt(sid, qs[2], days_ago=30)  # long ago: may be given again
    students = [practice.student_profile_id, other]
    rule = {"topic_id": str(topic), "count": 10, "exclude_seen_days": 7, "seed": 42}
    mine, theirs = created(practice.tutor, practice, rule=rule, student_profile_ids=students)
    assert {i["question_id"] for i in mine["items"]} == {str(q) for q in qs[2:]} and mine["shortfall"] == 2
    assert theirs["total_items"] == 10 and theirs["shortfall"] == 0
    again, _ = created(practice.tutor, practice, rule=rule, student_profile_ids=students)
    assert [i["question_id"] for i in again["items"]] == [i["question_id"] for i in mine["items"]]
    # Same seed: same order for everybody, minus what each saw; the stored seed is the one given.
    assert [i["question_id"] for i in theirs["items"] if i["question_id"] not in {str(qs[0]), str(qs[1])}] == \
        [i["question_id"] for i in mine["items"]]
    assert mine["rule"]["seed"] == 42

    three = rule | {"count": 3, "exclude_seen_days": 0}
    picks = {tuple(i["question_id"] for i in created(practice.tutor, practice, rule=three | {"seed": s})[0]["items"])
             for s in (1, 2, 3, 4, 5)}
    assert len(picks) > 1  # different seeds choose differently
    seeded = [created(practice.tutor, practice, rule=three | {"seed": 7})[0]["items"] for _ in range(2)]
    assert [i["question_id"] for i in seeded[0]] == [i["question_id"] for i in seeded[1]]
    assert {i["question_id"] for i in created(practice.tutor, practice, rule=three | {"count": 10})[0]["items"]} == \
        {str(q) for q in qs}  # exclude_seen_days 0 excludes nothing

    # When everything qualifying was seen recently by one student, nothing is created for anybody.
    before = len(all_assignments(practice.tutor, practice))
    seen_only = bank.topic("Seen")
    q = bank.question(seen_only)
    bank.attempt(sid, q, days_ago=2)
    body = fields(create(practice.tutor, practice, rule=rule | {"topic_id": str(seen_only)}, student_profile_ids=[other, practice.student_profile_id]))
    assert body == {"rule"}
    assert len(all_assignments(practice.tutor, practice)) == before


# ---------------------------------------------------------------- settings, progress, changes
def test_effective_settings_show_value_and_source_at_each_level(practice, bank):
    ws_settings = {"show_hints": False, "time_limit_minutes": 20, "daily_new_questions": 5, "allow_retries": True}
    assert practice.tutor.http.patch(practice.path(), json={"settings": ws_settings}).status_code == 200
    student = {"time_limit_minutes": 45, "allow_retries": False}
    assert practice.tutor.http.patch(practice.path(f"/students/{practice.student_profile_id}"),
                                     json={"settings": student}).status_code == 200
    [a] = created(practice.tutor, practice, question_ids=bank.questions(1), settings={"time_limit_minutes": 60})
    expected = {
        "time_limit_minutes": {"value": 60, "source": "assignment"},
        "allow_retries": {"value": False, "source": "student"},
        "show_hints": {"value": False, "source": "workspace"},
        "daily_new_questions": {"value": 5, "source": "workspace"},
        "show_solution_after": {"value": "after_correct", "source": "default"},
        "max_hints": {"value": None, "source": "default"},
    }
    assert a["effective_settings"] | expected == a["effective_settings"]
    assert len(a["effective_settings"]) == 11  # every key
    seen = practice.student.http.get(practice.path(f"/assignments/{a['id']}")).json()["effective_settings"]
    assert seen == a["effective_settings"]
    cleared = practice.tutor.http.patch(practice.path(f"/assignments/{a['id']}"), json={"settings": {}}).json()
    assert cleared["settings"] == {} and cleared["effective_settings"]["time_limit_minutes"] == {"value": 45, "source": "student"}
    practice.tutor.http.patch(practice.path(f"/students/{practice.student_profile_id}"), json={"settings": {}})
    after = practice.tutor.http.get(practice.path(f"/assignments/{a['id']}")).json()["effective_settings"]
    assert after["time_limit_minutes"] == {"value": 20, "source": "workspace"}
    assert after["allow_retries"] == {"value": True, "source": "workspace"}


def test_progress_is_derived_from_attempts(practice, bank):
    q1, q2 = bank.questions(2)
    [a] = created(practice.tutor, practice, question_ids=[q1, q2])
    url = practice.path(f"/assignments/{a['id']}")
    items = [{"question_id": str(q1)}, {"question_id": str(q2), "points": 3}]
    assert practice.tutor.http.put(url + "/items", json={"items": items}).json()["max_score"] == 4
    sid = practice.student.id
    bank.attempt(sid, q1, a["id"], score=0.5)
    got = practice.student.http.get(url).json()
    assert got | {"status": "in_progress", "completed_count": 1, "total_score": 0.5, "max_score": 4, "completed_at": None} == got
    assert got["started_at"] is not None
    bank.attempt(sid, q1, a["id"], score=1)  # best attempt counts
    bank.attempt(sid, q2, a["id"], score=1)
    got = practice.student.http.get(url).json()
    assert got | {"status": "completed", "completed_count": 2, "total_score": 4, "total_items": 2} == got
    assert got["completed_at"] is not None
    # Live statuses are derived: asking for 'assigned' changes nothing. A completed one can be archived (it loses
    # completed_at) and assigned again, when the database derives 'completed' once more.
    assert practice.tutor.http.patch(url, json={"status": "assigned"}).json()["status"] == "completed"
    archived = practice.tutor.http.patch(url, json={"status": "archived"}).json()
    assert archived["status"] == "archived" and archived["completed_at"] is None
    again = practice.tutor.http.patch(url, json={"status": "assigned"}).json()
    assert again["status"] == "completed" and again["completed_at"] is not None

    # A draft keeps its status; once assigned, the attempts made so far count.
    [d] = created(practice.tutor, practice, question_ids=[q1, q2], status="draft")
    durl = practice.path(f"/assignments/{d['id']}")
    bank.attempt(sid, q1, d["id"], score=1)
    got = practice.tutor.http.get(durl).json()
    assert got["status"] == "draft" and got["completed_count"] == 1
    assert practice.tutor.http.patch(durl, json={"status": "assigned"}).json()["status"] == "in_progress"
    assert practice.tutor.http.patch(durl, json={"status": "archived"}).json()["status"] == "archived"
    assert practice.tutor.http.patch(durl, json={"status": "assigned"}).json()["status"] == "in_progress"


def test_patch_changes_only_what_is_given_and_refuses_bad_values(practice, bank):
    [a] = created(practice.tutor, practice, question_ids=bank.questions(1), description="Old", status="draft")
    url = practice.path(f"/assignments/{a['id']}")
    due = future(3)
    got = practice.tutor.http.patch(url, json={"title": "New", "due_at": due, "status": "assigned"})
    assert got.status_code == 200, got.text
    got = got.json()
    assert (got["title"], got["description"], got["status"]) == ("New", "Old", "assigned")
    assert datetime.fromisoformat(got["due_at"]) == datetime.fromisoformat(due)
    cleared = practice.tutor.http.patch(url, json={"due_at": None, "description": None}).json()
    assert (cleared["due_at"], cleared["description"], cleared["title"]) == (None, None, "New")
    for body, field in [({"status": "in_progress"}, "status"), ({"status": "completed"}, "status"), ({"status": None}, "status"),
                        ({"title": None}, "title"), ({"title": ""}, "title"), ({"due_at": "2000-01-01T00:00:00Z"}, "due_at"),
                        ({"settings": {"desired_retention": 0.9}}, "settings.desired_retention"),
                        ({"settings": {"allow_retries": False, "max_attempts_per_question": 3}}, "settings"),
                        ({"total_score": 10}, "total_score"), ({"completed_count": 1}, "completed_count")]:
        assert fields(practice.tutor.http.patch(url, json=body)) == {field}, body
    final = practice.tutor.http.get(url).json()
    assert (final["title"], final["status"], final["total_score"], final["completed_count"], final["settings"]) == \
        ("New", "assigned", 0, 0, {})
    problem(practice.tutor.http.patch(practice.path(f"/assignments/{uuid.uuid4()}"), json={"title": "X"}), 404)


def test_replace_items_reorders_adds_removes_and_protects_attempted(practice, bank):
    topic = bank.topic("Algebra")
    q = bank.questions(5, topic)
    [a] = created(practice.tutor, practice, question_ids=q[:3])
    url = practice.path(f"/assignments/{a['id']}")
    put = lambda items: practice.tutor.http.put(url + "/items", json={"items": items})  # noqa: E731
    got = put([{"question_id": str(q[2])}, {"question_id": str(q[3]), "points": 2.5}, {"question_id": str(q[0])}])
    assert got.status_code == 200, got.text
    got = got.json()
    assert [(i["question_id"], i["position"], i["points"]) for i in got["items"]] == \
        [(str(q[2]), 0, 1), (str(q[3]), 1, 2.5), (str(q[0]), 2, 1)]
    assert (got["total_items"], got["max_score"]) == (3, 4.5)
    bank.attempt(practice.student.id, q[0], a["id"], score=1)
    refused = problem(put([{"question_id": str(q[2])}, {"question_id": str(q[3])}]), 409)
    assert str(q[0]) in refused["detail"] and refused["question_ids"] == [str(q[0])]
    # A kept item keeps its points unless given; questions archived since may stay, new ones must be active.
    bank.conn.execute("UPDATE questions SET status = 'archived' WHERE id = %s", (q[3],))
    got = put([{"question_id": str(q[0])}, {"question_id": str(q[3])}, {"question_id": str(q[4])}]).json()
    assert [(i["question_id"], i["points"]) for i in got["items"]] == [(str(q[0]), 1), (str(q[3]), 2.5), (str(q[4]), 1)]
    assert (got["completed_count"], got["status"]) == (1, "in_progress")
    draft_q, foreign_ws = bank.question(topic, status="draft"), practice.outsider_workspace_id
    foreign = bank.question(None, ws=foreign_ws)
    for items, field in [([{"question_id": str(q[0])}, {"question_id": str(q[0])}], "items.1.question_id"),
                         ([{"question_id": str(q[0])}, {"question_id": str(draft_q)}], "items.1.question_id"),
                         ([{"question_id": str(foreign)}], "items.0.question_id"),
                         ([{"question_id": str(q[0]), "points": 0}], "items.0.points"),
                         ([{"question_id": str(q[0]), "points": 1001}], "items.0.points"),
                         ([{"question_id": str(q[0]), "points": 1e-9}], "items.0.points"),  # would round to 0
                         ([], "items")]:
        assert fields(put(items)) == {field}, items
    assert [i["question_id"] for i in practice.tutor.http.get(url).json()["items"]] == [str(q[0]), str(q[3]), str(q[4])]
    problem(practice.tutor.http.put(practice.path(f"/assignments/{uuid.uuid4()}/items"), json={"items": [{"question_id": str(q[0])}]}), 404)


def test_delete_keeps_attempts_as_practice(practice, bank):
    q = bank.question()
    [a] = created(practice.tutor, practice, question_ids=[q])
    bank.attempt(practice.student.id, q, a["id"])
    assert practice.tutor.http.delete(practice.path(f"/assignments/{a['id']}")).status_code == 204
    problem(practice.tutor.http.get(practice.path(f"/assignments/{a['id']}")), 404)
    problem(practice.tutor.http.delete(practice.path(f"/assignments/{a['id']}")), 404)
    assert bank.scalar("SELECT count(*) FROM attempts WHERE question_id = %s AND assignment_id IS NULL", q) == 1


# ---------------------------------------------------------------- listing
def test_list_is_keyset_paginated_and_filtered(practice, bank):
    q = bank.questions(1)
    other, _ = new_student(practice)
    ids = []
    for n in range(3):
        ids += [a["id"] for a in created(practice.tutor, practice, question_ids=q, title=f"Set {n}",
                                           student_profile_ids=[practice.student_profile_id, other])]
    created(practice.tutor, practice, question_ids=q, status="draft")
    pages, cursor = [], None
    while True:
        page = practice.tutor.http.get(practice.path("/assignments"), params={"limit": 3} | ({"cursor": cursor} if cursor else {}))
        assert page.status_code == 200, page.text
        pages.append(page.json()["items"])
        cursor = page.json()["next_cursor"]
        if cursor is None:
            break
    listed = [a for p in pages for a in p]
    assert [len(p) for p in pages] == [3, 3, 1] and len({a["id"] for a in listed}) == 7
    keys = [(a["created_at"], a["id"]) for a in listed]
    assert keys == sorted(keys, reverse=True)
    by_other = practice.tutor.http.get(practice.path("/assignments"), params={"student_profile_id": other}).json()["items"]
    assert len(by_other) == 3 and {a["student_profile_id"] for a in by_other} == {other}
    drafts = practice.tutor.http.get(practice.path("/assignments"), params={"status": "draft"}).json()["items"]
    assert len(drafts) == 1
    assert fields(practice.tutor.http.get(practice.path("/assignments"), params={"cursor": "garbage!"})) == {"cursor"}
    assert fields(practice.tutor.http.get(practice.path("/assignments"), params={"limit": 0})) == {"query.limit"}
    assert fields(practice.tutor.http.get(practice.path("/assignments"), params={"status": "done"})) == {"query.status"}
    assert fields(practice.tutor.http.get(practice.path("/assignments"), params={"student_profile_id": "x"})) == {"query.student_profile_id"}


# ---------------------------------------------------------------- roles
def test_students_and_guardians_read_only_their_own(practice, bank, people):
    q = bank.questions(2)
    other, other_person = new_student(practice, people, "Peer")
    mine, theirs = created(practice.tutor, practice, question_ids=q, student_profile_ids=[practice.student_profile_id, other])
    [draft] = created(practice.tutor, practice, question_ids=q, status="draft")
    invite = practice.tutor.http.post(practice.path(f"/students/{practice.student_profile_id}/invites"),
                                      json={"role": "guardian", "email": "parent@example.com"}).json()
    guardian = people("Parent", invite_token=invite["token"], email="parent@example.com")
    for reader in (practice.student, guardian):
        assert [a["id"] for a in all_assignments(reader, practice)] == [mine["id"]]
        assert reader.http.get(practice.path(f"/assignments/{mine['id']}")).status_code == 200
        problem(reader.http.get(practice.path(f"/assignments/{theirs['id']}")), 404)
        problem(reader.http.get(practice.path(f"/assignments/{draft['id']}")), 404)  # not given yet
        assert reader.http.get(practice.path("/assignments"), params={"student_profile_id": other}).json()["items"] == []
        writes = [("post", "/assignments", {"title": "X", "student_profile_ids": [practice.student_profile_id], "question_ids": q}),
                  ("patch", f"/assignments/{mine['id']}", {"title": "Mine now"}),
                  ("put", f"/assignments/{mine['id']}/items", {"items": [{"question_id": str(q[0])}]}),
                  ("delete", f"/assignments/{mine['id']}", None),
                  ("patch", f"/assignments/{theirs['id']}", {"title": "X"})]
        for method, path, body in writes:
            problem(reader.http.request(method, practice.path(path), json=body), 403)
    assert [a["id"] for a in all_assignments(other_person, practice)] == [theirs["id"]]
    after = practice.tutor.http.get(practice.path(f"/assignments/{mine['id']}")).json()
    assert (after["title"], after["total_items"]) == ("Homework", 2) and len(all_assignments(practice.tutor, practice)) == 3
    # A second tutor (member with role tutor, added as the owner) may write.
    tutor2 = people("Tutor2")
    bank.conn.execute("INSERT INTO workspace_members (workspace_id, user_id, role) VALUES (%s, %s, 'tutor')",
                      (practice.workspace_id, tutor2.id))
    assert tutor2.http.patch(practice.path(f"/assignments/{mine['id']}"), json={"title": "By tutor"}).status_code == 200
    assert created(tutor2, practice, question_ids=q)[0]["created_by"] == str(tutor2.id)


# ---------------------------------------------------------------- tenant isolation
def test_other_workspace_is_invisible_and_unchanged(practice, bank):
    topic = bank.topic("Algebra")
    q = bank.questions(2, topic)
    [a] = created(practice.tutor, practice, question_ids=q)
    out, own_ws = practice.outsider, practice.outsider_workspace_id
    snapshot = lambda: (all_assignments(practice.tutor, practice),  # noqa: E731
                        practice.tutor.http.get(practice.path(f"/assignments/{a['id']}")).json())
    before = snapshot()
    new = {"title": "X", "student_profile_ids": [practice.student_profile_id], "question_ids": [str(x) for x in q]}
    requests = [("get", "/assignments", None), ("post", "/assignments", new), ("get", f"/assignments/{a['id']}", None),
                ("patch", f"/assignments/{a['id']}", {"title": "Hacked"}),
                ("put", f"/assignments/{a['id']}/items", {"items": [{"question_id": str(q[0])}]}),
                ("delete", f"/assignments/{a['id']}", None)]
    for method, path, body in requests:
        problem(out.http.request(method, f"/workspaces/{practice.workspace_id}{path}", json=body), 404)
        if a["id"] in path:  # the other workspace's assignment id, from one's own workspace
            problem(out.http.request(method, f"/workspaces/{own_ws}{path}", json=body), 404)
    # From one's own workspace, the other workspace's students, questions and topics are not there.
    own_student = out.http.post(f"/workspaces/{own_ws}/students", json={"name": "Mine"}).json()["id"]
    own_q = bank.question(None, ws=own_ws)
    own_create = lambda **b: out.http.post(f"/workspaces/{own_ws}/assignments", json={"title": "X"} | b)  # noqa: E731
    assert fields(own_create(student_profile_ids=[practice.student_profile_id], question_ids=[str(own_q)])) == {"student_profile_ids.0"}
    assert fields(own_create(student_profile_ids=[own_student], question_ids=[str(own_q), str(q[0])])) == {"question_ids.1"}
    assert fields(own_create(student_profile_ids=[own_student], rule={"topic_id": str(topic), "count": 1})) == {"rule.topic_id"}
    assert out.http.get(f"/workspaces/{own_ws}/assignments").json()["items"] == []
    assert snapshot() == before
    # And the tutor cannot reach into the outsider's workspace either.
    [mine] = out.http.post(f"/workspaces/{own_ws}/assignments",
                           json={"title": "Own", "student_profile_ids": [own_student], "question_ids": [str(own_q)]}).json()
    problem(practice.tutor.http.get(practice.path(f"/assignments/{mine['id']}")), 404)
    problem(practice.tutor.http.delete(practice.path(f"/assignments/{mine['id']}")), 404)
    assert out.http.get(f"/workspaces/{own_ws}/assignments/{mine['id']}").status_code == 200


# ---------------------------------------------------------------- robustness
def test_malformed_requests_are_problem_documents_never_500(practice, bank):
    q = bank.question()
    [a] = created(practice.tutor, practice, question_ids=[q])
    base = practice.path("/assignments")
    t = practice.tutor.http
    attempts = [
        t.post(base, content=b"{not json", headers={"content-type": "application/json"}),
        t.post(base, json=[]),
        t.post(base, json={"title": 5, "student_profile_ids": "x", "question_ids": {"a": 1}}),
        t.post(base, json={"title": "T", "student_profile_ids": [practice.student_profile_id], "question_ids": [str(q)],
                           "due_at": "tomorrow"}),
        t.post(base, json={"title": "T", "student_profile_ids": [practice.student_profile_id], "rule": {"topic_id": str(q),
                           "count": 1, "difficulty_min": "hard"}}),
        t.post(base, json={"title": "T", "student_profile_ids": [practice.student_profile_id], "rule": {"topic_id": str(q), "count": 1}}),
        t.post(base, json={"title": "T", "student_profile_ids": [practice.student_profile_id], "rule": "all"}),
        t.post(base, json={"title": "T", "student_profile_ids": [practice.student_profile_id], "question_ids": [str(q)], "settings": []}),
        t.get(f"{base}/not-a-uuid"),
        t.get("/workspaces/not-a-uuid/assignments"),
        t.get(base, params={"cursor": "W10"}),  # valid base64 JSON, wrong shape
        t.get(base, params={"cursor": "WyJ4IiwgInkiXQ"}),  # ["x", "y"]
        t.get(base, params={"cursor": "WzEsIDJd"}),  # [1, 2]
        t.get(base, params={"cursor": "WyIyMDMwLTAxLTAxVDAwOjAwOjAwIiwgbnVsbF0"}),  # naive time, null id
        t.get(base, params={"limit": "many"}),
        t.patch(f"{base}/{a['id']}", json={"due_at": 12345}),
        t.patch(f"{base}/{a['id']}", json={"settings": {"time_limit_minutes": 10**12}}),
        t.put(f"{base}/{a['id']}/items", json={"items": [{"question_id": str(q), "points": "NaN"}]}),
        t.put(f"{base}/{a['id']}/items", content=b'{"items": [{"question_id": "%s", "points": NaN}]}' % str(q).encode(),
              headers={"content-type": "application/json"}),
        t.put(f"{base}/{a['id']}/items", json={"items": [{"question_id": str(q), "points": -1}]}),
        t.put(f"{base}/{a['id']}/items", json={"question_ids": [str(q)]}),
    ]
    for response in attempts:
        assert 400 <= response.status_code < 500, (response.request.url, response.text)
        assert response.headers["content-type"].startswith(PROBLEM), response.text
    unchanged = t.get(f"{base}/{a['id']}").json()
    assert (unchanged["total_items"], unchanged["items"][0]["points"]) == (1, 1)
