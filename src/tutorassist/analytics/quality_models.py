"""ORM models of the question-quality statistics; they mirror tables created by migration 0020 (db/sql)."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import ForeignKey, ForeignKeyConstraint, Index, desc, text
from sqlalchemy.orm import Mapped, mapped_column

from tutorassist.db.base import Base


class QuestionItemStatistics(Base):
    """Moodle-style item statistics per question over each student's first graded attempt, refreshed per workspace by the REFRESH_ITEM_STATISTICS job (docs/analytics-quality.md); a question with neither attempts nor flags has no row"""

    __tablename__ = "question_item_statistics"
    __table_args__ = (
        ForeignKeyConstraint(
            ["workspace_id", "question_id"], ["questions.workspace_id", "questions.id"], ondelete="CASCADE"
        ),
        {"comment": __doc__},
    )

    workspace_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("workspaces.id", ondelete="CASCADE"), primary_key=True, comment="The workspace"
    )
    question_id: Mapped[uuid.UUID] = mapped_column(primary_key=True, comment="The question")
    students: Mapped[int] = mapped_column(
        comment="Sample size n: students with a graded attempt at the question (their first one counts)"
    )
    facility: Mapped[float | None] = mapped_column(
        comment="Facility index: mean score (0..1) of the first graded attempts; NULL when n = 0"
    )
    score_sd: Mapped[float | None] = mapped_column(
        comment="Standard deviation of those scores (denominator n - 1); NULL when n < 2"
    )
    rest_students: Mapped[int] = mapped_column(
        comment="Students of the sample with a first graded attempt at another question too (the discrimination sample)"
    )
    discrimination_index: Mapped[float | None] = mapped_column(
        comment="100 x correlation of the item score with the student's mean score on their other first attempts in "
        "the workspace; NULL without variance"
    )
    discriminative_efficiency: Mapped[float | None] = mapped_column(
        comment="100 x C(x, Y) / C_max, C_max the covariance of x and Y each sorted ascending; NULL without variance"
    )
    dubious: Mapped[bool] = mapped_column(
        server_default=text("false"),
        comment="n reaches the minimum sample and facility is outside 0.05..0.95 or discriminative efficiency is "
        "below 15",
    )
    mean_time_seconds: Mapped[float | None] = mapped_column(
        comment="Mean reported time of the first graded attempts that report one"
    )
    attempts: Mapped[int] = mapped_column(comment="All attempts at the question, graded or not, first or not")
    students_attempted: Mapped[int] = mapped_column(comment="Distinct students with any attempt at the question")
    flags: Mapped[int] = mapped_column(comment="Flags raised on the question, whatever their status")
    open_flags: Mapped[int] = mapped_column(comment="Flags still open")
    flag_rate: Mapped[float | None] = mapped_column(comment="flags / students_attempted; NULL when nobody attempted")
    computed_at: Mapped[datetime] = mapped_column(
        comment="The data is complete up to this instant (the refresh's watermark, item_statistics_refreshes.data_as_of)"
    )


class TopicWrongAnswerNote(Base):
    """Answer notes of wrong attempts per topic (from attempts.error_taxonomy_json), refreshed per workspace by the REFRESH_ITEM_STATISTICS job; questions without a topic are left out"""

    __tablename__ = "topic_wrong_answer_notes"
    __table_args__ = (
        ForeignKeyConstraint(["workspace_id", "topic_id"], ["topics.workspace_id", "topics.id"], ondelete="CASCADE"),
        Index("idx_topic_wrong_answer_notes_rank", "workspace_id", "topic_id", desc("attempts")),
        {"comment": __doc__},
    )

    workspace_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("workspaces.id", ondelete="CASCADE"), primary_key=True, comment="The workspace"
    )
    topic_id: Mapped[uuid.UUID] = mapped_column(
        primary_key=True, comment="Topic of the questions answered wrongly (as filed at the refresh)"
    )
    note_code: Mapped[str] = mapped_column(
        primary_key=True, comment="The answer note, a stable code for the path the checker took (e.g. sign_error)"
    )
    attempts: Mapped[int] = mapped_column(comment="Wrong attempts that carry the note")
    students: Mapped[int] = mapped_column(comment="Distinct students among them")
    last_seen: Mapped[datetime] = mapped_column(comment="submitted_at of the latest such attempt")


class ItemStatisticsRefresh(Base):
    """When the item statistics of a workspace were last computed; the job recomputes a workspace only when attempts or flags arrived since data_as_of"""

    __tablename__ = "item_statistics_refreshes"
    __table_args__ = ({"comment": __doc__},)

    workspace_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("workspaces.id", ondelete="CASCADE"), primary_key=True, comment="The workspace"
    )
    data_as_of: Mapped[datetime] = mapped_column(
        comment="Watermark: every attempt and flag submitted before it was counted (the oldest transaction open at "
        "the refresh, or the refresh minus a margin, whichever is earlier)"
    )
    refreshed_at: Mapped[datetime] = mapped_column(comment="When the refresh ran")
    duration_ms: Mapped[int] = mapped_column(comment="How long the refresh of the workspace took")
    questions: Mapped[int] = mapped_column(comment="question_item_statistics rows written")
    notes: Mapped[int] = mapped_column(comment="topic_wrong_answer_notes rows written")
