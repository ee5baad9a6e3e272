"""Schemas, extensions, the application role, acting-user functions, global reference tables

Revision ID: 0001_foundation
Revises: 
"""

from tutorassist.db.migrations.sqlfile import run_sql

revision = "0001_foundation"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    run_sql("0001_foundation.up.sql")


def downgrade() -> None:
    run_sql("0001_foundation.down.sql")
