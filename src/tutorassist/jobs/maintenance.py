"""The platform's own periodic work (defaults; TUTORASSIST_SCHEDULE changes them). Each run is a system_jobs row."""

from __future__ import annotations

from typing import Any

from sqlalchemy import text
from sqlalchemy.engine import Engine

from tutorassist.jobs.periodic import maintenance
from tutorassist.operations import health
from tutorassist.operations.reconcile import counts_by_kind, repair


@maintenance("RECONCILE_STATS", "45 2 * * *")
def reconcile_stats(owner: Engine) -> dict[str, Any]:
    """Repair drifted counters, progress, mastery and job costs (`tutorassist db reconcile`); safe while attempts arrive."""
    changed = repair(owner)
    return {"repaired": counts_by_kind(changed), "fields_changed": len(changed)}


@maintenance("REFRESH_ANALYTICS", "*/30 * * * *")
def refresh_analytics(owner: Engine) -> dict[str, Any]:
    """Refresh the analytics materialized views concurrently (readers are not blocked)."""
    with owner.begin() as conn:
        conn.execute(text("SELECT app.refresh_analytics_views()"))
    return {"refreshed": ["mv_student_performance", "mv_topic_performance"]}


@maintenance("SNAPSHOT_PROGRESS", "0 2 * * 1")
def snapshot_progress(owner: Engine) -> dict[str, Any]:
    """Weekly progress snapshot of every student (student_progress_snapshots), once per date."""
    with owner.begin() as conn:
        written = conn.execute(text("SELECT app.take_progress_snapshots(current_date)")).scalar_one()
    return {"snapshots_written": written}


@maintenance("PURGE_SESSIONS", "17 * * * *")
def purge_sessions(owner: Engine) -> dict[str, Any]:
    """Delete sign-in sessions expired or revoked over a week ago and sign-in attempts older than a day."""
    with owner.begin() as conn:
        sessions, attempts = conn.execute(text("SELECT * FROM app.purge_expired_identity_rows()")).one()
    return {"sessions_deleted": sessions, "sign_in_attempts_deleted": attempts}


@maintenance(health.SAMPLE_TYPE, "23 * * * *")
def health_sample(owner: Engine) -> dict[str, Any]:
    """Record the size of every table and index, so `db health` can show growth (per day) since this sample."""
    return health.take_sample(owner)
