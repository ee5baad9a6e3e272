"""Review events: one append-only row per spaced-repetition review (review_events)

Revision ID: 0010_review_events
Revises: 0009_question_flags
"""

from tutorassist.db.migrations.sqlfile import run_sql

revision = "0010_review_events"
down_revision = "0009_question_flags"
branch_labels = None
depends_on = None


def upgrade() -> None:
    run_sql("0010_review_events.up.sql")


def downgrade() -> None:
    run_sql("0010_review_events.down.sql")
