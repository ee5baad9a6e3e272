"""Question stats, assignment progress, topic cycles, question history and audit triggers

Revision ID: 0003_integrity_triggers
Revises: 0002_tenant_tables
"""

from tutorassist.db.migrations.sqlfile import run_sql

revision = "0003_integrity_triggers"
down_revision = "0002_tenant_tables"
branch_labels = None
depends_on = None


def upgrade() -> None:
    run_sql("0003_integrity_triggers.up.sql")


def downgrade() -> None:
    run_sql("0003_integrity_triggers.down.sql")
