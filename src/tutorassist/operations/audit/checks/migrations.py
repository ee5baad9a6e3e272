"""Migrations: the database is at the code's newest revision."""

from __future__ import annotations

from collections.abc import Iterator

from tutorassist.db import migrate
from tutorassist.operations.audit.context import AuditContext
from tutorassist.operations.audit.findings import Finding, Level
from tutorassist.operations.audit.registry import check


@check("migrations")
def migrations_applied(ctx: AuditContext) -> Iterator[Finding]:
    """Every migration of the code is applied, and the database is at no revision the code does not know."""
    row = ctx.conn.execute(
        "SELECT to_regclass('public.alembic_version') IS NOT NULL").fetchone()
    current = None
    if row[0]:
        found = ctx.conn.execute("SELECT version_num FROM public.alembic_version").fetchone()
        current = found[0] if found else None
    scripts = migrate.script_directory()
    head = scripts.get_current_head()
    if current == head:
        return
    if current is None:
        yield Finding(Level.ERROR, "migrations", "alembic_version", f"no migration is applied; the code is at {head}",
                      "run `tutorassist db migrate`", "migrations_pending")
    elif migrate.known_revision(current):
        pending = [r.revision for r in scripts.iterate_revisions(head, current)]
        yield Finding(Level.ERROR, "migrations", "alembic_version",
                      f"{len(pending)} migration(s) not applied: the database is at {current}, the code at {head}",
                      "run `tutorassist db migrate`", "migrations_pending")
    else:
        yield Finding(Level.ERROR, "migrations", "alembic_version",
                      f"the database is at revision {current}, which this code does not know (migrated by newer code?)",
                      "run the code that migrated it, or downgrade with that code first", "migrations_unknown_revision")
