"""While the database is down the API answers 503 problem+json with Retry-After, and recovers as soon as it is back.

The test stops a server, so it runs on an embedded PostgreSQL of its own rather than the run's shared one."""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

import httpx
import pytest

from tests.api.conftest import Person
from tests.api.helpers import problem
from tests.api.served import serve
from tutorassist.db import embedded, migrate


@pytest.fixture
def private_server():
    data_dir = Path(tempfile.mkdtemp(prefix="tutorassist-outage-"))
    try:
        url = embedded.start(data_dir, keep_running=False)
        migrate.upgrade(url)
        yield data_dir, url
    finally:
        embedded.stop(data_dir)
        shutil.rmtree(data_dir, ignore_errors=True)


def test_requests_answer_503_while_the_database_is_down_and_200_right_after(private_server):
    data_dir, url = private_server
    with serve(url) as api:
        ann = Person(api, "Ann")
        assert ann.http.get("/me").status_code == 200
        embedded.stop(data_dir)
        for response in (ann.http.get("/me"), ann.http.post("/workspaces", json={"name": "Down"}),
                         httpx.post(f"{api}/auth/signin", json={"email": ann.email, "password": ann.password})):
            body = problem(response, 503)
            assert response.headers["retry-after"].isdigit() and "unreachable" in body["detail"]
        health = httpx.get(f"{api}/healthz")
        assert health.status_code == 503 and health.json() == {"status": "unavailable"}
        assert embedded.start(data_dir, keep_running=False) == url
        assert ann.http.get("/me").status_code == 200
        assert httpx.get(f"{api}/healthz").json() == {"status": "ok"}
        assert ann.http.post("/workspaces", json={"name": "Back"}).status_code == 201
