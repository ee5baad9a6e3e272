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


def period(tx: Tx, start: date | None, end: date | None) -> Period:
    """The period asked for; `to` defaults to today in the workspace's time zone, `from` to 90 days before `to`."""
    zone, today = tx.one("SELECT timezone, (now() AT TIME ZONE timezone)::date AS today FROM workspaces WHERE id = :w",
                         w=tx.workspace_id).values()
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
    return Period(start=start, end=end, time_zone=zone)
