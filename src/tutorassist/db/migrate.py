"""Applying and inspecting migrations (Alembic, driven from code: no alembic.ini)."""

from __future__ import annotations

import io
from dataclasses import dataclass
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory

from tutorassist.db.connection import connect, owner_engine

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"


def alembic_config(url: str) -> Config:
    cfg = Config(stdout=io.StringIO())
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    cfg.attributes["url"] = url
    return cfg


def script_directory() -> ScriptDirectory:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    return ScriptDirectory.from_config(cfg)


@dataclass(frozen=True)
class MigrationStatus:
    current: str | None
    head: str
    pending: list[str]

    @property
    def up_to_date(self) -> bool:
        return not self.pending


def status(url: str) -> MigrationStatus:
    scripts = script_directory()
    head = scripts.get_current_head()
    engine = owner_engine(url)
    try:
        with engine.connect() as conn:
            current = MigrationContext.configure(conn).get_current_revision()
    finally:
        engine.dispose()
    # Revisions between current and head, oldest first.
    pending = [rev.revision for rev in scripts.iterate_revisions(head, current)]
    pending.reverse()
    return MigrationStatus(current=current, head=head, pending=pending)


def upgrade(url: str, revision: str = "head") -> None:
    command.upgrade(alembic_config(url), revision)


def downgrade(url: str, revision: str) -> None:
    command.downgrade(alembic_config(url), revision)


def known_revision(revision: str) -> bool:
    if revision in ("base", "head"):
        return True
    try:
        return script_directory().get_revision(revision) is not None
    except Exception:  # alembic raises several kinds for unknown or ambiguous ids
        return False


def server_reachable(url: str) -> bool:
    with connect(url) as conn:
        conn.execute("SELECT 1")
    return True
