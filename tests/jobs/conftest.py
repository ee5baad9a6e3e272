from __future__ import annotations

import uuid
from dataclasses import dataclass

import pytest

import tests.jobs.job_types_for_tests  # noqa: F401  (registers the TEST_* job types in this process)
from tests import factories
from tutorassist.jobs.runner import Engines


@dataclass
class JobWorld:
    engines: Engines
    ws: uuid.UUID
    other_ws: uuid.UUID
    tutor: uuid.UUID
    student: uuid.UUID


@pytest.fixture
def engines(db_url):
    engines = Engines.for_url(db_url)
    yield engines
    engines.dispose()


@pytest.fixture
def world(owner, engines) -> JobWorld:
    tutor = factories.user(owner, "Tutor")
    ws = factories.workspace(owner, tutor)
    other = factories.workspace(owner, factories.user(owner, "Other"))
    student = factories.user(owner, "Student")
    factories.member(owner, ws, student, "student")
    return JobWorld(engines, ws, other, tutor, student)


def ask(owner, ws, type_: str, payload: dict | None = None, created_by=None, max_attempts: int | None = None):
    """A jobs row as the platform writes it (owner); returns its id."""
    import json

    row = owner.execute(
        "INSERT INTO jobs (workspace_id, type, payload_json, created_by, max_attempts) "
        "VALUES (%s, %s, %s, %s, coalesce(%s, 3)) RETURNING id",
        (ws, type_, json.dumps(payload or {}), created_by, max_attempts)).fetchone()
    return row[0]


def job(owner, job_id) -> dict:
    cur = owner.execute("SELECT * FROM jobs WHERE id = %s", (job_id,))
    names = [c.name for c in cur.description]
    return dict(zip(names, cur.fetchone()))
