"""HTTP routes of programs."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter()
