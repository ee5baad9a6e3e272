"""ORM models of the audit domain; they mirror tables created by the SQL migrations in tutorassist/db/sql."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import BigInteger, ForeignKey, Identity, Index, Text, desc, text
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.orm import Mapped, mapped_column

from tutorassist.db.base import Base


class AuditLog(Base):
    """Who changed what: one row per insert, update or delete of a core table, written by triggers"""

    __tablename__ = "audit_log"
    __table_args__ = (
        Index("idx_audit_log_workspace_time", "workspace_id", desc("occurred_at")),
        Index("idx_audit_log_entity", "workspace_id", "entity_type", "entity_id", "occurred_at"),
        Index("idx_audit_log_actor", "actor_user_id"),
        Index("idx_audit_log_occurred", "occurred_at"),
        {"comment": __doc__},
    )

    workspace_id: Mapped[uuid.UUID] = mapped_column(
        primary_key=True, comment="The workspace the changed row belongs to"
    )
    id: Mapped[int] = mapped_column(BigInteger, Identity(always=True), primary_key=True, comment="Entry id, increasing")
    actor_user_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), comment="The acting user (app.user_id), NULL for system changes"
    )
    action: Mapped[str] = mapped_column(comment="insert | update | delete")
    entity_type: Mapped[str] = mapped_column(comment="Table name of the changed row")
    entity_id: Mapped[str] = mapped_column(comment="Primary key of the changed row (without workspace_id), as text")
    before_json: Mapped[dict[str, Any] | None] = mapped_column(
        comment="Row before the change (NULL for insert); secrets redacted"
    )
    after_json: Mapped[dict[str, Any] | None] = mapped_column(
        comment="Row after the change (NULL for delete); secrets redacted"
    )
    changed_fields: Mapped[list[str] | None] = mapped_column(ARRAY(Text), comment="Columns an update changed")
    transaction_id: Mapped[int] = mapped_column(
        BigInteger,
        server_default=text("txid_current()"),
        comment="Database transaction id, to group the changes of one request",
    )
    occurred_at: Mapped[datetime] = mapped_column(
        server_default=text("now()"), comment="When the change happened (transaction time)"
    )


class AuditLogArchive(Base):
    """Audit log rows of past years, moved once a year from audit_log by the RETENTION job and deleted 7 years after they occurred; like audit_log it outlives a deleted workspace"""

    __tablename__ = "audit_log_archive"
    __table_args__ = (
        Index("idx_audit_log_archive_workspace_time", "workspace_id", desc("occurred_at")),
        Index("idx_audit_log_archive_entity", "workspace_id", "entity_type", "entity_id", "occurred_at"),
        Index("idx_audit_log_archive_actor", "actor_user_id"),
        Index("idx_audit_log_archive_occurred", "occurred_at"),
        {"comment": __doc__},
    )

    workspace_id: Mapped[uuid.UUID] = mapped_column(primary_key=True, comment="The workspace the change happened in")
    id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False, comment="The audit_log id it had")
    actor_user_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), comment="Who made the change"
    )
    action: Mapped[str] = mapped_column(comment="insert, update or delete")
    entity_type: Mapped[str] = mapped_column(comment="The table changed")
    entity_id: Mapped[str] = mapped_column(comment="Primary key of the changed row (without workspace_id)")
    before_json: Mapped[dict[str, Any] | None] = mapped_column(comment="The row before (NULL for an insert)")
    after_json: Mapped[dict[str, Any] | None] = mapped_column(comment="The row after (NULL for a delete)")
    changed_fields: Mapped[list[str] | None] = mapped_column(ARRAY(Text), comment="Columns an update changed")
    transaction_id: Mapped[int] = mapped_column(BigInteger, comment="Transaction that made the change")
    occurred_at: Mapped[datetime] = mapped_column(comment="When the change happened")
    archived_at: Mapped[datetime] = mapped_column(
        server_default=text("now()"), comment="When the RETENTION job moved it here"
    )
