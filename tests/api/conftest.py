"""The API served by uvicorn on a loopback port, on a private migrated database, driven over real HTTP."""

from __future__ import annotations

import uuid

import httpx
import pytest

from tests.api.served import serve


@pytest.fixture
def api_url(db_url):
    with serve(db_url) as url:
        yield url


@pytest.fixture
def client(api_url):
    with httpx.Client(base_url=api_url, timeout=30) as c:
        yield c


class Person:
    """A signed-up user with their own HTTP client (bearer token)."""

    def __init__(self, api_url: str, name: str, invite_token: str | None = None, email: str | None = None):
        self.email = email or f"{name.lower()}.{uuid.uuid4().hex[:6]}@example.com"
        self.password = "correct horse battery"
        self.http = httpx.Client(base_url=api_url, timeout=30)
        body = {"email": self.email, "password": self.password, "display_name": name}
        if invite_token:
            body["invite_token"] = invite_token
        response = self.http.post("/auth/signup", json=body)
        assert response.status_code == 201, response.text
        self.session = response.json()
        self.id = uuid.UUID(self.session["user_id"])
        self.http.headers["Authorization"] = f"Bearer {self.session['token']}"


@pytest.fixture
def people(api_url):
    made: list[Person] = []

    def make(name: str, **kwargs) -> Person:
        made.append(Person(api_url, name, **kwargs))
        return made[-1]

    yield make
    for p in made:
        p.http.close()


class Practice:
    """A workspace with its tutor, one signed-up student (with their profile) and an outsider in another workspace."""

    def __init__(self, make):
        self.tutor = make("Tutor")
        self.workspace_id = self.tutor.http.post("/workspaces", json={"name": "Practice"}).json()["id"]
        email = f"student.{uuid.uuid4().hex[:6]}@example.com"
        profile = self.tutor.http.post(f"/workspaces/{self.workspace_id}/students", json={"name": "Student", "email": email}).json()
        self.student_profile_id = profile["id"]
        token = self.tutor.http.post(f"/workspaces/{self.workspace_id}/students/{profile['id']}/invites", json={}).json()["token"]
        self.student = make("Student", invite_token=token, email=email)
        self.outsider = make("Outsider")
        self.outsider_workspace_id = self.outsider.http.post("/workspaces", json={"name": "Elsewhere"}).json()["id"]

    def path(self, suffix: str = "") -> str:
        return f"/workspaces/{self.workspace_id}{suffix}"


@pytest.fixture
def practice(people) -> Practice:
    return Practice(people)
