"""Analytics materialized views and the workspace-filtered views the application reads

Revision ID: 0005_analytics_views
Revises: 0004_row_level_security
"""

from tutorassist.db.migrations.sqlfile import run_sql

revision = "0005_analytics_views"
down_revision = "0004_row_level_security"
branch_labels = None
depends_on = None


def upgrade() -> None:
    run_sql("0005_analytics_views.up.sql")


def downgrade() -> None:
    run_sql("0005_analytics_views.down.sql")
