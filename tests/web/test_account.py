"""Sign-up (with and without an invite link), accepting an invite while signed in, and the account page."""

from __future__ import annotations

import uuid

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.web.conftest import text_of


def _new_student_invite(practice) -> tuple[str, str]:
    email = f"new.{uuid.uuid4().hex[:6]}@example.com"
    tutor = practice.tutor.http
    profile = tutor.post(practice.path("/students"), json={"name": "Newcomer", "email": email}).json()
    token = tutor.post(practice.path(f"/students/{profile['id']}/invites"), json={}).json()["token"]
    return email, token


def test_sign_up_without_an_invite_signs_in_and_goes_to_the_workspaces(visitor):
    v = visitor()
    form = v.get("/signup")
    assert form.status_code == 200
    for label in ("Email", "Your name", "Password", "Create account"):
        assert label in text_of(form)
    email = f"solo.{uuid.uuid4().hex[:6]}@example.com"
    response = v.post("/signup", {"email": email, "display_name": "Solo", "password": "long enough password"})
    assert response.status_code == 303 and response.headers["location"] == "/w"
    assert v.csrf, "the sign-up set the session cookies"
    account = v.get("/account")
    assert account.status_code == 200 and email in text_of(account) and "Solo" in text_of(account)


def test_a_refused_sign_up_keeps_the_input_and_names_the_field(visitor, people):
    v = visitor()
    response = v.post("/signup", {"email": "a@example.com", "display_name": "Short", "password": "short"})
    assert response.status_code == 422
    assert 'id="password-error"' in response.text and 'value="Short"' in response.text
    assert 'value="a@example.com"' in response.text and "short" not in response.text.split('id="password"')[1][:120]
    taken = people("Taken")
    response = v.post("/signup", {"email": taken.email, "display_name": "Again", "password": "long enough password"})
    assert response.status_code == 409 and 'id="email-error"' in response.text
    assert "already exists" in text_of(response)


def test_sign_up_through_an_invite_previews_it_and_joins_the_workspace(visitor, practice):
    email, token = _new_student_invite(practice)
    v = visitor()
    assert v.get(f"/invite/{token}").headers["location"] == f"/signup?invite={token}"
    form = v.get(f"/signup?invite={token}")
    assert form.status_code == 200
    assert "Practice" in text_of(form) and f'value="{email}"' in form.text and "readonly" in form.text
    assert f"/signin?next=/invite/{token}" in form.text.replace("%2F", "/")
    response = v.post("/signup", {"email": email, "display_name": "Newcomer", "password": "long enough password",
                                  "invite_token": token})
    assert response.status_code == 303
    assert response.headers["location"] == f"/w/{practice.workspace_id}"
    assert v.get(response.headers["location"]).status_code == 200
    students = practice.tutor.http.get(practice.path("/students")).json()
    assert any(s["email"] == email and s["user_id"] for s in students)


def test_a_used_or_unknown_invite_is_a_clear_4xx(visitor, practice):
    email, token = _new_student_invite(practice)
    v = visitor()
    v.post("/signup", {"email": email, "display_name": "Newcomer", "password": "long enough password",
                       "invite_token": token})
    for bad in (token, "not-a-token", "x" * 500):
        response = visitor().get(f"/signup?invite={bad}")
        assert response.status_code == 404, bad
        assert "cannot be used" in text_of(response)
    response = visitor().post("/signup", {"email": f"other.{uuid.uuid4().hex[:6]}@example.com",
                                          "display_name": "Late", "password": "long enough password",
                                          "invite_token": token})
    assert response.status_code == 404 and "cannot be used" in text_of(response)
    assert 'value="Late"' in response.text


def test_a_signed_in_user_joins_through_the_invite_page(browser_of, practice, people):
    owner = practice.tutor.http
    colleague = people("Colleague")
    token = owner.post(practice.path("/invites"), json={"email": colleague.email}).json()["token"]
    v = browser_of(colleague)
    page = v.get(f"/invite/{token}")
    assert page.status_code == 200 and "Join workspace" in text_of(page) and "Practice" in text_of(page)
    joined = v.post(f"/invite/{token}")
    assert joined.status_code == 303 and joined.headers["location"] == f"/w/{practice.workspace_id}"
    members = owner.get(practice.path("/members")).json()
    assert any(m["user_id"] == str(colleague.id) and m["role"] == "tutor" for m in members)
    again = v.post(f"/invite/{token}")
    assert again.status_code == 404 and "cannot be used" in text_of(again)


def test_an_invite_for_another_address_is_refused_on_the_page(browser_of, practice):
    _, token = _new_student_invite(practice)
    v = browser_of(practice.outsider)
    response = v.post(f"/invite/{token}")
    assert response.status_code == 403 and "another email address" in text_of(response)


def test_account_lists_sessions_and_signs_out_another_device(browser_of, practice):
    phone, laptop = browser_of(practice.tutor), browser_of(practice.tutor)
    page = laptop.get("/account")
    assert page.status_code == 200
    text = text_of(page)
    assert "This device" in text and practice.tutor.email in text and "Practice" in text
    sessions = practice.tutor.http.get("/auth/sessions").json()
    phone_session = next(s for s in sessions if not s["revoked_at"] and s["client"] == "browser"
                         and f"/account/sessions/{s['id']}/revoke" in page.text)
    assert laptop.post(f"/account/sessions/{phone_session['id']}/revoke").status_code == 303
    assert phone.get("/account").status_code == 303, "the other device is signed out"
    assert laptop.get("/account").status_code == 200


def test_account_pages_need_a_session_and_bad_ids_are_not_found(visitor, browser_of, practice):
    assert visitor().get("/account").headers["location"] == "/signin?next=/account"
    v = browser_of(practice.tutor)
    assert v.post(f"/account/sessions/{uuid.uuid4()}/revoke").status_code == 404
    assert v.post("/account/sessions/nope/revoke").status_code == 404


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(email=st.text(max_size=60), name=st.text(max_size=60), password=st.text(max_size=40),
       token=st.one_of(st.none(), st.text(max_size=250)))
def test_no_sign_up_input_is_a_server_error(visitor, email, name, password, token):
    data = {"email": email, "display_name": name, "password": password}
    if token is not None:
        data["invite_token"] = token
    response = visitor().post("/signup", data)
    assert response.status_code < 500, response.text
