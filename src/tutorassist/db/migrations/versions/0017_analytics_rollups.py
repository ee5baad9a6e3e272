"""Analytics rollups kept by triggers and jobs

Revision ID: 0017_analytics_rollups
Revises: 0016_embeddings
"""

from tutorassist.db.migrations.sqlfile import run_sql

revision = "0017_analytics_rollups"
down_revision = "0016_embeddings"
branch_labels = None
depends_on = None


def upgrade() -> None:
    run_sql("0017_analytics_rollups.up.sql")


def downgrade() -> None:
    run_sql("0017_analytics_rollups.down.sql")
