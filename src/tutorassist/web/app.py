"""Mounting the pages and their static files on the API's application (one server, one port)."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles

from tutorassist.web.pages import (
    account,
    ai,
    analytics,
    assignments,
    attempts,
    auth,
    flags,
    home,
    learner,
    questions,
    students,
    topics,
)

AREAS = (auth, account, home, students, topics, questions, assignments, flags, attempts, learner, analytics, ai)


def install(app: FastAPI) -> None:
    app.mount("/static", StaticFiles(directory=Path(__file__).parent / "static"), name="static")
    for area in AREAS:
        app.include_router(area.router)
