"""A workspace's home page: tutors see who needs help and with what; students their day; guardians their student."""

from __future__ import annotations

from uuid import UUID

from fastapi import Request
from starlette.responses import Response

from tutorassist.web.context import Member, Page
from tutorassist.web.pages.learner import learner_home
from tutorassist.web.routing import page_router
from tutorassist.web.templating import render

router = page_router()


@router.get("/w/{workspace_id}")
def home(workspace_id: UUID, request: Request, page: Member) -> Response:
    if page.is_staff:
        return tutor_home(request, page)
    return learner_home(request, page)


def tutor_home(request: Request, page: Page) -> Response:
    return render(request, "home/tutor.html", title="Home")
