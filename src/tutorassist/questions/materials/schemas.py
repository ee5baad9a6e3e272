"""Request and response bodies of source materials."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal
from uuid import UUID

from pydantic import BaseModel, Field

from tutorassist.kit.schemas import Strict, python_stripped

MAX_TEXT_CHARS = 20_000_000


class MaterialTextCreate(Strict):
    """Pasted text (stored as kind `text`, MIME type text/plain)."""

    # The service strips the title with str.strip(), whose whitespace includes \x1c-\x1f: the schema says so.
    title: str = Field(min_length=1, max_length=300, json_schema_extra=python_stripped(1, 300))
    content_text: str = Field(min_length=1, max_length=MAX_TEXT_CHARS, description="At most 20 MB as UTF-8")
    topic_id: UUID | None = Field(None, description="Topic of the same workspace the material is about")


class MaterialSummary(BaseModel):
    id: UUID
    topic_id: UUID | None
    title: str
    kind: Literal["text", "pdf", "url", "image"]
    file_name: str | None
    mime_type: str | None
    byte_size: int | None
    sha256: str | None
    page_count: int | None
    created_by: UUID | None
    created_at: datetime
    updated_at: datetime


class MaterialOut(MaterialSummary):
    content_text: str | None
    metadata: dict[str, Any] = Field(
        description="Extraction details: `extractor`, and for PDFs `pages`, a list of {page, start, end} character "
                    "offsets (Python/PostgreSQL characters, end exclusive) of each page's text in content_text; "
                    "`warnings`, when something was dropped")
