"""ORM models of the jobs domain; they mirror tables created by the SQL migrations in tutorassist/db/sql."""

from __future__ import annotations

import uuid
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import BigInteger, ForeignKey, Index, Numeric, SmallInteger, desc, text
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from tutorassist.db.base import Base


class Job(Base):
    """Record of background jobs a tutor can see (type, status, progress, result, error, cost, who asked); run by job workers"""

    __tablename__ = "jobs"
    __table_args__ = (
        Index("idx_jobs_workspace_status", "workspace_id", "status", desc("created_at")),
        Index("idx_jobs_finished", "finished_at", postgresql_where=text("finished_at IS NOT NULL")),
        Index("idx_jobs_created_by", "created_by"),
        {"comment": __doc__},
    )

    workspace_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("workspaces.id", ondelete="CASCADE"), primary_key=True, comment="Workspace the job works for"
    )
    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, server_default=text("gen_random_uuid()"), comment="Job id")
    type: Mapped[str] = mapped_column(
        comment="Job type in UPPER_SNAKE_CASE, e.g. GENERATE_QUESTIONS_BATCH, RECONCILE_STATS"
    )
    status: Mapped[str] = mapped_column(
        server_default="queued", comment="queued | running | succeeded | failed | cancelled"
    )
    priority: Mapped[int] = mapped_column(SmallInteger, server_default=text("0"), comment="Higher runs first")
    payload_json: Mapped[dict[str, Any]] = mapped_column(
        server_default=text("'{}'::jsonb"), comment="Input of the job, by type"
    )
    result_json: Mapped[Any | None] = mapped_column(JSONB, comment="Output of a finished job")
    error_text: Mapped[str | None] = mapped_column(comment="Last error message")
    attempts: Mapped[int] = mapped_column(
        server_default=text("0"), comment="How many times a worker has started the job"
    )
    max_attempts: Mapped[int] = mapped_column(server_default=text("3"), comment="Give up after this many attempts")
    run_after: Mapped[datetime] = mapped_column(
        server_default=text("now()"), comment="Not picked up before this time (retry back-off, scheduling)"
    )
    locked_at: Mapped[datetime | None] = mapped_column(comment="When a worker took the job")
    locked_by: Mapped[str | None] = mapped_column(comment="Which worker runs the job now (host:pid)")
    openai_batch_id: Mapped[str | None] = mapped_column(
        comment="AI provider batch id for GENERATE_QUESTIONS_BATCH jobs"
    )
    created_by: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), comment="User who enqueued the job, if any"
    )
    created_at: Mapped[datetime] = mapped_column(server_default=text("now()"), comment="When the job was enqueued")
    started_at: Mapped[datetime | None] = mapped_column(comment="When the current attempt started")
    finished_at: Mapped[datetime | None] = mapped_column(
        comment="When the job reached a final state (retention counts from here)"
    )
    updated_at: Mapped[datetime] = mapped_column(
        server_default=text("now()"), comment="When the row was last changed (trigger-maintained)"
    )
    progress_done: Mapped[int] = mapped_column(
        server_default=text("0"), comment="Units of work done so far (e.g. questions generated)"
    )
    progress_total: Mapped[int | None] = mapped_column(comment="Units of work in the whole job, when known")
    progress_message: Mapped[str | None] = mapped_column(comment="What the job is doing now, in words")
    cost_usd: Mapped[Decimal] = mapped_column(
        Numeric(12, 6), server_default=text("0"), comment="Sum of ai_usage_log.cost_usd of the job (trigger-maintained)"
    )
    queue_job_id: Mapped[int | None] = mapped_column(
        BigInteger, comment="procrastinate_jobs.id of the queue entry that runs this job now"
    )
    cancel_requested_at: Mapped[datetime | None] = mapped_column(
        comment="When a member asked to cancel; a running job stops between two units of work"
    )


class SystemJob(Base):
    """Runs of periodic platform maintenance (reconcile statistics, refresh views, snapshots, purges); no workspace"""

    __tablename__ = "system_jobs"
    __table_args__ = (
        Index("idx_system_jobs_started", desc("started_at")),
        Index("idx_system_jobs_type", "type", desc("started_at")),
        {"comment": __doc__},
    )

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, server_default=text("gen_random_uuid()"), comment="Run id")
    type: Mapped[str] = mapped_column(comment="Maintenance task, e.g. RECONCILE_STATS, REFRESH_ANALYTICS")
    status: Mapped[str] = mapped_column(server_default="running", comment="running | succeeded | failed")
    result_json: Mapped[Any | None] = mapped_column(JSONB, comment="What the run did (counts)")
    error_text: Mapped[str | None] = mapped_column(comment="Why a failed run failed")
    queue_job_id: Mapped[int | None] = mapped_column(
        BigInteger, comment="procrastinate_jobs.id of the periodic queue entry"
    )
    worker: Mapped[str | None] = mapped_column(comment="Worker that ran it (host:pid)")
    started_at: Mapped[datetime] = mapped_column(server_default=text("now()"), comment="When the run started")
    finished_at: Mapped[datetime | None] = mapped_column(comment="When the run ended")
