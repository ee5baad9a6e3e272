"""Enough open flags hide a question from students (questions.hidden_at, set by a question_flags trigger)

Revision ID: 0009_question_flags
Revises: 0008_assignment_status
"""

from tutorassist.db.migrations.sqlfile import run_sql

revision = "0009_question_flags"
down_revision = "0008_assignment_status"
branch_labels = None
depends_on = None


def upgrade() -> None:
    run_sql("0009_question_flags.up.sql")


def downgrade() -> None:
    run_sql("0009_question_flags.down.sql")
