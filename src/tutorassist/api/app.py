"""The FastAPI application: routers of every domain, problem+json errors, CSRF protection, log redaction, health."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from contextlib import asynccontextmanager

from fastapi import Depends, FastAPI
from fastapi.responses import JSONResponse

from tutorassist import __version__
from tutorassist import contracts as _contracts  # noqa: F401  (every domain registers its JSONB contracts)
from tutorassist.ai.endpoints import router as ai_router
from tutorassist.analytics.endpoints import router as analytics_router
from tutorassist.analytics.quality_endpoints import router as quality_router
from tutorassist.api.clients import Network
from tutorassist.api.context import SESSION_COOKIE
from tutorassist.api.csrf import csrf_guard
from tutorassist.api.logs import install_redaction
from tutorassist.assignments.endpoints import router as assignments_router
from tutorassist.db import migrate
from tutorassist.db.connection import app_engine
from tutorassist.embeddings.endpoints import router as embeddings_router
from tutorassist.identity.endpoints import router as identity_router
from tutorassist.jobs.endpoints import router as jobs_router
from tutorassist.kit import openapi, problems
from tutorassist.learning.endpoints import router as learning_router
from tutorassist.questions.endpoints import router as questions_router
from tutorassist.questions.materials.endpoints import router as materials_router
from tutorassist.questions.programs.endpoints import router as programs_router
from tutorassist.questions.topics.endpoints import router as topics_router
from tutorassist.web import app as web

log = logging.getLogger("tutorassist.api")

DATABASE_URL_VARIABLE = "TUTORASSIST_SERVE_DATABASE_URL"


def app_from_environment() -> FastAPI:
    """The app of one of several server processes started by `tutorassist serve` (the URL it resolved once)."""
    import os

    return create_app(os.environ[DATABASE_URL_VARIABLE])


def create_app(database_url: str, *, trusted_proxies: Sequence[Network] | None = None) -> FastAPI:
    """The API on database_url (the owner's URL: the app itself acts as tutorassist_app).

    trusted_proxies: whose X-Forwarded-For/-Proto to believe (default: TUTORASSIST_TRUSTED_PROXIES).
    """
    if trusted_proxies is None:
        from tutorassist.config import get_settings

        trusted_proxies = get_settings().trusted_proxy_networks()
    install_redaction()

    @asynccontextmanager
    async def lifespan(app: FastAPI):
        app.state.engine = app_engine(database_url, pool_size=10, max_overflow=10)
        yield
        app.state.engine.dispose()

    app = FastAPI(title="TutorAssist", version=__version__, lifespan=lifespan, dependencies=[Depends(csrf_guard)],
                  description="Question bank, assignments and students for tutors. Errors are application/problem+json.")
    app.state.trusted_proxies = tuple(trusted_proxies)
    problems.install(app)
    openapi.install(app, session_cookie=SESSION_COOKIE)
    app.include_router(identity_router)
    app.include_router(programs_router)
    app.include_router(topics_router)
    app.include_router(materials_router)
    app.include_router(embeddings_router)  # before questions: /questions/similar is not a question id
    app.include_router(questions_router)
    app.include_router(assignments_router)
    app.include_router(learning_router)
    app.include_router(jobs_router)
    app.include_router(ai_router)
    app.include_router(analytics_router)
    app.include_router(quality_router)
    web.install(app)

    @app.get("/healthz", tags=["health"], responses={503: {"description": "Database unreachable or migrations pending"}})
    def healthz() -> JSONResponse:
        """Up or down, nothing more: the database is reachable and migrated (200), or not (503)."""
        try:
            up = migrate.status(database_url).up_to_date
        except Exception as exc:  # any failure to reach the database is the answer itself; its text stays in our log
            log.warning("health check: database unreachable: %s", exc)
            up = False
        if up:
            return JSONResponse({"status": "ok"})
        return JSONResponse({"status": "unavailable"}, status_code=503,
                            headers={"Retry-After": str(problems.RETRY_AFTER_SECONDS)})

    return app
