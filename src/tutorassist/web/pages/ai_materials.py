"""Source materials of AI generation: list them, upload a PDF (or a text file), paste text, delete one. The pages call
questions/materials/service.py as the API does; a too-large or unreadable file is refused beside the file field."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from fastapi import Request
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import UploadFile
from starlette.responses import RedirectResponse, Response

from tutorassist.kit.pagination import MAX_LIMIT
from tutorassist.kit.problems import Problem
from tutorassist.questions.materials import schemas
from tutorassist.questions.materials import service as materials
from tutorassist.questions.materials.endpoints import MULTIPART_OVERHEAD
from tutorassist.web.context import Page, Staff
from tutorassist.web.forms import Form, FormInput, form_input, parse, refuse
from tutorassist.web.routing import page_router
from tutorassist.web.templating import render

router = page_router()

# The upload form's fields are named apart from the paste form's (both are on one page, and ids must be unique).
UPLOAD_FIELDS = {"title": "upload_title", "file": "file"}


def materials_page(request: Request, page: Page, status: int = 200, *, upload: Form | None = None,
                   pasted: Form | None = None, **context: Any) -> Response:
    listed = materials.list_materials(page.ctx, page.workspace_id, None, limit=MAX_LIMIT)
    return render(request, "ai/materials.html", status, materials=listed.items, upload=upload or Form(),
                  pasted=pasted or Form(), max_mb=materials.MAX_UPLOAD_BYTES // (1024 * 1024),
                  title="Source materials", **context)


@router.get("/w/{workspace_id}/ai/materials")
def materials_list(workspace_id: UUID, request: Request, page: Staff) -> Response:
    saved = request.query_params.get("saved")
    flash = {"uploaded": "The material was saved.", "deleted": "The material was deleted."}.get(saved or "")
    return materials_page(request, page, flash=flash)


def _upload_refused(form: Form, problem: Problem) -> Form:
    """The service's refusal beside the upload form's fields (a size refusal names no field: it is the file's)."""
    refuse(form, problem)
    form.errors = {UPLOAD_FIELDS.get(name, name): message for name, message in form.errors.items()}
    if problem.status == 413:
        form.errors["file"], form.message = problem.detail, None
    return form


@router.post("/w/{workspace_id}/ai/materials/upload")
async def upload(workspace_id: UUID, request: Request, page: Staff) -> Response:
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > materials.MAX_UPLOAD_BYTES + MULTIPART_OVERHEAD:
        form = _upload_refused(Form(), materials.too_large(int(declared)))  # refused before the body is read
        return await run_in_threadpool(materials_page, request, page, 413, upload=form)
    form = await form_input(request)
    sent = (await request.form()).get("file")
    status = 422
    if not isinstance(sent, UploadFile) or not sent.filename:
        form.errors["file"] = "choose a PDF or a text file to upload"
    else:
        data = await sent.read(materials.MAX_UPLOAD_BYTES + 1)
        try:
            await run_in_threadpool(
                materials.upload_material, page.ctx, page.workspace_id, title=form.value("upload_title"),
                topic_id=None, file_name=sent.filename, content_type=sent.content_type, data=data)
        except Problem as problem:
            _upload_refused(form, problem)
            status = problem.status if 400 <= problem.status < 500 else 422
        else:
            return RedirectResponse(f"{page.base}/ai/materials?saved=uploaded", status_code=303)
    return await run_in_threadpool(materials_page, request, page, status, upload=form)


@router.post("/w/{workspace_id}/ai/materials/text")
def paste(workspace_id: UUID, request: Request, page: Staff, form: FormInput) -> Response:
    body = parse(schemas.MaterialTextCreate, form)
    status = 422
    if body is not None:
        try:
            materials.create_text_material(page.ctx, page.workspace_id, body)
        except Problem as problem:
            refuse(form, problem)
            status = problem.status if 400 <= problem.status < 500 else 422
        else:
            return RedirectResponse(f"{page.base}/ai/materials?saved=uploaded", status_code=303)
    return materials_page(request, page, status, pasted=form)


@router.post("/w/{workspace_id}/ai/materials/{material_id}/delete")
def delete(workspace_id: UUID, material_id: UUID, request: Request, page: Staff) -> Response:
    materials.delete_material(page.ctx, page.workspace_id, material_id)
    return RedirectResponse(f"{page.base}/ai/materials?saved=deleted", status_code=303)
