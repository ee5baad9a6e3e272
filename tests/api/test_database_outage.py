"""While the database is down the API answers 503 problem+json with Retry-After, and recovers as soon as it is back.

The test stops a server, so it runs on an embedded PostgreSQL of its own rather than the run's shared one."""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

import httpx
import psycopg
import pytest

from tests.api.conftest import Person
from tests.api.helpers import problem
from tests.api.served import serve
from tutorassist.db import embedded, migrate
from tutorassist.kit.problems import database_unavailable


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


UNAVAILABLE = [
    (psycopg.OperationalError("connection refused"), True),  # no SQLSTATE: the connection itself failed
    (psycopg.errors.AdminShutdown(), True),
    (psycopg.errors.CannotConnectNow(), True),
    (psycopg.errors.TooManyConnections(), True),
    (psycopg.errors.ConnectionFailure(), True),
    (psycopg.InterfaceError("the connection is closed"), True),
    (psycopg.errors.QueryCanceled(), False),  # an OperationalError, but this request's own fault
    (psycopg.errors.UniqueViolation(), False),
    (ValueError("unrelated"), False),
]


@pytest.mark.parametrize(("error", "unavailable"), UNAVAILABLE, ids=[type(e).__name__ for e, _ in UNAVAILABLE])
def test_which_errors_mean_the_database_is_unavailable(error, unavailable):
    from sqlalchemy.exc import DBAPIError

    assert database_unavailable(error) is unavailable
    assert database_unavailable(DBAPIError("SELECT 1", {}, error)) is unavailable
