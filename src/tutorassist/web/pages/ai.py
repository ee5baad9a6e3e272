"""Pages: ai."""

from __future__ import annotations

from tutorassist.web.routing import page_router

router = page_router()
