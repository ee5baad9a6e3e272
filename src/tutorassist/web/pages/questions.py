"""Pages: the question bank (search, a page at a time), export of a search and import of an export document; the
editor (question_editor.py) and each question's page and history (question_page.py) are routes of this area too."""

from __future__ import annotations

import itertools
from uuid import UUID

from fastapi import Request
from starlette.background import BackgroundTask
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import UploadFile
from starlette.responses import Response, StreamingResponse

from tutorassist.kit.problems import Problem
from tutorassist.questions import schemas, search, transfer
from tutorassist.web.context import Page, Staff
from tutorassist.web.forms import Form
from tutorassist.web.pages import question_editor, question_page
from tutorassist.web.pages import question_form as qf
from tutorassist.web.pages.question_search import PAGE_SIZE, query_of, search_form
from tutorassist.web.routing import page_router
from tutorassist.web.templating import render

router = page_router()


def _bank(request: Request, page: Page, form: Form, results: search.Page | None, cursor: str | None,
          status_code: int = 200) -> Response:
    listed = qf.all_topics(page)
    return render(request, "questions/bank.html", status_code, title="Questions", form=form, results=results,
                  cursor=cursor, query=query_of(form), topic_names=qf.topic_names(listed),
                  topics=qf.topic_options(listed, blank="Any topic"),
                  statuses=[("", "Any status")] + [(s, s.capitalize()) for s in qf.STATUSES],
                  origins=[("", "Any origin"), ("manual", "Manual"), ("ai_generated", "AI generated"),
                           ("imported", "Imported")],
                  difficulties=[("", "Any")] + [(str(d), str(d)) for d in range(1, 6)])


@router.get("/w/{workspace_id}/questions")
def question_bank(workspace_id: UUID, request: Request, page: Staff) -> Response:
    form, filters, cursor = search_form(request.query_params)
    if filters is None:
        return _bank(request, page, form, None, None, 422)
    try:
        results = search.search(page.ctx, page.workspace_id, filters, PAGE_SIZE, cursor)
    except Problem as problem:
        if problem.status != 422:
            raise
        form.message = "That page of results no longer exists: start again from the first page."
        return _bank(request, page, form, None, None, 422)
    return _bank(request, page, form, results, cursor)


@router.get("/w/{workspace_id}/questions/export")
def export_questions(workspace_id: UUID, request: Request, page: Staff) -> Response:
    """The questions of the search as a tutorassist.questions.v1 document to download (streamed as it is read)."""
    form, filters, _ = search_form(request.query_params)
    if filters is None:
        return _bank(request, page, form, None, None, 422)
    pieces = transfer.export_stream(page.ctx, page.workspace_id, filters)
    head = next(pieces)  # the role check happens before the first piece: a refusal is still an error page
    return StreamingResponse(
        itertools.chain([head], pieces), media_type="application/json", background=BackgroundTask(pieces.close),
        headers={"Content-Disposition": 'attachment; filename="questions.tutorassist.json"'})


@router.get("/w/{workspace_id}/questions/import")
def import_form(workspace_id: UUID, request: Request, page: Staff) -> Response:
    return render(request, "questions/import.html", title="Import questions", form=Form(), result=None, errors=[])


@router.post("/w/{workspace_id}/questions/import")
async def import_file(workspace_id: UUID, request: Request, page: Staff) -> Response:
    """Import an uploaded export document: all or nothing, every invalid item listed by its position and field."""
    form = Form()
    data = await request.form()
    upload = data.get("file")
    raw = await upload.read(schemas.MAX_IMPORT_BYTES + 1) if isinstance(upload, UploadFile) else b""
    status, result, errors = 201, None, []
    if not raw:
        form.errors["file"] = "choose a tutorassist.questions.v1 JSON file (an export of the question bank)"
        status = 422
    elif len(raw) > schemas.MAX_IMPORT_BYTES:
        form.errors["file"] = "the file is larger than 10 MB: split it into several imports"
        status = 413
    else:
        try:
            result = await run_in_threadpool(transfer.import_questions, page.ctx, page.workspace_id, raw)
        except Problem as problem:
            if problem.status not in (413, 422):
                raise
            status, errors = problem.status, problem.extra.get("errors") or []
            form.errors["file"] = problem.detail or problem.title
    return render(request, "questions/import.html", status, title="Import questions", form=form, result=result,
                  errors=errors)


# After the fixed paths above: /questions/new, /export and /import are not question ids.
router.include_router(question_editor.router)
router.include_router(question_page.router)
