"""ORM models of the embeddings domain; they mirror tables created by the SQL migrations in tutorassist/db/sql."""

from __future__ import annotations

import uuid
from datetime import datetime

from pgvector.sqlalchemy import Vector
from sqlalchemy import Computed, ForeignKeyConstraint, Index, UniqueConstraint, literal_column, text
from sqlalchemy.orm import Mapped, mapped_column

from tutorassist.db.base import Base

KNOWN_MODELS = {"all-MiniLM-L6-v2": 384, "bge-small-en-v1.5": 384, "text-embedding-3-small": 1536}
"""Models migration 0016 registers, each with its partial HNSW index (app.ensure_embedding_index)."""


def index_name(model: str) -> str:
    """app.embedding_index_name(model), mirrored so the ORM can name each model's index."""
    import hashlib
    import re

    slug = re.sub(r"[^A-Za-z0-9]+", "_", model).lower().strip("_")[:40]
    return f"idx_qe_hnsw_{slug}_{hashlib.md5(model.encode()).hexdigest()[:8]}"


class EmbeddingModel(Base):
    """Embedding models whose vectors may be stored, with their dimensions; global reference data (each has its own HNSW index, app.ensure_embedding_index)"""  # noqa: E501

    __tablename__ = "embedding_models"
    __table_args__ = (
        UniqueConstraint("name", "dimensions"),
        {"comment": __doc__},
    )

    name: Mapped[str] = mapped_column(
        primary_key=True,
        comment="Model name as sent to the provider (letters, digits and . _ : / -, so it can stand as a literal in an "
        "index predicate)",
    )
    dimensions: Mapped[int] = mapped_column(
        comment="Length of every vector of this model (at most 2000: the limit of an HNSW index on vector)"
    )
    provider: Mapped[str] = mapped_column(
        comment="local (a model run in-process) | openai (an OpenAI-compatible /v1/embeddings endpoint)"
    )
    created_at: Mapped[datetime] = mapped_column(server_default=text("now()"), comment="When the model was registered")


class QuestionEmbedding(Base):
    """Vector embeddings of questions for similarity search and duplicate detection (one per question and model)"""

    __tablename__ = "question_embeddings"
    __table_args__ = (
        ForeignKeyConstraint(
            ["workspace_id", "question_id"], ["questions.workspace_id", "questions.id"], ondelete="CASCADE"
        ),
        ForeignKeyConstraint(
            ["embedding_model", "dimensions"], ["embedding_models.name", "embedding_models.dimensions"],
            name="question_embeddings_model_dimensions_fkey",
        ),
        Index("idx_question_embeddings_model", "embedding_model", "dimensions"),
        *(
            Index(
                index_name(model),
                literal_column(f"(embedding::extensions.vector({dims}))").label("embedding_cast"),
                postgresql_using="hnsw",
                postgresql_ops={"embedding_cast": "extensions.vector_cosine_ops"},
                postgresql_where=text(f"embedding_model = '{model}'"),
            )
            for model, dims in KNOWN_MODELS.items()
        ),
        {"comment": __doc__},
    )

    workspace_id: Mapped[uuid.UUID] = mapped_column(primary_key=True, comment="The workspace")
    question_id: Mapped[uuid.UUID] = mapped_column(primary_key=True, comment="The question embedded")
    embedding_model: Mapped[str] = mapped_column(
        primary_key=True, comment="Embedding model name, e.g. all-MiniLM-L6-v2 or text-embedding-3-small"
    )
    model_version: Mapped[str | None] = mapped_column(
        comment="Version of the model (or the provider's model name it answered with); a different version makes the "
        "embedding stale"
    )
    text_hash: Mapped[str] = mapped_column(
        comment="SHA-256 (hex) of the text embedded; a different hash means the embedding is stale"
    )
    embedding: Mapped[list[float]] = mapped_column(
        Vector(),
        comment="The embedding, of the length its model declares (embedding_models.dimensions); searched through the "
        "model's own HNSW index",
    )
    dimensions: Mapped[int] = mapped_column(
        Computed("vector_dims(embedding)", persisted=True),
        comment="Length of the embedding (generated); with embedding_model a foreign key to embedding_models, so a "
        "vector of the wrong size is refused",
    )
    generated_at: Mapped[datetime] = mapped_column(
        server_default=text("now()"), comment="When the embedding was computed"
    )
    generation_time_ms: Mapped[int | None] = mapped_column(comment="How long computing it took")
