"""Query parameters every analytics report shares: a period of calendar days, `from` and `to`."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import Query
from pydantic import BeforeValidator


def _calendar_date(value: object) -> object:
    """Only YYYY-MM-DD, as the document states (format: date); pydantic alone would also read a number as a
    Unix time."""
    if isinstance(value, str) and not (len(value) == 10 and value.isascii() and value[4] == "-" and value[7] == "-"
                                       and value.replace("-", "").isdigit()):
        raise ValueError("must be a date written YYYY-MM-DD")
    return value


From = Annotated[date | None, BeforeValidator(_calendar_date), Query(alias="from", description=(
    "First day, in the workspace's time zone, between 1970-01-01 and 2200-12-31, not after `to`, at most 731 days "
    "before it; default: 90 days before `to`"))]
To = Annotated[date | None, BeforeValidator(_calendar_date), Query(alias="to", description=(
    "Last day (inclusive), between 1970-01-01 and 2200-12-31; default: today in the workspace's time zone"))]
