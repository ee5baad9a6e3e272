"""What the API shows of a job."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any, Literal
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field

Status = Literal["queued", "running", "succeeded", "failed", "cancelled"]


class JobOut(BaseModel):
    model_config = ConfigDict(extra="forbid")

    id: UUID
    type: str = Field(description="Job type, e.g. GENERATE_QUESTIONS")
    status: Status
    progress_done: int = Field(description="Units of work done (e.g. questions generated)")
    progress_total: int | None = Field(description="Units of work in the whole job, when known")
    progress_message: str | None = Field(description="What the job is doing now, or how it ended, in words")
    attempts: int = Field(description="Runs started so far (a retry after a failure or a dead worker counts)")
    max_attempts: int
    payload: dict[str, Any] = Field(description="What was asked")
    result: Any | None = Field(description="What the job produced, once it succeeded")
    error: str | None = Field(description="Why it failed (or why the last attempt failed, while it retries)")
    cost_usd: Decimal = Field(description="AI provider cost of the job so far")
    provider_batch_id: str | None = Field(description="The AI provider's batch id, for batch generation")
    created_by: UUID | None
    created_at: datetime
    run_after: datetime = Field(description="Not started before this time (a retry's back-off, a wait)")
    started_at: datetime | None
    finished_at: datetime | None
    cancel_requested_at: datetime | None


class JobAction(BaseModel):
    model_config = ConfigDict(extra="forbid")

    job: JobOut
    outcome: Literal["cancelled", "cancelling", "queued"] = Field(
        description="cancelled: taken off the queue; cancelling: a running job was asked to stop between two units "
        "of work; queued: queued again from the start")
