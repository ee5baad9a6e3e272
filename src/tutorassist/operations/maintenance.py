"""Periodic retention (TUTORASSIST_SCHEDULE changes the default). Each run is a system_jobs row."""

from __future__ import annotations

from typing import Any

from sqlalchemy.engine import Engine

from tutorassist.jobs.periodic import maintenance
from tutorassist.operations import retention


@maintenance("RETENTION", "30 3 * * *")
def apply_retention(owner: Engine) -> dict[str, Any]:
    """Apply the retention policy: archive old attempts and audit rows, roll up AI usage, delete old history and jobs."""
    return retention.apply(owner, retention.Policy.from_settings())
