"""Orphans: ids stored in JSONB and arrays, which no foreign key guards, that name no existing row.

The references are the id-holding fields of docs/jsonb-contracts.md and the uuid[] columns. Tenant references must
name a row of the same workspace; a string that is not a uuid at all is the contract check's business.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from tutorassist.operations.audit.context import AuditContext
from tutorassist.operations.audit.findings import Finding, Level
from tutorassist.operations.audit.registry import check

CATEGORY = "orphans"
_UUID = "^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$"


def _json_strings(column: str, *path: str) -> str:
    """Set-returning SQL: the strings of the JSON array at `path` (nothing when it is absent or not an array)."""
    at = f"t.{column} #> '{{{','.join(path)}}}'"
    return f"SELECT jsonb_array_elements_text(CASE WHEN jsonb_typeof({at}) = 'array' THEN {at} END)"


def _json_scalar(column: str, *path: str) -> str:
    return f"SELECT t.{column} #>> '{{{','.join(path)}}}'"


def _json_object_ids(column: str, array: str, key: str) -> str:
    at = f"t.{column} -> '{array}'"
    return (f"SELECT e ->> '{key}' FROM jsonb_array_elements(CASE WHEN jsonb_typeof({at}) = 'array' THEN {at} END) "
            f"AS e WHERE jsonb_typeof(e) = 'object'")


def _array(column: str) -> str:
    return f"SELECT unnest(t.{column})::text"


@dataclass(frozen=True)
class Reference:
    table: str
    field: str
    """Where the ids are, as the docs name it (column, or column.path)."""
    ids_sql: str
    """Set-returning SQL over the row `t`, yielding the ids as text."""
    target: str
    tenant: bool = True
    """The target is a tenant table: the id must be a row of the same workspace."""
    level: Level = Level.WARNING


REFERENCES: tuple[Reference, ...] = (
    *(Reference("topics", f"metadata.{key}", _json_strings("metadata", key), "topics")
      for key in ("prerequisites", "follows_topics", "leads_to_topics")),
    Reference("topics", "metadata.source_program_id", _json_scalar("metadata", "source_program_id"),
              "study_programs", tenant=False),
    Reference("topics", "metadata.source_grade_level_id", _json_scalar("metadata", "source_grade_level_id"),
              "grade_levels", tenant=False),
    Reference("questions", "generation_metadata.source_context.similar_questions",
              _json_strings("generation_metadata", "source_context", "similar_questions"), "questions"),
    Reference("questions", "generation_metadata.pedagogical.prerequisites",
              _json_strings("generation_metadata", "pedagogical", "prerequisites"), "questions"),
    # Provenance may outlive what it points at (a job purged, a material deleted): worth knowing, not wrong.
    Reference("questions", "generation_metadata.job_id", _json_scalar("generation_metadata", "job_id"), "jobs",
              level=Level.INFO),
    Reference("questions", "generation_metadata.source_context.material_id",
              _json_scalar("generation_metadata", "source_context", "material_id"), "source_materials",
              level=Level.INFO),
    Reference("sessions", "session_metadata.topics_covered[].topic_id",
              _json_object_ids("session_metadata", "topics_covered", "topic_id"), "topics"),
    Reference("sessions", "session_metadata.questions_reviewed[].question_id",
              _json_object_ids("session_metadata", "questions_reviewed", "question_id"), "questions"),
    Reference("sessions", "topics_covered", _array("topics_covered"), "topics"),
    Reference("sessions", "questions_reviewed", _array("questions_reviewed"), "questions"),
    Reference("question_batches", "topics_requested", _array("topics_requested"), "topics"),
    Reference("student_progress_snapshots", "topics_mastered", _array("topics_mastered"), "topics"),
    Reference("student_progress_snapshots", "topics_struggling", _array("topics_struggling"), "topics"),
)


def orphans_query(ref: Reference, examples: int) -> str:
    same_workspace = "x.workspace_id = r.workspace_id AND " if ref.tenant else ""
    return f"""
        WITH refs AS (
          SELECT t.workspace_id, t.id AS row_id, lower(i.ref) AS ref
          FROM public.{ref.table} t CROSS JOIN LATERAL ({ref.ids_sql}) AS i(ref)
          WHERE i.ref ~ '{_UUID}')
        SELECT count(*), count(DISTINCT r.row_id),
               (array_agg(DISTINCT r.row_id::text))[1:{examples}], (array_agg(DISTINCT r.ref))[1:{examples}]
        FROM refs r
        WHERE NOT EXISTS (SELECT 1 FROM public.{ref.target} x WHERE {same_workspace}x.id = r.ref::uuid)"""


@check(CATEGORY)
def orphaned_ids(ctx: AuditContext) -> Iterator[Finding]:
    """Ids inside JSONB and uuid[] columns name existing rows (of the same workspace)."""
    for ref in REFERENCES:
        missing, rows, row_examples, id_examples = ctx.conn.execute(orphans_query(ref, ctx.examples)).fetchone()
        if not missing:
            continue
        where = f"public.{ref.table}.{ref.field}"
        scope = " of the same workspace" if ref.tenant else ""
        yield Finding(ref.level, CATEGORY, where,
                      f"{missing} id(s) in {rows} row(s) name no {ref.target} row{scope} "
                      f"(rows {', '.join(row_examples)}; ids {', '.join(id_examples)})",
                      f"remove the ids from {ref.field}, or restore the {ref.target} rows they name",
                      f"orphan_ids:{where}")


@check(CATEGORY)
def constraints_validated(ctx: AuditContext) -> Iterator[Finding]:
    """Every foreign key and CHECK constraint is validated (one added NOT VALID guards new rows only)."""
    rows = ctx.rows(
        """SELECT n.nspname, c.relname, k.conname, k.contype FROM pg_constraint k
           JOIN pg_class c ON c.oid = k.conrelid JOIN pg_namespace n ON n.oid = c.relnamespace
           WHERE k.contype IN ('f', 'c') AND NOT k.convalidated
             AND n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg\\_%%'
           ORDER BY 1, 2, 3""")
    for schema, table, constraint, kind in rows:
        name = f"{schema}.{table}.{constraint}"
        what, key = ("foreign key", "foreign_key_not_valid") if kind == "f" else ("CHECK constraint", "check_not_valid")
        yield Finding(Level.WARNING, CATEGORY, name,
                      f"the {what} was added NOT VALID and never validated: rows older than it may break it",
                      f"ALTER TABLE {schema}.{table} VALIDATE CONSTRAINT {constraint}", f"{key}:{name}")
