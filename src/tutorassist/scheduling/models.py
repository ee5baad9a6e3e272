"""ORM models of the scheduling domain; they mirror tables created by the SQL migrations in tutorassist/db/sql."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import (
    ForeignKey,
    ForeignKeyConstraint,
    Index,
    SmallInteger,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.dialects.postgresql import ARRAY, UUID
from sqlalchemy.orm import Mapped, mapped_column

from tutorassist.db.base import Base


class TutoringSession(Base):
    """Tutoring sessions: schedule, calendar sync, change requests and what actually happened"""

    __tablename__ = "sessions"
    __table_args__ = (
        ForeignKeyConstraint(
            ["workspace_id", "student_profile_id"],
            ["student_profiles.workspace_id", "student_profiles.id"],
            ondelete="CASCADE",
        ),
        Index("idx_sessions_student", "workspace_id", "student_profile_id", "scheduled_start"),
        Index("idx_sessions_schedule", "workspace_id", "scheduled_start"),
        Index("idx_sessions_tutor", "tutor_user_id", "scheduled_start"),
        {"comment": __doc__},
    )

    workspace_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("workspaces.id", ondelete="CASCADE"), primary_key=True, comment="The workspace"
    )
    id: Mapped[uuid.UUID] = mapped_column(
        primary_key=True, server_default=text("gen_random_uuid()"), comment="Session id"
    )
    tutor_user_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), comment="The tutor"
    )
    student_profile_id: Mapped[uuid.UUID] = mapped_column(comment="The student")
    title: Mapped[str] = mapped_column(server_default="Tutoring session", comment="Title shown in calendars")
    status: Mapped[str] = mapped_column(
        server_default="scheduled", comment="scheduled | completed | cancelled | no_show"
    )
    scheduled_start: Mapped[datetime] = mapped_column(comment="Planned start")
    scheduled_end: Mapped[datetime] = mapped_column(comment="Planned end, after the start")
    location: Mapped[str | None] = mapped_column(comment="Where the session takes place")
    meeting_url: Mapped[str | None] = mapped_column(comment="Video call link")
    recurrence_rule: Mapped[str | None] = mapped_column(comment="iCalendar RRULE for a recurring series")
    calendar_event_id: Mapped[str | None] = mapped_column(comment="Event id in the tutor's external calendar")
    calendar_sync_status: Mapped[str] = mapped_column(
        server_default="not_synced", comment="not_synced | pending | synced | failed"
    )
    change_request_status: Mapped[str | None] = mapped_column(
        comment="A student's request to move or cancel: pending | accepted | declined"
    )
    change_request_json: Mapped[dict[str, Any] | None] = mapped_column(
        comment="The requested change (proposed times, reason)"
    )
    actual_start: Mapped[datetime | None] = mapped_column(comment="When the session really started")
    actual_end: Mapped[datetime | None] = mapped_column(comment="When the session really ended")
    topics_covered: Mapped[list[uuid.UUID]] = mapped_column(
        ARRAY(UUID(as_uuid=True)), server_default=text("'{}'"), comment="Topic ids covered during the session"
    )
    questions_reviewed: Mapped[list[uuid.UUID]] = mapped_column(
        ARRAY(UUID(as_uuid=True)), server_default=text("'{}'"), comment="Question ids reviewed during the session"
    )
    session_notes: Mapped[str | None] = mapped_column(comment="Session notes / summary")
    session_metadata: Mapped[dict[str, Any]] = mapped_column(
        server_default=text("'{}'::jsonb"),
        comment="Session outcome tracking (SessionMetadata, see docs/jsonb-contracts.md)",
    )
    created_at: Mapped[datetime] = mapped_column(server_default=text("now()"), comment="When the row was created")
    updated_at: Mapped[datetime] = mapped_column(
        server_default=text("now()"), comment="When the row was last changed (trigger-maintained)"
    )


class OAuthConnection(Base):
    """OAuth connections to external calendars; tokens are encrypted by the application before they reach the database"""

    __tablename__ = "oauth_connections"
    __table_args__ = (
        UniqueConstraint("workspace_id", "user_id", "provider"),
        Index("idx_oauth_connections_user", "user_id"),
        {"comment": __doc__},
    )

    workspace_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("workspaces.id", ondelete="CASCADE"), primary_key=True, comment="The workspace"
    )
    id: Mapped[uuid.UUID] = mapped_column(
        primary_key=True, server_default=text("gen_random_uuid()"), comment="Connection id"
    )
    user_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), comment="The user whose account is connected"
    )
    provider: Mapped[str] = mapped_column(comment="google | microsoft")
    provider_account_email: Mapped[str | None] = mapped_column(comment="Account email at the provider")
    scopes: Mapped[list[str]] = mapped_column(ARRAY(Text), server_default=text("'{}'"), comment="Granted OAuth scopes")
    access_token_encrypted: Mapped[bytes | None] = mapped_column(comment="Encrypted access token (never plaintext)")
    refresh_token_encrypted: Mapped[bytes | None] = mapped_column(comment="Encrypted refresh token (never plaintext)")
    token_expires_at: Mapped[datetime | None] = mapped_column(comment="When the access token expires")
    key_version: Mapped[int] = mapped_column(
        SmallInteger, server_default=text("1"), comment="Which encryption key encrypted the tokens (for key rotation)"
    )
    created_at: Mapped[datetime] = mapped_column(server_default=text("now()"), comment="When the row was created")
    updated_at: Mapped[datetime] = mapped_column(
        server_default=text("now()"), comment="When the row was last changed (trigger-maintained)"
    )
