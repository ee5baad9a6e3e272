"""ORM models of the questions domain; they mirror tables created by the SQL migrations in tutorassist/db/sql."""

from __future__ import annotations

import uuid
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import (
    BigInteger,
    Computed,
    ForeignKey,
    ForeignKeyConstraint,
    Identity,
    Index,
    Numeric,
    SmallInteger,
    UniqueConstraint,
    text,
)
from sqlalchemy.dialects.postgresql import ARRAY, TSVECTOR, UUID
from sqlalchemy.orm import Mapped, mapped_column

from tutorassist.db.base import Base


class StudyProgram(Base):
    """Curricula a question can belong to (IB, AP, GCSE, ...); global reference data"""

    __tablename__ = "study_programs"
    __table_args__ = {"comment": __doc__}

    id: Mapped[uuid.UUID] = mapped_column(
        primary_key=True, server_default=text("gen_random_uuid()"), comment="Study program id"
    )
    code: Mapped[str] = mapped_column(unique=True, comment="Short stable code, e.g. IB-MAA")
    name: Mapped[str] = mapped_column(comment="Display name")
    description: Mapped[str | None] = mapped_column(comment="Free-text description")
    created_at: Mapped[datetime] = mapped_column(server_default=text("now()"), comment="When the row was created")
    updated_at: Mapped[datetime] = mapped_column(
        server_default=text("now()"), comment="When the row was last changed (trigger-maintained)"
    )


class GradeLevel(Base):
    """Grade levels within a study program; global reference data"""

    __tablename__ = "grade_levels"
    __table_args__ = (
        UniqueConstraint("program_id", "code"),
        {"comment": __doc__},
    )

    id: Mapped[uuid.UUID] = mapped_column(
        primary_key=True, server_default=text("gen_random_uuid()"), comment="Grade level id"
    )
    program_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("study_programs.id", ondelete="CASCADE"), comment="The study program this grade belongs to"
    )
    code: Mapped[str] = mapped_column(comment="Short code unique within the program, e.g. Y10")
    name: Mapped[str] = mapped_column(comment="Display name")
    sort_order: Mapped[int] = mapped_column(server_default=text("0"), comment="Position when listed, ascending")
    created_at: Mapped[datetime] = mapped_column(server_default=text("now()"), comment="When the row was created")
    updated_at: Mapped[datetime] = mapped_column(
        server_default=text("now()"), comment="When the row was last changed (trigger-maintained)"
    )


class Topic(Base):
    """The workspace's topic tree (questions are filed under topics); cycles are refused by a trigger"""

    __tablename__ = "topics"
    __table_args__ = (
        ForeignKeyConstraint(["workspace_id", "parent_id"], ["topics.workspace_id", "topics.id"], ondelete="RESTRICT"),
        UniqueConstraint("workspace_id", "parent_id", "name", postgresql_nulls_not_distinct=True),
        Index("idx_topics_parent", "workspace_id", "parent_id"),
        Index("idx_topics_created_by", "created_by"),
        {"comment": __doc__},
    )

    workspace_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("workspaces.id", ondelete="CASCADE"), primary_key=True, comment="The workspace"
    )
    id: Mapped[uuid.UUID] = mapped_column(
        primary_key=True, server_default=text("gen_random_uuid()"), comment="Topic id"
    )
    parent_id: Mapped[uuid.UUID | None] = mapped_column(comment="Parent topic; NULL for a root")
    name: Mapped[str] = mapped_column(comment="Name, unique among its siblings")
    description: Mapped[str | None] = mapped_column(comment="Free-text description")
    sort_order: Mapped[int] = mapped_column(server_default=text("0"), comment="Position among siblings, ascending")
    metadata_: Mapped[dict[str, Any]] = mapped_column(
        "metadata",
        server_default=text("'{}'::jsonb"),
        comment=(
            "Topic organization, prerequisites, benchmarks, and learning objectives (TopicMetadata, see "
            "docs/jsonb-contracts.md)"
        ),
    )
    archived_at: Mapped[datetime | None] = mapped_column(comment="When the topic was archived; NULL while active")
    created_by: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), comment="User who created the topic"
    )
    created_at: Mapped[datetime] = mapped_column(server_default=text("now()"), comment="When the row was created")
    updated_at: Mapped[datetime] = mapped_column(
        server_default=text("now()"), comment="When the row was last changed (trigger-maintained)"
    )


class SourceMaterial(Base):
    """Uploaded teaching material (text or PDF, text extracted) that questions are generated from"""

    __tablename__ = "source_materials"
    __table_args__ = (
        ForeignKeyConstraint(
            ["workspace_id", "topic_id"], ["topics.workspace_id", "topics.id"], ondelete="SET NULL (topic_id)"
        ),
        Index("idx_source_materials_topic", "workspace_id", "topic_id"),
        Index("idx_source_materials_created_by", "created_by"),
        {"comment": __doc__},
    )

    workspace_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("workspaces.id", ondelete="CASCADE"), primary_key=True, comment="The workspace"
    )
    id: Mapped[uuid.UUID] = mapped_column(
        primary_key=True, server_default=text("gen_random_uuid()"), comment="Source material id"
    )
    topic_id: Mapped[uuid.UUID | None] = mapped_column(comment="Topic the material is about, if known")
    title: Mapped[str] = mapped_column(comment="Title shown to tutors")
    kind: Mapped[str] = mapped_column(comment="text | pdf | url | image")
    file_name: Mapped[str | None] = mapped_column(comment="Original file name of an upload")
    mime_type: Mapped[str | None] = mapped_column(comment="MIME type of an upload")
    byte_size: Mapped[int | None] = mapped_column(BigInteger, comment="Size of the upload in bytes")
    sha256: Mapped[str | None] = mapped_column(comment="SHA-256 (hex) of the upload, to spot duplicates")
    page_count: Mapped[int | None] = mapped_column(comment="Pages of a PDF")
    content_text: Mapped[str | None] = mapped_column(comment="Extracted plain text used for generation")
    metadata_: Mapped[dict[str, Any]] = mapped_column(
        "metadata",
        server_default=text("'{}'::jsonb"),
        comment="Extraction details (per-page offsets, extractor, warnings)",
    )
    created_by: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), comment="User who uploaded it"
    )
    created_at: Mapped[datetime] = mapped_column(server_default=text("now()"), comment="When the row was created")
    updated_at: Mapped[datetime] = mapped_column(
        server_default=text("now()"), comment="When the row was last changed (trigger-maintained)"
    )


class QuestionBatch(Base):
    """One bulk AI generation request: what was asked, what came back, what it cost. Its questions carry batch_id"""

    __tablename__ = "question_batches"
    __table_args__ = (
        ForeignKeyConstraint(
            ["workspace_id", "job_id"], ["jobs.workspace_id", "jobs.id"], ondelete="SET NULL (job_id)"
        ),
        UniqueConstraint("workspace_id", "openai_batch_id"),
        Index("idx_question_batches_job", "workspace_id", "job_id"),
        Index("idx_question_batches_created_by", "created_by"),
        {"comment": __doc__},
    )

    workspace_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("workspaces.id", ondelete="CASCADE"), primary_key=True, comment="The workspace"
    )
    id: Mapped[uuid.UUID] = mapped_column(
        primary_key=True, server_default=text("gen_random_uuid()"), comment="Batch id (questions.batch_id)"
    )
    created_by: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), comment="User who requested the batch"
    )
    openai_batch_id: Mapped[str | None] = mapped_column(comment="AI provider batch id, unique per workspace")
    job_id: Mapped[uuid.UUID | None] = mapped_column(comment="The job that submits and polls the batch")
    total_requested: Mapped[int] = mapped_column(comment="Questions requested")
    topics_requested: Mapped[list[uuid.UUID]] = mapped_column(
        ARRAY(UUID(as_uuid=True)), server_default=text("'{}'"), comment="Topic ids the batch was asked to cover"
    )
    difficulty_distribution: Mapped[dict[str, Any] | None] = mapped_column(
        comment='Requested counts by difficulty, e.g. {"easy": 5, "medium": 10, "hard": 5}'
    )
    status: Mapped[str] = mapped_column(
        server_default="pending", comment="pending | submitted | running | completed | failed | cancelled"
    )
    total_generated: Mapped[int] = mapped_column(server_default=text("0"), comment="Questions generated and stored")
    total_failed: Mapped[int] = mapped_column(
        server_default=text("0"), comment="Requests that failed generation or validation"
    )
    total_tokens: Mapped[int | None] = mapped_column(comment="Tokens used by the whole batch")
    total_cost_usd: Mapped[Decimal | None] = mapped_column(
        Numeric(12, 6), comment="Cost of the whole batch in US dollars"
    )
    created_at: Mapped[datetime] = mapped_column(server_default=text("now()"), comment="When the batch was requested")
    started_at: Mapped[datetime | None] = mapped_column(comment="When the provider started working on it")
    completed_at: Mapped[datetime | None] = mapped_column(comment="When results were collected")
    mode: Mapped[str] = mapped_column(
        server_default="sync",
        comment="sync (one provider call per chunk of items) | batch (the provider's Batch API)",
    )
    provider: Mapped[str | None] = mapped_column(
        comment="Generator that serves the batch: openai (any OpenAI-compatible endpoint) | offline (templates)"
    )
    model: Mapped[str | None] = mapped_column(
        comment="Model name sent to the provider (offline-templates for the offline generator)"
    )
    estimated_cost_usd: Mapped[Decimal | None] = mapped_column(
        Numeric(12, 6), comment="Cost estimated before submission, in US dollars"
    )
    item_outcomes: Mapped[dict[str, Any]] = mapped_column(
        server_default=text("'{}'::jsonb"),
        comment="Per requested item (custom_id, e.g. item-0007): accepted, or the reason it was rejected or failed; "
        "total_generated and total_failed are counted from it",
    )
    error_text: Mapped[str | None] = mapped_column(
        comment="Why the batch ended failed, expired or cancelled (what was completed is kept)"
    )


class Question(Base):
    """Core question bank with LaTeX support and AI generation; only active questions reach students"""

    __tablename__ = "questions"
    __table_args__ = (
        ForeignKeyConstraint(
            ["workspace_id", "topic_id"], ["topics.workspace_id", "topics.id"], ondelete="SET NULL (topic_id)"
        ),
        ForeignKeyConstraint(
            ["workspace_id", "source_material_id"],
            ["source_materials.workspace_id", "source_materials.id"],
            ondelete="SET NULL (source_material_id)",
        ),
        ForeignKeyConstraint(
            ["workspace_id", "batch_id"],
            ["question_batches.workspace_id", "question_batches.id"],
            ondelete="SET NULL (batch_id)",
        ),
        Index("questions_batch_item_key", "workspace_id", "batch_id", "batch_custom_id", unique=True,
              postgresql_where=text("origin = 'ai_generated'")),
        Index("idx_questions_topic", "workspace_id", "topic_id"),
        Index("idx_questions_source_material", "workspace_id", "source_material_id"),
        Index("idx_questions_batch", "workspace_id", "batch_id"),
        Index("idx_questions_created_by", "created_by"),
        Index("idx_questions_updated_by", "updated_by"),
        Index(
            "idx_questions_filters",
            "workspace_id",
            "status",
            "origin",
            "difficulty",
            postgresql_where=text("status = 'active'"),
        ),
        Index("idx_questions_generation", "generation_metadata", postgresql_using="gin"),
        Index(
            "idx_questions_tags", "tags_json", postgresql_using="gin", postgresql_ops={"tags_json": "jsonb_path_ops"}
        ),
        Index("idx_questions_search", "search_tsv", postgresql_using="gin"),
        Index(
            "idx_questions_prompt_trgm", "prompt_text", postgresql_using="gin",
            postgresql_ops={"prompt_text": "extensions.gin_trgm_ops"},
        ),
        Index("idx_questions_listing", "workspace_id", text("created_at DESC"), text("id DESC")),
        {"comment": __doc__},
    )

    workspace_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("workspaces.id", ondelete="CASCADE"), primary_key=True, comment="The workspace"
    )
    id: Mapped[uuid.UUID] = mapped_column(
        primary_key=True, server_default=text("gen_random_uuid()"), comment="Question id"
    )
    topic_id: Mapped[uuid.UUID | None] = mapped_column(comment="Topic the question is filed under")
    source_material_id: Mapped[uuid.UUID | None] = mapped_column(comment="Material the question was generated from")
    batch_id: Mapped[uuid.UUID | None] = mapped_column(
        comment="Bulk generation batch that produced the question (AI-generated only)"
    )
    batch_custom_id: Mapped[str | None] = mapped_column(
        comment="The request's custom_id inside the provider batch, to match results to requests"
    )
    prompt_latex: Mapped[str] = mapped_column(comment="The question as LaTeX-in-Markdown")
    prompt_text: Mapped[str] = mapped_column(
        server_default="", comment="Plain-text rendering of the prompt, for full-text search"
    )
    answer_type: Mapped[str] = mapped_column(
        comment="number | expression | equation | inequality | set | list | interval | multiple_choice | text"
    )
    answer_spec: Mapped[dict[str, Any]] = mapped_column(
        comment="What a correct answer is, by answer_type (AnswerSpec, see docs/jsonb-contracts.md)"
    )
    hints_json: Mapped[list[Any]] = mapped_column(
        server_default=text("'[]'::jsonb"), comment="Hints in the order they are revealed (array of LaTeX strings)"
    )
    solution_latex: Mapped[str | None] = mapped_column(comment="Worked solution")
    difficulty: Mapped[int] = mapped_column(
        SmallInteger, server_default=text("3"), comment="Difficulty 1 (easiest) to 5"
    )
    tags_json: Mapped[list[Any]] = mapped_column(
        server_default=text("'[]'::jsonb"), comment="Free tags (array of strings)"
    )
    curriculum_json: Mapped[dict[str, Any]] = mapped_column(
        server_default=text("'{}'::jsonb"), comment="Curriculum alignment: codes, syllabus references"
    )
    status: Mapped[str] = mapped_column(
        server_default="draft", comment="draft -> active -> archived; only active questions are served to students"
    )
    origin: Mapped[str] = mapped_column(server_default="manual", comment="manual | ai_generated | imported")
    quality_score: Mapped[Decimal | None] = mapped_column(
        Numeric(4, 3), comment="Quality estimate 0..1 (AI self-check or tutor review)"
    )
    generation_metadata: Mapped[dict[str, Any]] = mapped_column(
        server_default=text("'{}'::jsonb"),
        comment=(
            "AI generation context, cost tracking, and quality metrics (QuestionGenerationMetadata, see "
            "docs/jsonb-contracts.md)"
        ),
    )
    version: Mapped[int] = mapped_column(
        server_default=text("1"),
        comment="Content version, bumped by a trigger on every content edit; attempts record the version they saw",
    )
    search_tsv: Mapped[str | None] = mapped_column(
        TSVECTOR,
        Computed(
            "to_tsvector('simple'::regconfig, prompt_text || ' ' || coalesce(solution_latex, ''))",
            persisted=True,
        ),
        comment="Full-text search vector over prompt and solution (generated)",
    )
    created_by: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), comment="User who created the question"
    )
    updated_by: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), comment="User who last edited the question"
    )
    created_at: Mapped[datetime] = mapped_column(server_default=text("now()"), comment="When the row was created")
    updated_at: Mapped[datetime] = mapped_column(
        server_default=text("now()"), comment="When the row was last changed (trigger-maintained)"
    )
    hidden_at: Mapped[datetime | None] = mapped_column(
        comment=(
            "Set when enough open flags hide the question from students (workspace setting auto_hide_flag_threshold); "
            "cleared by a tutor"
        )
    )


class QuestionProgram(Base):
    """Which study programs a question belongs to (the only link between questions and programs)"""

    __tablename__ = "question_programs"
    __table_args__ = (
        ForeignKeyConstraint(
            ["workspace_id", "question_id"], ["questions.workspace_id", "questions.id"], ondelete="CASCADE"
        ),
        Index("idx_question_programs_program", "program_id", "workspace_id"),
        {"comment": __doc__},
    )

    workspace_id: Mapped[uuid.UUID] = mapped_column(primary_key=True, comment="The workspace")
    question_id: Mapped[uuid.UUID] = mapped_column(primary_key=True, comment="The question")
    program_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("study_programs.id", ondelete="CASCADE"), primary_key=True, comment="The study program"
    )
    created_at: Mapped[datetime] = mapped_column(server_default=text("now()"), comment="When the link was made")


class QuestionGradeLevel(Base):
    """Which grade levels a question suits (the only link between questions and grades)"""

    __tablename__ = "question_grade_levels"
    __table_args__ = (
        ForeignKeyConstraint(
            ["workspace_id", "question_id"], ["questions.workspace_id", "questions.id"], ondelete="CASCADE"
        ),
        Index("idx_question_grade_levels_grade", "grade_level_id", "workspace_id"),
        {"comment": __doc__},
    )

    workspace_id: Mapped[uuid.UUID] = mapped_column(primary_key=True, comment="The workspace")
    question_id: Mapped[uuid.UUID] = mapped_column(primary_key=True, comment="The question")
    grade_level_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("grade_levels.id", ondelete="CASCADE"), primary_key=True, comment="The grade level"
    )
    created_at: Mapped[datetime] = mapped_column(server_default=text("now()"), comment="When the link was made")


class QuestionHistory(Base):
    """Every change to a question's content, written by a trigger"""

    __tablename__ = "question_history"
    __table_args__ = (
        ForeignKeyConstraint(
            ["workspace_id", "question_id"], ["questions.workspace_id", "questions.id"], ondelete="CASCADE"
        ),
        Index("idx_question_history_question", "workspace_id", "question_id", "changed_at"),
        Index("idx_question_history_changed_by", "changed_by"),
        Index("idx_question_history_changed_at", "changed_at"),
        {"comment": __doc__},
    )

    workspace_id: Mapped[uuid.UUID] = mapped_column(primary_key=True, comment="The workspace")
    id: Mapped[int] = mapped_column(
        BigInteger, Identity(always=True), primary_key=True, comment="History entry id, increasing"
    )
    question_id: Mapped[uuid.UUID] = mapped_column(comment="The question changed")
    question_version: Mapped[int] = mapped_column(comment="The question's version after the change")
    changed_by: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), comment="The acting user"
    )
    change_type: Mapped[str] = mapped_column(comment="created | edited | status_changed | difficulty_changed")
    old_values: Mapped[dict[str, Any] | None] = mapped_column(
        comment="Changed fields before the change (NULL for created)"
    )
    new_values: Mapped[dict[str, Any]] = mapped_column(
        comment="Changed fields after the change (all content fields for created)"
    )
    changed_at: Mapped[datetime] = mapped_column(server_default=text("now()"), comment="When the change happened")
