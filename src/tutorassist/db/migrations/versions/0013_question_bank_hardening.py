"""Question bank hardening: checked answer specifications, spelling-tolerant search, prerequisites kept consistent

Revision ID: 0013_question_bank_hardening
Revises: 0012_identity_hardening
"""

from tutorassist.db.migrations.sqlfile import run_sql

revision = "0013_question_bank_hardening"
down_revision = "0012_identity_hardening"
branch_labels = None
depends_on = None


def upgrade() -> None:
    run_sql("0013_question_bank_hardening.up.sql")


def downgrade() -> None:
    run_sql("0013_question_bank_hardening.down.sql")
