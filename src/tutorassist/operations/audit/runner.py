"""Run every registered check against a database and apply the suppressions."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import psycopg

from tutorassist.db.connection import connect
from tutorassist.operations.audit import suppressions as suppression_file
from tutorassist.operations.audit.context import AuditContext
from tutorassist.operations.audit.findings import Finding, Level, exit_code
from tutorassist.operations.audit.registry import Check, registered
from tutorassist.operations.audit.suppressions import Suppression


@dataclass
class AuditReport:
    findings: list[Finding]
    """Unsuppressed findings, worst first."""
    suppressed: list[Finding] = field(default_factory=list)
    checks_run: int = 0

    @property
    def exit_code(self) -> int:
        return exit_code(self.findings)

    def as_json(self) -> dict:
        return {
            "exit_code": self.exit_code,
            "checks_run": self.checks_run,
            "counts": {level.label: sum(1 for f in self.findings if f.level is level) for level in Level},
            "findings": [f.as_json() for f in self.findings],
            "suppressed": [f.as_json() for f in self.suppressed],
        }


def _run_one(ctx: AuditContext, check: Check) -> list[Finding]:
    try:
        # A savepoint per check: one that fails leaves the transaction usable for the rest.
        with ctx.conn.transaction():
            return list(check.run(ctx))
    except psycopg.Error as exc:
        # A check that cannot run is itself a finding: the audit must not stop halfway or hide what it did not see.
        return [Finding(Level.ERROR, check.category, check.name, f"the check could not run: {str(exc).strip()}",
                        "fix what the message names and run the audit again", f"check_failed:{check.name}")]


def audit_connection(conn: psycopg.Connection, url: str, *, accepted: list[Suppression] | None = None,
                     schedule_overrides: str = "", on_check: Callable[[Check], None] | None = None) -> AuditReport:
    """Run every check on an open owner connection (in its current transaction, if any)."""
    checks = registered()
    ctx = AuditContext(conn=conn, url=url, schedule_overrides=schedule_overrides)
    findings: list[Finding] = []
    for check in checks:
        if on_check:
            on_check(check)
        findings.extend(_run_one(ctx, check))
    kept, suppressed = suppression_file.apply(findings, accepted or [])
    kept.sort(key=lambda f: (-int(f.level), f.category, f.key))
    return AuditReport(kept, suppressed, len(checks))


def run_audit(url: str, *, suppressions: Path | None = None, schedule_overrides: str = "",
              on_check: Callable[[Check], None] | None = None) -> AuditReport:
    """Run every check on the database at `url` as the schema owner, in one read-only snapshot, and apply the
    suppressions file."""
    accepted = suppression_file.load(suppressions) if suppressions else []
    with connect(url) as conn:
        conn.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
        try:
            return audit_connection(conn, url, accepted=accepted, schedule_overrides=schedule_overrides,
                                    on_check=on_check)
        finally:
            conn.rollback()
