"""Retention: cold attempts, archived audit log, monthly AI usage

Revision ID: 0018_retention
Revises: 0017_analytics_rollups
"""

from tutorassist.db.migrations.sqlfile import run_sql

revision = "0018_retention"
down_revision = "0017_analytics_rollups"
branch_labels = None
depends_on = None


def upgrade() -> None:
    run_sql("0018_retention.up.sql")


def downgrade() -> None:
    run_sql("0018_retention.down.sql")
