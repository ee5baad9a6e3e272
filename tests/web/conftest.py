"""Pages served on a loopback port (as `tutorassist serve` serves them), driven by a cookie-keeping HTTP client.

One database and one server per test module: every test makes its own people and workspaces, and row-level security
keeps them apart, so tests cannot see each other's data (starting a server and a database per test was a third of
these tests' time). `api_url` is the server's URL; `people` (tests/api/conftest.py) signs users up through the API; `browser_of(person)` is
an httpx client signed in through the sign-in form, which keeps its cookies and sends the CSRF value with forms.
"""

from __future__ import annotations

import re

import httpx
import pytest

from tests.api.conftest import Practice, people  # noqa: F401  (fixtures)
from tests.api.served import serve
from tests.conftest import create_database, drop_database


@pytest.fixture(scope="module")
def db_url(pg_server: str, template_db: str):
    """A database migrated to head, shared by the tests of one module (owner URL)."""
    url = create_database(pg_server, template_db)
    yield url
    drop_database(pg_server, url)


@pytest.fixture(scope="module")
def api_url(db_url):
    with serve(db_url) as url:
        yield url


class Visitor:
    """A browser without JavaScript: follows nothing by itself, keeps cookies, knows its CSRF value."""

    def __init__(self, base_url: str):
        self.http = httpx.Client(base_url=base_url, timeout=30, follow_redirects=False)

    @property
    def csrf(self) -> str:
        return self.http.cookies.get("ta_csrf", "")

    def get(self, path: str, **kwargs) -> httpx.Response:
        return self.http.get(path, **kwargs)

    def post(self, path: str, data: dict | None = None, *, csrf: bool = True, **kwargs) -> httpx.Response:
        data = dict(data or {})
        if csrf and self.csrf:
            data.setdefault("csrf_token", self.csrf)
        return self.http.post(path, data=data, **kwargs)

    def sign_in(self, email: str, password: str) -> httpx.Response:
        response = self.post("/signin", {"email": email, "password": password})
        assert response.status_code == 303, response.text
        return response


@pytest.fixture
def visitor(api_url):
    made: list[Visitor] = []

    def make() -> Visitor:
        made.append(Visitor(api_url))
        return made[-1]

    yield make
    for v in made:
        v.http.close()


@pytest.fixture
def browser_of(visitor):
    """A Visitor signed in as the person (through the sign-in form)."""

    def sign_in(person) -> Visitor:
        v = visitor()
        v.sign_in(person.email, person.password)
        return v

    return sign_in


@pytest.fixture
def practice(people) -> Practice:  # noqa: F811
    return Practice(people)


def text_of(response: httpx.Response) -> str:
    """The page's visible text, roughly (tags removed, whitespace collapsed), for assertions about what it says."""
    body = re.sub(r"<(script|style)[^>]*>.*?</\1>", " ", response.text, flags=re.S)
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", body)).strip()
