"""Row-level security by role, and the attempt hot path: counters and mastery state kept in narrow tables

Revision ID: 0011_roles_and_hot_path
Revises: 0010_review_events
"""

from tutorassist.db.migrations.sqlfile import run_sql

revision = "0011_roles_and_hot_path"
down_revision = "0010_review_events"
branch_labels = None
depends_on = None


def upgrade() -> None:
    run_sql("0011_roles_and_hot_path.up.sql")


def downgrade() -> None:
    run_sql("0011_roles_and_hot_path.down.sql")
