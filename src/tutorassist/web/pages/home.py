"""A workspace's home page: tutors see who needs help and with what; students their day; guardians their student."""

from __future__ import annotations

from datetime import datetime, timezone
from uuid import UUID

from fastapi import Request
from starlette.responses import Response

from tutorassist.analytics import workspace as workspace_analytics
from tutorassist.assignments import service as assignments
from tutorassist.learning import attempts, overview
from tutorassist.learning import service as learning
from tutorassist.questions.topics import service as topics
from tutorassist.web.context import Member, Page
from tutorassist.web.pages import tutor_lookups
from tutorassist.web.pages.learner import learner_home
from tutorassist.web.routing import page_router
from tutorassist.web.templating import render
from tutorassist.web.words import NEEDS_HELP_REASONS

router = page_router()

RECENT_ATTEMPTS = 10
NEEDS_HELP = 10
DUE_DAYS = 7
DUE_LIMIT = 20


@router.get("/w/{workspace_id}")
def home(workspace_id: UUID, request: Request, page: Member) -> Response:
    if page.is_staff:
        return tutor_home(request, page)
    return learner_home(request, page)


def tutor_home(request: Request, page: Page) -> Response:
    ws = page.workspace_id
    grid = overview.mastery_grid(page.ctx, ws)
    with page.ctx.tx(ws) as tx:
        needs_help = workspace_analytics.needs_help(tx, NEEDS_HELP)
    recent = attempts.list_attempts(page.ctx, ws, None, None, None, RECENT_ATTEMPTS, None).items
    names = tutor_lookups.students(page)
    has_topics = bool(grid.topics) or bool(topics.list_topics(page.ctx, ws, include_archived=False))
    return render(
        request, "home/tutor.html", title="Home", grid=grid, cells=grid.by_pair(), needs_help=needs_help.students,
        reasons=NEEDS_HELP_REASONS, open_flags=learning.count_flags(page.ctx, ws, "open"),
        due=assignments.due_within(page.ctx, ws, DUE_DAYS, DUE_LIMIT), due_days=DUE_DAYS, recent=recent, names=names,
        prompts=tutor_lookups.prompts(page, [a.question_id for a in recent]), has_topics=has_topics,
        now=datetime.now(timezone.utc))
