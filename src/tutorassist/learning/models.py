"""ORM models of the learning domain; they mirror tables created by the SQL migrations in tutorassist/db/sql."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    BigInteger,
    ForeignKey,
    ForeignKeyConstraint,
    Identity,
    Index,
    Numeric,
    SmallInteger,
    UniqueConstraint,
    desc,
    text,
)
from sqlalchemy.dialects.postgresql import ARRAY, JSONB, UUID
from sqlalchemy.orm import Mapped, mapped_column

from tutorassist.db.base import Base


class Attempt(Base):
    """Student answers and performance tracking: one row per submitted answer, append-only in normal use"""

    __tablename__ = "attempts"
    __table_args__ = (
        ForeignKeyConstraint(
            ["workspace_id", "question_id"], ["questions.workspace_id", "questions.id"], ondelete="CASCADE"
        ),
        ForeignKeyConstraint(
            ["workspace_id", "assignment_id", "question_id"],
            ["assignment_items.workspace_id", "assignment_items.assignment_id", "assignment_items.question_id"],
            ondelete="SET NULL (assignment_id)",
        ),
        UniqueConstraint("workspace_id", "student_user_id", "client_request_id"),
        Index("idx_attempts_student_date", "workspace_id", "student_user_id", desc("submitted_at"), desc("id")),
        Index(
            "idx_attempts_analytics",
            "student_user_id",
            "question_id",
            "is_correct",
            "submitted_at",
            postgresql_where=text("is_correct IS NOT NULL"),
        ),
        Index("idx_attempts_correct", "is_correct", "submitted_at", postgresql_where=text("is_correct IS NOT NULL")),
        Index("idx_attempts_context", "context_json", postgresql_using="gin"),
        Index("idx_attempts_question", "workspace_id", "question_id", "submitted_at"),
        Index("idx_attempts_student_question", "workspace_id", "student_user_id", "question_id", "submitted_at", "id"),
        Index(
            "idx_attempts_assignment",
            "workspace_id",
            "assignment_id",
            "question_id",
            postgresql_where=text("assignment_id IS NOT NULL"),
        ),
        Index("idx_attempts_workspace_date", "workspace_id", desc("submitted_at"), desc("id")),
        {"comment": __doc__},
    )

    workspace_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("workspaces.id", ondelete="CASCADE"), primary_key=True, comment="The workspace"
    )
    id: Mapped[uuid.UUID] = mapped_column(
        primary_key=True, server_default=text("gen_random_uuid()"), comment="Attempt id"
    )
    student_user_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), comment="The student who answered"
    )
    question_id: Mapped[uuid.UUID] = mapped_column(comment="The question answered")
    assignment_id: Mapped[uuid.UUID | None] = mapped_column(
        comment="The assignment answered in, NULL for free practice and review; must be one of the assignment's items"
    )
    client_request_id: Mapped[str | None] = mapped_column(
        comment="Client-chosen idempotency key: a retried submission with the same key is recorded once"
    )
    answer_raw: Mapped[str] = mapped_column(comment="The answer exactly as typed")
    answer_parsed: Mapped[Any | None] = mapped_column(JSONB, comment="The answer as the checker understood it")
    is_correct: Mapped[bool | None] = mapped_column(comment="Verdict; NULL when not (yet) graded")
    score: Mapped[Decimal | None] = mapped_column(
        Numeric(5, 4), comment="Score 0..1 (partial credit); required when graded"
    )
    feedback_json: Mapped[dict[str, Any]] = mapped_column(
        server_default=text("'{}'::jsonb"), comment="Feedback shown to the student"
    )
    error_taxonomy_json: Mapped[list[Any]] = mapped_column(
        server_default=text("'[]'::jsonb"),
        comment="Answer notes: stable codes for why the verdict was reached (e.g. sign_error)",
    )
    time_spent_seconds: Mapped[int | None] = mapped_column(
        comment="Seconds spent on the question, as reported by the client"
    )
    hints_viewed: Mapped[int] = mapped_column(server_default=text("0"), comment="Hints revealed before submitting")
    context_json: Mapped[dict[str, Any]] = mapped_column(
        server_default=text("'{}'::jsonb"),
        comment=(
            "Attempt context for analytics: device, input method, hints usage (AttemptContext, see "
            "docs/jsonb-contracts.md)"
        ),
    )
    submitted_at: Mapped[datetime] = mapped_column(
        server_default=text("now()"), comment="When the answer was submitted"
    )
    created_at: Mapped[datetime] = mapped_column(server_default=text("now()"), comment="When the row was created")
    question_version: Mapped[int] = mapped_column(
        comment="questions.version of the question as it was answered (a changed answer specification is a new version)"
    )



class AttemptArchive(Base):
    """Cold storage: attempts older than the retention window (default 2 years), moved by the RETENTION job unchanged; counters, progress and mastery still count them"""

    __tablename__ = "attempts_archive"
    __table_args__ = (
        ForeignKeyConstraint(
            ["workspace_id", "question_id"], ["questions.workspace_id", "questions.id"], ondelete="CASCADE"
        ),
        Index("idx_attempts_archive_student_date", "workspace_id", "student_user_id", desc("submitted_at"), desc("id")),
        Index("idx_attempts_archive_question", "workspace_id", "question_id", "submitted_at"),
        Index("idx_attempts_archive_student_question", "workspace_id", "student_user_id", "question_id", "submitted_at",
              "id"),
        Index(
            "idx_attempts_archive_assignment",
            "workspace_id",
            "assignment_id",
            "question_id",
            postgresql_where=text("assignment_id IS NOT NULL"),
        ),
        Index("idx_attempts_archive_user", "student_user_id"),
        {"comment": __doc__},
    )

    workspace_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("workspaces.id", ondelete="CASCADE"), primary_key=True, comment="The workspace"
    )
    id: Mapped[uuid.UUID] = mapped_column(
        primary_key=True, comment="Attempt id (as it was in attempts; review events still name it)"
    )
    student_user_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), comment="The student who answered"
    )
    question_id: Mapped[uuid.UUID] = mapped_column(comment="The question answered")
    assignment_id: Mapped[uuid.UUID | None] = mapped_column(
        comment="The assignment answered in, NULL for free practice and review"
    )
    client_request_id: Mapped[str | None] = mapped_column(comment="Client-chosen idempotency key of the submission")
    answer_raw: Mapped[str] = mapped_column(comment="The answer exactly as typed")
    answer_parsed: Mapped[Any | None] = mapped_column(JSONB, comment="The answer as the checker understood it")
    is_correct: Mapped[bool | None] = mapped_column(comment="Whether the answer was correct (NULL: not graded)")
    score: Mapped[Decimal | None] = mapped_column(Numeric(5, 4), comment="Score between 0 and 1")
    feedback_json: Mapped[dict[str, Any]] = mapped_column(comment="Feedback shown to the student")
    error_taxonomy_json: Mapped[list[Any]] = mapped_column(comment="Classified mistakes (answer notes)")
    time_spent_seconds: Mapped[int | None] = mapped_column(comment="Seconds the student spent")
    hints_viewed: Mapped[int] = mapped_column(comment="Hints the student opened")
    context_json: Mapped[dict[str, Any]] = mapped_column(comment="Where and how the attempt was made")
    submitted_at: Mapped[datetime] = mapped_column(comment="When the answer was submitted")
    created_at: Mapped[datetime] = mapped_column(comment="When the attempt row was first written")
    question_version: Mapped[int] = mapped_column(comment="Version of the question that was answered")
    archived_at: Mapped[datetime] = mapped_column(
        server_default=text("now()"), comment="When the RETENTION job moved it here"
    )

class SpacedRepetition(Base):
    """Review schedule of one question for one student (SM-2 or FSRS state)"""

    __tablename__ = "spaced_repetition"
    __table_args__ = (
        ForeignKeyConstraint(
            ["workspace_id", "question_id"], ["questions.workspace_id", "questions.id"], ondelete="CASCADE"
        ),
        UniqueConstraint("workspace_id", "student_user_id", "question_id"),
        Index("idx_spaced_repetition_due", "workspace_id", "student_user_id", "due_at"),
        Index("idx_spaced_repetition_question", "workspace_id", "question_id"),
        Index("idx_spaced_repetition_student", "student_user_id"),
        {"comment": __doc__},
    )

    workspace_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("workspaces.id", ondelete="CASCADE"), primary_key=True, comment="The workspace"
    )
    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, server_default=text("gen_random_uuid()"), comment="Card id")
    student_user_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), comment="The student"
    )
    question_id: Mapped[uuid.UUID] = mapped_column(comment="The question reviewed")
    algorithm: Mapped[str] = mapped_column(server_default="sm2", comment="sm2 | fsrs: which scheduler owns this card")
    ease_factor: Mapped[Decimal] = mapped_column(
        Numeric(5, 3), server_default=text("2.5"), comment="SM-2 ease factor, starts at 2.5, floor 1.3"
    )
    interval_days: Mapped[int] = mapped_column(server_default=text("0"), comment="Current interval in days")
    repetitions: Mapped[int] = mapped_column(server_default=text("0"), comment="Successful reviews in a row (SM-2 n)")
    lapses: Mapped[int] = mapped_column(server_default=text("0"), comment="Times the card was forgotten")
    stability: Mapped[float | None] = mapped_column(comment="FSRS stability in days")
    difficulty: Mapped[float | None] = mapped_column(comment="FSRS difficulty 1..10")
    fsrs_state: Mapped[int | None] = mapped_column(
        SmallInteger, comment="FSRS state: 1 learning, 2 review, 3 relearning"
    )
    fsrs_step: Mapped[int | None] = mapped_column(SmallInteger, comment="FSRS learning or relearning step")
    due_at: Mapped[datetime] = mapped_column(server_default=text("now()"), comment="When the card is next due")
    last_reviewed_at: Mapped[datetime | None] = mapped_column(comment="When it was last reviewed")
    created_at: Mapped[datetime] = mapped_column(server_default=text("now()"), comment="When the row was created")
    updated_at: Mapped[datetime] = mapped_column(
        server_default=text("now()"), comment="When the row was last changed (trigger-maintained)"
    )


class QuestionFlag(Base):
    """Student-reported problems with a question, triaged by tutors; reasons are a fixed set (no flag_reasons table)"""

    __tablename__ = "question_flags"
    __table_args__ = (
        ForeignKeyConstraint(
            ["workspace_id", "question_id"], ["questions.workspace_id", "questions.id"], ondelete="CASCADE"
        ),
        ForeignKeyConstraint(
            ["workspace_id", "attempt_id"], ["attempts.workspace_id", "attempts.id"], ondelete="SET NULL (attempt_id)"
        ),
        Index("idx_question_flags_question", "workspace_id", "question_id", "status"),
        Index("idx_question_flags_analytics", "question_id", "status", "created_at"),
        Index("idx_question_flags_attempt", "workspace_id", "attempt_id"),
        Index("idx_question_flags_flagged_by", "flagged_by"),
        Index("idx_question_flags_workspace_updated", "workspace_id", "updated_at"),
        Index("idx_question_flags_resolved_by", "resolved_by"),
        {"comment": __doc__},
    )

    workspace_id: Mapped[uuid.UUID] = mapped_column(primary_key=True, comment="The workspace")
    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, server_default=text("gen_random_uuid()"), comment="Flag id")
    question_id: Mapped[uuid.UUID] = mapped_column(comment="The question flagged")
    flagged_by: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), comment="Who flagged it"
    )
    attempt_id: Mapped[uuid.UUID | None] = mapped_column(comment="The attempt during which it was flagged, if any")
    reason: Mapped[str] = mapped_column(
        comment=(
            "incorrect_answer | unclear_wording | typo | rendering_problem | wrong_topic | wrong_difficulty | "
            "duplicate | other (other needs a comment)"
        ),
    )
    comment: Mapped[str | None] = mapped_column(comment="What the student says is wrong")
    status: Mapped[str] = mapped_column(server_default="open", comment="open -> resolved | dismissed")
    resolved_by: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), comment="Tutor who triaged the flag"
    )
    resolved_at: Mapped[datetime | None] = mapped_column(
        comment="When it was triaged; set exactly when status is not open"
    )
    resolution_note: Mapped[str | None] = mapped_column(comment="Tutor's note on the decision")
    created_at: Mapped[datetime] = mapped_column(server_default=text("now()"), comment="When the row was created")
    updated_at: Mapped[datetime] = mapped_column(
        server_default=text("now()"), comment="When the row was last changed (trigger-maintained)"
    )


class TutorFeedback(Base):
    """Tutor comments on a student's attempt, shown to the student with the attempt"""

    __tablename__ = "tutor_feedback"
    __table_args__ = (
        ForeignKeyConstraint(
            ["workspace_id", "attempt_id"], ["attempts.workspace_id", "attempts.id"], ondelete="CASCADE"
        ),
        Index("idx_tutor_feedback_attempt", "workspace_id", "attempt_id"),
        Index("idx_tutor_feedback_tutor", "tutor_user_id"),
        Index("idx_tutor_feedback_student", "workspace_id", "student_user_id"),
        {"comment": __doc__},
    )

    workspace_id: Mapped[uuid.UUID] = mapped_column(primary_key=True, comment="The workspace")
    id: Mapped[uuid.UUID] = mapped_column(
        primary_key=True, server_default=text("gen_random_uuid()"), comment="Feedback id"
    )
    attempt_id: Mapped[uuid.UUID] = mapped_column(comment="The attempt commented on")
    tutor_user_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), comment="The tutor who wrote it"
    )
    body: Mapped[str] = mapped_column(comment="The comment (Markdown with LaTeX)")
    visible_to_student: Mapped[bool] = mapped_column(
        server_default=text("true"), comment="False for a private note the student does not see"
    )
    created_at: Mapped[datetime] = mapped_column(server_default=text("now()"), comment="When the row was created")
    updated_at: Mapped[datetime] = mapped_column(
        server_default=text("now()"), comment="When the row was last changed (trigger-maintained)"
    )
    student_user_id: Mapped[uuid.UUID] = mapped_column(
        comment="The student whose attempt this is (copied from the attempt by a trigger)"
    )

class StudentProgressSnapshot(Base):
    """Weekly/monthly snapshots of each student's progress for time-series analytics"""

    __tablename__ = "student_progress_snapshots"
    __table_args__ = (
        UniqueConstraint(
            "workspace_id",
            "student_user_id",
            "snapshot_date",
            name="student_progress_snapshots_workspace_id_student_user_id_sna_key",
        ),
        Index("idx_student_progress_snapshots_student", "student_user_id", "snapshot_date"),
        {"comment": __doc__},
    )

    workspace_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("workspaces.id", ondelete="CASCADE"), primary_key=True, comment="The workspace"
    )
    id: Mapped[uuid.UUID] = mapped_column(
        primary_key=True, server_default=text("gen_random_uuid()"), comment="Snapshot id"
    )
    student_user_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), comment="The student"
    )
    snapshot_date: Mapped[date] = mapped_column(comment="Date the snapshot describes, one per student and date")
    total_questions_attempted: Mapped[int] = mapped_column(server_default=text("0"), comment="Attempts up to the date")
    total_correct: Mapped[int] = mapped_column(server_default=text("0"), comment="Correct attempts up to the date")
    accuracy_rate: Mapped[Decimal | None] = mapped_column(
        Numeric(5, 4), comment="total_correct / total_questions_attempted"
    )
    topics_mastered: Mapped[list[uuid.UUID]] = mapped_column(
        ARRAY(UUID(as_uuid=True)), server_default=text("'{}'"), comment="Topic ids at or above their mastery threshold"
    )
    topics_struggling: Mapped[list[uuid.UUID]] = mapped_column(
        ARRAY(UUID(as_uuid=True)), server_default=text("'{}'"), comment="Topic ids well below their threshold"
    )
    cards_due: Mapped[int] = mapped_column(server_default=text("0"), comment="Review cards due on the date")
    cards_reviewed: Mapped[int] = mapped_column(server_default=text("0"), comment="Review cards reviewed in the period")
    average_ease: Mapped[Decimal | None] = mapped_column(
        Numeric(5, 3), comment="Mean SM-2 ease factor of the student's cards"
    )
    metadata_: Mapped[dict[str, Any]] = mapped_column(
        "metadata", server_default=text("'{}'::jsonb"), comment="Further figures of the snapshot"
    )
    created_at: Mapped[datetime] = mapped_column(server_default=text("now()"), comment="When the snapshot was taken")


class ReviewEvent(Base):
    """Spaced-repetition reviews: one row per graded attempt with the card before and after, append-only"""

    __tablename__ = "review_events"
    __table_args__ = (
        ForeignKeyConstraint(
            ["workspace_id", "question_id"], ["questions.workspace_id", "questions.id"], ondelete="CASCADE"
        ),
        Index("idx_review_events_student", "student_user_id", "reviewed_at"),
        Index("idx_review_events_question", "workspace_id", "question_id", "reviewed_at"),
        Index("idx_review_events_attempt", "workspace_id", "attempt_id", postgresql_where=text("attempt_id IS NOT NULL")),
        {"comment": __doc__},
    )

    workspace_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("workspaces.id", ondelete="CASCADE"), primary_key=True, comment="The workspace"
    )
    id: Mapped[int] = mapped_column(BigInteger, Identity(always=True), primary_key=True, comment="Event id, increasing")
    student_user_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), comment="The student who reviewed"
    )
    question_id: Mapped[uuid.UUID] = mapped_column(comment="The question (card) reviewed")
    attempt_id: Mapped[uuid.UUID | None] = mapped_column(
        comment="The graded attempt this review came from (in attempts, or in attempts_archive once archived); "
        "NULL when it was deleted"
    )
    algorithm: Mapped[str] = mapped_column(comment="sm2 | fsrs: the scheduler that owned the card at the review")
    rating: Mapped[int] = mapped_column(SmallInteger, comment="SM-2 quality 0..5 of the attempt (see docs/learning.md)")
    fsrs_rating: Mapped[int] = mapped_column(
        SmallInteger, comment="FSRS rating 1 Again, 2 Hard, 3 Good, 4 Easy (from the quality)"
    )
    reviewed_at: Mapped[datetime] = mapped_column(
        server_default=text("now()"), comment="When the review happened (the attempt's submission time)"
    )
    duration_ms: Mapped[int | None] = mapped_column(
        comment="Time spent on the review in milliseconds, as reported by the client"
    )
    card_before: Mapped[dict[str, Any] | None] = mapped_column(
        comment="The card's scheduling state before the review; NULL for a new card"
    )
    card_after: Mapped[dict[str, Any]] = mapped_column(comment="The card's scheduling state after the review")


class QuestionStats(Base):
    """Question counters in up to 8 shards per question (by connection), summed on read (question_statistics): narrow, updated in place (HOT), so concurrent attempts at one question rarely wait"""

    __tablename__ = "question_stats"
    __table_args__ = (
        ForeignKeyConstraint(
            ["workspace_id", "question_id"], ["questions.workspace_id", "questions.id"], ondelete="CASCADE"
        ),
        {"comment": __doc__, "postgresql_with": {"fillfactor": "50"}},
    )

    workspace_id: Mapped[uuid.UUID] = mapped_column(primary_key=True, comment="The workspace")
    question_id: Mapped[uuid.UUID] = mapped_column(primary_key=True, comment="The question")
    shard: Mapped[int] = mapped_column(
        SmallInteger, primary_key=True, comment="Shard 0..7 (the writing connection's process id modulo 8)"
    )
    times_attempted: Mapped[int] = mapped_column(server_default=text("0"), comment="Attempts counted in this shard")
    times_correct: Mapped[int] = mapped_column(server_default=text("0"), comment="Correct attempts counted in this shard")
    times_timed: Mapped[int] = mapped_column(
        server_default=text("0"), comment="Attempts with a reported time counted in this shard"
    )
    time_spent_total_seconds: Mapped[int] = mapped_column(
        BigInteger, server_default=text("0"), comment="Sum of reported times in this shard"
    )


class StudentTopicState(Base):
    """Mastery per student and topic, kept by the attempts trigger in the attempt's transaction: graded attempts, correct ones, and the Bayesian knowledge tracing estimate after them in the order they were recorded"""

    __tablename__ = "student_topic_state"
    __table_args__ = (
        ForeignKeyConstraint(["workspace_id", "topic_id"], ["topics.workspace_id", "topics.id"], ondelete="CASCADE"),
        Index("idx_student_topic_state_student", "student_user_id"),
        Index("idx_student_topic_state_topic", "workspace_id", "topic_id"),
        {"comment": __doc__, "postgresql_with": {"fillfactor": "70"}},
    )

    workspace_id: Mapped[uuid.UUID] = mapped_column(primary_key=True, comment="The workspace")
    student_user_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True, comment="The student"
    )
    topic_id: Mapped[uuid.UUID] = mapped_column(
        primary_key=True, comment="The topic (of the questions answered, filed directly under it)"
    )
    attempts: Mapped[int] = mapped_column(server_default=text("0"), comment="Graded attempts at the topic's questions")
    correct: Mapped[int] = mapped_column(server_default=text("0"), comment="Correct ones among them")
    p_known: Mapped[float] = mapped_column(
        server_default=text("0.2"),
        comment="Bayesian knowledge tracing estimate that the student knows the topic (app.bkt_update)",
    )
    last_attempt_at: Mapped[datetime | None] = mapped_column(comment="Submission time of the latest graded attempt")
