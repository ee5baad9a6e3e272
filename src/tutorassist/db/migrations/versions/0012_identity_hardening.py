"""Identity hardening: passwords verified in the database, invites bound to their address, purge of old sessions

Revision ID: 0012_identity_hardening
Revises: 0011_roles_and_hot_path
"""

from tutorassist.db.migrations.sqlfile import run_sql

revision = "0012_identity_hardening"
down_revision = "0011_roles_and_hot_path"
branch_labels = None
depends_on = None


def upgrade() -> None:
    run_sql("0012_identity_hardening.up.sql")


def downgrade() -> None:
    run_sql("0012_identity_hardening.down.sql")
