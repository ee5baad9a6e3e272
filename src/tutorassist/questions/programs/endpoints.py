"""HTTP routes of study programs and grade levels: read-only reference data for anyone signed in."""

from __future__ import annotations

from uuid import UUID

from fastapi import APIRouter

from tutorassist.api.context import Context
from tutorassist.questions.programs import schemas, service

router = APIRouter()


@router.get("/programs", response_model=list[schemas.ProgramOut], tags=["programs"])
def list_programs(ctx: Context):
    """Every study program (by name) with its grade levels (by sort order). Operators add them with the CLI."""
    return service.list_programs(ctx)


@router.get("/programs/{program_id}", response_model=schemas.ProgramOut, tags=["programs"])
def get_program(program_id: UUID, ctx: Context):
    return service.get_program(ctx, program_id)
