"""Sign-in sessions and attempts, guardians, and the definer functions for sign-up, sign-in and invites

Revision ID: 0006_identity
Revises: 0005_analytics_views
"""

from tutorassist.db.migrations.sqlfile import run_sql

revision = "0006_identity"
down_revision = "0005_analytics_views"
branch_labels = None
depends_on = None


def upgrade() -> None:
    run_sql("0006_identity.up.sql")


def downgrade() -> None:
    run_sql("0006_identity.down.sql")
