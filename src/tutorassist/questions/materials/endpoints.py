"""HTTP routes of materials."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter()
