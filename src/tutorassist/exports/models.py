"""ORM models of the exports domain; they mirror tables created by the SQL migrations in tutorassist/db/sql."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import BigInteger, ForeignKey, ForeignKeyConstraint, Index, text
from sqlalchemy.orm import Mapped, mapped_column

from tutorassist.db.base import Base


class PdfExport(Base):
    """Generated PDF worksheets and reports"""

    __tablename__ = "pdf_exports"
    __table_args__ = (
        ForeignKeyConstraint(
            ["workspace_id", "assignment_id"],
            ["assignments.workspace_id", "assignments.id"],
            ondelete="SET NULL (assignment_id)",
        ),
        ForeignKeyConstraint(
            ["workspace_id", "student_profile_id"],
            ["student_profiles.workspace_id", "student_profiles.id"],
            ondelete="CASCADE",
        ),
        Index("idx_pdf_exports_assignment", "workspace_id", "assignment_id"),
        Index("idx_pdf_exports_student", "workspace_id", "student_profile_id"),
        Index("idx_pdf_exports_created_by", "created_by"),
        {"comment": __doc__},
    )

    workspace_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("workspaces.id", ondelete="CASCADE"), primary_key=True, comment="The workspace"
    )
    id: Mapped[uuid.UUID] = mapped_column(
        primary_key=True, server_default=text("gen_random_uuid()"), comment="Export id"
    )
    kind: Mapped[str] = mapped_column(comment="worksheet | assignment | progress_report")
    assignment_id: Mapped[uuid.UUID | None] = mapped_column(comment="Assignment exported, if any")
    student_profile_id: Mapped[uuid.UUID | None] = mapped_column(comment="Student the export is for, if any")
    status: Mapped[str] = mapped_column(server_default="pending", comment="pending | ready | failed")
    options_json: Mapped[dict[str, Any]] = mapped_column(
        server_default=text("'{}'::jsonb"), comment="Rendering options (answer key, spacing, paper size)"
    )
    storage_path: Mapped[str | None] = mapped_column(comment="Where the PDF is stored; set exactly when ready")
    byte_size: Mapped[int | None] = mapped_column(BigInteger, comment="Size of the PDF")
    page_count: Mapped[int | None] = mapped_column(comment="Pages in the PDF")
    error_text: Mapped[str | None] = mapped_column(comment="Why rendering failed")
    created_by: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), comment="Who requested it"
    )
    created_at: Mapped[datetime] = mapped_column(server_default=text("now()"), comment="When it was requested")
    completed_at: Mapped[datetime | None] = mapped_column(comment="When it was ready or failed")
