"""ORM models of the assignments domain; they mirror tables created by the SQL migrations in tutorassist/db/sql."""

from __future__ import annotations

import uuid
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    ForeignKey,
    ForeignKeyConstraint,
    Index,
    Numeric,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column

from tutorassist.db.base import Base


class Assignment(Base):
    """A set of questions given to one student; progress (counts, score, status) is derived from attempts by triggers"""

    __tablename__ = "assignments"
    __table_args__ = (
        ForeignKeyConstraint(
            ["workspace_id", "student_profile_id"],
            ["student_profiles.workspace_id", "student_profiles.id"],
            ondelete="CASCADE",
        ),
        Index("idx_assignments_student", "workspace_id", "student_profile_id", "status"),
        Index("idx_assignments_listing", "workspace_id", text("created_at DESC"), text("id DESC")),
        Index(
            "idx_assignments_due",
            "workspace_id",
            "due_at",
            postgresql_where=text("status IN ('assigned', 'in_progress')"),
        ),
        Index("idx_assignments_created_by", "created_by"),
        {"comment": __doc__},
    )

    workspace_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("workspaces.id", ondelete="CASCADE"), primary_key=True, comment="The workspace"
    )
    id: Mapped[uuid.UUID] = mapped_column(
        primary_key=True, server_default=text("gen_random_uuid()"), comment="Assignment id"
    )
    student_profile_id: Mapped[uuid.UUID] = mapped_column(comment="The student it is assigned to")
    title: Mapped[str] = mapped_column(comment="Title shown to the student")
    description: Mapped[str | None] = mapped_column(comment="Instructions")
    status: Mapped[str] = mapped_column(
        server_default="assigned",
        comment=(
            "draft | assigned | in_progress | completed | archived; in_progress and completed are set from "
            "attempts"
        ),
    )
    settings_json: Mapped[dict[str, Any]] = mapped_column(
        server_default=text("'{}'::jsonb"),
        comment="Assignment-level settings (WorkspaceSettings keys); override student and workspace settings",
    )
    rule_json: Mapped[dict[str, Any] | None] = mapped_column(
        comment=(
            "The rule the questions were chosen by (topic, difficulty range, count, exclusions), NULL when "
            "hand-picked"
        ),
    )
    due_at: Mapped[datetime | None] = mapped_column(comment="Due date")
    total_items: Mapped[int] = mapped_column(
        server_default=text("0"), comment="Number of assignment items (trigger-maintained)"
    )
    completed_count: Mapped[int] = mapped_column(
        server_default=text("0"), comment="Items with at least one attempt in this assignment (trigger-maintained)"
    )
    total_score: Mapped[Decimal] = mapped_column(
        Numeric(10, 4),
        server_default=text("0"),
        comment="Sum over items of the best attempt score times the item's points (trigger-maintained)",
    )
    max_score: Mapped[Decimal] = mapped_column(
        Numeric(10, 4), server_default=text("0"), comment="Sum of item points (trigger-maintained)"
    )
    started_at: Mapped[datetime | None] = mapped_column(comment="Time of the first attempt (trigger-maintained)")
    completed_at: Mapped[datetime | None] = mapped_column(comment="When every item had an attempt (trigger-maintained)")
    created_by: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), comment="Tutor who created it"
    )
    created_at: Mapped[datetime] = mapped_column(server_default=text("now()"), comment="When the row was created")
    updated_at: Mapped[datetime] = mapped_column(
        server_default=text("now()"), comment="When the row was last changed (trigger-maintained)"
    )


class AssignmentItem(Base):
    """The questions of an assignment, in order"""

    __tablename__ = "assignment_items"
    __table_args__ = (
        ForeignKeyConstraint(
            ["workspace_id", "assignment_id"], ["assignments.workspace_id", "assignments.id"], ondelete="CASCADE"
        ),
        ForeignKeyConstraint(
            ["workspace_id", "question_id"], ["questions.workspace_id", "questions.id"], ondelete="RESTRICT"
        ),
        UniqueConstraint("workspace_id", "assignment_id", "question_id"),
        UniqueConstraint("workspace_id", "assignment_id", "position", deferrable=True, initially="IMMEDIATE"),
        Index("idx_assignment_items_question", "workspace_id", "question_id"),
        {"comment": __doc__},
    )

    workspace_id: Mapped[uuid.UUID] = mapped_column(primary_key=True, comment="The workspace")
    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, server_default=text("gen_random_uuid()"), comment="Item id")
    assignment_id: Mapped[uuid.UUID] = mapped_column(comment="The assignment")
    question_id: Mapped[uuid.UUID] = mapped_column(comment="The question, at most once per assignment")
    position: Mapped[int] = mapped_column(comment="Order within the assignment, from 0")
    points: Mapped[Decimal] = mapped_column(
        Numeric(8, 4), server_default=text("1"), comment="Weight of the item in the assignment score"
    )
    created_at: Mapped[datetime] = mapped_column(server_default=text("now()"), comment="When the item was added")
