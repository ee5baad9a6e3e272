"""`tutorassist db docs`: the ER diagram's shapes and cardinalities, and --check naming what is stale."""

from __future__ import annotations

import re

from tests.db.test_migrations import cli
from tutorassist.db import erd
from tutorassist.db.connection import connect
from tutorassist.db.generated_docs import GENERATED


def _relationship_lines(text: str) -> set[str]:
    return {line.strip() for line in text.splitlines() if re.search(r" [|o}{]{2}--[|o}{]{2} ", line)}


def test_every_table_and_foreign_key_is_drawn(db_url):
    with connect(db_url) as conn:
        text = erd.render(conn)
        tables = {r[0] for r in conn.execute(
            "SELECT relname FROM pg_class WHERE relnamespace = 'public'::regnamespace AND relkind = 'r' "
            "AND relname <> 'alembic_version'")}
        foreign_keys = conn.execute(
            "SELECT count(*) FROM pg_constraint WHERE contype = 'f' AND connamespace = 'public'::regnamespace").fetchone()[0]
    assert {t for t in tables if f"    {t} {{" in text} == tables
    assert len(_relationship_lines(text)) == foreign_keys
    lines = _relationship_lines(text)
    # NOT NULL references are "exactly one", nullable ones "zero or one"; a tenant's own tree refers to itself.
    assert 'workspaces ||--o{ topics : "workspace_id"' in lines
    assert 'topics |o--o{ topics : "workspace_id, parent_id"' in lines
    assert 'assignment_items |o--o{ attempts : "workspace_id, assignment_id, question_id"' in lines
    assert "        uuid workspace_id PK, FK" in text
    assert text.count("```mermaid") == 1 and len(text) < erd.MERMAID_MAX_TEXT


def test_cardinality_follows_nullability_and_uniqueness(db_url):
    with connect(db_url, autocommit=True) as conn:
        conn.execute("""CREATE TABLE erd_parent (id int PRIMARY KEY, code text UNIQUE, price numeric(5,2),
                                                 at timestamp without time zone, tags text[]);
                        CREATE TABLE erd_one (parent_id int NOT NULL UNIQUE REFERENCES erd_parent);
                        CREATE TABLE erd_maybe (parent_id int REFERENCES erd_parent);
                        CREATE TABLE erd_index_unique (parent_id int REFERENCES erd_parent);
                        CREATE UNIQUE INDEX ON erd_index_unique (parent_id);
                        CREATE TABLE erd_parted (at int NOT NULL, parent_id int REFERENCES erd_parent)
                          PARTITION BY RANGE (at);
                        CREATE TABLE erd_parted_early PARTITION OF erd_parted FOR VALUES FROM (0) TO (10)""")
        tables, relationships = erd.read_schema(conn)
    drawn = {rel.child: rel.mermaid().strip() for rel in relationships if rel.parent == "erd_parent"}
    assert drawn == {
        "erd_one": 'erd_parent ||--o| erd_one : "parent_id"',
        "erd_maybe": 'erd_parent |o--o{ erd_maybe : "parent_id"',
        "erd_index_unique": 'erd_parent |o--o| erd_index_unique : "parent_id"',
        "erd_parted": 'erd_parent |o--o{ erd_parted : "parent_id"',  # a partitioned table once, not per partition
    }
    assert "erd_parted_early" not in {t.name for t in tables}
    parent = next(t for t in tables if t.name == "erd_parent")
    assert [(c.type, c.name, c.keys) for c in parent.columns] == [
        ("integer", "id", ["PK"]), ("text", "code", ["UK"]), ("numeric", "price", []),
        ("timestamp", "at", []), ("text_array", "tags", [])]


def test_too_large_a_schema_is_split_by_domain(db_url, monkeypatch):
    monkeypatch.setattr(erd, "MERMAID_MAX_TEXT", 2_000)
    with connect(db_url) as conn:
        text = erd.render(conn)
    assert "too large for one diagram" in text
    sections = re.findall(r"^## (\w+)$", text, flags=re.M)
    assert {"identity", "questions", "learning", "assignments"} <= set(sections)
    assert text.count("```mermaid") == len(sections)
    # every table is drawn in full exactly once, in its domain's diagram
    assert text.count("    topics {") == 1 and text.count("    users {") == 1


def test_check_names_the_stale_files_and_writes_nothing(db_url):
    env = {"DATABASE_URL": db_url}
    fresh = cli("db", "docs", "--check", env_extra=env)
    assert fresh.returncode == 0, fresh.stdout + fresh.stderr
    before = {path: path.read_text() for path in GENERATED}
    with connect(db_url, autocommit=True) as conn:
        conn.execute("CREATE TABLE scratch (id int PRIMARY KEY); COMMENT ON TABLE scratch IS 'A table no migration made'")
    stale = cli("db", "docs", "--check", env_extra=env)
    assert stale.returncode == 1
    assert "stale: data-dictionary.md" in stale.stderr and "stale: er-diagram.md" in stale.stderr
    assert "Traceback" not in stale.stdout + stale.stderr
    assert {path: path.read_text() for path in GENERATED} == before
    unreachable = cli("db", "docs", "--check", env_extra={"DATABASE_URL": "postgresql://nobody@/nodb?host=/nonexistent"})
    assert unreachable.returncode == 2 and "cannot connect to the database" in unreachable.stderr
