"""Analytics pages: the workspace at a glance, one student's progress, a learner's own charts, question quality and
AI cost. They read the analytics services the API reads, with the same `from`/`to` period (checked by the services:
a bad period comes back on the period form, marked, with status 422)."""

from __future__ import annotations

from typing import Annotated, Literal
from uuid import UUID

from fastapi import Query, Request
from pydantic import BaseModel, ConfigDict
from starlette.responses import Response

from tutorassist.analytics import ai_usage, distribution, items, students, workspace
from tutorassist.analytics import quality_schemas as q
from tutorassist.analytics.params import From, To
from tutorassist.analytics.schemas import Bucket
from tutorassist.identity import service as identity
from tutorassist.kit.pagination import MAX_LIMIT
from tutorassist.kit.problems import Problem
from tutorassist.web import report_charts as rc
from tutorassist.web.context import Learner, Page, Staff
from tutorassist.web.forms import Form, parse, refuse
from tutorassist.web.routing import page_router
from tutorassist.web.templating import render
from tutorassist.web.words import NEEDS_HELP_REASONS

router = page_router()

ITEMS_PER_PAGE = 50
SORTS = {"question": "Question", "students": "Students (n), most first", "facility": "Facility, lowest first",
         "discrimination": "Discrimination, lowest first", "flag_rate": "Flag rate, highest first"}


class PeriodQuery(BaseModel):
    """The period form (`from`, `to`, and where a page draws buckets, `bucket`), as the API reads them."""

    model_config = ConfigDict(extra="ignore")

    start: From = None
    end: To = None
    bucket: Bucket | None = None


def period_form(request: Request, *, bucket: bool = False) -> tuple[Form, PeriodQuery | None]:
    """The period asked for in the query string (blank fields mean the defaults), or None with the form marked."""
    names = ("from", "to", "bucket") if bucket else ("from", "to")
    form = Form(values={name: request.query_params.get(name, "") for name in names})
    return form, parse(PeriodQuery, form)


def refused(request: Request, template: str, form: Form, problem: Problem, **context) -> Response:
    """The page with only its period form, the service's refusal beside the field it names."""
    refuse(form, problem)
    return render(request, template, problem.status, form=form, refused=True, **context)


# ---------------------------------------------------------------- the workspace

@router.get("/w/{workspace_id}/analytics")
def overview(workspace_id: UUID, request: Request, page: Staff) -> Response:
    form, period = period_form(request)
    context = {"title": "Analytics"}
    if period is None:
        return render(request, "analytics/overview.html", 422, form=form, refused=True, **context)
    try:
        with page.ctx.tx(page.workspace_id) as tx:
            topics = workspace.topics(tx, period.start, period.end)
            tutors = workspace.tutors(tx, period.start, period.end)
            glance = workspace.overview(tx)
            help_list = workspace.needs_help(tx, 20)
    except Problem as problem:
        if problem.status != 422:
            raise
        return refused(request, "analytics/overview.html", form, problem, **context)
    form.values.update({"from": topics.period.start.isoformat(), "to": topics.period.end.isoformat()})
    roster = identity.list_students(page.ctx, page.workspace_id, False)
    return render(request, "analytics/overview.html", form=form, overview=glance, topics=topics, tutors=tutors,
                  students=roster,
                  needs_help=help_list, topics_chart=rc.topics_accuracy(topics), reasons=NEEDS_HELP_REASONS,
                  topic_name=rc.topic_name, **context)


# ---------------------------------------------------------------- one student

@router.get("/w/{workspace_id}/analytics/students/{student_id}")
def student(workspace_id: UUID, student_id: UUID, request: Request, page: Staff) -> Response:
    return _student_report(request, page, student_id, staff=True)


@router.get("/w/{workspace_id}/progress/charts")
def my_charts(workspace_id: UUID, request: Request, page: Learner) -> Response:
    """A student's own charts; a guardian's: their student's (the /me reports of the API)."""
    return _student_report(request, page, None, staff=False)


def _student_report(request: Request, page: Page, student_id: UUID | None, *, staff: bool) -> Response:
    template = "analytics/student.html" if staff else "analytics/my_charts.html"
    form, period = period_form(request, bucket=True)
    context = {"title": "Student analytics" if staff else "Progress charts", "student_id": student_id}
    if period is None:
        return render(request, template, 422, form=form, refused=True, **context)
    bucket = period.bucket or "week"
    try:
        with page.ctx.tx(page.workspace_id) as tx:
            sid = student_id if staff else students.own_student(tx)
            accuracy = students.accuracy(tx, sid, bucket, period.start, period.end)
            topics = students.topics(tx, sid, bucket, period.start, period.end)
            help_report = students.needs_help(tx, sid)
            velocity = students.velocity(tx, sid, bucket, period.start, period.end) if staff else None
            cohort = students.cohort(tx, sid, period.start, period.end) if staff else None
    except Problem as problem:
        if problem.status != 422:
            raise
        return refused(request, template, form, problem, **context)
    form.values.update({"from": accuracy.period.start.isoformat(), "to": accuracy.period.end.isoformat(),
                        "bucket": bucket})
    name = help_report.name
    if staff:
        context["title"] = f"Analytics: {name}"
    return render(request, template, form=form, name=name, accuracy=accuracy, topics=topics, help=help_report,
                  velocity=velocity, cohort=cohort, reasons=NEEDS_HELP_REASONS, topic_name=rc.topic_name,
                  accuracy_chart=rc.accuracy_over_time(accuracy, name),
                  progression_chart=rc.mastery_progression(topics), mastery_chart=rc.mastery_estimates(topics),
                  **context)


# ---------------------------------------------------------------- questions

Status = Literal["draft", "active", "archived"]


@router.get("/w/{workspace_id}/analytics/questions")
def questions(
    workspace_id: UUID, request: Request, page: Staff,
    sort: Annotated[q.ItemSort, Query()] = "question",
    status: Annotated[Status | None, Query()] = None,
    cursor: Annotated[str | None, Query(max_length=500)] = None,
    limit: Annotated[int, Query(ge=1, le=MAX_LIMIT)] = ITEMS_PER_PAGE,
) -> Response:
    """Item statistics with their sample sizes, calibration, coverage and the commonest wrong-answer notes. A bad
    sort, status or cursor answers a 422 page (as the API does)."""
    ctx, ws = page.ctx, page.workspace_id
    stats = items.list_items(ctx, ws, topic_id=None, status=status, dubious=None, min_students=0, sort=sort,
                             limit=limit, cursor=cursor)
    calibration = items.calibration(ctx, ws, topic_id=None, status=status)
    coverage = distribution.coverage(ctx, ws)
    notes = items.wrong_answer_notes(ctx, ws, topic_id=None, limit=20)
    return render(request, "analytics/questions.html", title="Question statistics", stats=stats, sort=sort,
                  status=status, sorts=SORTS, calibration=calibration, calibration_chart=rc.calibration(calibration),
                  coverage=coverage, notes=notes, topic_name=rc.topic_name, levels=distribution.LEVELS)


# ---------------------------------------------------------------- AI usage and cost

@router.get("/w/{workspace_id}/analytics/ai")
def ai_cost(workspace_id: UUID, request: Request, page: Staff) -> Response:
    form, period = period_form(request)
    context = {"title": "AI usage and cost"}
    if period is None:
        return render(request, "analytics/ai.html", 422, form=form, refused=True, **context)
    ctx, ws = page.ctx, page.workspace_id
    try:
        by_day = ai_usage.usage(ctx, ws, "day", period.start, period.end)
        by_model = ai_usage.usage(ctx, ws, "model", period.start, period.end)
        by_operation = ai_usage.usage(ctx, ws, "operation", period.start, period.end)
        generation = ai_usage.generation(ctx, ws, period.start, period.end)
    except Problem as problem:
        if problem.status != 422:
            raise
        return refused(request, "analytics/ai.html", form, problem, **context)
    form.values.update({"from": by_day.period.start.isoformat(), "to": by_day.period.end.isoformat()})
    return render(request, "analytics/ai.html", form=form, by_day=by_day, by_model=by_model,
                  by_operation=by_operation, generation=generation, cost_chart=rc.cost_per_day(by_day), **context)
