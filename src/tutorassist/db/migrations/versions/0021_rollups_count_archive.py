"""The analytics rollup chooses a student's first attempt at a question among archived attempts too

Revision ID: 0021_rollups_count_archive
Revises: 0020_item_statistics
"""

from tutorassist.db.migrations.sqlfile import run_sql

revision = "0021_rollups_count_archive"
down_revision = "0020_item_statistics"
branch_labels = None
depends_on = None


def upgrade() -> None:
    run_sql("0021_rollups_count_archive.up.sql")


def downgrade() -> None:
    run_sql("0021_rollups_count_archive.down.sql")
