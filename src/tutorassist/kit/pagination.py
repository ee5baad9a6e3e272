"""Keyset pagination: stable ordering and an opaque cursor, so pages never skip or repeat rows while data changes."""

from __future__ import annotations

import base64
import json
from datetime import datetime
from typing import Any, Generic, TypeVar
from uuid import UUID

from pydantic import BaseModel, Field

from tutorassist.kit.problems import invalid_field

T = TypeVar("T")
DEFAULT_LIMIT = 50
MAX_LIMIT = 200


class Page(BaseModel, Generic[T]):
    items: list[T]
    next_cursor: str | None = Field(None, description="Pass as ?cursor= for the next page; null on the last page")


def encode_cursor(values: list[Any]) -> str:
    """The cursor after a row, from the values of its sort key (last one the unique id)."""
    return base64.urlsafe_b64encode(json.dumps(values, default=str).encode()).decode().rstrip("=")


def decode_cursor(cursor: str | None, size: int) -> list[Any] | None:
    if not cursor:
        return None
    try:
        values = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
    except (ValueError, UnicodeDecodeError):
        raise invalid_field("cursor", "not a cursor this API issued") from None
    if not isinstance(values, list) or len(values) != size:
        raise invalid_field("cursor", "not a cursor this API issued")
    return values


def page_of(rows: list[Any], limit: int, time_key: str = "created_at") -> tuple[list[Any], str | None]:
    """The rows of a page fetched with LIMIT limit + 1, newest first by (time_key, id), and the next page's cursor."""
    if len(rows) <= limit:
        return list(rows), None
    last = rows[limit - 1]
    return list(rows[:limit]), encode_cursor([last[time_key].isoformat(), str(last["id"])])


def decode_time_cursor(cursor: str | None) -> tuple[datetime, UUID] | None:
    """The (time, id) a page_of cursor points after; 422 naming `cursor` for anything else."""
    values = decode_cursor(cursor, 2)
    if values is None:
        return None
    try:
        at, row_id = datetime.fromisoformat(values[0]), UUID(values[1])
    except (TypeError, ValueError, AttributeError):
        raise invalid_field("cursor", "not a cursor this API issued") from None
    if at.tzinfo is None:
        raise invalid_field("cursor", "not a cursor this API issued")
    return at, row_id
