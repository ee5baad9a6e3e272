"""The FastAPI application: routers of every domain, problem+json errors, health."""

from __future__ import annotations

from contextlib import asynccontextmanager

from fastapi import FastAPI
from fastapi.responses import JSONResponse

from tutorassist import __version__
from tutorassist.assignments.endpoints import router as assignments_router
from tutorassist.db import migrate
from tutorassist.db.connection import app_engine
from tutorassist.identity.endpoints import router as identity_router
from tutorassist.kit import openapi, problems
from tutorassist.learning.endpoints import router as learning_router
from tutorassist.questions.endpoints import router as questions_router
from tutorassist.questions.materials.endpoints import router as materials_router
from tutorassist.questions.programs.endpoints import router as programs_router
from tutorassist.questions.topics.endpoints import router as topics_router


def create_app(database_url: str) -> FastAPI:
    """The API on database_url (the owner's URL: the app itself acts as tutorassist_app)."""

    @asynccontextmanager
    async def lifespan(app: FastAPI):
        app.state.engine = app_engine(database_url, pool_size=10, max_overflow=10)
        yield
        app.state.engine.dispose()

    app = FastAPI(title="TutorAssist", version=__version__, lifespan=lifespan,
                  description="Question bank, assignments and students for tutors. Errors are application/problem+json.")
    problems.install(app)
    openapi.install(app)
    app.include_router(identity_router)
    app.include_router(programs_router)
    app.include_router(topics_router)
    app.include_router(materials_router)
    app.include_router(questions_router)
    app.include_router(assignments_router)
    app.include_router(learning_router)

    @app.get("/healthz", tags=["health"])
    def healthz() -> JSONResponse:
        """Database reachable and migrations current (503 otherwise)."""
        try:
            state = migrate.status(database_url)
        except Exception as exc:  # any failure to reach the database is the answer itself
            return JSONResponse({"status": "unavailable", "database": "unreachable", "detail": str(exc)[:200]}, status_code=503)
        body = {"status": "ok" if state.up_to_date else "degraded", "database": "reachable",
                "revision": state.current, "head": state.head, "pending": state.pending}
        return JSONResponse(body, status_code=200 if state.up_to_date else 503)

    return app
