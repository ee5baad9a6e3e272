"""Reference data: common mathematics curricula (IB, AP, GCSE, A-Level, Common Core) and their grade levels

Revision ID: 0007_reference_data
Revises: 0006_identity
"""

from tutorassist.db.migrations.sqlfile import run_sql

revision = "0007_reference_data"
down_revision = "0006_identity"
branch_labels = None
depends_on = None


def upgrade() -> None:
    run_sql("0007_reference_data.up.sql")


def downgrade() -> None:
    run_sql("0007_reference_data.down.sql")
