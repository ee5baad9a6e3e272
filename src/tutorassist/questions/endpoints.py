"""HTTP routes of the question bank: study programs and grades, topics, source materials, questions."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter()
