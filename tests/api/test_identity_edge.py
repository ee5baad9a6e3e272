"""Identity at the edges: invites bound to their address, browser cookies and CSRF, trusted proxies and sign-in
limits, secrets kept out of the access log, the members list."""

from __future__ import annotations

import logging
import uuid
from collections.abc import Iterator
from contextlib import contextmanager

import httpx
import pytest

from tests.api.conftest import Person
from tests.api.helpers import problem
from tests.api.served import serve
from tutorassist.db.connection import connect

PASSWORD = "correct horse battery"


def _workspace_with_student(tutor: Person, email: str = "pupil@example.com") -> tuple[str, str]:
    ws = tutor.http.post("/workspaces", json={"name": "Edge"}).json()["id"]
    student = tutor.http.post(f"/workspaces/{ws}/students", json={"name": "Pupil", "email": email}).json()["id"]
    return ws, student


# ---------------------------------------------------------------- invites
def test_only_the_invited_address_may_accept_in_any_case(people, client):
    owner = people("Owner")
    ws, _ = _workspace_with_student(owner)
    invite = owner.http.post(f"/workspaces/{ws}/invites", json={"email": "Mixed.Case@Example.com"}).json()
    stranger = people("Stranger")
    refused = problem(stranger.http.post(f"/invites/{invite['token']}/accept"), 403)
    assert "another email address" in refused["detail"]
    assert [m["role"] for m in stranger.http.get("/me").json()["memberships"]] == []  # nothing was written
    # Signing up through the link with another address is refused too, and creates no account.
    other = {"email": "someone@example.com", "password": PASSWORD, "display_name": "S", "invite_token": invite["token"]}
    problem(client.post("/auth/signup", json=other), 403)
    problem(client.post("/auth/signin", json={"email": "someone@example.com", "password": PASSWORD}), 401)
    invited = people("Invited", email="mixed.case@example.com")
    joined = invited.http.post(f"/invites/{invite['token']}/accept")
    assert joined.status_code == 200 and joined.json()["role"] == "tutor"


def test_closed_links_reveal_nothing(people, client, db_url):
    tutor = people("Tutor")
    ws, student = _workspace_with_student(tutor)
    unknown_preview = problem(client.get("/invites/no-such-token"), 404)
    used = tutor.http.post(f"/workspaces/{ws}/invites", json={"email": "used@example.com"}).json()
    people("Used", invite_token=used["token"], email="used@example.com")
    revoked = tutor.http.post(f"/workspaces/{ws}/invites", json={"email": "revoked@example.com"}).json()
    assert tutor.http.delete(f"/workspaces/{ws}/invites/{revoked['id']}").status_code == 204
    expired = tutor.http.post(f"/workspaces/{ws}/invites", json={"email": "expired@example.com"}).json()
    with connect(db_url, autocommit=True) as owner:
        owner.execute("UPDATE invite_tokens SET created_at = now() - interval '9 days', expires_at = now() - interval '1 day' "
                      "WHERE id = %s", (expired["id"],))
    for closed in (used, revoked, expired):
        response = client.get(f"/invites/{closed['token']}")
        assert problem(response, 404) == unknown_preview
        assert "Edge" not in response.text and closed["email"] not in response.text
        late = people("Late", email=closed["email"]) if closed is not used else people("Late")
        assert problem(late.http.post(f"/invites/{closed['token']}/accept"), 404) == problem(
            late.http.post("/invites/no-such-token/accept"), 404)


def test_an_archived_students_invite_cannot_be_accepted(people, client):
    tutor = people("Tutor")
    ws, student = _workspace_with_student(tutor)
    student_link = tutor.http.post(f"/workspaces/{ws}/students/{student}/invites", json={}).json()
    guardian_link = tutor.http.post(f"/workspaces/{ws}/students/{student}/invites",
                                    json={"role": "guardian", "email": "parent@example.com"}).json()
    assert client.get(f"/invites/{student_link['token']}").status_code == 200
    assert tutor.http.patch(f"/workspaces/{ws}/students/{student}", json={"archived": True}).status_code == 200
    for link, email in ((student_link, "pupil@example.com"), (guardian_link, "parent@example.com")):
        problem(client.get(f"/invites/{link['token']}"), 404)
        body = {"email": email, "password": PASSWORD, "display_name": "X", "invite_token": link["token"]}
        problem(client.post("/auth/signup", json=body), 404)
    assert tutor.http.get(f"/workspaces/{ws}/students/{student}").json()["user_id"] is None
    assert "archived" in problem(tutor.http.post(f"/workspaces/{ws}/students/{student}/invites", json={}), 409)["detail"]


# ---------------------------------------------------------------- browser sessions and CSRF
@contextmanager
def _browser(api_url: str, person: Person) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=api_url, timeout=30) as browser:
        response = browser.post("/auth/signin", json={"email": person.email, "password": person.password, "client": "browser"})
        assert response.status_code == 200, response.text
        yield browser


def test_browser_sign_in_sets_cookies_and_keeps_the_token_out_of_the_body(api_url, people):
    ann = people("Ann")
    with httpx.Client(base_url=api_url) as browser:
        response = browser.post("/auth/signin", json={"email": ann.email, "password": ann.password, "client": "browser"})
        body = response.json()
        assert body["token"] is None and body["csrf_token"] == browser.cookies["ta_csrf"]
        assert browser.cookies["ta_session"] not in response.text
        cookies = {c.split("=", 1)[0]: c.lower() for c in response.headers.get_list("set-cookie")}
        assert "httponly" in cookies["ta_session"] and "samesite=lax" in cookies["ta_session"]
        assert "httponly" not in cookies["ta_csrf"] and "samesite=lax" in cookies["ta_csrf"]
        assert "secure" not in cookies["ta_session"]  # plain HTTP, no trusted proxy
        assert browser.get("/me").status_code == 200
    api = httpx.post(f"{api_url}/auth/signin", json={"email": ann.email, "password": ann.password})
    assert api.json()["token"] and "set-cookie" not in api.headers


def test_cookie_requests_that_change_state_need_the_csrf_token(api_url, people):
    ann = people("Ann")
    with _browser(api_url, ann) as browser:
        csrf = browser.cookies["ta_csrf"]
        assert browser.get("/workspaces").status_code == 200  # reading needs no token
        assert "X-CSRF-Token" in problem(browser.post("/workspaces", json={"name": "Forged"}), 403)["detail"]
        problem(browser.post("/workspaces", json={"name": "Forged"}, headers={"X-CSRF-Token": "0" * 64}), 403)
        made = browser.post("/workspaces", json={"name": "Mine"}, headers={"X-CSRF-Token": csrf})
        assert made.status_code == 201
        # An HTML form sends the token as a field: CSRF passes, and the route then judges the body (not JSON: 422).
        problem(browser.post("/workspaces", data={"name": "Form", "csrf_token": csrf}), 422)
        problem(browser.post("/workspaces", data={"name": "Form"}), 403)
        assert [w["name"] for w in ann.http.get("/workspaces").json()] == ["Mine"]
        # Another session's token does not fit this session.
        with _browser(api_url, ann) as other:
            problem(browser.post("/workspaces", json={"name": "X"}, headers={"X-CSRF-Token": other.cookies["ta_csrf"]}), 403)
        problem(browser.post("/auth/signout"), 403)
        assert browser.post("/auth/signout", headers={"X-CSRF-Token": csrf}).status_code == 204
    # Bearer requests are exempt (a browser never adds Authorization by itself), even with a stray cookie.
    ann.http.cookies.set("ta_session", "stale")
    assert ann.http.post("/workspaces", json={"name": "Api"}).status_code == 201


def test_cookies_are_secure_behind_a_trusted_https_proxy(db_url, people):
    with serve(db_url, trusted_proxies="127.0.0.1") as url:
        ann = Person(url, "Ann")
        with httpx.Client(base_url=url) as browser:
            for proto, secure in (("https", True), ("http", False)):
                response = browser.post("/auth/signin", headers={"X-Forwarded-Proto": proto},
                                        json={"email": ann.email, "password": ann.password, "client": "browser"})
                cookies = [c.lower() for c in response.headers.get_list("set-cookie")]
                assert len(cookies) == 2 and all(("; secure" in c) is secure for c in cookies)
    with serve(db_url) as url:  # nobody trusted: the header is anyone's to send
        ann = Person(url, "Bea")
        response = httpx.post(f"{url}/auth/signin", headers={"X-Forwarded-Proto": "https"},
                              json={"email": ann.email, "password": ann.password, "client": "browser"})
        assert not any("; secure" in c.lower() for c in response.headers.get_list("set-cookie"))


# ---------------------------------------------------------------- trusted proxies and sign-in limits
def _sessions_ips(db_url: str, email: str) -> list[str]:
    with connect(db_url) as owner:
        return [r[0] for r in owner.execute(
            "SELECT host(s.ip_address) FROM auth_sessions s JOIN users u ON u.id = s.user_id WHERE u.email = %s "
            "ORDER BY s.created_at", (email,))]


def test_client_address_comes_from_forwarded_for_only_through_a_trusted_proxy(db_url):
    with serve(db_url, trusted_proxies="127.0.0.0/8, 10.9.0.0/16") as url:
        ann = Person(url, "Ann")
        signin = {"email": ann.email, "password": ann.password}
        httpx.post(f"{url}/auth/signin", json=signin, headers={"X-Forwarded-For": "203.0.113.7"})
        # The client forged the first entry; our second proxy (10.9.0.1) appended the real one.
        httpx.post(f"{url}/auth/signin", json=signin, headers={"X-Forwarded-For": "198.51.100.1, 203.0.113.8, 10.9.0.1"})
        assert _sessions_ips(db_url, ann.email) == ["127.0.0.1", "203.0.113.7", "203.0.113.8"]
    with serve(db_url) as url:
        bea = Person(url, "Bea")
        httpx.post(f"{url}/auth/signin", json={"email": bea.email, "password": bea.password},
                   headers={"X-Forwarded-For": "203.0.113.7"})
        assert _sessions_ips(db_url, bea.email) == ["127.0.0.1", "127.0.0.1"]


def _signin(url: str, email: str, password: str, address: str) -> httpx.Response:
    return httpx.post(f"{url}/auth/signin", json={"email": email, "password": password},
                      headers={"X-Forwarded-For": address})


def test_one_noisy_client_does_not_lock_out_its_neighbours(db_url):
    with serve(db_url, trusted_proxies="127.0.0.1") as url:
        ann = Person(url, "Ann")  # signed up (a session) from 127.0.0.1
        bea_email = f"bea.{uuid.uuid4().hex[:6]}@example.com"
        httpx.post(f"{url}/auth/signup", json={"email": bea_email, "password": PASSWORD, "display_name": "Bea"},
                   headers={"X-Forwarded-For": "10.0.0.1"})
        # A fuzzer behind 10.0.0.2 fails fifty times against one account: that account is limited, its neighbours not.
        for _ in range(50):
            _signin(url, ann.email, "wrong password", "10.0.0.2")
        problem(_signin(url, ann.email, ann.password, "10.0.0.2"), 429)
        assert _signin(url, bea_email, PASSWORD, "10.0.0.2").status_code == 200
        # A sprayer behind 10.0.0.3 tries twenty accounts: accounts new to that address wait, known ones do not.
        for n in range(20):
            _signin(url, f"victim{n}@example.com", "Summer2024!", "10.0.0.3")
        carl_email = f"carl.{uuid.uuid4().hex[:6]}@example.com"
        httpx.post(f"{url}/auth/signup", json={"email": carl_email, "password": PASSWORD, "display_name": "Carl"},
                   headers={"X-Forwarded-For": "10.0.0.9"})
        limited = _signin(url, carl_email, PASSWORD, "10.0.0.3")
        assert problem(limited, 429) and limited.headers["retry-after"] == "900"
        httpx.post(f"{url}/auth/signin", json={"email": bea_email, "password": PASSWORD},
                   headers={"X-Forwarded-For": "10.0.0.3, 127.0.0.1"})  # proxy chain: still 10.0.0.3
        assert _sessions_ips(db_url, bea_email)[-1] == "10.0.0.2"  # that one was refused (429): no session
        with connect(db_url, autocommit=True) as owner:  # Bea signed in from 10.0.0.3 last week
            owner.execute("UPDATE auth_sessions SET ip_address = '10.0.0.3' WHERE user_id = "
                          "(SELECT id FROM users WHERE email = %s)", (bea_email,))
        assert _signin(url, bea_email, PASSWORD, "10.0.0.3").status_code == 200


def test_password_hashed_with_old_parameters_is_rehashed_at_sign_in(client, db_url, production_password_hasher):
    from argon2 import PasswordHasher

    old = PasswordHasher(time_cost=1, memory_cost=8192, parallelism=1).hash(PASSWORD)
    with connect(db_url, autocommit=True) as owner:
        owner.execute("SELECT app.sign_up('old@example.com', 'Old', %s)", (old,))
        assert client.post("/auth/signin", json={"email": "old@example.com", "password": PASSWORD}).status_code == 200
        new = owner.execute("SELECT password_hash FROM users WHERE email = 'old@example.com'").fetchone()[0]
    defaults = PasswordHasher()
    assert new != old and f"m={defaults.memory_cost},t={defaults.time_cost},p={defaults.parallelism}" in new
    assert client.post("/auth/signin", json={"email": "old@example.com", "password": PASSWORD}).status_code == 200
    problem(client.post("/auth/signin", json={"email": "old@example.com", "password": "not the password"}), 401)


# ---------------------------------------------------------------- logs and members
def test_invite_tokens_never_reach_the_access_log(db_url, people):
    records: list[str] = []

    class Keep(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            records.append(record.getMessage())

    keep = Keep()
    access = logging.getLogger("uvicorn.access")
    with serve(db_url, log_level="info") as url:
        access.addHandler(keep)
        try:
            tutor = Person(url, "Tutor")
            ws = tutor.http.post("/workspaces", json={"name": "Logged"}).json()["id"]
            token = tutor.http.post(f"/workspaces/{ws}/invites", json={"email": "t@example.com"}).json()["token"]
            assert httpx.get(f"{url}/invites/{token}").status_code == 200
            assert httpx.post(f"{url}/invites/{token}/accept?x=1").status_code == 401
        finally:
            access.removeHandler(keep)
    invite_lines = [r for r in records if "/invites/" in r]
    assert len(invite_lines) >= 2 and not [r for r in records if token in r]
    assert any("GET /invites/[redacted] " in r for r in invite_lines)
    assert any("POST /invites/[redacted]/accept?x=1 " in r for r in invite_lines)


def test_serve_logging_config_redacts_on_every_handler():
    import logging.config

    from tutorassist.api.logs import RedactSecrets, uvicorn_log_config

    config = uvicorn_log_config()
    assert all("redact_secrets" in h["filters"] for h in config["handlers"].values())
    logging.config.dictConfig(config)
    handler = logging.getLogger("uvicorn.access").handlers[0]
    assert any(isinstance(f, RedactSecrets) for f in handler.filters)
    record = logging.LogRecord("uvicorn.access", logging.INFO, __file__, 1, '%s - "%s %s HTTP/%s" %d',
                               ("1.2.3.4", "GET", "/invites/s3cr3t-T0ken", "1.1", 200), None)
    assert handler.filter(record) and "s3cr3t" not in record.getMessage()


def test_members_list_shows_each_students_profile(practice):
    members = {m["role"]: m for m in practice.tutor.http.get(practice.path("/members")).json()}
    assert members["student"]["student_profile_id"] == practice.student_profile_id
    assert members["owner"]["student_profile_id"] is None
    invite = practice.tutor.http.post(practice.path(f"/students/{practice.student_profile_id}/invites"),
                                      json={"role": "guardian", "email": "guardian@example.com"}).json()
    Person(str(practice.tutor.http.base_url), "Guardian", invite_token=invite["token"], email="guardian@example.com")
    members = {m["role"]: m for m in practice.tutor.http.get(practice.path("/members")).json()}
    assert members["guardian"]["student_profile_id"] == practice.student_profile_id


@pytest.mark.parametrize("path", ["/healthz"])
def test_health_answers_anonymous_callers_with_up_only(client, path):
    response = client.get(path)
    assert response.json() == {"status": "ok"} and "revision" not in response.text
