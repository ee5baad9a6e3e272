"""ORM models of the analytics domain; they mirror tables created by the SQL migrations in tutorassist/db/sql."""

from __future__ import annotations

import uuid
from datetime import date
from decimal import Decimal

from sqlalchemy import BigInteger, ForeignKey, Index, Numeric, text
from sqlalchemy.orm import Mapped, mapped_column

from tutorassist.db.base import Base

NO_TOPIC = uuid.UUID(int=0)  # analytics_daily.topic_id of questions without a topic


class AnalyticsDaily(Base):
    """Per student, topic and day (in the workspace's time zone): what their attempts add up to, kept exact by the attempts triggers in the attempt's transaction; the source of the learning analytics"""

    __tablename__ = "analytics_daily"
    __table_args__ = (
        Index("idx_analytics_daily_day", "workspace_id", "day"),
        Index("idx_analytics_daily_student", "student_user_id"),
        {"comment": __doc__, "postgresql_with": {"fillfactor": "80"}},
    )

    workspace_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("workspaces.id", ondelete="CASCADE"), primary_key=True, comment="The workspace"
    )
    student_user_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True, comment="The student who answered"
    )
    topic_id: Mapped[uuid.UUID] = mapped_column(
        primary_key=True,
        comment="The topic of the questions answered; 00000000-0000-0000-0000-000000000000 for questions without a "
                "topic (no foreign key: that id names no topic)",
    )
    day: Mapped[date] = mapped_column(
        primary_key=True, comment="The day the attempts were submitted, in the workspace's time zone (workspaces.timezone)"
    )
    attempts: Mapped[int] = mapped_column(server_default=text("0"), comment="Attempts submitted")
    graded: Mapped[int] = mapped_column(server_default=text("0"), comment="Graded attempts among them (is_correct not NULL)")
    correct: Mapped[int] = mapped_column(server_default=text("0"), comment="Correct attempts among them")
    score_sum: Mapped[Decimal] = mapped_column(
        Numeric(16, 4), server_default=text("0"), comment="Sum of the graded attempts' scores (0..1 each)"
    )
    time_spent_seconds: Mapped[int] = mapped_column(
        BigInteger, server_default=text("0"), comment="Sum of the reported time spent, over the attempts that report one"
    )
    timed: Mapped[int] = mapped_column(server_default=text("0"), comment="Attempts that report a time spent")
    hints_viewed: Mapped[int] = mapped_column(BigInteger, server_default=text("0"), comment="Hints viewed over the attempts")
    new_questions: Mapped[int] = mapped_column(
        server_default=text("0"),
        comment="Attempts that were the student's first at their question (questions new to the student that day)",
    )
    new_questions_correct: Mapped[int] = mapped_column(server_default=text("0"), comment="Of those first attempts, the correct ones")
    archived_attempts: Mapped[int] = mapped_column(
        server_default=text("0"),
        comment="Attempts counted here that retention has since moved to cold storage (their counts stay); a rebuild "
                "leaves such rows as they are",
    )
