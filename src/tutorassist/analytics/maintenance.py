"""Periodic maintenance of the analytics domain (registered with the job worker through tutorassist.job_types)."""

from __future__ import annotations

from typing import Any

from sqlalchemy.engine import Engine

from tutorassist.analytics import item_refresh
from tutorassist.jobs.periodic import maintenance


@maintenance("REFRESH_ITEM_STATISTICS", "*/30 * * * *")
def refresh_item_statistics(owner: Engine) -> dict[str, Any]:
    """Recompute item statistics and wrong-answer notes of workspaces with attempts or flags since their last refresh."""
    return item_refresh.refresh(owner)
