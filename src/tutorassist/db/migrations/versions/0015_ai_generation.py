"""AI generation: provenance, usage and cost, batches, workspace AI budgets

Revision ID: 0015_ai_generation
Revises: 0014_jobs
"""

from tutorassist.db.migrations.sqlfile import run_sql

revision = "0015_ai_generation"
down_revision = "0014_jobs"
branch_labels = None
depends_on = None


def upgrade() -> None:
    run_sql("0015_ai_generation.up.sql")


def downgrade() -> None:
    run_sql("0015_ai_generation.down.sql")
