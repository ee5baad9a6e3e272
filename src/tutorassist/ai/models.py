"""ORM models of the ai domain; they mirror tables created by the SQL migrations in tutorassist/db/sql."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import BigInteger, ForeignKey, ForeignKeyConstraint, Index, Numeric, text
from sqlalchemy.orm import Mapped, mapped_column

from tutorassist.db.base import Base


class AIUsageLog(Base):
    """Every call to an AI provider: model, tokens, cost, duration, outcome"""

    __tablename__ = "ai_usage_log"
    __table_args__ = (
        ForeignKeyConstraint(
            ["workspace_id", "job_id"], ["jobs.workspace_id", "jobs.id"], ondelete="SET NULL (job_id)"
        ),
        Index("idx_ai_usage_workspace", "workspace_id", "created_at"),
        Index("idx_ai_usage_operation", "operation_type", "created_at"),
        Index("idx_ai_usage_job", "workspace_id", "job_id"),
        Index("idx_ai_usage_user", "user_id"),
        {"comment": __doc__},
    )

    workspace_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("workspaces.id", ondelete="CASCADE"), primary_key=True, comment="The workspace billed"
    )
    id: Mapped[uuid.UUID] = mapped_column(
        primary_key=True, server_default=text("gen_random_uuid()"), comment="Log entry id"
    )
    user_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), comment="User whose action caused the call"
    )
    job_id: Mapped[uuid.UUID | None] = mapped_column(comment="Job that made the call, if any")
    operation_type: Mapped[str] = mapped_column(
        comment="generate_question | generate_embedding | ... (lower_snake_case)"
    )
    model: Mapped[str] = mapped_column(comment="Model name as sent to the provider")
    tokens_input: Mapped[int | None] = mapped_column(comment="Prompt tokens")
    tokens_output: Mapped[int | None] = mapped_column(comment="Completion tokens")
    tokens_total: Mapped[int | None] = mapped_column(comment="Total tokens as reported by the provider")
    cost_usd: Mapped[Decimal | None] = mapped_column(
        Numeric(10, 6), comment="Cost in US dollars from offline price data"
    )
    duration_ms: Mapped[int | None] = mapped_column(comment="Wall time of the call")
    success: Mapped[bool] = mapped_column(server_default=text("true"), comment="Whether the call succeeded")
    error_message: Mapped[str | None] = mapped_column(comment="Error of a failed call (required when success is false)")
    metadata_: Mapped[dict[str, Any]] = mapped_column(
        "metadata", server_default=text("'{}'::jsonb"), comment="Request details (prompt version, temperature, batch)"
    )
    created_at: Mapped[datetime] = mapped_column(server_default=text("now()"), comment="When the call was made")


class AIUsageMonthly(Base):
    """AI usage older than the retention window (default 1 year), summed per workspace, UTC month, provider, model and operation by the RETENTION job, which then deletes the ai_usage_log rows"""

    __tablename__ = "ai_usage_monthly"
    __table_args__ = ({"comment": __doc__},)

    workspace_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("workspaces.id", ondelete="CASCADE"), primary_key=True, comment="The workspace"
    )
    month: Mapped[date] = mapped_column(primary_key=True, comment="First day of the UTC month the calls were made in")
    provider: Mapped[str] = mapped_column(
        primary_key=True,
        comment="Provider named in the call's metadata (metadata->>'provider'), 'unrecorded' when it named none",
    )
    model: Mapped[str] = mapped_column(primary_key=True, comment="Model called")
    operation_type: Mapped[str] = mapped_column(
        primary_key=True, comment="What the calls were for (ai_usage_log.operation_type)"
    )
    calls: Mapped[int] = mapped_column(BigInteger, comment="Calls made")
    failed_calls: Mapped[int] = mapped_column(BigInteger, comment="Calls among them that failed")
    tokens_input: Mapped[int] = mapped_column(BigInteger, comment="Input tokens (calls that reported none count 0)")
    tokens_output: Mapped[int] = mapped_column(BigInteger, comment="Output tokens (calls that reported none count 0)")
    tokens_total: Mapped[int] = mapped_column(BigInteger, comment="Total tokens (calls that reported none count 0)")
    cost_usd: Mapped[Decimal] = mapped_column(Numeric(16, 6), comment="Cost in US dollars (calls without a cost count 0)")
