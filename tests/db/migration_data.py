"""Representative rows for whatever schema a revision has, built from the live catalog, and snapshots to compare.

The walk over the revision chain must cover migrations written after this file, so rows are not hand-written per
table: each step inserts one row into every table of schema public, parents first, filling the columns that need a
value from the catalog (foreign keys from the rows this step just made; values that satisfy `col IN (...)` checks;
typed values otherwise). Where that is not enough for a table (a check the catalog cannot explain), add its column to
OVERRIDES: the walk names the table and the database's refusal.
"""

from __future__ import annotations

import json
import re
import uuid
from dataclasses import dataclass, field
from graphlib import CycleError, TopologicalSorter

import psycopg
from psycopg import sql

# Values the catalog cannot explain: (table, column) -> SQL expression. {step} is replaced by the step's number.
# They win over values from a parent row, so NULL leaves an optional reference empty.
OVERRIDES: dict[tuple[str, str], str] = {
    ("invite_tokens", "used_by"): "NULL",  # used_at and used_by are set together, when the invite is accepted
    ("sessions", "scheduled_end"): "now() + interval '1 day 1 hour'",
    ("questions", "answer_spec"): """'{"type": "number", "value": "2"}'::jsonb""",
    ("question_embeddings", "embedding"): "array_fill(0.1, ARRAY[384])::real[]::extensions.vector",
    ("embedding_models", "dimensions"): "384",
    ("audit_log", "after_json"): "'{}'::jsonb",
}
_ENUM = re.compile(r"^CHECK \(\((\w+) = ANY \(ARRAY\['([^']*)'")


@dataclass
class TableShape:
    name: str
    columns: dict[str, tuple[str, bool, bool]]  # name -> (type, needs a value, nullable)
    foreign_keys: list[tuple[str, list[str], list[str]]] = field(default_factory=list)  # parent, columns, parent columns
    enums: dict[str, str] = field(default_factory=dict)
    jsonb_arrays: set[str] = field(default_factory=set)
    primary_key: list[str] = field(default_factory=list)


def shapes(conn: psycopg.Connection) -> dict[str, TableShape]:
    tables: dict[str, TableShape] = {}
    for table, column, sql_type, needs_value, nullable in conn.execute(
        """SELECT c.relname, a.attname, format_type(a.atttypid, a.atttypmod),
                  a.attnotnull AND NOT a.atthasdef AND a.attidentity = '' AND a.attgenerated = '', NOT a.attnotnull
           FROM pg_class c JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
           WHERE c.relnamespace = 'public'::regnamespace AND c.relkind IN ('r', 'p') AND NOT c.relispartition
             AND c.relname <> 'alembic_version'
             AND a.attgenerated = '' AND a.attidentity = ''
           ORDER BY c.relname, a.attnum"""
    ):
        tables.setdefault(table, TableShape(table, {})).columns[column] = (sql_type, needs_value, nullable)
    for table, kind, parent, cols, parent_cols, definition in conn.execute(
        """SELECT c.relname, con.contype, f.relname,
                  ARRAY(SELECT a.attname FROM unnest(con.conkey) WITH ORDINALITY k(n, i)
                        JOIN pg_attribute a ON a.attrelid = con.conrelid AND a.attnum = k.n ORDER BY k.i),
                  ARRAY(SELECT a.attname FROM unnest(con.confkey) WITH ORDINALITY k(n, i)
                        JOIN pg_attribute a ON a.attrelid = con.confrelid AND a.attnum = k.n ORDER BY k.i),
                  pg_get_constraintdef(con.oid)
           FROM pg_constraint con JOIN pg_class c ON c.oid = con.conrelid LEFT JOIN pg_class f ON f.oid = con.confrelid
           WHERE c.relnamespace = 'public'::regnamespace AND con.contype IN ('f', 'c', 'p') AND con.conparentid = 0
           ORDER BY c.relname, con.conname"""
    ):
        if table not in tables:
            continue
        shape = tables[table]
        if kind == "f":
            shape.foreign_keys.append((parent, cols, parent_cols))
        elif kind == "p":
            shape.primary_key = cols
        elif match := _ENUM.match(definition):
            shape.enums[match.group(1)] = match.group(2)
        elif "jsonb_typeof" in definition and "'array'" in definition and len(cols) == 1:
            shape.jsonb_arrays.add(cols[0])
    return tables


def _typed_value(shape: TableShape, column: str, sql_type: str, step: int, lower: bool) -> sql.Composable:
    if column in shape.enums:
        return sql.Literal(shape.enums[column])
    unique = uuid.uuid4().hex.upper()
    if "citext" in sql_type or column.endswith("email"):
        return sql.Literal(f"step{step}.{unique[:12].lower()}@example.test")
    if sql_type.startswith(("text", "character")) and column.endswith(("hash", "sha256")):
        return sql.Literal(uuid.uuid4().hex * 2)  # 64 hex digits, as a SHA-256 is stored
    if sql_type.startswith(("text", "character")):
        # Upper case satisfies the name, code (^[A-Za-z0-9_.-]{1,40}$), job type (^[A-Z][A-Z0-9_]{2,63}$) and hash length checks.
        text = f"W{step}_{unique}"[:40]
        return sql.Literal(text.lower() if lower else text)
    if sql_type == "jsonb":
        return sql.SQL("'[]'::jsonb" if column in shape.jsonb_arrays else "'{}'::jsonb")
    if sql_type.endswith("[]"):
        return sql.SQL("'{}'")
    if sql_type in ("uuid",):
        return sql.SQL("gen_random_uuid()")
    if sql_type.startswith(("timestamp", "date")):
        return sql.SQL("now() + interval '1 day'")  # a time that must be set is mostly one that must come later
    if sql_type == "boolean":
        return sql.Literal(False)
    if sql_type == "bytea":
        return sql.SQL("'\\x00ff'::bytea")
    if sql_type == "inet":
        return sql.Literal("192.0.2.1")
    return sql.SQL("1")  # integers, numerics, reals: 1 passes every range check of this schema


def _order(tables: dict[str, TableShape]) -> list[str]:
    graph = {name: {p for p, _c, _pc in shape.foreign_keys if p != name and p in tables} for name, shape in tables.items()}
    try:
        return list(TopologicalSorter(graph).static_order())
    except CycleError:  # a cycle of foreign keys: whatever cannot be filled in this order is reported by the walk
        return sorted(tables)


def _insert(conn: psycopg.Connection, shape: TableShape, made: dict[str, dict], step: int, *, optional_parents: bool,
            lower: bool) -> dict:
    values: dict[str, sql.Composable] = {
        column: sql.SQL(expression.replace("{step}", str(step)))
        for (table, column), expression in OVERRIDES.items() if table == shape.name and column in shape.columns}
    for parent, cols, parent_cols in shape.foreign_keys:
        # one null column switches a foreign key off; generated columns (absent from `columns`) are never null here
        required = not any(shape.columns.get(c, ("", False, False))[2] for c in cols)
        if parent == shape.name or not (required or optional_parents):
            continue  # a self-reference stays empty: it is nullable, or the table could have no first row
        if (row := made.get(parent)) is None:
            if required:
                raise LookupError(f"no row in its parent {parent}")
            continue
        for col, parent_col in zip(cols, parent_cols):
            if col in shape.columns:
                values.setdefault(col, sql.Literal(row[parent_col]))
    for column, (sql_type, needs_value, _nullable) in shape.columns.items():
        if column not in values and needs_value:
            values[column] = _typed_value(shape, column, sql_type, step, lower)
    table = sql.Identifier(shape.name)
    if values:
        statement = sql.SQL("INSERT INTO {} ({}) VALUES ({}) RETURNING to_jsonb({}.*)").format(
            table, sql.SQL(", ").join(map(sql.Identifier, values)), sql.SQL(", ").join(values.values()), table)
    else:
        statement = sql.SQL("INSERT INTO {} DEFAULT VALUES RETURNING to_jsonb({}.*)").format(table, table)
    with conn.transaction():
        return conn.execute(statement).fetchone()[0]


def seed_step(conn: psycopg.Connection, step: int) -> dict[str, str]:
    """One new row in every table (parents first); returns table -> why it could not be inserted.

    Each table is tried with its nullable foreign keys filled (more representative) and then without (a check may tie
    them to other columns), each with upper- and then lower-case text."""
    tables = shapes(conn)
    made: dict[str, dict] = {}
    refused: dict[str, str] = {}
    for name in _order(tables):
        for optional_parents, lower in ((True, False), (True, True), (False, False), (False, True)):
            try:
                made[name] = _insert(conn, tables[name], made, step, optional_parents=optional_parents, lower=lower)
                refused.pop(name, None)
                break
            except LookupError as exc:
                refused[name] = str(exc)
                break
            except psycopg.Error as exc:
                refused.setdefault(name, str(exc).splitlines()[0])
    return refused


def snapshot(conn: psycopg.Connection) -> dict[str, dict[str, dict]]:
    """table -> primary key (as JSON) -> the row as JSON, for every table of schema public."""
    result: dict[str, dict[str, dict]] = {}
    for name, shape in shapes(conn).items():
        rows = conn.execute(sql.SQL("SELECT to_jsonb(t) FROM {} t").format(sql.Identifier(name))).fetchall()
        key_columns = shape.primary_key or sorted(shape.columns)
        result[name] = {json.dumps([row[c] for c in key_columns]): row for (row,) in rows}
    return result


def lost_or_changed(before: dict[str, dict[str, dict]], after: dict[str, dict[str, dict]],
                    expected: set[tuple[str, str]] = frozenset()) -> list[str]:
    """Rows of `before` missing from `after` or with a different value in a column both have; `expected` names
    (table, column) changes a migration makes on purpose."""
    problems = []
    for table, rows in before.items():
        if table not in after:
            continue
        for key, row in rows.items():
            now = after[table].get(key)
            if now is None:
                problems.append(f"{table} {key}: row lost")
                continue
            for column in sorted(set(row) & set(now)):
                if row[column] != now[column] and (table, column) not in expected:
                    problems.append(f"{table}.{column} {key}: {row[column]!r} became {now[column]!r}")
    return problems
