"""Inputs of the tutor's pages that the services' schemas do not take as typed: filters from the query string (a blank
choice means "any"), and a due date picked as a day.

A filter that is not blank and not valid is refused with 422 naming it, as the API refuses it."""

from __future__ import annotations

from datetime import date, datetime, time
from typing import Annotated, Any, get_args
from uuid import UUID
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from fastapi import Query

from tutorassist.identity import service as identity
from tutorassist.kit.problems import invalid_field
from tutorassist.web.context import Page

END_OF_DAY = time(23, 59)


def blank_to_none(value: str | None) -> str | None:
    return None if value is None or not value.strip() else value.strip()


def as_uuid(value: str) -> UUID | None:
    try:
        return UUID(value)
    except ValueError:
        return None


def uuid_filter(value: str | None, name: str) -> UUID | None:
    value = blank_to_none(value)
    if value is None:
        return None
    parsed = as_uuid(value)
    if parsed is None:
        raise invalid_field(name, "not an id")
    return parsed


def choice_filter(value: str | None, choices: Any, name: str) -> str | None:
    """`choices`: a Literal type or a collection of allowed strings."""
    value = blank_to_none(value)
    allowed = get_args(choices) or tuple(choices)
    if value is not None and value not in allowed:
        raise invalid_field(name, f"must be one of {', '.join(allowed)}")
    return value


def workspace_zone(page: Page) -> ZoneInfo:
    try:
        return ZoneInfo(identity.get_workspace(page.ctx, page.workspace_id).timezone)
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("UTC")


def due_at_of(day: str, zone: ZoneInfo) -> datetime:
    """The end (23:59) of the day picked, in the workspace's time zone; ValueError when it is not a date."""
    return datetime.combine(date.fromisoformat(day.strip()), END_OF_DAY, tzinfo=zone)


def day_of(moment: datetime | None, zone: ZoneInfo) -> str:
    """The day of a due time as a date input shows it."""
    return moment.astimezone(zone).date().isoformat() if moment else ""


def field_of(error_field: str) -> str:
    """The form field a service's error is about: `student_profile_ids.2` is the student checkboxes."""
    return ".".join(p for p in error_field.split(".") if not p.isdigit()) or "form"



QueryText = Annotated[str | None, Query(max_length=500)]
"""A query-string filter: any text up to 500 characters (longer: 422)."""
