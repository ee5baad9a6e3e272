"""Source materials: text and PDF uploads, and pasted text, whose extracted text questions are generated from.

Staff only (owner, tutor): students and guardians get 403. Uploads are limited to MAX_UPLOAD_BYTES (413). A PDF's
text is extracted page by page with pypdf; pages are joined by a blank line ("\\n\\n") and `metadata.pages` records
each page's [start, end) character offsets in `content_text`. Nothing is stored when extraction fails (422).
"""

from __future__ import annotations

import hashlib
import io
import json
import logging
import os
from datetime import datetime
from typing import Any
from uuid import UUID

from sqlalchemy import text

from tutorassist.api.context import STAFF, RequestContext, Tx
from tutorassist.kit.pagination import DEFAULT_LIMIT, Page, decode_cursor, page_of
from tutorassist.kit.problems import Problem, invalid_field
from tutorassist.questions.materials import schemas

log = logging.getLogger("tutorassist.materials")

MAX_UPLOAD_BYTES = 20 * 1024 * 1024
PAGE_SEPARATOR = "\n\n"
TEXT_TYPES = {"text/plain"}
PDF_TYPES = {"application/pdf", "application/x-pdf"}
_BY_EXTENSION = {".txt": "text/plain", ".text": "text/plain", ".pdf": "application/pdf"}

_SUMMARY = ("id, topic_id, title, kind, file_name, mime_type, byte_size, sha256, page_count, created_by, created_at, "
            "updated_at")


def too_large(size: int) -> Problem:
    return Problem(413, "Content too large", f"the upload has {size} bytes; the limit is {MAX_UPLOAD_BYTES} bytes (20 MB)")


def _title(title: str) -> str:
    title = (title or "").strip()
    if "\x00" in title:
        raise invalid_field("title", "must not contain NUL characters")
    if not 1 <= len(title) <= 300:
        raise invalid_field("title", "must have 1 to 300 characters")
    return title


def _check_topic(tx: Tx, topic_id: UUID | None) -> None:
    if topic_id is not None and tx.scalar("SELECT 1 FROM topics WHERE workspace_id = :w AND id = :t",
                                          w=tx.workspace_id, t=topic_id) is None:
        raise invalid_field("topic_id", "no such topic in this workspace")


def _media_type(content_type: str | None, file_name: str | None) -> str:
    """The upload's MIME type: as declared, or from the file name's extension when the client did not say."""
    declared = (content_type or "").split(";", 1)[0].strip().lower()
    if declared in TEXT_TYPES | PDF_TYPES:
        return "application/pdf" if declared in PDF_TYPES else declared
    if declared in ("", "application/octet-stream"):
        guessed = _BY_EXTENSION.get(os.path.splitext(file_name or "")[1].lower())
        if guessed:
            return guessed
    raise Problem(415, "Unsupported media type",
                  f"file: {declared or 'unknown type'} is not accepted; upload text/plain (UTF-8) or application/pdf",
                  errors=[{"field": "file", "message": "must be text/plain (UTF-8) or application/pdf"}])


def _decode_text(data: bytes) -> tuple[str, list[str]]:
    try:
        content = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise invalid_field("file", f"text/plain uploads must be UTF-8 (invalid byte at position {exc.start})") from None
    warnings = []
    if "\x00" in content:
        content = content.replace("\x00", "")
        warnings.append("NUL characters were removed")
    return content, warnings


def extract_pdf(data: bytes) -> tuple[str, int, dict[str, Any]]:
    """(content_text, page_count, metadata) of a PDF; a 422 naming `file` when it cannot be read."""
    import pypdf

    pages: list[str] = []
    try:
        reader = pypdf.PdfReader(io.BytesIO(data), strict=False)
        if reader.is_encrypted and not reader.decrypt(""):
            raise invalid_field("file", "the PDF is password-protected; upload an unprotected copy")
        for page in reader.pages:
            pages.append(page.extract_text() or "")
    except Problem:
        raise
    except Exception as exc:  # pypdf fails in many shapes on damaged or hostile files
        log.info("PDF extraction failed: %r", exc)
        raise invalid_field("file", f"the PDF cannot be read ({type(exc).__name__}); is it a valid PDF?") from None
    warnings = []
    if any("\x00" in p for p in pages):
        pages = [p.replace("\x00", "") for p in pages]
        warnings.append("NUL characters were removed")
    # Broken font encodings can yield lone surrogates, which are not UTF-8: one '?' each (offsets stay right).
    clean = [p.encode("utf-8", "replace").decode("utf-8") for p in pages]
    if clean != pages:
        pages = clean
        warnings.append("characters that are not valid Unicode were replaced by '?'")
    offsets, position = [], 0
    for number, page_text in enumerate(pages, start=1):
        if number > 1:
            position += len(PAGE_SEPARATOR)
        offsets.append({"page": number, "start": position, "end": position + len(page_text)})
        position += len(page_text)
    content = PAGE_SEPARATOR.join(pages)
    if pages and not content.strip():
        warnings.append("no text could be extracted (a scanned PDF without a text layer?)")
    metadata: dict[str, Any] = {"extractor": f"pypdf {pypdf.__version__}", "pages": offsets}
    if warnings:
        metadata["warnings"] = warnings
    return content, len(pages), metadata


def _insert(tx: Tx, *, topic_id: UUID | None, title: str, kind: str, file_name: str | None, mime_type: str,
            data: bytes, page_count: int | None, content: str, metadata: dict[str, Any]) -> schemas.MaterialOut:
    material_id = tx.scalar(
        "INSERT INTO source_materials (workspace_id, topic_id, title, kind, file_name, mime_type, byte_size, sha256, "
        "page_count, content_text, metadata, created_by) VALUES (:w, :t, :title, :kind, :fn, :mt, :size, :sha, :pages, "
        ":content, CAST(:meta AS jsonb), :u) RETURNING id",
        w=tx.workspace_id, t=topic_id, title=title, kind=kind, fn=file_name, mt=mime_type, size=len(data),
        sha=hashlib.sha256(data).hexdigest(), pages=page_count, content=content, meta=json.dumps(metadata), u=tx.user_id)
    return _material(tx, material_id)


def _material(tx: Tx, material_id: UUID) -> schemas.MaterialOut:
    row = tx.one(f"SELECT {_SUMMARY}, content_text, metadata FROM source_materials WHERE workspace_id = :w AND id = :m",
                 w=tx.workspace_id, m=material_id)
    if row is None:
        raise Problem(404, "Not found", "no such source material")
    return schemas.MaterialOut(**row)


def _file_name(name: str | None) -> str | None:
    name = os.path.basename((name or "").replace("\\", "/")).replace("\x00", "").strip()
    return name[:255] or None


def upload_material(ctx: RequestContext, ws: UUID, *, title: str, topic_id: UUID | None, file_name: str | None,
                    content_type: str | None, data: bytes) -> schemas.MaterialOut:
    with ctx.tx(ws) as tx:
        tx.require(*STAFF)
        title = _title(title)
        if len(data) > MAX_UPLOAD_BYTES:
            raise too_large(len(data))
        if not data:
            raise invalid_field("file", "the file is empty")
        mime_type = _media_type(content_type, file_name)
        _check_topic(tx, topic_id)
        if mime_type == "application/pdf":
            content, page_count, metadata = extract_pdf(data)
            kind = "pdf"
        else:
            content, warnings = _decode_text(data)
            page_count, kind = None, "text"
            metadata = {"extractor": "utf-8"} | ({"warnings": warnings} if warnings else {})
        return _insert(tx, topic_id=topic_id, title=title, kind=kind, file_name=_file_name(file_name),
                       mime_type=mime_type, data=data, page_count=page_count, content=content, metadata=metadata)


def create_text_material(ctx: RequestContext, ws: UUID, body: schemas.MaterialTextCreate) -> schemas.MaterialOut:
    with ctx.tx(ws) as tx:
        tx.require(*STAFF)
        data = body.content_text.encode("utf-8")
        if len(data) > MAX_UPLOAD_BYTES:
            raise too_large(len(data))
        _check_topic(tx, body.topic_id)
        return _insert(tx, topic_id=body.topic_id, title=_title(body.title), kind="text", file_name=None,
                       mime_type="text/plain", data=data, page_count=None, content=body.content_text,
                       metadata={"extractor": "pasted"})


def list_materials(ctx: RequestContext, ws: UUID, topic_id: UUID | None, limit: int = DEFAULT_LIMIT,
                   cursor: str | None = None) -> Page[schemas.MaterialSummary]:
    """Newest first, without content_text and metadata; keyset pages of `limit`."""
    with ctx.tx(ws) as tx:
        tx.require(*STAFF)
        after = decode_cursor(cursor, 2)
        if after is not None:
            try:
                after = [datetime.fromisoformat(after[0]), UUID(after[1])]
            except (TypeError, ValueError):
                raise invalid_field("cursor", "not a cursor this API issued") from None
        where = "workspace_id = :w AND (CAST(:t AS uuid) IS NULL OR topic_id = :t)"
        params: dict[str, Any] = {"w": ws, "t": topic_id, "n": limit + 1}
        if after is not None:
            where += " AND (created_at, id) < (:ca, :ci)"
            params |= {"ca": after[0], "ci": after[1]}
        rows = tx.all(f"SELECT {_SUMMARY} FROM source_materials WHERE {where} "
                      "ORDER BY created_at DESC, id DESC LIMIT :n", **params)
        rows, next_cursor = page_of(rows, limit)
        return Page[schemas.MaterialSummary](items=[schemas.MaterialSummary(**r) for r in rows], next_cursor=next_cursor)


def get_material(ctx: RequestContext, ws: UUID, material_id: UUID) -> schemas.MaterialOut:
    with ctx.tx(ws) as tx:
        tx.require(*STAFF)
        return _material(tx, material_id)


def delete_material(ctx: RequestContext, ws: UUID, material_id: UUID) -> None:
    """Delete the material; questions generated from it keep their content and lose the link."""
    with ctx.tx(ws) as tx:
        tx.require(*STAFF)
        deleted = tx.conn.execute(text("DELETE FROM source_materials WHERE workspace_id = :w AND id = :m"),
                                  {"w": ws, "m": material_id}).rowcount
        if not deleted:
            raise Problem(404, "Not found", "no such source material")
