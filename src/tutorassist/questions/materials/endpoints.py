"""HTTP routes of source materials: parse, call one service function, shape the response."""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from typing import Annotated, Any
from uuid import UUID

from fastapi import APIRouter, File, Form, Query, Request, Response, UploadFile, status
from fastapi.routing import APIRoute

from tutorassist.api.context import Context
from tutorassist.kit.pagination import DEFAULT_LIMIT, MAX_LIMIT, Page
from tutorassist.kit.problems import problem_response
from tutorassist.kit.schemas import PYTHON_SPACE, stripped_length
from tutorassist.questions.materials import schemas, service

MULTIPART_OVERHEAD = 1024 * 1024  # the form's other fields and boundaries, on top of the file itself


class _SizeLimitedRoute(APIRoute):
    """Refuses a request whose declared Content-Length is over the upload limit before its body is read (413)."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()

        async def limited(request: Request) -> Response:
            declared = request.headers.get("content-length", "")
            if declared.isdigit() and int(declared) > service.MAX_UPLOAD_BYTES + MULTIPART_OVERHEAD:
                problem = service.too_large(int(declared))
                return problem_response(problem.status, problem.title, problem.detail, headers={"Connection": "close"})
            return await handler(request)

        return limited


# 1 to 300 characters once stripped of str.strip()'s whitespace, as the service counts them.
TITLE_PATTERN = stripped_length(1, 300, PYTHON_SPACE)

router = APIRouter(route_class=_SizeLimitedRoute)
_BASE = "/workspaces/{workspace_id}/materials"


@router.post(_BASE, status_code=status.HTTP_201_CREATED, response_model=schemas.MaterialOut, tags=["materials"],
             responses={413: {"description": "Over 20 MB"}, 415: {"description": "Neither text/plain nor a PDF"}})
def upload_material(
    workspace_id: UUID,
    ctx: Context,
    file: Annotated[UploadFile, File(description="text/plain (UTF-8) or application/pdf, at most 20 MB")],
    title: Annotated[str, Form(min_length=1, pattern=TITLE_PATTERN)],
    topic_id: Annotated[UUID | None, Form(description="Topic of the same workspace")] = None,
):
    """Upload a text file or a PDF (staff); the text is extracted (PDF: page by page) and stored with the file's
    size and SHA-256. A file that cannot be read is refused (422) and nothing is stored."""
    data = file.file.read(service.MAX_UPLOAD_BYTES + 1)
    return service.upload_material(ctx, workspace_id, title=title, topic_id=topic_id, file_name=file.filename,
                                   content_type=file.content_type, data=data)


@router.post(_BASE + "/text", status_code=status.HTTP_201_CREATED, response_model=schemas.MaterialOut,
             tags=["materials"], responses={413: {"description": "Over 20 MB"}})
def create_text_material(workspace_id: UUID, body: schemas.MaterialTextCreate, ctx: Context):
    """Store pasted text as a source material (staff)."""
    return service.create_text_material(ctx, workspace_id, body)


@router.get(_BASE, response_model=Page[schemas.MaterialSummary], tags=["materials"])
def list_materials(
    workspace_id: UUID,
    ctx: Context,
    topic_id: UUID | None = None,
    limit: Annotated[int, Query(ge=1, le=MAX_LIMIT)] = DEFAULT_LIMIT,
    cursor: Annotated[str | None, Query(max_length=500)] = None,
):
    """Source materials, newest first, without their text (staff); pass `next_cursor` as `cursor` for more."""
    return service.list_materials(ctx, workspace_id, topic_id, limit, cursor)


@router.get(_BASE + "/{material_id}", response_model=schemas.MaterialOut, tags=["materials"])
def get_material(workspace_id: UUID, material_id: UUID, ctx: Context):
    """One source material with its extracted text (staff)."""
    return service.get_material(ctx, workspace_id, material_id)


@router.delete(_BASE + "/{material_id}", status_code=status.HTTP_204_NO_CONTENT, tags=["materials"])
def delete_material(workspace_id: UUID, material_id: UUID, ctx: Context) -> None:
    """Delete a source material (staff); questions generated from it stay, unlinked."""
    service.delete_material(ctx, workspace_id, material_id)
