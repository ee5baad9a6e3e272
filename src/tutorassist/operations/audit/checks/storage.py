"""Storage: primary keys, bloat, column types pg_upgrade cannot carry."""

from __future__ import annotations

from collections.abc import Iterator

from tutorassist.operations.audit.context import AuditContext
from tutorassist.operations.audit.findings import Finding, Level
from tutorassist.operations.audit.registry import check

CATEGORY = "storage"
DEAD_TUPLES_MIN = 10_000
DEAD_TUPLES_SHARE = 0.2
"""Dead rows above both bounds mean vacuum is not keeping up (autovacuum's own default threshold is 20%)."""
ESTIMATED_BLOAT_RATIO = 5.0
ESTIMATED_WASTE_BYTES = 20 * 1024 * 1024

_OURS = """n.nspname NOT IN ('pg_catalog', 'information_schema', 'extensions') AND n.nspname NOT LIKE 'pg\\_%%'
           AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.objid = c.oid AND d.deptype = 'e')"""


@check(CATEGORY)
def primary_keys(ctx: AuditContext) -> Iterator[Finding]:
    """Every table has a primary key (rows can be named, replicated and distributed)."""
    rows = ctx.rows(
        f"""SELECT n.nspname, c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
           WHERE c.relkind IN ('r', 'p') AND NOT c.relispartition AND {_OURS}
             AND NOT EXISTS (SELECT 1 FROM pg_index i WHERE i.indrelid = c.oid AND i.indisprimary)
           ORDER BY 1, 2""")
    for schema, table in rows:
        name = f"{schema}.{table}"
        yield Finding(Level.WARNING, CATEGORY, name,
                      "no primary key: rows cannot be named reliably, logical replication cannot update or delete them",
                      f"ALTER TABLE {name} ADD PRIMARY KEY (...) (tenant tables: workspace_id first)",
                      f"no_primary_key:{name}")


@check(CATEGORY)
def dead_tuples(ctx: AuditContext) -> Iterator[Finding]:
    """Dead rows are vacuumed away (pg_stat_user_tables)."""
    rows = ctx.rows(
        """SELECT s.schemaname, s.relname, s.n_dead_tup, s.n_live_tup,
                  greatest(s.last_vacuum, s.last_autovacuum)
           FROM pg_stat_user_tables s
           WHERE s.n_dead_tup >= %s AND s.n_dead_tup > %s * (s.n_live_tup + s.n_dead_tup)
           ORDER BY 1, 2""", (DEAD_TUPLES_MIN, DEAD_TUPLES_SHARE))
    for schema, table, dead, live, vacuumed in rows:
        name = f"{schema}.{table}"
        yield Finding(Level.WARNING, CATEGORY, name,
                      f"{dead} dead rows beside {live} live ones (last vacuumed {vacuumed or 'never'})",
                      f"VACUUM (ANALYZE) {name}; if it recurs, lower autovacuum_vacuum_scale_factor for the table",
                      f"dead_tuples:{name}")


@check(CATEGORY)
def estimated_bloat(ctx: AuditContext) -> Iterator[Finding]:
    """Tables far larger than their rows need (the standard estimate from pg_stats, as in Supabase's splinter)."""
    rows = ctx.rows(
        f"""WITH constants AS (SELECT current_setting('block_size')::numeric AS bs, 23 AS hdr, 4 AS ma),
           widths AS (
             SELECT s.schemaname, s.tablename, k.bs, k.ma,
                    (sum((1 - s.null_frac) * s.avg_width)
                     + (k.hdr + k.ma - (CASE WHEN k.hdr %% k.ma = 0 THEN k.ma ELSE k.hdr %% k.ma END)))::numeric AS datahdr,
                    max(s.null_frac) AS maxfracsum,
                    k.hdr + (SELECT 1 + count(*) / 8 FROM pg_stats s2 WHERE s2.null_frac <> 0
                             AND s2.schemaname = s.schemaname AND s2.tablename = s.tablename) AS nullhdr
             FROM pg_stats s CROSS JOIN constants k GROUP BY 1, 2, 3, 4, k.hdr),
           estimate AS (
             SELECT w.schemaname, w.tablename, c.relpages, w.bs,
                    ceil(c.reltuples * ((w.datahdr + w.ma - (CASE WHEN w.datahdr %% w.ma = 0 THEN w.ma
                                                                  ELSE w.datahdr %% w.ma END))
                                        + w.maxfracsum * (w.nullhdr + w.ma - (CASE WHEN w.nullhdr %% w.ma = 0 THEN w.ma
                                                                                   ELSE w.nullhdr %% w.ma END))
                                        + 4) / (w.bs - 20::float)) AS otta
             FROM widths w
             JOIN pg_namespace n ON n.nspname = w.schemaname
             JOIN pg_class c ON c.relnamespace = n.oid AND c.relname = w.tablename
             WHERE c.relkind = 'r' AND c.relam = (SELECT oid FROM pg_am WHERE amname = 'heap') AND {_OURS})
           SELECT schemaname, tablename, relpages, otta, ((relpages - otta) * bs)::bigint
           FROM estimate
           WHERE relpages > otta AND (relpages - otta) * bs > %s AND relpages > %s * greatest(otta, 1)
           ORDER BY 1, 2""", (ESTIMATED_WASTE_BYTES, ESTIMATED_BLOAT_RATIO))
    for schema, table, pages, needed, waste in rows:
        name = f"{schema}.{table}"
        yield Finding(Level.WARNING, CATEGORY, name,
                      f"{pages} pages where its rows need about {int(needed)}: about {waste / 1048576:.0f} MB wasted",
                      f"VACUUM {name} (frees space for reuse); to give it back, pg_repack or VACUUM FULL (locks the "
                      "table)", f"table_bloat:{name}")


@check(CATEGORY)
def upgradable_column_types(ctx: AuditContext) -> Iterator[Finding]:
    """No column uses a reg* type that pg_upgrade cannot carry (stored oids change between clusters)."""
    rows = ctx.rows(
        f"""SELECT n.nspname, c.relname, a.attname, format_type(a.atttypid, a.atttypmod)
           FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid JOIN pg_namespace n ON n.oid = c.relnamespace
           WHERE a.attnum > 0 AND NOT a.attisdropped AND c.relkind IN ('r', 'p', 'm')
             AND a.atttypid IN ('regcollation'::regtype, 'regconfig'::regtype, 'regdictionary'::regtype,
                                'regnamespace'::regtype, 'regoper'::regtype, 'regoperator'::regtype,
                                'regproc'::regtype, 'regprocedure'::regtype)
             AND {_OURS}
           ORDER BY 1, 2, 3""")
    for schema, table, column, type_ in rows:
        name = f"{schema}.{table}.{column}"
        yield Finding(Level.WARNING, CATEGORY, name, f"a {type_} column: pg_upgrade refuses to upgrade the database",
                      "store the name as text instead", f"unsupported_reg_type:{name}")
