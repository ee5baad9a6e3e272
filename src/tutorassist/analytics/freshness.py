"""How fresh a report's data is: every analytics response says it."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, Field


class Freshness(BaseModel):
    as_of: datetime = Field(description="The data is complete up to this instant")
    source: Literal["live", "refreshed"] = Field(
        description="live: kept by triggers in the attempt's transaction; refreshed: computed by a periodic job at as_of"
    )
