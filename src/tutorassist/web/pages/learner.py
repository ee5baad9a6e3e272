"""Pages of students (today's work, progress) and guardians (their student's progress, read-only).

The question page (answering, hints, flags) is in learner_practice.py, mounted through this module's router.
"""

from __future__ import annotations

from datetime import datetime, timezone
from uuid import UUID

from fastapi import Request
from starlette.responses import Response

from tutorassist.assignments import service as assignments
from tutorassist.kit.problems import Problem
from tutorassist.learning import attempts, practice
from tutorassist.learning.cas.verdict import FEEDBACK
from tutorassist.web.context import Learner, Page
from tutorassist.web.pages import learner_practice
from tutorassist.web.routing import page_router
from tutorassist.web.templating import render

router = page_router()
router.include_router(learner_practice.router)

RECENT_ATTEMPTS = 20
ASSIGNMENTS_SHOWN = 50


def learner_home(request: Request, page: Page) -> Response:
    """A student's day; a guardian's home is their student's progress; an archived student reads their progress."""
    if page.role != "student":
        return _progress(request, page)
    try:
        day = practice.dashboard(page.ctx, page.workspace_id, queue_limit=10)
    except Problem as problem:
        if problem.status != 403:
            raise
        return _progress(request, page)  # an archived profile: read-only, the page says why
    next_items = practice.first_unanswered(page.ctx, page.workspace_id, [a.id for a in day.assignments_due])
    return render(request, "learner/today.html", title="Today", day=day, next_items=next_items,
                  now=datetime.now(timezone.utc))


@router.get("/w/{workspace_id}/progress")
def progress(workspace_id: UUID, request: Request, page: Learner) -> Response:
    return _progress(request, page)


def _progress(request: Request, page: Page) -> Response:
    """Mastery per topic, recent attempts and assignments of the learner's student; nothing here changes anything."""
    overview = practice.learner_overview(page.ctx, page.workspace_id)
    recent = attempts.learner_attempts(page.ctx, page.workspace_id, RECENT_ATTEMPTS, None).items
    listed = assignments.list_assignments(page.ctx, page.workspace_id, None, None, ASSIGNMENTS_SHOWN, None).items
    listed = [a for a in listed if a.status != "archived"]
    done = sum(1 for a in listed if a.status == "completed")
    title = "Progress" if page.role == "student" else f"Progress of {overview.student_name}"
    return render(request, "learner/progress.html", title=title, overview=overview, recent=recent,
                  assignments=listed, done=done, left=len(listed) - done, notes=FEEDBACK,
                  now=datetime.now(timezone.utc))
