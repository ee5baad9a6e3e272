"""AI generation pages: ask for questions (topic, source material, count, difficulty mix) with the cost estimated
first, follow the job live, review and approve the drafts. They call ai/service.py and jobs/service.py as the API
does. Source materials have their own module (ai_materials.py), mounted under this area's router."""

from __future__ import annotations

from typing import Annotated, Any
from uuid import UUID

from fastapi import Query, Request
from starlette.responses import RedirectResponse, Response

from tutorassist.ai import schemas, service
from tutorassist.ai.jobs import GENERATE_QUESTIONS, GENERATE_QUESTIONS_BATCH
from tutorassist.ai.providers import OFFLINE, OPENAI
from tutorassist.config import get_settings
from tutorassist.jobs import service as jobs
from tutorassist.kit.pagination import MAX_LIMIT
from tutorassist.kit.problems import Problem
from tutorassist.questions.materials import service as materials
from tutorassist.questions.topics import service as topics
from tutorassist.web.context import Page, Staff
from tutorassist.web.forms import Form, FormInput, parse, refuse, whole_number
from tutorassist.web.pages import ai_materials
from tutorassist.web.pages import question_form as qf
from tutorassist.web.routing import is_htmx, page_router
from tutorassist.web.templating import fragment, render

router = page_router()
router.include_router(ai_materials.router)

LEVELS = ("1", "2", "3", "4", "5")
ACTIVE = ("queued", "running")  # a job still changing: its page follows it
DRAFTS_PER_PAGE = 50
GENERATION_TYPES = (GENERATE_QUESTIONS, GENERATE_QUESTIONS_BATCH)


def material_options(page: Page) -> list[tuple[str, str]]:
    listed = materials.list_materials(page.ctx, page.workspace_id, None, limit=MAX_LIMIT).items
    return [("", "None")] + [(str(m.id), m.title + (f" ({m.page_count} pages)" if m.page_count else "")) for m in listed]


def provider_choices() -> dict[str, list[tuple[str, str]]]:
    """Providers and modes this server can use: offline always, the OpenAI-compatible one (and its batch mode)
    only with an API key. A choice of one is not shown."""
    if not get_settings().ai_api_key:
        return {}
    return {"provider": [(OPENAI, "OpenAI-compatible provider"), (OFFLINE, "Offline templates (free)")],
            "mode": [("sync", "Now"), ("batch", "Batch (cheaper, within 24 hours)")]}


def generation_body(form: Form) -> schemas.GenerationBody | None:
    """The service's request from the form: five "Difficulty n" weights, a blank or 0 one meaning none of that
    level (all blank: the service's default). The form keeps what was typed; its errors name the form's fields."""
    mix = {key: value for key, value in form.values.items() if key.startswith("difficulty_mix.")}
    weights = {key: value for key, value in mix.items() if not (isinstance(value, str) and value.strip() in ("", "0"))}
    values = {k: v for k, v in form.values.items() if k not in mix} | weights
    probe = Form(values={k: whole_number(v) if k in NUMBER_FIELDS or k in mix else v for k, v in values.items()})
    body = parse(schemas.GenerationBody, probe)
    form.errors.update({k: WHOLE_NUMBER if "must be integer" in m else m for k, m in probe.errors.items()})
    return body


NUMBER_FIELDS = ("count", "material_page")
WHOLE_NUMBER = "must be a whole number"



def generation_page(request: Request, page: Page, form: Form, status: int = 200, **context: Any) -> Response:
    return render(request, "ai/generate.html", status, form=form, topics=qf.topic_options(topics.list_topics(page.ctx, page.workspace_id, False), blank=None),
                  materials=material_options(page), choices=provider_choices(), levels=LEVELS,
                  title="AI generation", **context)


@router.get("/w/{workspace_id}/ai")
def generate_form(workspace_id: UUID, request: Request, page: Staff) -> Response:
    return generation_page(request, page, Form(values={"count": "10"}))


@router.post("/w/{workspace_id}/ai/estimate")
def estimate(workspace_id: UUID, request: Request, page: Staff, form: FormInput) -> Response:
    """The cost estimate: an htmx swap into #estimate, or (without JavaScript) the whole form with it."""
    body = generation_body(form)
    result = None
    if body is not None:
        try:
            result = service.estimate_generation(page.ctx, page.workspace_id, body)
        except Problem as problem:
            refuse(form, problem)
    if is_htmx(request):
        return fragment(request, "ai/_estimate.html", estimate=result, form=form)
    status = 200 if result else 422
    return generation_page(request, page, form, status, estimate=result)


@router.post("/w/{workspace_id}/ai/generate")
def generate(workspace_id: UUID, request: Request, page: Staff, form: FormInput) -> Response:
    body = generation_body(form)
    status = 422
    if body is not None:
        try:
            started = service.start_generation(page.ctx, page.workspace_id, body)
        except Problem as problem:
            refuse(form, problem)
            status = problem.status if 400 <= problem.status < 500 else 422
        else:
            return RedirectResponse(f"{page.base}/ai/jobs/{started.job_id}", status_code=303)
    return generation_page(request, page, form, status)


# ---------------------------------------------------------------- a generation job, followed live

def job_view(page: Page, job_id: UUID) -> dict[str, Any]:
    job = jobs.get_job(page.ctx, page.workspace_id, job_id)
    batch = None
    if job.type in GENERATION_TYPES:
        batch = service.get_batch(page.ctx, page.workspace_id, job_id)
    return {"job": job, "batch": batch, "active": job.status in ACTIVE}


@router.get("/w/{workspace_id}/ai/jobs/{job_id}")
def job_page(workspace_id: UUID, job_id: UUID, request: Request, page: Staff) -> Response:
    return render(request, "ai/job.html", title="Generation job", **job_view(page, job_id))


@router.get("/w/{workspace_id}/ai/jobs/{job_id}/status")
def job_status(workspace_id: UUID, job_id: UUID, request: Request, page: Staff) -> Response:
    """The polled fragment. Once the job has ended, the whole page is reloaded (HX-Refresh) to show its results
    and the buttons of its final state, and the polling stops with it."""
    view = job_view(page, job_id)
    response = fragment(request, "ai/_job_status.html", **view)
    if not view["active"] and is_htmx(request):
        response.headers["HX-Refresh"] = "true"
    return response


@router.post("/w/{workspace_id}/ai/jobs/{job_id}/cancel")
def cancel_job(workspace_id: UUID, job_id: UUID, request: Request, page: Staff) -> Response:
    return act_on_job(request, page, job_id, "cancel")


@router.post("/w/{workspace_id}/ai/jobs/{job_id}/retry")
def retry_job(workspace_id: UUID, job_id: UUID, request: Request, page: Staff) -> Response:
    return act_on_job(request, page, job_id, "retry")


def act_on_job(request: Request, page: Page, job_id: UUID, action: str) -> Response:
    """Cancel or run again (the jobs service's act); a refusal (the job has moved on) is said on the job's page."""
    try:
        jobs.act(page.ctx, page.workspace_id, job_id, action)
    except Problem as problem:
        if problem.status != 409:
            raise
        return render(request, "ai/job.html", 409, title="Generation job", refusal=problem.detail,
                      **job_view(page, job_id))
    return RedirectResponse(f"{page.base}/ai/jobs/{job_id}", status_code=303)


# ---------------------------------------------------------------- drafts

def drafts_page(request: Request, page: Page, batch: UUID | None, cursor: str | None, status: int = 200,
                **context: Any) -> Response:
    drafts = service.list_drafts(page.ctx, page.workspace_id, batch, DRAFTS_PER_PAGE, cursor)
    checks = service.draft_checks(page.ctx, page.workspace_id, [d.id for d in drafts.items])
    names = {t.id: t.name for t in topics.list_topics(page.ctx, page.workspace_id, True)}
    return render(request, "ai/drafts.html", status, drafts=drafts, checks=checks, batch=batch, cursor=cursor,
                  topic_names=names,
                  title="AI drafts", **context)


@router.get("/w/{workspace_id}/ai/drafts")
def drafts(workspace_id: UUID, request: Request, page: Staff,
           batch: Annotated[UUID | None, Query()] = None,
           cursor: Annotated[str | None, Query(max_length=500)] = None,
           approved: Annotated[int | None, Query(ge=0, le=MAX_LIMIT)] = None) -> Response:
    flash = f"Approved {approved} draft{'' if approved == 1 else 's'}: they are active questions now." \
        if approved else None
    return drafts_page(request, page, batch, cursor, flash=flash, form=Form())


@router.post("/w/{workspace_id}/ai/drafts/approve")
def approve(workspace_id: UUID, request: Request, page: Staff, form: FormInput) -> Response:
    batch_text = form.values.pop("batch", "")
    try:
        batch = UUID(batch_text) if batch_text else None
    except ValueError:
        batch = None
    body = parse(schemas.ApproveBody, form)
    status = 422
    if body is None and "ids" in form.errors:
        form.errors = {}
        form.message = "Select at least one draft to approve."
    elif body is not None:
        try:
            done = service.approve_drafts(page.ctx, page.workspace_id, body.ids)
        except Problem as problem:
            refuse(form, problem)
            status = problem.status
        else:
            back = f"{page.base}/ai/drafts?approved={len(done.approved)}" + (f"&batch={batch}" if batch else "")
            return RedirectResponse(back, status_code=303)
    return drafts_page(request, page, batch, None, status, form=form)
