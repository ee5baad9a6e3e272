"""Fixes found by db audit

Revision ID: 0019_audit_fixes
Revises: 0018_retention
"""

from tutorassist.db.migrations.sqlfile import run_sql

revision = "0019_audit_fixes"
down_revision = "0018_retention"
branch_labels = None
depends_on = None


def upgrade() -> None:
    run_sql("0019_audit_fixes.up.sql")


def downgrade() -> None:
    run_sql("0019_audit_fixes.down.sql")
