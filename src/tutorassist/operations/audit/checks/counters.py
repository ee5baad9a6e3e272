"""Counters: derived state (question statistics, assignment progress, mastery, job costs) against its source rows.

The measuring is `tutorassist.operations.reconcile`'s, the same that `db reconcile` and the RECONCILE_STATS job repair
from, so the audit and the repair can never disagree about what drifted."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator

from tutorassist.operations import reconcile
from tutorassist.operations.audit.context import AuditContext
from tutorassist.operations.audit.findings import Finding, Level
from tutorassist.operations.audit.registry import check


@check("counters")
def derived_state_matches_its_source(ctx: AuditContext) -> Iterator[Finding]:
    """Every counter and derived state the triggers keep equals a recount from the attempts (live and archived)."""
    by_object: dict[tuple[str, str, str], list[reconcile.Drift]] = defaultdict(list)
    for drift in reconcile.measure_drift(ctx.conn):
        by_object[(drift.kind, drift.workspace_id, drift.object_id)].append(drift)
    for (kind, workspace_id, object_id), drifts in sorted(by_object.items()):
        fields = ", ".join(f"{d.field} {d.stored!r} (recount {d.recomputed!r})" for d in drifts[: ctx.examples])
        yield Finding(
            Level.WARNING, "counters", f"{kind} {object_id} (workspace {workspace_id})",
            f"{reconcile.KINDS[kind].meaning}: {len(drifts)} field(s) differ: {fields}",
            f"run `tutorassist db reconcile --workspace {workspace_id} --kind {kind}` (the RECONCILE_STATS job repairs "
            "it daily)",
            f"counter_drift:{kind}:{object_id}")
