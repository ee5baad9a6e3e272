"""A normalised description of everything our migrations create, read from the live catalog.

Two databases built by the same migrations on the same server describe identically; any drift (a dropped index, an
edited function, a policy changed by hand) shows up as a differing entry. Keys are stable names, values are the
server's own rendering of each object (pg_get_*def), so a difference reads like the SQL that changed.
"""

from __future__ import annotations

import re
from typing import Any

import psycopg

SCHEMAS = ("public", "app")
IGNORED_TABLES = ("alembic_version",)

_QUERIES: dict[str, str] = {
    "schemas": """
        SELECT nspname, coalesce(obj_description(oid, 'pg_namespace'), '')
        FROM pg_namespace WHERE nspname = ANY(%(schemas)s) OR nspname = 'extensions'
    """,
    "extensions": """
        SELECT extname, extnamespace::regnamespace::text FROM pg_extension WHERE extname <> 'plpgsql'
    """,
    "relations": """
        SELECT n.nspname || '.' || c.relname,
               concat_ws(' ', 'kind=' || c.relkind::text,
                         CASE WHEN c.relrowsecurity THEN 'rls' END,
                         CASE WHEN c.relforcerowsecurity THEN 'force_rls' END,
                         'comment=' || coalesce(obj_description(c.oid, 'pg_class'), '<none>'))
        FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
        WHERE n.nspname = ANY(%(schemas)s) AND c.relkind IN ('r', 'p', 'v', 'm')
          AND c.relname <> ALL(%(ignored)s)
    """,
    "columns": """
        SELECT c.relname || '.' || a.attname,
               concat_ws(' ', format_type(a.atttypid, a.atttypmod),
                         CASE WHEN a.attnotnull THEN 'not null' END,
                         CASE WHEN a.attidentity <> '' THEN 'identity=' || a.attidentity::text END,
                         CASE WHEN a.attgenerated <> '' THEN 'generated=' || pg_get_expr(d.adbin, d.adrelid)
                              WHEN d.adbin IS NOT NULL THEN 'default=' || pg_get_expr(d.adbin, d.adrelid) END,
                         'comment=' || coalesce(col_description(c.oid, a.attnum), '<none>'))
        FROM pg_attribute a
        JOIN pg_class c ON c.oid = a.attrelid JOIN pg_namespace n ON n.oid = c.relnamespace
        LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
        WHERE n.nspname = ANY(%(schemas)s) AND c.relkind IN ('r', 'p', 'v', 'm')
          AND c.relname <> ALL(%(ignored)s) AND a.attnum > 0 AND NOT a.attisdropped
    """,
    "constraints": """
        SELECT c.relname || '.' || con.conname, pg_get_constraintdef(con.oid)
        FROM pg_constraint con JOIN pg_class c ON c.oid = con.conrelid JOIN pg_namespace n ON n.oid = c.relnamespace
        WHERE n.nspname = ANY(%(schemas)s) AND c.relname <> ALL(%(ignored)s)
    """,
    "indexes": """
        SELECT n.nspname || '.' || i.relname, pg_get_indexdef(i.oid)
        FROM pg_index x JOIN pg_class i ON i.oid = x.indexrelid JOIN pg_class t ON t.oid = x.indrelid
        JOIN pg_namespace n ON n.oid = i.relnamespace
        WHERE n.nspname = ANY(%(schemas)s) AND t.relname <> ALL(%(ignored)s)
    """,
    "functions": """
        SELECT p.oid::regprocedure::text,
               pg_get_functiondef(p.oid) || ' comment=' || coalesce(obj_description(p.oid, 'pg_proc'), '<none>')
        FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
        WHERE n.nspname = ANY(%(schemas)s) AND p.prokind IN ('f', 'p')
          AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.objid = p.oid AND d.deptype = 'e')
    """,
    "triggers": """
        SELECT c.relname || '.' || t.tgname, pg_get_triggerdef(t.oid) || CASE t.tgenabled WHEN 'D' THEN ' DISABLED' ELSE '' END
        FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid JOIN pg_namespace n ON n.oid = c.relnamespace
        WHERE NOT t.tgisinternal AND n.nspname = ANY(%(schemas)s)
    """,
    "policies": """
        SELECT tablename || '.' || policyname,
               concat_ws(' ', permissive, cmd, 'to=' || array_to_string(roles, ','), 'using=' || qual,
                         'check=' || with_check)
        FROM pg_policies WHERE schemaname = ANY(%(schemas)s)
    """,
    "views": """
        SELECT n.nspname || '.' || c.relname, pg_get_viewdef(c.oid) || coalesce(' options=' || array_to_string(c.reloptions, ','), '')
        FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
        WHERE n.nspname = ANY(%(schemas)s) AND c.relkind IN ('v', 'm')
    """,
    "grants": """
        SELECT table_name || ' to ' || grantee, string_agg(privilege_type, ',' ORDER BY privilege_type)
        FROM information_schema.role_table_grants
        WHERE table_schema = ANY(%(schemas)s) AND grantee = 'tutorassist_app'
        GROUP BY table_name, grantee
        UNION ALL
        SELECT c.table_name || '.' || c.column_name || ' to ' || c.grantee,
               string_agg(c.privilege_type, ',' ORDER BY c.privilege_type)
        FROM information_schema.column_privileges c
        WHERE c.table_schema = ANY(%(schemas)s) AND c.grantee = 'tutorassist_app'
          AND NOT EXISTS (SELECT 1 FROM information_schema.role_table_grants t
                          WHERE t.table_schema = c.table_schema AND t.table_name = c.table_name
                            AND t.grantee = c.grantee AND t.privilege_type = c.privilege_type)
        GROUP BY c.table_name, c.column_name, c.grantee
    """,
    "function_grants": """
        SELECT p.oid::regprocedure::text, 'execute'
        FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
        WHERE n.nspname = ANY(%(schemas)s) AND has_function_privilege('tutorassist_app', p.oid, 'EXECUTE')
          AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.objid = p.oid AND d.deptype = 'e')
          AND EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'tutorassist_app')
    """,
}

_SPACES = re.compile(r"\s+")
_SINGULAR = {"policies": "policy", "indexes": "index", "function_grants": "function grant"}


def describe(conn: psycopg.Connection) -> dict[str, dict[str, str]]:
    """kind -> object name -> normalised definition, for every object of our schemas."""
    params: dict[str, Any] = {"schemas": list(SCHEMAS), "ignored": list(IGNORED_TABLES)}
    result: dict[str, dict[str, str]] = {}
    for kind, sql in _QUERIES.items():
        rows = conn.execute(sql, params).fetchall()
        result[kind] = {name: _SPACES.sub(" ", definition).strip() for name, definition in rows}
    return result


def diff(expected: dict[str, dict[str, str]], actual: dict[str, dict[str, str]]) -> list[str]:
    """Human-readable differences, one per object: missing, unexpected, or changed."""
    problems: list[str] = []
    for kind in sorted(set(expected) | set(actual)):
        want, have = expected.get(kind, {}), actual.get(kind, {})
        singular = _SINGULAR.get(kind, kind.rstrip("s"))
        for name in sorted(set(want) - set(have)):
            problems.append(f"missing {singular} {name}: expected {want[name]}")
        for name in sorted(set(have) - set(want)):
            problems.append(f"unexpected {singular} {name}: {have[name]}")
        for name in sorted(set(want) & set(have)):
            if want[name] != have[name]:
                problems.append(f"changed {singular} {name}: expected {want[name]!r}, found {have[name]!r}")
    return problems
