"""Deleting a whole workspace, after an export of it (see workspace_export for what the export holds).

Every tenant table's rows of the workspace go, but `audit_log`'s (kept for its 7-year retention; it has no foreign
key to workspaces for that reason), children first so that no ON DELETE RESTRICT (an assignment's questions, a
topic's subtree) stands in the way, then the workspace row; one transaction, which ends by checking that nothing of
the workspace is left. Users stay: they are global and may belong to other workspaces.

Unless told to go without one, it demands an export of this workspace made within the last `max_age_minutes` whose
files match their checksums and whose row counts still equal the workspace's, checked after locking the workspace
row (which makes new rows that reference it wait): so everything deleted is in the export.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from graphlib import CycleError, TopologicalSorter
from pathlib import Path
from uuid import UUID

import psycopg
from psycopg import sql

from tutorassist.db.connection import connect
from tutorassist.operations.workspace_export import WorkspaceOperationError, read_catalog, read_manifest, workspace_row

KEPT_ON_DELETE = ("audit_log",)
DEFAULT_MAX_EXPORT_AGE_MINUTES = 60


@dataclass
class DeleteReport:
    workspace_id: UUID
    counts: dict[str, int] = field(default_factory=dict)  # table -> rows of the workspace deleted
    kept: dict[str, int] = field(default_factory=dict)  # table -> rows of the workspace kept (its audit log)


def _children_first(conn: psycopg.Connection, tables: list[str]) -> list[str]:
    catalog = read_catalog(conn)
    parents = {t: set() for t in tables}
    for fk in catalog.foreign_keys:
        if fk.table in parents and fk.parent in parents and fk.parent != fk.table:
            parents[fk.table].add(fk.parent)
    try:
        order = list(TopologicalSorter(parents).static_order())  # parents before children
    except CycleError:  # a cycle of references: the final delete of the workspace cascades through it
        order = sorted(tables)
    return list(reversed(order))


def _counts(conn: psycopg.Connection, workspace_id: UUID, tables: list[str]) -> dict[str, int]:
    counts = {"workspaces": conn.execute("SELECT count(*) FROM workspaces WHERE id = %s", (workspace_id,)).fetchone()[0]}
    for table in tables:
        counts[table] = conn.execute(sql.SQL("SELECT count(*) FROM {} WHERE workspace_id = %s").format(
            sql.Identifier(table)), (workspace_id,)).fetchone()[0]
    return counts


def check_export(manifest: dict, workspace_id: UUID, counts: dict[str, int], max_age_minutes: int,
                 now: datetime | None = None) -> None:
    """Refuse (WorkspaceOperationError) unless the export is of this workspace, recent, and counts what is there."""
    if manifest.get("workspace_id") != str(workspace_id):
        raise WorkspaceOperationError(f"the export is of workspace {manifest.get('workspace_id')}, not {workspace_id}")
    exported_at = datetime.fromisoformat(manifest["exported_at"])
    age = (now or datetime.now(UTC)) - exported_at
    if age > timedelta(minutes=max_age_minutes):
        raise WorkspaceOperationError(
            f"the export was made {int(age.total_seconds() // 60)} minutes ago, more than {max_age_minutes}: "
            "export the workspace again")
    exported = {t: e["rows"] for t, e in manifest["tables"].items() if e.get("scope") in ("tenant", "workspace")}
    changed = [f"{t} {exported.get(t, 0)} -> {n}" for t, n in sorted(counts.items()) if exported.get(t, 0) != n]
    if changed:
        raise WorkspaceOperationError(
            f"the workspace changed since the export ({', '.join(changed)}): export it again")


def delete_workspace(url: str, workspace_id: UUID, *, export: Path | None, max_age_minutes: int =
                     DEFAULT_MAX_EXPORT_AGE_MINUTES) -> DeleteReport:
    """Delete the workspace and everything of it (but its audit log); `export=None` means without an export."""
    manifest = read_manifest(export) if export is not None else None
    try:
        return _delete(url, workspace_id, manifest, max_age_minutes)
    except psycopg.Error as exc:
        raise WorkspaceOperationError(
            f"the database refused the deletion, nothing was deleted: {str(exc).splitlines()[0]}") from None


def _delete(url: str, workspace_id: UUID, manifest: dict | None, max_age_minutes: int) -> DeleteReport:
    with connect(url) as conn, conn.transaction():
        workspace_row(conn, workspace_id, lock=True)
        tables = read_catalog(conn).tenant_tables
        counts = _counts(conn, workspace_id, tables)
        if manifest is not None:
            check_export(manifest, workspace_id, counts, max_age_minutes)
        for table in _children_first(conn, [t for t in tables if t not in KEPT_ON_DELETE]):
            conn.execute(sql.SQL("DELETE FROM {} WHERE workspace_id = %s").format(sql.Identifier(table)),
                         (workspace_id,))
        conn.execute("DELETE FROM workspaces WHERE id = %s", (workspace_id,))
        after = _counts(conn, workspace_id, tables)
        left = {t: n for t, n in after.items() if n and t not in KEPT_ON_DELETE}
        if left:  # rolled back: a workspace is deleted whole or not at all
            raise WorkspaceOperationError(f"rows of the workspace would be left behind: {left}")
    kept = {t: after[t] for t in KEPT_ON_DELETE if t in after}
    return DeleteReport(workspace_id, {t: n for t, n in counts.items() if t not in KEPT_ON_DELETE}, kept)
