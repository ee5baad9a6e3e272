"""Row-level security, tenancy functions and the application role's privileges

Revision ID: 0004_row_level_security
Revises: 0003_integrity_triggers
"""

from tutorassist.db.migrations.sqlfile import run_sql

revision = "0004_row_level_security"
down_revision = "0003_integrity_triggers"
branch_labels = None
depends_on = None


def upgrade() -> None:
    run_sql("0004_row_level_security.up.sql")


def downgrade() -> None:
    run_sql("0004_row_level_security.down.sql")
