"""Tenant isolation, proven table by table through the application role (and, for references, past it)."""

from __future__ import annotations

import json

import psycopg
import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from tests.factories import Tenant, every_tenant_table
from tutorassist.db.connection import acting
from tutorassist.db.verify import tenant_tables

EXPECTED_TENANT_TABLES = {
    "workspaces", "workspace_members", "student_profiles", "invite_tokens", "jobs", "topics", "source_materials",
    "question_batches", "questions", "question_programs", "question_grade_levels", "question_embeddings",
    "question_history", "assignments", "assignment_items", "attempts", "spaced_repetition", "question_flags",
    "tutor_feedback", "sessions", "oauth_connections", "pdf_exports", "ai_usage_log", "student_progress_snapshots",
    "audit_log", "review_events", "question_stats", "student_topic_state", "attempts_archive", "audit_log_archive",
    "ai_usage_monthly", "question_item_statistics", "topic_wrong_answer_notes", "item_statistics_refreshes", "analytics_daily",
}


def ws_column(table: str) -> str:
    return "id" if table == "workspaces" else "workspace_id"


@pytest.fixture
def tenants(owner) -> tuple[Tenant, Tenant]:
    return every_tenant_table(owner, "A"), every_tenant_table(owner, "B")


def privileged_columns(owner, table: str, privilege: str) -> list[str]:
    rows = owner.execute(
        """SELECT a.attname FROM pg_attribute a
           WHERE a.attrelid = %s::regclass AND a.attnum > 0 AND NOT a.attisdropped AND a.attgenerated = ''
             AND has_column_privilege('tutorassist_app', a.attrelid, a.attnum, %s) ORDER BY a.attnum""",
        (table, privilege),
    ).fetchall()
    return [r[0] for r in rows]


def count_in(owner, table: str, ws) -> int:
    return owner.execute(f"SELECT count(*) FROM {table} WHERE {ws_column(table)} = %s", (ws,)).fetchone()[0]


def test_tenant_tables_are_the_expected_ones(owner):
    assert set(tenant_tables(owner)) == EXPECTED_TENANT_TABLES


def test_every_tenant_table_is_populated_for_both_tenants(owner, tenants):
    a, b = tenants
    empty = [(t, label) for t in EXPECTED_TENANT_TABLES for label, ws in (("A", a.workspace_id), ("B", b.workspace_id))
             if count_in(owner, t, ws) == 0]
    assert empty == []


def test_member_reads_only_own_workspace(app_db, owner, tenants):
    """Staff see every row of their workspace and none of another; tests/db/test_role_matrix.py covers learners."""
    a, b = tenants
    with acting(app_db, a.tutor_id, a.workspace_id) as conn:
        for table in sorted(EXPECTED_TENANT_TABLES):
            col = ws_column(table)
            seen_b = conn.execute(text(f"SELECT count(*) FROM {table} WHERE {col} = :b"), {"b": b.workspace_id}).scalar()
            seen_a = conn.execute(text(f"SELECT count(*) FROM {table} WHERE {col} = :a"), {"a": a.workspace_id}).scalar()
            assert seen_b == 0, table
            assert seen_a == count_in(owner, table, a.workspace_id), table


def test_acting_workspace_narrows_to_one_membership(app_db, owner, tenants):
    a, b = tenants
    owner.execute("INSERT INTO workspace_members (workspace_id, user_id, role) VALUES (%s, %s, 'tutor')", (b.workspace_id, a.tutor_id))
    with acting(app_db, a.tutor_id) as conn:
        # Outside a workspace no tenant row is visible; the user's own memberships come through app.my_workspaces().
        assert conn.execute(text("SELECT count(*) FROM workspaces")).scalar() == 0
        assert conn.execute(text("SELECT count(*) FROM app.my_workspaces()")).scalar() == 2
    with acting(app_db, a.tutor_id, b.workspace_id) as conn:
        assert conn.execute(text("SELECT array_agg(id) FROM workspaces")).scalar() == [b.workspace_id]
    # A workspace the user does not belong to yields nothing, not everything.
    with acting(app_db, b.student_id, a.workspace_id) as conn:
        assert conn.execute(text("SELECT count(*) FROM questions")).scalar() == 0


def test_nobody_acting_sees_nothing(app_db, tenants):
    with acting(app_db, None) as conn:
        for table in sorted(EXPECTED_TENANT_TABLES | {"users"}):
            assert conn.execute(text(f"SELECT count(*) FROM {table}")).scalar() == 0, table


def test_users_see_themselves_and_co_members_only(app_db, owner, tenants):
    a, b = tenants
    members_of_a = {r[0] for r in owner.execute("SELECT user_id FROM workspace_members WHERE workspace_id = %s", (a.workspace_id,))}
    with acting(app_db, a.tutor_id, a.workspace_id) as conn:
        assert set(conn.execute(text("SELECT id FROM users")).scalars()) == members_of_a  # staff: every member
    with acting(app_db, a.student_id, a.workspace_id) as conn:
        visible = set(conn.execute(text("SELECT id FROM users")).scalars())
    assert visible == {a.tutor_id, a.student_id}  # a student: themself and the staff (not the guardian)
    assert b.tutor_id not in visible and b.student_id not in visible
    with acting(app_db, a.student_id) as conn:
        assert set(conn.execute(text("SELECT id FROM users")).scalars()) == {a.student_id}  # outside any workspace
    with acting(app_db, a.student_id) as conn:
        with pytest.raises(DBAPIError) as info:
            conn.execute(text("SELECT password_hash FROM users"))
    assert isinstance(info.value.orig, psycopg.errors.InsufficientPrivilege)


def test_member_cannot_update_or_delete_other_workspace(app_db, owner, tenants):
    a, b = tenants
    before = {t: count_in(owner, t, b.workspace_id) for t in EXPECTED_TENANT_TABLES}
    for table in sorted(EXPECTED_TENANT_TABLES):
        col = ws_column(table)
        updatable = privileged_columns(owner, table, "UPDATE")
        for statement, allowed in (
            (f"UPDATE {table} SET {updatable[0]} = {updatable[0]} WHERE {col} = :b" if updatable else
             f"UPDATE {table} SET {col} = {col} WHERE {col} = :b", bool(updatable)),
            (f"DELETE FROM {table} WHERE {col} = :b", bool(privileged_columns(owner, table, "SELECT")) and
             owner.execute("SELECT has_table_privilege('tutorassist_app', %s, 'DELETE')", (table,)).fetchone()[0]),
        ):
            if allowed:
                with acting(app_db, a.tutor_id, a.workspace_id) as conn:
                    assert conn.execute(text(statement), {"b": b.workspace_id}).rowcount == 0, statement
            else:
                with pytest.raises(DBAPIError) as info, acting(app_db, a.tutor_id, a.workspace_id) as conn:
                    conn.execute(text(statement), {"b": b.workspace_id})
                assert isinstance(info.value.orig, psycopg.errors.InsufficientPrivilege), statement
    assert {t: count_in(owner, t, b.workspace_id) for t in EXPECTED_TENANT_TABLES} == before


def test_member_cannot_move_own_rows_into_other_workspace(app_db, owner, tenants):
    a, b = tenants
    for table in sorted(EXPECTED_TENANT_TABLES):
        col = ws_column(table)
        if col not in privileged_columns(owner, table, "UPDATE"):
            continue
        with pytest.raises(DBAPIError) as info, acting(app_db, a.tutor_id, a.workspace_id) as conn:
            conn.execute(text(f"UPDATE {table} SET {col} = :b WHERE {col} = :a"), {"a": a.workspace_id, "b": b.workspace_id})
        assert "row-level security" in str(info.value.orig), table


def test_member_cannot_insert_into_other_workspace(app_db, owner, tenants):
    a, b = tenants
    before = {t: count_in(owner, t, b.workspace_id) for t in EXPECTED_TENANT_TABLES}
    tried = 0
    for table in sorted(EXPECTED_TENANT_TABLES):
        insertable = privileged_columns(owner, table, "INSERT")
        if not insertable:
            continue
        row = owner.execute(f"SELECT to_jsonb(t) FROM {table} t WHERE {ws_column(table)} = %s LIMIT 1", (a.workspace_id,)).fetchone()[0]
        row[ws_column(table)] = str(b.workspace_id)
        if isinstance(row.get("id"), str) and table != "workspaces":  # uuid ids; review_events' bigint id is generated
            row["id"] = owner.execute("SELECT gen_random_uuid()::text").fetchone()[0]
        cols = [c for c in insertable if row.get(c) is not None]
        sql = (f"INSERT INTO {table} ({', '.join(cols)}) "
               f"SELECT {', '.join(cols)} FROM jsonb_populate_record(NULL::{table}, CAST(:row AS jsonb))")
        with pytest.raises(DBAPIError) as info, acting(app_db, a.tutor_id, a.workspace_id) as conn:
            conn.execute(text(sql), {"row": json.dumps(row)})
        # Row-level security refuses it; for attempts a BEFORE trigger (assignment belongs to the student) fires first.
        refusal = info.value.orig
        assert "row-level security" in str(refusal) or (
            table == "attempts" and isinstance(refusal, psycopg.errors.CheckViolation)), table
        tried += 1
    assert tried >= 20
    assert {t: count_in(owner, t, b.workspace_id) for t in EXPECTED_TENANT_TABLES} == before


def test_rows_cannot_reference_another_workspace_even_past_rls(owner, tenants):
    """Every foreign key between tenant tables carries workspace_id, so even the owner cannot cross workspaces."""
    a, b = tenants
    fks = owner.execute(
        """SELECT con.conname, con.conrelid::regclass::text, con.confrelid::regclass::text,
                  array(SELECT attname FROM unnest(con.conkey) WITH ORDINALITY k(n, o)
                        JOIN pg_attribute ON attrelid = con.conrelid AND attnum = k.n ORDER BY o),
                  array(SELECT attname FROM unnest(con.confkey) WITH ORDINALITY k(n, o)
                        JOIN pg_attribute ON attrelid = con.confrelid AND attnum = k.n ORDER BY o)
           FROM pg_constraint con WHERE con.contype = 'f' AND con.connamespace = 'public'::regnamespace"""
    ).fetchall()
    tenant_fks = [fk for fk in fks if fk[2] in EXPECTED_TENANT_TABLES and fk[2] != "workspaces"]
    # Every reference from one tenant table to another includes the workspace.
    assert all("workspace_id" in fk[3] for fk in tenant_fks if fk[1] in EXPECTED_TENANT_TABLES)
    checked = 0
    for name, child, parent, child_cols, parent_cols in tenant_fks:
        pairs = [(c, p) for c, p in zip(child_cols, parent_cols) if c != "workspace_id"]
        not_null = " AND ".join(f"{c} IS NOT NULL" for c, _ in pairs)
        target = owner.execute(f"SELECT ctid FROM {child} WHERE workspace_id = %s AND {not_null} LIMIT 1", (a.workspace_id,)).fetchone()
        assert target is not None, f"no row of {child} in A to test {name}"
        theirs = owner.execute(f"SELECT {', '.join(p for _, p in pairs)} FROM {parent} WHERE workspace_id = %s LIMIT 1",
                               (b.workspace_id,)).fetchone()
        assignments = ", ".join(f"{c} = %s" for c, _ in pairs)
        # attempts -> assignment_items: the BEFORE trigger (the assignment is the student's) refuses it first.
        expected = psycopg.errors.IntegrityError if child == "attempts" else psycopg.errors.ForeignKeyViolation
        with pytest.raises(expected):
            owner.execute(f"UPDATE {child} SET {assignments} WHERE ctid = %s", (*theirs, target[0]))
        checked += 1
    assert checked >= 20
