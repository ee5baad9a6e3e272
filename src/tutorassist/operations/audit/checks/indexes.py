"""Indexes: foreign keys covered, none invalid, duplicated or unused, and every vector column searchable by an
approximate-nearest-neighbour index."""

from __future__ import annotations

import re
from collections.abc import Iterator

from tutorassist.operations.audit.context import AuditContext
from tutorassist.operations.audit.findings import Finding, Level
from tutorassist.operations.audit.registry import check

CATEGORY = "indexes"
LARGE_UNUSED_INDEX_BYTES = 64 * 1024 * 1024
"""An unused index this large costs real write time and cache: a warning, not just information."""

_OURS = """n.nspname NOT IN ('pg_catalog', 'information_schema', 'extensions') AND n.nspname NOT LIKE 'pg\\_%%'
           AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.objid = c.oid AND d.deptype = 'e')"""


_NOT_NULL_TERM = re.compile(r"^\(*\s*([a-z_][a-z0-9_]*)\s+IS\s+NOT\s+NULL\s*\)*$", re.IGNORECASE)


def covers_foreign_key(predicate: str | None, columns: list[str]) -> bool:
    """A (partial) index serves the foreign key's lookups: no predicate, or one that only excludes rows whose
    foreign key columns are NULL (such rows reference nothing, so the lookup never needs them)."""
    if predicate is None:
        return True
    terms = re.split(r"\s+AND\s+", predicate.strip(), flags=re.IGNORECASE)
    for term in terms:
        match = _NOT_NULL_TERM.match(term.strip())
        if not match or match.group(1) not in columns:
            return False
    return True


@check(CATEGORY)
def unindexed_foreign_keys(ctx: AuditContext) -> Iterator[Finding]:
    """Every foreign key's columns lead a valid index (or deleting a parent row scans the child table)."""
    rows = ctx.rows(
        f"""SELECT n.nspname, c.relname, k.conname,
                  array(SELECT a.attname::text FROM unnest(k.conkey) WITH ORDINALITY AS u(num, pos)
                        JOIN pg_attribute a ON a.attrelid = k.conrelid AND a.attnum = u.num ORDER BY u.pos),
                  array(SELECT coalesce(pg_get_expr(i.indpred, i.indrelid), '') FROM pg_index i
                        WHERE i.indrelid = k.conrelid AND i.indisvalid
                          AND (string_to_array(i.indkey::text, ' ')::smallint[])[1:cardinality(k.conkey)] @> k.conkey
                          AND (string_to_array(i.indkey::text, ' ')::smallint[])[1:cardinality(k.conkey)] <@ k.conkey)
           FROM pg_constraint k JOIN pg_class c ON c.oid = k.conrelid JOIN pg_namespace n ON n.oid = c.relnamespace
           WHERE k.contype = 'f' AND {_OURS}
           ORDER BY 1, 2, 3""")
    for schema, table, constraint, columns, predicates in rows:
        if any(covers_foreign_key(p or None, columns) for p in predicates):
            continue
        name = f"{schema}.{table}"
        yield Finding(Level.WARNING, CATEGORY, f"{name}.{constraint}",
                      f"no index leads with the foreign key's columns ({', '.join(columns)}) for every row: deleting "
                      "or re-keying a referenced row scans the whole table",
                      f"CREATE INDEX ON {name} ({', '.join(columns)}) (in a migration)",
                      f"unindexed_foreign_key:{name}.{constraint}")


@check(CATEGORY)
def invalid_indexes(ctx: AuditContext) -> Iterator[Finding]:
    """No index is invalid (a failed CREATE INDEX CONCURRENTLY leaves one that costs writes and serves no read)."""
    rows = ctx.rows(
        f"""SELECT n.nspname, ic.relname, c.relname FROM pg_index i
           JOIN pg_class ic ON ic.oid = i.indexrelid JOIN pg_class c ON c.oid = i.indrelid
           JOIN pg_namespace n ON n.oid = c.relnamespace
           WHERE NOT i.indisvalid AND {_OURS} ORDER BY 1, 2""")
    for schema, index, table in rows:
        yield Finding(Level.ERROR, CATEGORY, f"{schema}.{index}",
                      f"the index on {schema}.{table} is invalid: every write maintains it, no query can use it",
                      f"DROP INDEX CONCURRENTLY {schema}.{index}; then create it again",
                      f"invalid_index:{schema}.{index}")


@check(CATEGORY)
def duplicate_indexes(ctx: AuditContext) -> Iterator[Finding]:
    """No two indexes of a table have the same definition."""
    rows = ctx.rows(
        f"""SELECT n.nspname, c.relname, array_agg(ic.relname::text ORDER BY ic.relname)
           FROM pg_index i JOIN pg_class ic ON ic.oid = i.indexrelid JOIN pg_class c ON c.oid = i.indrelid
           JOIN pg_namespace n ON n.oid = c.relnamespace
           WHERE {_OURS}
           GROUP BY 1, 2, replace(pg_get_indexdef(i.indexrelid), quote_ident(ic.relname), '')
           HAVING count(*) > 1 ORDER BY 1, 2, 3""")
    for schema, table, names in rows:
        yield Finding(Level.WARNING, CATEGORY, f"{schema}.{table}",
                      f"identical indexes {', '.join(names)}: every write maintains each of them",
                      f"DROP INDEX {schema}.{names[-1]} (keep one; mind a constraint that owns one)",
                      f"duplicate_index:{schema}.{'+'.join(names)}")


@check(CATEGORY)
def unused_indexes(ctx: AuditContext) -> Iterator[Finding]:
    """Indexes never scanned since the statistics were reset (information; a warning when large)."""
    rows = ctx.rows(
        f"""SELECT n.nspname, ic.relname, c.relname, pg_relation_size(i.indexrelid)
           FROM pg_stat_user_indexes s JOIN pg_index i ON i.indexrelid = s.indexrelid
           JOIN pg_class ic ON ic.oid = i.indexrelid JOIN pg_class c ON c.oid = i.indrelid
           JOIN pg_namespace n ON n.oid = c.relnamespace
           WHERE s.idx_scan = 0 AND NOT i.indisunique AND NOT i.indisprimary AND {_OURS}
           ORDER BY 1, 2""")
    for schema, index, table, size in rows:
        large = size >= LARGE_UNUSED_INDEX_BYTES
        yield Finding(Level.WARNING if large else Level.INFO, CATEGORY, f"{schema}.{index}",
                      f"never scanned since the statistics were reset ({size / 1048576:.1f} MB on {schema}.{table}); "
                      "meaningless on a database that has not served its usual load yet",
                      "after a representative period, drop it if nothing needs it",
                      f"unused_index:{schema}.{index}")


@check(CATEGORY)
def vector_columns_indexed(ctx: AuditContext) -> Iterator[Finding]:
    """Every vector column has an HNSW or IVFFlat index, and every embedding model stored in it has its own."""
    columns = ctx.rows(
        f"""SELECT n.nspname, c.relname, a.attname, c.oid, a.attnum,
                  EXISTS (SELECT 1 FROM pg_attribute m WHERE m.attrelid = c.oid AND m.attname = 'embedding_model'
                          AND NOT m.attisdropped)
           FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid JOIN pg_namespace n ON n.oid = c.relnamespace
           JOIN pg_type t ON t.oid = a.atttypid
           WHERE t.typname IN ('vector', 'halfvec', 'sparsevec') AND c.relkind IN ('r', 'p', 'm')
             AND a.attnum > 0 AND NOT a.attisdropped AND {_OURS}
           ORDER BY 1, 2, 3""")
    for schema, table, column, oid, attnum, per_model in columns:
        name = f"{schema}.{table}.{column}"
        # An index "on" the column: the column itself or an expression over it (a per-model cast, say).
        indexes = ctx.rows(
            """SELECT pg_get_expr(i.indpred, i.indrelid) FROM pg_index i
               JOIN pg_class ic ON ic.oid = i.indexrelid JOIN pg_am am ON am.oid = ic.relam
               WHERE i.indrelid = %s AND am.amname IN ('hnsw', 'ivfflat')
                 AND (%s = ANY(string_to_array(i.indkey::text, ' ')::smallint[])
                      OR EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_class'::regclass
                                 AND d.objid = i.indexrelid AND d.refobjid = i.indrelid AND d.refobjsubid = %s))""",
            (oid, attnum, attnum))
        if not indexes:
            yield Finding(Level.WARNING, CATEGORY, name,
                          "no HNSW or IVFFlat index: every similarity search reads every row",
                          f"CREATE INDEX ON {schema}.{table} USING hnsw ({column} vector_cosine_ops)",
                          f"vector_without_ann:{name}")
            continue
        if not per_model:
            continue
        predicates = [p or "" for (p,) in indexes]
        models = ctx.rows(f'SELECT DISTINCT embedding_model FROM "{schema}"."{table}" ORDER BY 1')
        for (model,) in models:
            literal = "'" + str(model).replace("'", "''") + "'::text"
            if not any(literal in p for p in predicates) and "" not in predicates:
                yield Finding(Level.WARNING, CATEGORY, f"{name} [{model}]",
                              f"rows of the embedding model {model!r} have no ANN index of their own: its similarity "
                              "searches read every row", "register the model with SELECT app.ensure_embedding_index(model, dimensions, "
                              "provider) in a migration; it creates the model's partial HNSW index",
                              f"vector_without_ann:{name}[{model}]")
