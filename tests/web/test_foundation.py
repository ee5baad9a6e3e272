"""Signing in and out through pages, the workspace list, HTML errors, CSRF on forms, and tenancy of workspace URLs."""

from __future__ import annotations

import uuid

from tests.web.conftest import text_of


def test_sign_in_refused_keeps_email_and_says_why(visitor, people):
    person = people("Ana")
    v = visitor()
    response = v.post("/signin", {"email": person.email, "password": "wrong password!"})
    assert response.status_code == 401
    assert "text/html" in response.headers["content-type"]
    assert f'value="{person.email}"' in response.text
    assert "wrong email or password" in text_of(response)
    assert "wrong password!" not in response.text


def test_sign_in_with_a_malformed_email_names_the_field(visitor):
    response = visitor().post("/signin", {"email": "not-an-email", "password": "x"})
    assert response.status_code == 422
    assert 'id="email-error"' in response.text and 'aria-invalid="true"' in response.text


def test_sign_in_goes_to_the_page_asked_for_and_only_on_this_site(visitor, people):
    person = people("Ana")
    v = visitor()
    assert v.get("/w").headers["location"] == "/signin?next=/w"
    response = v.post("/signin", {"email": person.email, "password": person.password, "next": "//evil.example/x"})
    assert response.headers["location"] == "/"
    v2 = visitor()
    response = v2.post("/signin", {"email": person.email, "password": person.password, "next": "/w"})
    assert response.headers["location"] == "/w"


def test_workspaces_create_and_switch(browser_of, people):
    person = people("Ana")
    v = browser_of(person)
    assert v.get("/").headers["location"] == "/w"
    refused = v.post("/w", {"name": ""})
    assert refused.status_code == 422 and 'id="name-error"' in refused.text
    created = v.post("/w", {"name": "Maths with Ana"})
    assert created.status_code == 303
    home = v.get(created.headers["location"])
    assert home.status_code == 200 and "Maths with Ana" in text_of(home)
    assert v.get("/").headers["location"] == created.headers["location"]


def test_forms_without_the_csrf_value_are_refused(browser_of, people):
    person = people("Ana")
    v = browser_of(person)
    response = v.post("/w", {"name": "Sneaky"}, csrf=False)
    assert response.status_code == 403 and "text/html" in response.headers["content-type"]
    assert "Sneaky" not in text_of(v.get("/w"))


def test_another_workspace_or_a_bad_id_is_not_found(browser_of, practice):
    v = browser_of(practice.outsider)
    for path in (f"/w/{practice.workspace_id}", f"/w/{uuid.uuid4()}", "/w/not-a-uuid"):
        response = v.get(path)
        assert response.status_code == 404, path
        assert "text/html" in response.headers["content-type"]


def test_sign_out_ends_the_session(browser_of, people):
    person = people("Ana")
    v = browser_of(person)
    assert v.post("/signout").status_code == 303
    assert v.get("/w").status_code == 303


def test_static_files_are_served_with_the_app(visitor):
    v = visitor()
    assert v.get("/static/htmx.min.js").status_code == 200
    assert "math" in v.get("/static/css/site.css").text


def test_a_mistyped_page_address_is_an_html_page_and_the_api_keeps_problem_json(browser_of, practice):
    v = browser_of(practice.tutor)
    for path in (f"/w/{practice.workspace_id}/no-such-page", "/account/nothing", "/w/x/y/z"):
        response = v.get(path)
        assert response.status_code == 404, path
        assert "text/html" in response.headers["content-type"] and "no such page" in text_of(response)
    wrong_method = v.http.put("/signin")
    assert wrong_method.status_code == 405 and "text/html" in wrong_method.headers["content-type"]
    api = v.get(f"/workspaces/{practice.workspace_id}/no-such-resource")
    assert api.status_code == 404 and api.headers["content-type"].startswith("application/problem+json")
