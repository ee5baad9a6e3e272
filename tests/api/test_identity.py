"""Accounts, sessions, workspaces, students and invites over HTTP against the running app."""

from __future__ import annotations

import threading

import httpx
import pytest

from tests.api.helpers import PROBLEM, problem


def test_health_says_only_up(client):
    response = client.get("/healthz")
    assert response.status_code == 200 and response.json() == {"status": "ok"}


def test_signup_signin_signout_and_sessions(client, people):
    ann = people("Ann")
    assert ann.http.get("/me").json()["email"] == ann.email
    duplicate = client.post("/auth/signup", json={"email": ann.email.upper(), "password": "x" * 12, "display_name": "A"})
    assert "already exists" in problem(duplicate, 409)["detail"]
    signin = client.post("/auth/signin", json={"email": ann.email, "password": ann.password, "client": "browser"})
    assert signin.status_code == 200 and "ta_session" in signin.cookies
    assert signin.json()["token"] is None and signin.cookies["ta_session"] not in signin.text  # cookie only
    # The browser session works by cookie alone.
    with httpx.Client(base_url=str(client.base_url), cookies={"ta_session": signin.cookies["ta_session"]}) as browser:
        assert browser.get("/me").status_code == 200
        sessions = ann.http.get("/auth/sessions").json()
        assert len(sessions) == 2 and sum(s["current"] for s in sessions) == 1
        browser_session = next(s for s in sessions if s["client"] == "browser")
        assert ann.http.delete(f"/auth/sessions/{browser_session['id']}").status_code == 204
        problem(browser.get("/me"), 401)
    assert ann.http.post("/auth/signout").status_code == 204
    problem(ann.http.get("/me"), 401)


def test_signin_failures_are_rate_limited_per_account(client, people):
    bob = people("Bob")
    for _ in range(5):
        problem(client.post("/auth/signin", json={"email": bob.email, "password": "wrong password"}), 401)
    limited = client.post("/auth/signin", json={"email": bob.email, "password": bob.password})
    assert problem(limited, 429) and limited.headers["retry-after"] == "900"
    # Another account from the same address is not locked by Bob's failures (per-address limit is higher).
    cat = people("Cat")
    assert client.post("/auth/signin", json={"email": cat.email, "password": cat.password}).status_code == 200


def test_signin_failures_are_rate_limited_per_address(client, db_url):
    from tutorassist.db.connection import connect
    from tutorassist.identity.security import hash_password

    with connect(db_url, autocommit=True) as owner:  # an account that never signed in from this address
        owner.execute("SELECT app.sign_up('dan@example.com', 'Dan', %s)", (hash_password("correct horse battery"),))
    for n in range(20):
        client.post("/auth/signin", json={"email": f"nobody{n}@example.com", "password": "wrong password"})
    problem(client.post("/auth/signin", json={"email": "dan@example.com", "password": "correct horse battery"}), 429)


def test_validation_errors_name_the_field(client):
    body = problem(client.post("/auth/signup", json={"email": "not-an-email", "password": "short", "display_name": ""}), 422)
    assert {e["field"] for e in body["errors"]} == {"email", "password", "display_name"}


def test_invite_before_signup_end_to_end(client, people):
    tutor = people("Tess")
    ws = tutor.http.post("/workspaces", json={"name": "Tess Tutoring", "timezone": "Europe/London"}).json()
    student = tutor.http.post(f"/workspaces/{ws['id']}/students", json={"name": "Sam", "email": "sam@example.com"}).json()
    assert student["user_id"] is None
    first = tutor.http.post(f"/workspaces/{ws['id']}/students/{student['id']}/invites", json={}).json()
    second = tutor.http.post(f"/workspaces/{ws['id']}/students/{student['id']}/invites", json={}).json()
    problem(client.get(f"/invites/{first['token']}"), 404)  # re-issuing revoked the first
    preview = client.get(f"/invites/{second['token']}").json()
    assert preview == preview | {"workspace_name": "Tess Tutoring", "email": "sam@example.com", "role": "student",
                                 "student_name": "Sam", "state": "open"}
    sam = people("Sam", invite_token=second["token"], email="sam@example.com")
    assert sam.session["workspace_id"] == ws["id"]
    assert tutor.http.get(f"/workspaces/{ws['id']}/students/{student['id']}").json()["user_id"] == str(sam.id)
    assert [m["role"] for m in sam.http.get("/me").json()["memberships"]] == ["student"]
    # Single use: nobody can use it again, and a used, revoked or unknown link is refused alike.
    eve = people("Eve")
    unknown = problem(eve.http.post("/invites/not-a-real-token/accept"), 404)
    assert problem(eve.http.post(f"/invites/{second['token']}/accept"), 404) == unknown
    assert problem(eve.http.post(f"/invites/{first['token']}/accept"), 404) == unknown
    assert problem(client.post("/auth/signup", json={"email": "x@example.com", "password": "y" * 12, "display_name": "X",
                                                     "invite_token": second["token"]}), 404)
    # The failed sign-up changed nothing: the account was not created.
    assert client.post("/auth/signin", json={"email": "x@example.com", "password": "y" * 12}).status_code == 401


def test_invite_is_single_use_under_concurrent_acceptance(people):
    tutor = people("Tom")
    ws = tutor.http.post("/workspaces", json={"name": "Tom's"}).json()
    st = tutor.http.post(f"/workspaces/{ws['id']}/students", json={"name": "Kid", "email": "kid@example.com"}).json()
    token = tutor.http.post(f"/workspaces/{ws['id']}/students/{st['id']}/invites", json={}).json()["token"]
    kid = people("Kid", email="kid@example.com")
    # Four sessions of the invited account race to accept the one link.
    racers = [httpx.Client(base_url=str(kid.http.base_url), timeout=30) for _ in range(4)]
    for racer in racers:
        signin = racer.post("/auth/signin", json={"email": kid.email, "password": kid.password})
        racer.headers["Authorization"] = f"Bearer {signin.json()['token']}"
    results: list[int] = []
    barrier = threading.Barrier(len(racers))

    def accept(racer):
        barrier.wait()
        results.append(racer.post(f"/invites/{token}/accept").status_code)

    threads = [threading.Thread(target=accept, args=(r,)) for r in racers]
    [t.start() for t in threads]
    [t.join() for t in threads]
    [r.close() for r in racers]
    assert sorted(results) == [200, 404, 404, 404]


def test_guardian_sees_only_their_student(people):
    tutor = people("Gina")
    ws = tutor.http.post("/workspaces", json={"name": "Gina's"}).json()["id"]
    kid = tutor.http.post(f"/workspaces/{ws}/students", json={"name": "Kid", "notes": "private"}).json()
    other = tutor.http.post(f"/workspaces/{ws}/students", json={"name": "Other"}).json()
    problem(tutor.http.post(f"/workspaces/{ws}/students/{kid['id']}/invites", json={"role": "guardian"}), 422)  # no email
    invite = tutor.http.post(f"/workspaces/{ws}/students/{kid['id']}/invites",
                             json={"role": "guardian", "email": "parent@example.com"}).json()
    parent = people("Parent", invite_token=invite["token"], email="parent@example.com")
    seen = parent.http.get(f"/workspaces/{ws}/students/{kid['id']}")
    assert seen.status_code == 200 and seen.json()["notes"] is None  # tutor's private notes stay private
    problem(parent.http.get(f"/workspaces/{ws}/students/{other['id']}"), 404)
    problem(parent.http.get(f"/workspaces/{ws}/students"), 403)
    problem(parent.http.post(f"/workspaces/{ws}/students", json={"name": "X"}), 403)


ENDPOINTS = [
    ("get", "/workspaces/{ws}", None),
    ("patch", "/workspaces/{ws}", {"name": "Renamed"}),
    ("get", "/workspaces/{ws}/members", None),
    ("get", "/workspaces/{ws}/students", None),
    ("post", "/workspaces/{ws}/students", {"name": "Intruder"}),
    ("get", "/workspaces/{ws}/students/{student}", None),
    ("patch", "/workspaces/{ws}/students/{student}", {"name": "Changed"}),
    ("post", "/workspaces/{ws}/students/{student}/invites", {}),
    ("delete", "/workspaces/{ws}/invites/{invite}", None),
]


@pytest.mark.parametrize(("method", "path", "body"), ENDPOINTS, ids=[f"{m} {p}" for m, p, _ in ENDPOINTS])
def test_other_workspace_is_invisible_and_unchanged(people, method, path, body):
    owner, outsider = people("Olga"), people("Otto")
    ws = owner.http.post("/workspaces", json={"name": "Olga's"}).json()["id"]
    student = owner.http.post(f"/workspaces/{ws}/students", json={"name": "Pupil", "email": "p@example.com"}).json()["id"]
    invite = owner.http.post(f"/workspaces/{ws}/students/{student}/invites", json={}).json()["id"]
    own_ws = outsider.http.post("/workspaces", json={"name": "Otto's"}).json()["id"]
    before = owner.http.get(f"/workspaces/{ws}/students").json(), owner.http.get(f"/workspaces/{ws}").json()
    url = path.format(ws=ws, student=student, invite=invite)
    problem(outsider.http.request(method, url, json=body), 404)
    # Pointing at the other workspace's objects from one's own workspace finds nothing either.
    if "{student}" in path or "{invite}" in path:
        problem(outsider.http.request(method, path.format(ws=own_ws, student=student, invite=invite), json=body), 404)
    assert (owner.http.get(f"/workspaces/{ws}/students").json(), owner.http.get(f"/workspaces/{ws}").json()) == before


@pytest.mark.parametrize(("method", "path", "body"), ENDPOINTS[2:], ids=[f"{m} {p}" for m, p, _ in ENDPOINTS[2:]])
def test_students_cannot_use_staff_endpoints(people, method, path, body):
    tutor = people("Tina")
    ws = tutor.http.post("/workspaces", json={"name": "Tina's"}).json()["id"]
    st = tutor.http.post(f"/workspaces/{ws}/students", json={"name": "Stu", "email": "stu@example.com"}).json()["id"]
    token = tutor.http.post(f"/workspaces/{ws}/students/{st}/invites", json={}).json()["token"]
    stu = people("Stu", invite_token=token, email="stu@example.com")
    other = tutor.http.post(f"/workspaces/{ws}/students", json={"name": "Other", "email": "o@example.com"}).json()["id"]
    invite = tutor.http.post(f"/workspaces/{ws}/students/{other}/invites", json={}).json()["id"]
    response = stu.http.request(method, path.format(ws=ws, student=other, invite=invite), json=body)
    assert response.status_code in (403, 404), response.text
    assert response.headers["content-type"].startswith(PROBLEM)
    assert stu.http.get(f"/workspaces/{ws}/students/{st}").status_code == 200  # their own profile is fine


def test_workspace_settings_are_validated_owner_only(people):
    owner = people("Omar")
    ws = owner.http.post("/workspaces", json={"name": "Omar's"}).json()["id"]
    ok = owner.http.patch(f"/workspaces/{ws}", json={"settings": {"show_hints": False}})
    assert ok.status_code == 200 and ok.json()["settings"] == {"show_hints": False}
    bad = problem(owner.http.patch(f"/workspaces/{ws}", json={"settings": {"show_hints": "sometimes"}}), 422)
    assert bad["errors"][0]["field"].startswith("settings.show_hints")
    problem(owner.http.post("/workspaces", json={"name": "Zoned", "timezone": "Mars/Olympus"}), 422)
    # The machine's own zone file is no IANA name, and PostgreSQL refuses it in AT TIME ZONE (found by schemathesis).
    problem(owner.http.post("/workspaces", json={"name": "Zoned", "timezone": "localtime"}), 422)
    assert owner.http.get(f"/workspaces/{ws}").json()["settings"] == {"show_hints": False}


def test_owner_invites_a_tutor_manages_roles_and_keeps_an_owner(people, db_url):
    owner = people("Opal")
    ws = owner.http.post("/workspaces", json={"name": "Opal & Co"}).json()["id"]
    invite = owner.http.post(f"/workspaces/{ws}/invites", json={"email": "colleague@example.com"})
    assert invite.status_code == 201 and invite.json()["role"] == "tutor"
    colleague = people("Colin", invite_token=invite.json()["token"], email="colleague@example.com")
    assert [m["role"] for m in colleague.http.get("/me").json()["memberships"]] == ["tutor"]
    # A tutor works with students but does not manage staff.
    assert colleague.http.post(f"/workspaces/{ws}/students", json={"name": "Pupil"}).status_code == 201
    problem(colleague.http.post(f"/workspaces/{ws}/invites", json={"email": "x@example.com"}), 403)
    problem(colleague.http.patch(f"/workspaces/{ws}/members/{owner.id}", json={"role": "tutor"}), 403)
    problem(owner.http.patch(f"/workspaces/{ws}/members/{owner.id}", json={"role": "tutor"}), 409)  # last owner
    problem(owner.http.delete(f"/workspaces/{ws}/members/{owner.id}"), 409)
    promoted = owner.http.patch(f"/workspaces/{ws}/members/{colleague.id}", json={"role": "owner"})
    assert promoted.status_code == 200 and promoted.json()["role"] == "owner"
    assert owner.http.delete(f"/workspaces/{ws}/members/{owner.id}").status_code == 204  # leaves; Colin owns it now
    problem(owner.http.get(f"/workspaces/{ws}"), 404)
    # Every change went to the audit log with the acting user.
    from tutorassist.db.connection import connect

    with connect(db_url) as conn:
        actions = conn.execute(
            "SELECT action, entity_type, actor_user_id FROM audit_log WHERE workspace_id = %s AND entity_type = 'workspace_members' "
            "ORDER BY id", (ws,)).fetchall()
    assert [(a, actor) for a, _, actor in actions] == [
        ("insert", owner.id), ("insert", colleague.id), ("update", owner.id), ("delete", owner.id)]
