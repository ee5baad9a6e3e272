"""The question bank's search form read from the query string: the API's filters (endpoints.question_filters, so the
rules are the API's), with blank fields ignored and bad values named per field instead of failing the page."""

from __future__ import annotations

from typing import Annotated, Any
from urllib.parse import urlencode
from uuid import UUID

from pydantic import BaseModel, Field, ValidationError
from starlette.datastructures import QueryParams

from tutorassist.kit.problems import Problem
from tutorassist.questions import schemas, search
from tutorassist.questions.endpoints import question_filters
from tutorassist.web.forms import Form

FILTER_FIELDS = ("q", "topic_id", "status", "difficulty_min", "difficulty_max", "origin", "tags")
PAGE_SIZE = 25


class _SearchQuery(BaseModel):
    """The types of the query string's values (the API declares the same on its query parameters)."""

    q: Annotated[str, Field(max_length=500)] | None = None
    topic_id: UUID | None = None
    status: list[schemas.Status] = []
    difficulty_min: Annotated[int, Field(ge=1, le=5)] | None = None
    difficulty_max: Annotated[int, Field(ge=1, le=5)] | None = None
    origin: schemas.Origin | None = None
    tags: list[str] = []
    cursor: Annotated[str, Field(max_length=500)] | None = None


def search_form(params: QueryParams) -> tuple[Form, search.Filters | None, str | None]:
    """The form as typed (for redisplay), the filters (None when a value is refused: form.errors names it) and the
    page cursor."""
    form = Form(values={name: params.get(name, "") for name in FILTER_FIELDS if name != "status"})
    form.values["status"] = [s for s in params.getlist("status") if s]
    tags = [t for raw in params.getlist("tags") + params.getlist("tag") for t in raw.split(",") if t.strip()]
    form.values["tags"] = ", ".join(t.strip() for t in tags)
    given: dict[str, Any] = {k: v for k, v in form.values.items() if k not in ("status", "tags") and v.strip()}
    given |= {"status": form.values["status"], "tags": tags}
    if params.get("cursor"):
        given["cursor"] = params["cursor"]
    try:
        typed = _SearchQuery.model_validate(given)
    except ValidationError as exc:
        for error in exc.errors():
            form.errors.setdefault(str(error["loc"][0]), error["msg"].removeprefix("Value error, "))
        return form, None, None
    try:
        filters = question_filters(topic_id=typed.topic_id, difficulty_min=typed.difficulty_min,
                                   difficulty_max=typed.difficulty_max, status_=typed.status, origin=typed.origin,
                                   tag=typed.tags, program_id=None, grade_level_id=None, q=typed.q)
    except Problem as problem:
        for error in problem.extra.get("errors") or []:
            form.errors.setdefault("tags" if error["field"] == "tag" else error["field"], error["message"])
        return form, None, None
    return form, filters, typed.cursor


def query_of(form: Form) -> str:
    """The query string of the search as typed (blank fields left out)."""
    return urlencode([(name, v) for name in FILTER_FIELDS for v in form.values_of(name) if v])
