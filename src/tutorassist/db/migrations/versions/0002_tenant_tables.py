"""Every tenant table with its keys, foreign keys, indexes and comments

Revision ID: 0002_tenant_tables
Revises: 0001_foundation
"""

from tutorassist.db.migrations.sqlfile import run_sql

revision = "0002_tenant_tables"
down_revision = "0001_foundation"
branch_labels = None
depends_on = None


def upgrade() -> None:
    run_sql("0002_tenant_tables.up.sql")


def downgrade() -> None:
    run_sql("0002_tenant_tables.down.sql")
