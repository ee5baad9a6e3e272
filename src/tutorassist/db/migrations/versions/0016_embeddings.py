"""Embeddings of several models side by side, per-model ANN indexes, similarity search

Revision ID: 0016_embeddings
Revises: 0015_ai_generation
"""

from tutorassist.db.migrations.sqlfile import run_sql

revision = "0016_embeddings"
down_revision = "0015_ai_generation"
branch_labels = None
depends_on = None


def upgrade() -> None:
    run_sql("0016_embeddings.up.sql")


def downgrade() -> None:
    run_sql("0016_embeddings.down.sql")
