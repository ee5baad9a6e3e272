"""Item statistics and wrong-answer notes per workspace, refreshed by a job

Revision ID: 0020_item_statistics
Revises: 0019_audit_fixes
"""

from tutorassist.db.migrations.sqlfile import run_sql

revision = "0020_item_statistics"
down_revision = "0019_audit_fixes"
branch_labels = None
depends_on = None


def upgrade() -> None:
    run_sql("0020_item_statistics.up.sql")


def downgrade() -> None:
    run_sql("0020_item_statistics.down.sql")
