"""Roles inside a workspace, held by the database: every role x every tenant table (from the catalog) x select,
insert, update and delete, acting through the application's own database roles (tutorassist_app for staff,
tutorassist_learner for students and guardians).

ACCESS is the specification: one line per tenant table. A table the catalog has and ACCESS lacks fails
test_every_tenant_table_is_classified, so a new table must be classified before it ships."""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass

import psycopg
import pytest
from sqlalchemy import text
from sqlalchemy.engine import Connection
from sqlalchemy.exc import DBAPIError

from tests import factories
from tests.conftest import create_database, drop_database
from tutorassist.db.connection import APP_ROLE, LEARNER_ROLE, acting, app_engine, connect, set_acting
from tutorassist.db.verify import tenant_tables

INSUFFICIENT_PRIVILEGE = "42501"  # a missing grant, and a row a policy's WITH CHECK refuses
# A real constraint (unique, check, foreign key, restrict) is checked after the policies let the row through
# (PostgreSQL runs WITH CHECK before constraints and index insertion, and foreign keys after the row is written),
# so refusing by one proves the write itself was allowed. An error a BEFORE trigger raises names no real constraint.
INTEGRITY = ("23505", "23514", "23503", "23001")


@dataclass(frozen=True)
class Access:
    """Who does what to one tenant table, within the workspace they act in.

    staff: the commands (S I U D) owners and tutors run on their workspace's rows.
    learners_see: SQL over the table (its rows of the acting workspace) naming what a student or guardian reads;
      :me is the acting user, :student and :profile the student they act for (themself, or a guardian's student).
      None: the table is not granted to learners at all (permission denied).
    student_writes / guardian_writes: the commands (I U) a student / guardian runs on the rows learners_see gives
      them; on every other row (another student's, another workspace's) the same command is refused."""

    staff: str
    learners_see: str | None = None
    student_writes: str = ""
    guardian_writes: str = ""


OWN_STUDENT = "student_user_id = :student"
OWN_PROFILE = "student_profile_id = :profile"
WHOLE_WORKSPACE = "true"

ACCESS: dict[str, Access] = {
    "workspaces": Access("SUD", WHOLE_WORKSPACE),
    "workspace_members": Access("SIUD", "user_id = :me"),
    "student_profiles": Access("SIUD", "id = :profile"),
    "invite_tokens": Access("SIUD"),
    "jobs": Access("SI"),  # staff ask for jobs (type, payload, priority); only the worker moves them along
    "topics": Access("SIUD", WHOLE_WORKSPACE),
    "source_materials": Access("SIUD"),
    "question_batches": Access("S"),  # the worker records batches and their outcomes; staff read them
    "questions": Access("SIUD", "status = 'active' AND hidden_at IS NULL"),
    "question_programs": Access("SIUD", WHOLE_WORKSPACE),
    "question_grade_levels": Access("SIUD", WHOLE_WORKSPACE),
    "question_embeddings": Access("SIUD"),
    "question_history": Access("S"),
    "question_stats": Access("S"),  # learners read no counters (grading asks app.question_mean_time)
    "assignments": Access("SIUD", OWN_PROFILE),
    "assignment_items": Access("SIUD", "assignment_id IN (SELECT a.id FROM assignments a WHERE a.student_profile_id = :profile)"),
    "attempts": Access("SIUD", OWN_STUDENT, student_writes="I"),
    "spaced_repetition": Access("SIUD", OWN_STUDENT, student_writes="IU"),
    "review_events": Access("SI", OWN_STUDENT, student_writes="I"),
    "student_topic_state": Access("S", OWN_STUDENT),
    "analytics_daily": Access("S", OWN_STUDENT),  # written only by the attempts triggers
    "question_flags": Access("SIUD", "flagged_by = :me", student_writes="I", guardian_writes="I"),
    "tutor_feedback": Access("SIUD", "student_user_id = :student AND visible_to_student"),
    "sessions": Access("SIUD", OWN_PROFILE),
    "student_progress_snapshots": Access("SIUD", OWN_STUDENT),
    "oauth_connections": Access("SIUD"),
    "pdf_exports": Access("SIUD"),
    "ai_usage_log": Access("S"),  # only the platform records what AI cost: a tutor cannot forge a cost
    "audit_log": Access("S"),
    # Retention (0018): only the RETENTION job writes these; staff read them, learners read their own archived attempts.
    "attempts_archive": Access("S", OWN_STUDENT),
    "audit_log_archive": Access("S"),
    "ai_usage_monthly": Access("S"),
    # refreshed by the REFRESH_ITEM_STATISTICS job as the platform; staff read them, learners are not granted them
    "question_item_statistics": Access("S"),
    "topic_wrong_answer_notes": Access("S"),
    "item_statistics_refreshes": Access("S"),
}


def workspace_column(table: str) -> str:
    return "id" if table == "workspaces" else "workspace_id"


@pytest.fixture(scope="module")
def world_db(pg_server, template_db):
    """One database for the whole matrix: every probe runs in a savepoint that is rolled back, so cells never
    see each other's writes."""
    url = create_database(pg_server, template_db)
    with connect(url, autocommit=True) as owner:
        world = factories.classroom(owner)
    engine = app_engine(url)
    yield url, engine, world
    engine.dispose()
    drop_database(pg_server, url)


# ---------------------------------------------------------------- reading the catalog and the truth, as the owner

def primary_key(owner: psycopg.Connection, table: str) -> list[str]:
    return [r[0] for r in owner.execute(
        """SELECT a.attname FROM pg_index i JOIN unnest(i.indkey) WITH ORDINALITY k(attnum, n) ON true
           JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = k.attnum
           WHERE i.indrelid = %s::regclass AND i.indisprimary ORDER BY k.n""", (table,))]


def writable_columns(owner: psycopg.Connection, table: str, db_role: str, privilege: str) -> list[str]:
    """Columns the role holds `privilege` on; generated and identity-always columns are never written."""
    return [r[0] for r in owner.execute(
        """SELECT a.attname FROM pg_attribute a
           WHERE a.attrelid = %s::regclass AND a.attnum > 0 AND NOT a.attisdropped AND a.attgenerated = ''
             AND a.attidentity <> 'a' AND has_column_privilege(%s, a.attrelid, a.attnum, %s) ORDER BY a.attnum""",
        (table, db_role, privilege))]


def all_columns(owner: psycopg.Connection, table: str) -> list[str]:
    return [r[0] for r in owner.execute(
        """SELECT a.attname FROM pg_attribute a WHERE a.attrelid = %s::regclass AND a.attnum > 0 AND NOT a.attisdropped
             AND a.attgenerated = '' AND a.attidentity <> 'a' ORDER BY a.attnum""", (table,))]


def params_of(actor: factories.Actor) -> dict:
    return {"me": actor.user_id, "student": actor.student_id, "profile": actor.profile_id}


def truth(owner: psycopg.Connection, table: str, workspace_id, predicate: str, params: dict) -> set[tuple]:
    """Primary keys of the workspace's rows the predicate names, read past row-level security."""
    pk = ", ".join(primary_key(owner, table))
    sql = text_params(f"SELECT {pk} FROM {table} t WHERE t.{workspace_column(table)} = %(ws)s AND ({predicate})")
    return {tuple(str(v) for v in row) for row in owner.execute(sql, {"ws": workspace_id, **params})}


def text_params(sql: str) -> str:
    """:name placeholders of the specification as psycopg's %(name)s."""
    for name in ("me", "student", "profile"):
        sql = sql.replace(f":{name}", f"%({name})s")
    return sql


def sample_row(owner: psycopg.Connection, table: str, workspace_id, predicate: str = "true", params: dict | None = None) -> dict | None:
    row = owner.execute(text_params(f"SELECT to_jsonb(t) FROM {table} t WHERE t.{workspace_column(table)} = %(ws)s AND ({predicate}) "
                                    "ORDER BY 1 LIMIT 1"), {"ws": workspace_id, **(params or {})}).fetchone()
    return row[0] if row else None


# ---------------------------------------------------------------- probing, as the acting role

def outcome_of(conn: Connection, sql: str, params: dict):
    """Runs one statement in a savepoint that is always rolled back: a set of rows, a row count, or a SQLSTATE."""
    savepoint = conn.begin_nested()
    try:
        result = conn.execute(text(sql), params)
        return {tuple(str(v) for v in row) for row in result} if result.returns_rows else result.rowcount
    except DBAPIError as exc:
        sqlstate = getattr(exc.orig, "sqlstate", None) or repr(exc.orig)
        constraint = getattr(getattr(exc.orig, "diag", None), "constraint_name", None)
        return f"{sqlstate} {constraint}" if constraint else sqlstate
    finally:
        savepoint.rollback()


def insert_sql(table: str, columns: list[str]) -> str:
    return (f"INSERT INTO {table} ({', '.join(columns)}) "
            f"SELECT {', '.join(columns)} FROM jsonb_populate_record(NULL::{table}, CAST(:row AS jsonb))")


def key_match(pk: list[str], table: str) -> str:
    return f"({', '.join(pk)}) = (SELECT {', '.join(pk)} FROM jsonb_populate_record(NULL::{table}, CAST(:row AS jsonb)))"


def fresh_copy(row: dict) -> dict:
    """The row again under a new uuid id, so only natural keys can collide."""
    copy = dict(row)
    if isinstance(copy.get("id"), str) and "workspace_id" in copy:
        copy["id"] = str(uuid.uuid4())
    return copy


ALLOWED, REFUSED, DENIED = "allowed", "refused", "denied"


def verdict(outcome, constraints: set[str]) -> str:
    """allowed: the row was written (or reached the table's own constraints); denied: SQLSTATE 42501; refused:
    denied, or no row was touched."""
    if outcome == INSUFFICIENT_PRIVILEGE:
        return DENIED
    if outcome == 0:
        return REFUSED
    if outcome == 1:
        return ALLOWED
    if isinstance(outcome, str) and outcome[:5] in INTEGRITY and outcome[6:] in constraints:
        return ALLOWED
    return f"unexpected {outcome!r}"


def real_constraints(owner: psycopg.Connection) -> set[str]:
    return {r[0] for r in owner.execute("SELECT conname FROM pg_constraint WHERE connamespace = 'public'::regnamespace")}


def accepts(expected: str, got: str) -> bool:
    return got == expected or (expected == REFUSED and got == DENIED)


# ---------------------------------------------------------------- the matrix

def test_every_tenant_table_is_classified(world_db):
    url, _, _ = world_db
    with connect(url) as owner:
        catalog = set(tenant_tables(owner))
    assert sorted(catalog - set(ACCESS)) == [], "classify these tables in ACCESS"
    assert sorted(set(ACCESS) - catalog) == [], "these tables no longer exist"


def test_every_tenant_table_has_rows_in_both_workspaces(world_db):
    url, _, world = world_db
    with connect(url) as owner:
        empty = [(t, ws) for t in ACCESS for ws in (world.home, world.elsewhere)
                 if owner.execute(f"SELECT count(*) FROM {t} WHERE {workspace_column(t)} = %s", (ws,)).fetchone()[0] == 0]
    assert empty == []


@pytest.mark.parametrize("table", [t for t, a in ACCESS.items() if a.learners_see not in (None, WHOLE_WORKSPACE)])
def test_the_world_tells_students_apart(world_db, table):
    """Each per-student rule has something to show student A and something to hide from them, so it is tested."""
    url, _, world = world_db
    student = world.actors["student"]
    with connect(url) as owner:
        mine = truth(owner, table, world.home, ACCESS[table].learners_see, params_of(student))
        everything = truth(owner, table, world.home, "true", {})
    assert mine and mine < everything


ROLES = ["owner", "tutor", "student", "guardian", "outsider", "outsider_claiming_home", "student_in_no_workspace"]


@pytest.mark.parametrize("table", sorted(ACCESS))
@pytest.mark.parametrize("role", ROLES)
def test_role_matrix(world_db, role, table):
    url, engine, world = world_db
    actor = world.actors[role]
    rule = ACCESS[table]
    learner = actor.kind in ("student", "guardian")
    db_role = LEARNER_ROLE if learner else "tutorassist_app"
    writes = rule.staff if actor.kind == "staff" else rule.student_writes if actor.kind == "student" else (
        rule.guardian_writes if actor.kind == "guardian" else "")
    problems: list[str] = []
    with connect(url) as owner:
        pk = primary_key(owner, table)
        # Reading: exactly the rows the specification names, of the acting workspace only.
        if actor.kind == "staff":
            expected_rows = truth(owner, table, actor.workspace_id, "true", {})
        elif learner and rule.learners_see is not None:
            expected_rows = truth(owner, table, actor.workspace_id, rule.learners_see, params_of(actor))
        elif learner:
            expected_rows = INSUFFICIENT_PRIVILEGE
        else:
            expected_rows = set()
        # Writing: a row of their own (or of their workspace, for staff), another student's, another workspace's.
        other_workspace = world.elsewhere if actor.workspace_id == world.home else world.home
        targets: dict[str, tuple[dict | None, str]] = {}
        if actor.kind == "staff":
            targets["own workspace"] = (sample_row(owner, table, actor.workspace_id), "own")
        elif learner and rule.learners_see is not None:
            targets["own"] = (sample_row(owner, table, actor.workspace_id, rule.learners_see, params_of(actor)), "own")
            if rule.learners_see != WHOLE_WORKSPACE and actor.workspace_id == world.home:
                targets["student B's"] = (sample_row(owner, table, world.home, rule.learners_see, params_of(world.student_b)), "other")
        elif learner:
            targets["own workspace"] = (sample_row(owner, table, actor.workspace_id), "other")
        targets["other workspace"] = (sample_row(owner, table, other_workspace), "other")
        insertable = writable_columns(owner, table, db_role, "INSERT") or all_columns(owner, table)
        updatable = writable_columns(owner, table, db_role, "UPDATE") or all_columns(owner, table)
        constraints = real_constraints(owner)
        with acting(engine, actor.user_id, actor.workspace_id) as conn:
            seen = outcome_of(conn, f"SELECT {', '.join(pk)} FROM {table}", {})
            if seen != expected_rows:
                problems.append(f"SELECT: expected {describe(expected_rows)}, got {describe(seen)}")
            for label, (row, whose) in targets.items():
                assert row is not None, f"no {label} row of {table} to aim at"
                for command in "IUD":
                    if command == "I":
                        copy = fresh_copy(row)
                        sql, params = insert_sql(table, [c for c in insertable if copy.get(c) is not None]), {"row": json.dumps(copy)}
                    elif command == "U":
                        sql, params = f"UPDATE {table} SET {updatable[0]} = {updatable[0]} WHERE {key_match(pk, table)}", {"row": json.dumps(row)}
                    else:
                        sql, params = f"DELETE FROM {table} WHERE {key_match(pk, table)}", {"row": json.dumps(row)}
                    expected = expected_verdict(actor, rule, command, whose, writes)
                    got = verdict(outcome_of(conn, sql, params), constraints)
                    if not accepts(expected, got):
                        problems.append(f"{command} {label} row: expected {expected}, got {got}")
    assert problems == [], f"{role} on {table}"


def expected_verdict(actor: factories.Actor, rule: Access, command: str, whose: str, writes: str) -> str:
    if actor.kind == "staff":
        return (ALLOWED if whose == "own" else REFUSED) if command in rule.staff else DENIED
    if actor.kind in ("student", "guardian") and rule.learners_see is None:
        return DENIED
    return ALLOWED if command in writes and whose == "own" else REFUSED


def describe(rows) -> str:
    return f"{len(rows)} rows" if isinstance(rows, set) else repr(rows)


# ---------------------------------------------------------------- columns and users

def test_learners_never_read_private_notes(world_db):
    url, engine, world = world_db
    for role in ("student", "guardian"):
        actor = world.actors[role]
        with acting(engine, actor.user_id, actor.workspace_id) as conn:
            assert outcome_of(conn, "SELECT notes FROM student_profiles", {}) == INSUFFICIENT_PRIVILEGE, role
            assert outcome_of(conn, "SELECT * FROM student_profiles", {}) == INSUFFICIENT_PRIVILEGE, role
            visible = outcome_of(conn, "SELECT id, name, email, settings_json FROM student_profiles", {})
            assert {r[0] for r in visible} == {str(actor.profile_id)}, role
    with acting(engine, world.actors["tutor"].user_id, world.home) as conn:
        notes = {r[0] for r in conn.execute(text("SELECT notes FROM student_profiles WHERE notes IS NOT NULL"))}
    assert notes == {"private note on A", "private"}


def test_learners_see_themselves_the_staff_and_their_student_only(world_db):
    url, engine, world = world_db
    staff = {world.actors["owner"].user_id, world.actors["tutor"].user_id}
    for role in ("student", "guardian"):
        actor = world.actors[role]
        with acting(engine, actor.user_id, actor.workspace_id) as conn:
            visible = set(conn.execute(text("SELECT id FROM users")).scalars())
        assert visible == staff | {actor.user_id, actor.student_id}, role
        assert world.student_b.user_id not in visible


def test_learners_are_not_granted_the_analytics(world_db):
    url, engine, world = world_db
    with connect(url) as owner:
        relations = [r[0] for r in owner.execute(
            """SELECT c.relname FROM pg_class c WHERE c.relnamespace = 'public'::regnamespace AND c.relkind IN ('v', 'm')
                 AND c.relname <> 'question_statistics' ORDER BY 1""")]
    assert len(relations) >= 4
    actor = world.actors["student"]
    with acting(engine, actor.user_id, actor.workspace_id) as conn:
        refused = {r: outcome_of(conn, f"SELECT count(*) FROM {r}", {}) for r in relations}
    assert refused == {r: INSUFFICIENT_PRIVILEGE for r in relations}


def test_an_archived_student_writes_nothing(world_db):
    url, engine, world = world_db
    student = world.actors["student"]
    with connect(url, autocommit=True) as owner:
        owner.execute("UPDATE student_profiles SET archived_at = now() WHERE workspace_id = %s AND id = %s", (world.home, student.profile_id))
        try:
            attempt = sample_row(owner, "attempts", world.home, OWN_STUDENT, params_of(student))
            card = sample_row(owner, "spaced_repetition", world.home, OWN_STUDENT, params_of(student))
            with acting(engine, student.user_id, student.workspace_id) as conn:
                inserted = outcome_of(conn, insert_sql("attempts", [c for c in writable_columns(owner, "attempts", LEARNER_ROLE, "INSERT")
                                                                   if fresh_copy(attempt).get(c) is not None]),
                                      {"row": json.dumps(fresh_copy(attempt) | {"client_request_id": None})})
                updated = outcome_of(conn, f"UPDATE spaced_repetition SET due_at = due_at WHERE {key_match(primary_key(owner, 'spaced_repetition'), 'spaced_repetition')}",
                                     {"row": json.dumps(card)})
                still_reads = outcome_of(conn, "SELECT id FROM attempts", {})
        finally:
            owner.execute("UPDATE student_profiles SET archived_at = NULL WHERE workspace_id = %s AND id = %s", (world.home, student.profile_id))
    assert inserted == INSUFFICIENT_PRIVILEGE
    assert updated == 0
    assert isinstance(still_reads, set) and still_reads


# ---------------------------------------------------------------- a learner's own row pointing at what they cannot see
# Foreign keys are checked past row-level security, so a row a student may write in their own name can still name
# another student's attempt or a question the student is never shown, unless a policy or constraint says otherwise.

def own_row_pointing_at(conn: Connection, owner: psycopg.Connection, world: factories.Classroom, table: str, change: dict):
    """Insert a copy of one of the student's own rows with `change`: the columns the learner may insert, plus every
    changed column (so a column the learner may not write is refused, not silently left out)."""
    student = world.actors["student"]
    row = fresh_copy(sample_row(owner, table, world.home, ACCESS[table].learners_see, params_of(student))) | change
    columns = [c for c in writable_columns(owner, table, LEARNER_ROLE, "INSERT") if row.get(c) is not None]
    columns += [c for c in change if c not in columns and row.get(c) is not None]
    return outcome_of(conn, insert_sql(table, columns), {"row": json.dumps(row)})


def refused_reference(outcome) -> bool:
    """Refused by a policy, a privilege, a foreign key or a trigger; written (1) or a duplicate is not a refusal."""
    return isinstance(outcome, str) and outcome[:2] in ("42", "23", "P0", "TA") and outcome[:5] != "23505"


def test_a_students_attempt_flag_or_review_cannot_name_another_students_attempt_or_assignment(world_db):
    url, engine, world = world_db
    student = world.actors["student"]
    with connect(url) as owner:
        theirs = sample_row(owner, "attempts", world.home, OWN_STUDENT, params_of(world.student_b))
        point = {"attempt_id": theirs["id"], "question_id": theirs["question_id"]}
        with acting(engine, student.user_id, student.workspace_id) as conn:
            outcomes = {t: own_row_pointing_at(conn, owner, world, t, point) for t in ("question_flags", "review_events")}
            outcomes["attempts"] = own_row_pointing_at(conn, owner, world, "attempts", {
                "assignment_id": theirs["assignment_id"], "question_id": theirs["question_id"], "client_request_id": None})
    assert {t: o for t, o in outcomes.items() if not refused_reference(o)} == {}


def test_a_student_cannot_practise_or_flag_a_question_they_are_not_shown(world_db):
    url, engine, world = world_db
    student = world.actors["student"]
    with connect(url) as owner:
        draft = sample_row(owner, "questions", world.home, "status = 'draft'")
        point = {"question_id": draft["id"], "attempt_id": None, "assignment_id": None, "client_request_id": None}
        with acting(engine, student.user_id, student.workspace_id) as conn:
            outcomes = {t: own_row_pointing_at(conn, owner, world, t, point)
                        for t in ("attempts", "spaced_repetition", "review_events", "question_flags")}
    assert {t: o for t, o in outcomes.items() if not refused_reference(o)} == {}


def test_a_learners_flag_cannot_carry_a_tutors_triage(world_db):
    """Triage (status, resolved_by, resolved_at, resolution_note) is the tutor's: a flag a student raises is open."""
    url, engine, world = world_db
    student = world.actors["student"]
    triaged = {"status": "dismissed", "resolved_by": str(world.actors["tutor"].user_id),
               "resolved_at": "2026-01-01T00:00:00+00:00", "resolution_note": "Looks fine to me"}
    with connect(url) as owner:
        with acting(engine, student.user_id, student.workspace_id) as conn:
            outcome = own_row_pointing_at(conn, owner, world, "question_flags", triaged)
    assert refused_reference(outcome), outcome


def test_acting_as_the_wrong_database_role_shows_nothing(world_db):
    """Every policy value is checked against the member's role, so a student's transaction switched to the staff role
    (or a tutor's to the learner role) gains nothing."""
    url, engine, world = world_db
    student, tutor = world.actors["student"], world.actors["tutor"]
    seen = {}
    with engine.begin() as conn:
        set_acting(conn, student.user_id, student.workspace_id, db_role=APP_ROLE)
        for table in ACCESS:
            seen[table] = outcome_of(conn, f"SELECT {workspace_column(table)} FROM {table}", {})
    assert seen == dict.fromkeys(ACCESS, set())
    with connect(url) as owner, engine.begin() as conn:
        set_acting(conn, tutor.user_id, tutor.workspace_id, db_role=LEARNER_ROLE)
        personal = [t for t, rule in ACCESS.items() if rule.learners_see and ":" in rule.learners_see]
        rows = {t: outcome_of(conn, f"SELECT {', '.join(primary_key(owner, t))} FROM {t}", {}) for t in personal}
        own_membership = truth(owner, "workspace_members", world.home, "user_id = :me", params_of(tutor))
    assert rows == {t: own_membership if t == "workspace_members" else set() for t in personal}
