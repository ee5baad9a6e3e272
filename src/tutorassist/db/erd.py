"""The entity-relationship diagram (docs/er-diagram.md), a Mermaid erDiagram read from the live catalog.

Every table of schema public with every column (type and PK/FK/UK marks) and every foreign key as a relationship
whose cardinality follows from the catalog: the referenced side is "exactly one" when the referencing columns are all
NOT NULL and "zero or one" otherwise; the referencing side is "zero or one" when those columns are unique (a primary
key or unique constraint of exactly them) and "zero or many" otherwise.

GitHub renders Mermaid with the library's limits (50,000 characters, 500 edges per diagram). The whole schema fits
today; should it outgrow them, the page is split into one diagram per domain (the package whose models.py maps the
table), each with the tables its foreign keys reach drawn by name only, and the page says so.
"""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

import psycopg

ERD_PATH = Path(__file__).resolve().parents[3] / "docs" / "er-diagram.md"
MERMAID_MAX_TEXT = 50_000
MERMAID_MAX_EDGES = 500
KEY_ORDER = ["PK", "FK", "UK"]


@dataclass
class Column:
    name: str
    type: str
    not_null: bool
    keys: list[str] = field(default_factory=list)


@dataclass
class Table:
    name: str
    columns: list[Column]


@dataclass(frozen=True)
class Relationship:
    parent: str
    child: str
    columns: tuple[str, ...]
    nullable: bool
    unique: bool
    name: str

    def mermaid(self) -> str:
        parent_side = "|o" if self.nullable else "||"
        child_side = "o|" if self.unique else "o{"
        return f'    {self.parent} {parent_side}--{child_side} {self.child} : "{", ".join(self.columns)}"'


def _mermaid_type(sql_type: str) -> str:
    """A column type as one Mermaid word: 'timestamp with time zone' -> timestamptz, numeric(5,2) -> numeric."""
    short = sql_type.replace("extensions.", "").replace(" with time zone", "tz")
    short = short.replace(" without time zone", "")
    short = re.sub(r"\([^)]*,[^)]*\)", "", short)  # Mermaid words hold no commas
    short = short.replace("[]", "_array")
    return re.sub(r"[^A-Za-z0-9_()]", "_", short)


def read_schema(conn: psycopg.Connection) -> tuple[list[Table], list[Relationship]]:
    """Tables (by name) with their columns and key marks, and every foreign key between tables of schema public."""
    tables: dict[str, Table] = {}
    columns: dict[tuple[str, str], Column] = {}
    for table, column, sql_type, not_null in conn.execute(
        """SELECT c.relname, a.attname, format_type(a.atttypid, a.atttypmod), a.attnotnull
           FROM pg_class c JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
           WHERE c.relnamespace = 'public'::regnamespace AND c.relkind IN ('r', 'p') AND NOT c.relispartition
             AND c.relname <> 'alembic_version'
           ORDER BY c.relname, a.attnum"""
    ):
        tables.setdefault(table, Table(table, []))
        columns[(table, column)] = Column(column, _mermaid_type(sql_type), not_null)
        tables[table].columns.append(columns[(table, column)])
    unique_sets: dict[str, set[tuple[str, ...]]] = defaultdict(set)
    relationships: list[Relationship] = []
    constraints = conn.execute(
        """SELECT con.conname, con.contype, c.relname, f.relname,
                  ARRAY(SELECT a.attname FROM unnest(con.conkey) WITH ORDINALITY k(n, i)
                        JOIN pg_attribute a ON a.attrelid = con.conrelid AND a.attnum = k.n ORDER BY k.i)
           FROM pg_constraint con JOIN pg_class c ON c.oid = con.conrelid LEFT JOIN pg_class f ON f.oid = con.confrelid
           WHERE c.relnamespace = 'public'::regnamespace AND con.contype IN ('p', 'u', 'f')
             AND c.relname <> 'alembic_version' AND NOT c.relispartition AND con.conparentid = 0
           ORDER BY c.relname, con.conname"""
    ).fetchall()
    for _name, kind, table, _parent, cols in constraints:
        if kind in ("p", "u"):
            unique_sets[table].add(tuple(sorted(cols)))
    # A unique index that is no constraint still makes its columns unique for a foreign key's cardinality.
    for table, cols in conn.execute(
        """SELECT t.relname, ARRAY(SELECT a.attname FROM unnest(x.indkey) k(n)
                                   JOIN pg_attribute a ON a.attrelid = x.indrelid AND a.attnum = k.n)
           FROM pg_index x JOIN pg_class t ON t.oid = x.indrelid
           WHERE t.relnamespace = 'public'::regnamespace AND NOT t.relispartition AND x.indisunique
             AND x.indpred IS NULL
             AND x.indexprs IS NULL"""
    ):
        unique_sets[table].add(tuple(sorted(cols)))
    for name, kind, table, parent, cols in constraints:
        marks = {"p": "PK", "u": "UK", "f": "FK"}[kind]
        for col in cols:
            column = columns[(table, col)]
            if marks not in column.keys and not (marks == "UK" and "PK" in column.keys):
                column.keys.append(marks)
        if kind == "f":
            relationships.append(Relationship(
                parent=parent, child=table, columns=tuple(cols), name=name,
                nullable=not all(columns[(table, c)].not_null for c in cols),
                unique=tuple(sorted(cols)) in unique_sets[table],
            ))
    for column in columns.values():
        column.keys.sort(key=KEY_ORDER.index)
    return sorted(tables.values(), key=lambda t: t.name), relationships


def _entity(table: Table) -> list[str]:
    lines = [f"    {table.name} {{"]
    for column in table.columns:
        keys = f" {', '.join(column.keys)}" if column.keys else ""
        lines.append(f"        {column.type} {column.name}{keys}")
    return [*lines, "    }"]


def diagram(tables: list[Table], relationships: list[Relationship], stubs: set[str] = frozenset()) -> str:
    """One Mermaid erDiagram block: `tables` in full, `stubs` (tables drawn elsewhere) by name only."""
    lines = ["```mermaid", "erDiagram"]
    for table in tables:
        lines += _entity(table)
    lines += [f"    {name}" for name in sorted(stubs)]
    lines += [rel.mermaid() for rel in sorted(relationships, key=lambda r: (r.parent, r.child, r.columns))]
    return "\n".join([*lines, "```"])


def _fits(block: str, relationships: list[Relationship]) -> bool:
    return len(block) <= MERMAID_MAX_TEXT and len(relationships) <= MERMAID_MAX_EDGES


def table_domains() -> dict[str, str]:
    """Table name -> the domain package whose models.py maps it ('identity', 'questions', ...)."""
    from tutorassist.db.models import Base

    return {mapper.local_table.name: mapper.class_.__module__.split(".")[1] for mapper in Base.registry.mappers}


def render(conn: psycopg.Connection) -> str:
    tables, relationships = read_schema(conn)
    out = [
        "# Entity-relationship diagram",
        "",
        "Generated from the live catalog by `tutorassist db docs` on a database migrated to head; a test keeps it equal "
        "to what the migrations produce. Every table of schema `public` with every column (type; `PK` primary key, `FK` "
        "foreign key, `UK` part of a unique constraint) and every foreign key, labelled with its referencing columns. Cardinality: `||` the "
        "referencing columns are NOT NULL (exactly one), `|o` one of them may be null (zero or one); `o{` many rows may "
        "reference one, `o|` the referencing columns are unique (zero or one). Descriptions of every table and column: "
        "[data-dictionary.md](data-dictionary.md).",
        "",
    ]
    whole = diagram(tables, relationships)
    if _fits(whole, relationships):
        out += [f"One diagram: {len(tables)} tables, {len(relationships)} relationships, {len(whole):,} characters "
                f"(GitHub's Mermaid draws up to {MERMAID_MAX_TEXT:,} characters and {MERMAID_MAX_EDGES} relationships).",
                "", whole]
        return "\n".join(out) + "\n"
    domains = table_domains()
    by_domain: dict[str, list[Table]] = defaultdict(list)
    for table in tables:
        by_domain[domains.get(table.name, "other")].append(table)
    out += [f"The whole schema ({len(tables)} tables, {len(relationships)} relationships, {len(whole):,} characters) "
            f"is too large for one diagram on GitHub (at most {MERMAID_MAX_TEXT:,} characters and {MERMAID_MAX_EDGES} "
            "relationships), so it is split by domain: each diagram draws its domain's tables in full and the tables "
            "of other domains its foreign keys reach by name only."]
    for domain, members in sorted(by_domain.items()):
        names = {t.name for t in members}
        rels = [r for r in relationships if r.child in names or r.parent in names]
        stubs = {n for r in rels for n in (r.parent, r.child)} - names
        out += ["", f"## {domain}", "", diagram(members, rels, stubs)]
    return "\n".join(out) + "\n"


def write(conn: psycopg.Connection, path: Path = ERD_PATH) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(render(conn))
    return path
