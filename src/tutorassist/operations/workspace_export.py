"""Exporting a whole workspace to one file (workspace_delete.py deletes it afterwards).

The export is a .tar.gz: `manifest.json` (workspace, time, schema revision, per table its row count, scope and the
SHA-256 of its file) and one JSON Lines file per table under `tables/`, each row as PostgreSQL's `to_jsonb` renders
it. What belongs to a workspace is read from the catalog, so tables added later are exported without a change here:
the `workspaces` row, every row of every table of schema public with a `workspace_id` column (its audit log
included), and the global rows those rows refer to by foreign key (its members and the other users it names, study
programs, grade levels, embedding models; followed transitively). Credentials never leave the database: password
hashes and OAuth tokens are left out (listed under `redacted_columns`). Everything is read in one REPEATABLE READ
snapshot, so the counts agree with each other.
"""

from __future__ import annotations

import hashlib
import io
import json
import tarfile
import tempfile
from collections import defaultdict
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from uuid import UUID

import psycopg
from psycopg import sql

from tutorassist.db.connection import connect

FORMAT = "tutorassist-workspace-export"
FORMAT_VERSION = 1
REDACTED_COLUMNS = {
    "users": ("password_hash",),
    "oauth_connections": ("access_token_encrypted", "refresh_token_encrypted"),
}
_BATCH = 2000

Progress = Callable[[str, int, int, int], None]  # (table, its rows written so far, tables done, tables in all)


class WorkspaceOperationError(RuntimeError):
    """The export or deletion cannot be done; the message says why (one line)."""


@dataclass(frozen=True)
class ForeignKey:
    table: str
    columns: tuple[str, ...]
    parent: str
    parent_columns: tuple[str, ...]


@dataclass
class Catalog:
    tenant_tables: list[str]  # every public table with a workspace_id column
    global_tables: set[str]  # the other public tables, but `workspaces`
    foreign_keys: list[ForeignKey]
    column_types: dict[tuple[str, str], str]


@dataclass
class ExportReport:
    path: Path
    workspace_id: UUID
    counts: dict[str, int]
    schema_revision: str


def read_catalog(conn: psycopg.Connection) -> Catalog:
    columns = conn.execute(
        """SELECT c.relname, a.attname, format_type(a.atttypid, a.atttypmod)
           FROM pg_class c JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
           WHERE c.relnamespace = 'public'::regnamespace AND c.relkind IN ('r', 'p') AND c.relname <> 'alembic_version'
             AND NOT c.relispartition"""
    ).fetchall()
    tables = {table for table, _c, _t in columns}
    tenant = sorted({table for table, column, _t in columns if column == "workspace_id"})
    foreign_keys = [
        ForeignKey(table, tuple(cols), parent, tuple(parent_cols))
        for table, cols, parent, parent_cols in conn.execute(
            """SELECT c.relname,
                      ARRAY(SELECT a.attname FROM unnest(con.conkey) WITH ORDINALITY k(n, i)
                            JOIN pg_attribute a ON a.attrelid = con.conrelid AND a.attnum = k.n ORDER BY k.i),
                      f.relname,
                      ARRAY(SELECT a.attname FROM unnest(con.confkey) WITH ORDINALITY k(n, i)
                            JOIN pg_attribute a ON a.attrelid = con.confrelid AND a.attnum = k.n ORDER BY k.i)
               FROM pg_constraint con JOIN pg_class c ON c.oid = con.conrelid JOIN pg_class f ON f.oid = con.confrelid
               WHERE con.contype = 'f' AND c.relnamespace = 'public'::regnamespace AND con.conparentid = 0
                 AND f.relnamespace = 'public'::regnamespace
               ORDER BY 1, 2"""
        )
    ]
    return Catalog(tenant, tables - set(tenant) - {"workspaces"}, foreign_keys,
                   {(table, column): sql_type for table, column, sql_type in columns})


def _schema_revision(conn: psycopg.Connection) -> str:
    row = conn.execute("SELECT string_agg(version_num, ',') FROM alembic_version").fetchone()
    return row[0] if row and row[0] else "(none)"


def workspace_row(conn: psycopg.Connection, workspace_id: UUID, *, lock: bool = False) -> dict:
    row = conn.execute("SELECT to_jsonb(w) FROM workspaces w WHERE id = %s" + (" FOR UPDATE" if lock else ""),
                       (workspace_id,)).fetchone()
    if row is None:
        raise WorkspaceOperationError(f"no workspace {workspace_id}")
    return row[0]


def _primary_key(conn: psycopg.Connection, table: str) -> list[str]:
    return [r[0] for r in conn.execute(
        """SELECT a.attname FROM pg_constraint con
           CROSS JOIN LATERAL unnest(con.conkey) WITH ORDINALITY k(n, i)
           JOIN pg_attribute a ON a.attrelid = con.conrelid AND a.attnum = k.n
           WHERE con.conrelid = %s::regclass AND con.contype = 'p' ORDER BY k.i""", (f"public.{table}",))]


def _rows(conn: psycopg.Connection, table: str, where: sql.Composable, params: dict) -> Iterator[dict]:
    order = _primary_key(conn, table)
    query = sql.SQL("SELECT to_jsonb(t) FROM {} t WHERE {}{}").format(
        sql.Identifier(table), where,
        sql.SQL(" ORDER BY {}").format(sql.SQL(", ").join(map(sql.Identifier, order))) if order else sql.SQL(""))
    with conn.cursor(name=f"export_{table}") as cursor:  # server-side: a large table is never held in memory
        cursor.itersize = _BATCH
        cursor.execute(query, params)
        for (row,) in cursor:
            for column in REDACTED_COLUMNS.get(table, ()):
                row.pop(column, None)
            yield row


class _TableWriter:
    def __init__(self, directory: Path, table: str) -> None:
        self.name = f"tables/{table}.jsonl"
        self.path = directory / f"{table}.jsonl"
        self.file = self.path.open("wb")
        self.digest = hashlib.sha256()
        self.rows = 0

    def write(self, row: dict) -> None:
        line = (json.dumps(row, ensure_ascii=False, sort_keys=True) + "\n").encode()
        self.file.write(line)
        self.digest.update(line)
        self.rows += 1

    def close(self) -> dict:
        self.file.close()
        return {"file": self.name, "rows": self.rows, "sha256": self.digest.hexdigest()}


def check_destination(out: Path) -> None:
    if out.exists():
        raise WorkspaceOperationError(f"{out} already exists: choose another --out")
    if not out.parent.is_dir():
        raise WorkspaceOperationError(f"{out.parent} is not a directory")


def export_workspace(url: str, workspace_id: UUID, out: Path, progress: Progress | None = None) -> ExportReport:
    """Write the workspace's export to `out` (created whole or not at all; an existing file is never replaced)."""
    check_destination(out)
    try:
        return _export(url, workspace_id, out, progress)
    except psycopg.Error as exc:
        raise WorkspaceOperationError(f"the database refused the export: {str(exc).splitlines()[0]}") from None
    except OSError as exc:  # a full disk, a directory that vanished: nothing is left at `out`
        raise WorkspaceOperationError(f"could not write the export: {exc}") from None


def _export(url: str, workspace_id: UUID, out: Path, progress: Progress | None) -> ExportReport:
    with connect(url) as conn, tempfile.TemporaryDirectory(prefix="workspace-export-", dir=out.parent) as scratch:
        conn.isolation_level = psycopg.IsolationLevel.REPEATABLE_READ
        conn.read_only = True
        with conn.transaction():
            workspace = workspace_row(conn, workspace_id)
            catalog = read_catalog(conn)
            revision = _schema_revision(conn)
            snapshot_at = conn.execute("SELECT now()").fetchone()[0]  # the snapshot's time: the export is as of then
            tables, references = _export_rows(conn, catalog, workspace, Path(scratch), progress)
            tables.update(_export_global_rows(conn, catalog, references, Path(scratch), progress))
        manifest = {
            "format": FORMAT, "format_version": FORMAT_VERSION, "workspace_id": str(workspace_id),
            "workspace_name": workspace["name"], "exported_at": snapshot_at.astimezone(UTC).isoformat(),
            "schema_revision": revision, "tables": dict(sorted(tables.items())),
            "redacted_columns": {t: list(c) for t, c in REDACTED_COLUMNS.items()},
        }
        partial = Path(scratch) / "export.tar.gz"
        with tarfile.open(partial, "w:gz") as archive:
            encoded = json.dumps(manifest, indent=2).encode()
            info = tarfile.TarInfo("manifest.json")
            info.size = len(encoded)
            archive.addfile(info, io.BytesIO(encoded))
            for table, entry in manifest["tables"].items():
                archive.add(Path(scratch) / f"{table}.jsonl", arcname=entry["file"])
        partial.replace(out)
    return ExportReport(out, workspace_id, {t: e["rows"] for t, e in manifest["tables"].items()}, revision)


def _export_rows(conn: psycopg.Connection, catalog: Catalog, workspace: dict, directory: Path,
                 progress: Progress | None) -> tuple[dict[str, dict], dict[str, set[str]]]:
    """The workspace row and every tenant table's rows of the workspace; returns their manifest entries and the
    global rows they refer to (table -> keys as JSON)."""
    references: dict[str, set[str]] = defaultdict(set)
    entries: dict[str, dict] = {}
    outgoing = _foreign_keys_to_global(catalog)
    sources = [("workspaces", sql.SQL("id = %(w)s")),
               *[(t, sql.SQL("workspace_id = %(w)s")) for t in catalog.tenant_tables]]
    total = len(sources) + len(catalog.global_tables)
    for done, (table, where) in enumerate(sources):
        writer = _TableWriter(directory, table)
        for row in _rows(conn, table, where, {"w": workspace["id"]}):
            writer.write(row)
            _note_references(row, outgoing.get(table, []), references)
            if progress and writer.rows % _BATCH == 0:
                progress(table, writer.rows, done, total)
        entries[table] = writer.close() | {"scope": "workspace" if table == "workspaces" else "tenant"}
        if progress:
            progress(table, writer.rows, done + 1, total)
    return entries, references


def _foreign_keys_to_global(catalog: Catalog) -> dict[str, list[ForeignKey]]:
    outgoing: dict[str, list[ForeignKey]] = defaultdict(list)
    for fk in catalog.foreign_keys:
        if fk.parent in catalog.global_tables:
            outgoing[fk.table].append(fk)
    return outgoing


def _note_references(row: dict, foreign_keys: list[ForeignKey], references: dict[str, set[str]]) -> None:
    for fk in foreign_keys:
        values = [row.get(c) for c in fk.columns]
        if all(v is not None for v in values):
            references[fk.parent].add(json.dumps(dict(zip(fk.parent_columns, values)), sort_keys=True))


def _export_global_rows(conn: psycopg.Connection, catalog: Catalog, references: dict[str, set[str]], directory: Path,
                        progress: Progress | None) -> dict[str, dict]:
    """The global rows the workspace refers to, and those they refer to in turn (grade level -> program)."""
    outgoing = _foreign_keys_to_global(catalog)
    collected: dict[str, dict[str, dict]] = defaultdict(dict)  # table -> row as JSON text -> row
    requested: dict[str, set[str]] = defaultdict(set)
    pending = references
    while pending:
        found: dict[str, set[str]] = defaultdict(set)
        for table, keys in pending.items():
            requested[table] |= keys
            for row in _global_rows(conn, catalog, table, keys):
                text = json.dumps(row, sort_keys=True)
                if text not in collected[table]:
                    collected[table][text] = row
                    _note_references(row, outgoing.get(table, []), found)
        pending = {t: keys - requested[t] for t, keys in found.items() if keys - requested[t]}
    entries = {}
    total = 1 + len(catalog.tenant_tables) + len(catalog.global_tables)
    for done, table in enumerate(sorted(catalog.global_tables), start=total - len(catalog.global_tables) + 1):
        rows = collected.get(table)
        if not rows:
            if progress:
                progress(table, 0, done, total)
            continue
        writer = _TableWriter(directory, table)
        for row in sorted(rows.values(), key=lambda r: json.dumps(r, sort_keys=True)):
            writer.write(row)
        entries[table] = writer.close() | {"scope": "global"}
        if progress:
            progress(table, writer.rows, done, total)
    return entries


def _global_rows(conn: psycopg.Connection, catalog: Catalog, table: str, keys: set[str]) -> list[dict]:
    """Rows of a global table by the referenced key values (one statement per set of key columns and batch)."""
    by_columns: dict[tuple[str, ...], list[dict]] = defaultdict(list)
    for key in keys:
        wanted = json.loads(key)
        by_columns[tuple(sorted(wanted))].append(wanted)
    rows: list[dict] = []
    for columns, wanted in by_columns.items():
        if len(columns) == 1:  # the usual case (users.id): compared in the column's own type, so its index serves
            (column,) = columns
            query = sql.SQL("SELECT to_jsonb(t) FROM {} t WHERE {} = ANY(%s::text[]::{}[])").format(
                sql.Identifier(table), sql.Identifier(column), sql.SQL(catalog.column_types[(table, column)]))
            values = [str(w[column]) for w in wanted]
        else:  # a composite key (embedding model and dimensions): compared as JSON, as to_jsonb rendered it
            query = sql.SQL("SELECT to_jsonb(t) FROM {} t WHERE jsonb_build_object({}) = ANY(%s::jsonb[])").format(
                sql.Identifier(table),
                sql.SQL(", ").join(sql.SQL("{}, {}").format(sql.Literal(c), sql.Identifier(c)) for c in columns))
            values = [json.dumps(w) for w in wanted]
        for start in range(0, len(values), _BATCH):
            for (row,) in conn.execute(query, (values[start:start + _BATCH],)):
                for redacted in REDACTED_COLUMNS.get(table, ()):
                    row.pop(redacted, None)
                rows.append(row)
    return rows


def read_manifest(path: Path) -> dict:
    """The manifest of an export file, after checking every table file against its recorded SHA-256 and row count."""
    try:
        with tarfile.open(path, "r:gz") as archive:
            manifest = json.load(archive.extractfile("manifest.json"))
            if manifest.get("format") != FORMAT:
                raise WorkspaceOperationError(f"{path} is not a TutorAssist workspace export")
            for table, entry in manifest["tables"].items():
                digest, rows = hashlib.sha256(), 0
                member = archive.extractfile(entry["file"])
                for line in member:
                    digest.update(line)
                    rows += 1
                if digest.hexdigest() != entry["sha256"] or rows != entry["rows"]:
                    raise WorkspaceOperationError(f"{path}: {entry['file']} does not match its checksum")
            UUID(manifest["workspace_id"])
            if datetime.fromisoformat(manifest["exported_at"]).tzinfo is None:
                raise ValueError("exported_at has no time zone")
    except (OSError, tarfile.TarError, KeyError, TypeError, ValueError, AttributeError) as exc:
        raise WorkspaceOperationError(f"{path} is not a readable workspace export: {exc}") from None
    return manifest
