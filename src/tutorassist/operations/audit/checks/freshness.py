"""Materialized views: populated, refreshable without blocking readers, and refreshed on schedule."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta

import croniter

from tutorassist.operations.audit.context import AuditContext
from tutorassist.operations.audit.findings import Finding, Level
from tutorassist.operations.audit.registry import check

CATEGORY = "freshness"
REFRESH_TASK = "REFRESH_ANALYTICS"


def longest_gap(cron: str, start: datetime, fires: int = 24) -> timedelta:
    """The longest time between two consecutive runs of `cron` over its next `fires` runs."""
    iterator = croniter.croniter(cron, start)
    times = [iterator.get_next(datetime) for _ in range(fires + 1)]
    return max(later - earlier for earlier, later in zip(times, times[1:]))


@check(CATEGORY)
def materialized_views_refreshable(ctx: AuditContext) -> Iterator[Finding]:
    """Each materialized view is populated and has the unique index REFRESH ... CONCURRENTLY needs."""
    rows = ctx.rows(
        """SELECT n.nspname, c.relname, c.relispopulated,
                  EXISTS (SELECT 1 FROM pg_index i WHERE i.indrelid = c.oid AND i.indisunique AND i.indisvalid
                          AND i.indpred IS NULL)
           FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
           WHERE c.relkind = 'm' AND n.nspname = ANY(%s) ORDER BY 1, 2""", (ctx.api_schemas,))
    for schema, view, populated, unique in rows:
        name = f"{schema}.{view}"
        if not populated:
            yield Finding(Level.ERROR, CATEGORY, name,
                          "never populated: reading it fails, and a concurrent refresh cannot start",
                          f"REFRESH MATERIALIZED VIEW {name} (once, not concurrently)", f"matview_unpopulated:{name}")
        if not unique:
            yield Finding(Level.WARNING, CATEGORY, name,
                          "no unique index without a predicate: REFRESH ... CONCURRENTLY refuses, and a plain refresh "
                          "blocks every reader", f"CREATE UNIQUE INDEX ON {name} (its key columns)",
                          f"matview_without_unique_index:{name}")


@check(CATEGORY)
def analytics_refreshed(ctx: AuditContext) -> Iterator[Finding]:
    """The analytics views were refreshed within twice their schedule (system_jobs records each run)."""
    from tutorassist.jobs import maintenance  # noqa: F401 - registers the maintenance tasks
    from tutorassist.jobs.periodic import schedule

    task = schedule(ctx.schedule_overrides).get(REFRESH_TASK)
    if task is None:
        yield Finding(Level.INFO, CATEGORY, REFRESH_TASK, "the analytics refresh is turned off (TUTORASSIST_SCHEDULE)",
                      "refresh the views some other way, or turn the task back on", "refresh_turned_off")
        return
    now, last = ctx.conn.execute(
        "SELECT now(), max(finished_at) FROM system_jobs WHERE type = %s AND status = 'succeeded'",
        (REFRESH_TASK,)).fetchone()
    allowed = 2 * longest_gap(task.cron, now)
    if last is not None:
        if now - last > allowed:
            yield Finding(Level.WARNING, CATEGORY, REFRESH_TASK,
                          f"the analytics views were last refreshed {_ago(now - last)} ago; the schedule "
                          f"({task.cron}) allows {_ago(allowed)}", "check that a worker runs (`tutorassist worker`) "
                          "and why the last REFRESH_ANALYTICS runs failed (`tutorassist jobs list --system`)",
                          "analytics_stale")
        return
    # Never refreshed: stale only once attempts have waited longer than the schedule allows to be shown.
    waiting = ctx.conn.execute("SELECT EXISTS (SELECT 1 FROM attempts WHERE created_at < %s)",
                               (now - allowed,)).fetchone()[0]
    if waiting:
        yield Finding(Level.WARNING, CATEGORY, REFRESH_TASK,
                      f"the analytics views were never refreshed, and attempts older than {_ago(allowed)} exist",
                      "run a worker (`tutorassist worker`), which refreshes them on schedule", "analytics_stale")


def _ago(delta: timedelta) -> str:
    minutes = int(delta.total_seconds() // 60)
    return f"{minutes // 60} h {minutes % 60} min" if minutes >= 60 else f"{minutes} min"
