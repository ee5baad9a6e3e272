"""Assignments can leave and re-enter the completed state; an index for listing assignments

Revision ID: 0008_assignment_status
Revises: 0007_reference_data
"""

from tutorassist.db.migrations.sqlfile import run_sql

revision = "0008_assignment_status"
down_revision = "0007_reference_data"
branch_labels = None
depends_on = None


def upgrade() -> None:
    run_sql("0008_assignment_status.up.sql")


def downgrade() -> None:
    run_sql("0008_assignment_status.down.sql")
