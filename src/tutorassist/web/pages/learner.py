"""Pages of students (today's work, practice, progress) and guardians (their student's progress, read-only)."""

from __future__ import annotations

from fastapi import Request
from starlette.responses import Response

from tutorassist.web.context import Page
from tutorassist.web.routing import page_router
from tutorassist.web.templating import render

router = page_router()


def learner_home(request: Request, page: Page) -> Response:
    return render(request, "learner/today.html", title="Today")
