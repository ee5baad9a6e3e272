"""The Jinja2 environment of the pages: autoescaped templates, math and date filters, one `render` for every page."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path
from typing import Any

from fastapi.templating import Jinja2Templates
from starlette.requests import Request
from starlette.responses import HTMLResponse

from tutorassist.web.charts import percent
from tutorassist.web.rendering import inline_text, math, rich_text

TEMPLATES = Jinja2Templates(directory=str(Path(__file__).parent / "templates"))
ENV = TEMPLATES.env
ENV.trim_blocks = True
ENV.lstrip_blocks = True


def _when(value: datetime | date | None, style: str = "datetime") -> str:
    if value is None:
        return "—"
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d") if style == "date" else value.strftime("%Y-%m-%d %H:%M")
    return value.isoformat()


ENV.filters.update(rich=rich_text, inline=inline_text, math=math, when=_when, percent=percent)


def render(request: Request, template: str, status_code: int = 200, **context: Any) -> HTMLResponse:
    """A page: `template` with context, plus `page` (who is signed in, where) when a page dependency set it."""
    context.setdefault("page", getattr(request.state, "page", None))
    return TEMPLATES.TemplateResponse(request, template, context, status_code=status_code)


fragment = render
"""A piece of a page for htmx to swap in: rendered like a page, from a template that extends nothing."""
