"""Mounting the pages and their static files on the API's application (one server, one port)."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI, Request
from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException as StarletteHTTPException

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
from tutorassist.web.routing import error_page

AREAS = (auth, account, home, students, topics, questions, assignments, flags, attempts, learner, analytics, ai)
# Paths that belong to the pages: an unknown one (a mistyped link) answers an HTML page, the API's a problem document.
PAGE_PATHS = ("/w/", "/account", "/signup", "/signin", "/signout", "/invite/")


def is_page_path(path: str) -> bool:
    return path == "/w" or path.startswith(PAGE_PATHS)


def install(app: FastAPI) -> None:
    app.mount("/static", StaticFiles(directory=Path(__file__).parent / "static"), name="static")
    for area in AREAS:
        app.include_router(area.router)
    for key in (StarletteHTTPException, 405):  # 405 has a handler of its own (the API's Allow header)
        app.add_exception_handler(key, _pages_answer_html(app.exception_handlers[key]))


def _pages_answer_html(api_handler):
    async def handler(request: Request, exc: StarletteHTTPException):
        if is_page_path(request.url.path):
            detail = {404: "no such page", 405: f"{request.method} is not how this page is used"}.get(
                exc.status_code, str(exc.detail))
            return error_page(request, exc.status_code, detail)
        return await api_handler(request, exc)

    return handler
