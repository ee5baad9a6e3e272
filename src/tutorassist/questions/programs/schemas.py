"""Response bodies of study programs and grade levels (global reference data, read-only through the API)."""

from __future__ import annotations

from uuid import UUID

from pydantic import BaseModel

CODE_PATTERN = r"^[A-Za-z0-9_.-]{1,40}$"
"""The study_programs.code / grade_levels.code CHECK pattern."""


class GradeLevelOut(BaseModel):
    id: UUID
    code: str
    name: str
    sort_order: int


class ProgramOut(BaseModel):
    id: UUID
    code: str
    name: str
    description: str | None
    grade_levels: list[GradeLevelOut]
