"""The date range and bucket of a report: workspace-local days, validated (from <= to, at most two years)."""

from __future__ import annotations

from datetime import date, timedelta

from tutorassist.analytics.schemas import Period
from tutorassist.api.context import Tx
from tutorassist.kit.problems import invalid

MAX_DAYS = 731  # two years, leap day included
DEFAULT_DAYS = 90
EARLIEST = date(1970, 1, 1)
LATEST = date(2200, 12, 31)


def checked_days(start: date | None, end: date | None, today: date) -> tuple[date, date]:
    """`from` and `to` with their defaults (`to` today, `from` DEFAULT_DAYS before it), or a 422 naming the field."""
    errors = [{"field": name, "message": f"must be between {EARLIEST} and {LATEST}"}
              for name, value in (("from", start), ("to", end)) if value is not None and not EARLIEST <= value <= LATEST]
    if errors:
        raise invalid(errors)
    end = end or max(min(today, LATEST), start or EARLIEST)
    start = start or max(end - timedelta(days=DEFAULT_DAYS - 1), EARLIEST)
    if start > end:
        raise invalid([{"field": "from", "message": f"must not be after to ({end})"}])
    if (end - start).days + 1 > MAX_DAYS:
        raise invalid([{"field": "from", "message": f"the period may span at most {MAX_DAYS} days"}])
    return start, end


def period(tx: Tx, start: date | None, end: date | None) -> Period:
    """The period asked for, in the workspace's days: `to` defaults to its today."""
    zone, today = tx.one("SELECT timezone, (now() AT TIME ZONE timezone)::date AS today FROM workspaces WHERE id = :w",
                         w=tx.workspace_id).values()
    start, end = checked_days(start, end, today)
    return Period(start=start, end=end, time_zone=zone)
