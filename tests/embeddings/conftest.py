"""A workspace with a labelled question bank, jobs run the way the worker runs them, and settings per test."""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass

import pytest

from tests import factories
from tests.api.conftest import api_url, client, people, practice  # noqa: F401  (the API fixtures, for test_api.py)
from tutorassist.config import get_settings
from tutorassist.db.connection import owner_engine
from tutorassist.jobs.context import JobContext

QUESTIONS = {
    "linear equations": ["Solve for $x$: $3x + 5 = 20$.", "Find $x$ if $7x - 4 = 2x + 11$.",
                         "Solve the equation $5(x - 2) = 3x + 6$.", "Solve $4 - 3t = 19$ for $t$."],
    "percentages": ["What is $15\\%$ of $240$?", "A jacket costing \\$80 is reduced by $25\\%$. What is the sale price?",
                    "Increase $60$ by $35\\%$.", "Express $45$ as a percentage of $180$."],
    "geometry": ["Find the area of a circle with radius $7$ cm.",
                 "A right triangle has legs $6$ and $8$. How long is the hypotenuse?",
                 "Calculate the volume of a cylinder of radius $3$ and height $10$.",
                 "What is the sum of the interior angles of a hexagon?"],
}


@dataclass
class Bank:
    workspace_id: uuid.UUID
    tutor_id: uuid.UUID
    topic_of: dict[uuid.UUID, str]

    def ids(self, topic: str | None = None) -> list[uuid.UUID]:
        return [q for q, t in self.topic_of.items() if topic is None or t == topic]


def make_bank(owner, label: str = "A") -> Bank:
    tutor = factories.user(owner, f"Tutor {label}")
    ws = factories.workspace(owner, tutor, f"Bank {label}")
    topic_of = {}
    for topic, prompts in QUESTIONS.items():
        for prompt in prompts:
            topic_of[factories.question(owner, ws, prompt_latex=prompt, prompt_text=prompt)] = topic
    return Bank(ws, tutor, topic_of)


@pytest.fixture
def bank(owner) -> Bank:
    return make_bank(owner)


@pytest.fixture
def owner_db(db_url):
    engine = owner_engine(db_url)
    yield engine
    engine.dispose()


@pytest.fixture
def run_job(owner, owner_db, app_db):
    """Insert a real jobs row as the owner and run a handler on a JobContext built on it, as the worker will."""

    def run(handler, bank: Bank, job_type: str, payload: dict | None = None):
        job_id = owner.execute(
            "INSERT INTO jobs (workspace_id, type, payload_json, created_by) VALUES (%s, %s, %s, %s) RETURNING id",
            (bank.workspace_id, job_type, json.dumps(payload or {}), bank.tutor_id)).fetchone()[0]
        ctx = JobContext(owner=owner_db, app=app_db, workspace_id=bank.workspace_id, job_id=job_id,
                         user_id=bank.tutor_id, attempt=1, type=job_type)
        return job_id, handler(ctx, payload or {})

    return run


@pytest.fixture
def settings_env(monkeypatch):
    """Set TUTORASSIST_* variables for one test; the cached settings are rebuilt before and after."""

    def set_env(**values: str) -> None:
        for key, value in values.items():
            monkeypatch.setenv(key, value)
        get_settings.cache_clear()

    get_settings.cache_clear()
    yield set_env
    monkeypatch.undo()
    get_settings.cache_clear()
