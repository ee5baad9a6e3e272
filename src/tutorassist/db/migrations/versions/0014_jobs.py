"""Background jobs: procrastinate's queue in its own schema, the jobs record tutors see, system job runs

Revision ID: 0014_jobs
Revises: 0013_question_bank_hardening
"""

from tutorassist.db.migrations.queue_schema import drop_queue_schema, install_queue_schema
from tutorassist.db.migrations.sqlfile import run_sql

revision = "0014_jobs"
down_revision = "0013_question_bank_hardening"
branch_labels = None
depends_on = None


def upgrade() -> None:
    install_queue_schema()
    run_sql("0014_jobs.up.sql")


def downgrade() -> None:
    run_sql("0014_jobs.down.sql")
    drop_queue_schema()
