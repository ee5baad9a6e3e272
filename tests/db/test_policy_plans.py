"""The role policies stay cheap: for every role and every table it reads, a typical query's plan (generic and custom)
evaluates each app.* function of the policies once per statement, in an InitPlan, never as a per-row call; and on a
table with enough rows the workspace comes from an index whose first column is workspace_id."""

from __future__ import annotations

import pytest
from sqlalchemy.engine import Connection

from tests import factories
from tests.conftest import create_database, drop_database
from tests.db.test_role_matrix import ACCESS, LEARNER_ROLE
from tutorassist.db.connection import acting, app_engine, connect

EXPRESSION_KEYS = ("Filter", "Index Cond", "Recheck Cond", "Join Filter", "Hash Cond", "Merge Cond", "One-Time Filter",
                   "Output", "TID Cond", "Order By")
BULK_WORKSPACES = 40
BULK_ROWS_PER_WORKSPACE = 80
BIG_TABLES = ("attempts", "review_events")  # filled with a few thousand rows over many workspaces, then analyzed
# Tables whose typical query must find the workspace through an index led by workspace_id. review_events has no
# (workspace_id, student_user_id) index: there, the student's index (student_user_id, reviewed_at) is the better
# choice, so it only has to be read through some index, never scanned whole.
WORKSPACE_INDEXED = ("attempts",)


def fill_many_workspaces(owner, home_actors: dict[str, factories.Actor]) -> None:
    """Thousands of attempts and review events spread over many workspaces (so workspace_id is selective, also for a
    generic plan that cannot see the value), a share of them the home students'."""
    spreads = []
    for n in range(BULK_WORKSPACES):
        t = factories.tenant(owner, f"Bulk {n}")
        spreads.append((t.workspace_id, t.student_id, t.question_id))
    home_question = owner.execute("SELECT id FROM questions WHERE workspace_id = %s AND status = 'active' AND hidden_at IS NULL LIMIT 1",
                                  (home_actors["owner"].workspace_id,)).fetchone()[0]
    spreads.append((home_actors["owner"].workspace_id, home_actors["student"].user_id, home_question))
    for ws, student, question in spreads:
        owner.execute("INSERT INTO attempts (workspace_id, student_user_id, question_id, answer_raw, is_correct, score, submitted_at) "
                      "SELECT %s, %s, %s, '2', g %% 3 = 0, (g %% 3 = 0)::int, now() - g * interval '1 hour' FROM generate_series(1, %s) g",
                      (ws, student, question, BULK_ROWS_PER_WORKSPACE))
        owner.execute("INSERT INTO review_events (workspace_id, student_user_id, question_id, attempt_id, algorithm, rating, fsrs_rating, card_after) "
                      "SELECT workspace_id, student_user_id, question_id, id, 'sm2', 3, 2, '{}' FROM attempts "
                      "WHERE workspace_id = %s AND student_user_id = %s", (ws, student))
    for table in ACCESS:
        owner.execute(f"ANALYZE {table}")


@pytest.fixture(scope="module")
def plan_db(pg_server, template_db):
    url = create_database(pg_server, template_db)
    with connect(url, autocommit=True) as owner:
        world = factories.classroom(owner)
        fill_many_workspaces(owner, world.actors)
        app_functions = {r[0] for r in owner.execute("SELECT proname FROM pg_proc WHERE pronamespace = 'app'::regnamespace")}
        workspace_first = {r[0] for r in owner.execute(
            """SELECT c.relname FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid
               JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = i.indkey[0]
               WHERE a.attname = 'workspace_id' AND c.relnamespace = 'public'::regnamespace""")}
    engine = app_engine(url)
    yield url, engine, world, app_functions, workspace_first
    engine.dispose()
    drop_database(pg_server, url)


def typical_query(owner, table: str, db_role: str) -> tuple[str, list[str]]:
    """SELECT (the columns the role may read) of one workspace, and of one student where the table has one."""
    columns = [r[0] for r in owner.execute(
        """SELECT a.attname FROM pg_attribute a WHERE a.attrelid = %s::regclass AND a.attnum > 0 AND NOT a.attisdropped
             AND has_column_privilege(%s, a.attrelid, a.attnum, 'SELECT') ORDER BY a.attnum""", (table, db_role))]
    has_student = owner.execute("SELECT 1 FROM pg_attribute WHERE attrelid = %s::regclass AND attname = 'student_user_id'",
                                (table,)).fetchone()
    where = ["id = $1" if table == "workspaces" else "workspace_id = $1"]
    types = ["uuid"]
    if has_student:
        where.append("student_user_id = $2")
        types.append("uuid")
    return f"SELECT {', '.join(columns)} FROM {table} WHERE {' AND '.join(where)}", types


def explain(conn: Connection, query: str, types: list[str], values: list[str], generic: bool) -> dict:
    conn.exec_driver_sql(f"PREPARE typical({', '.join(types)}) AS {query}")
    try:
        conn.exec_driver_sql(f"SET LOCAL plan_cache_mode = {'force_generic_plan' if generic else 'force_custom_plan'}")
        arguments = ", ".join(f"'{v}'::uuid" for v in values[:len(types)])
        return conn.exec_driver_sql(f"EXPLAIN (VERBOSE, FORMAT JSON) EXECUTE typical({arguments})").scalar()[0]["Plan"]
    finally:
        conn.exec_driver_sql("DEALLOCATE typical")


def nodes(plan: dict, in_initplan: bool = False):
    """Every node of a plan, with whether it runs inside an InitPlan (once per statement)."""
    inside = in_initplan or plan.get("Parent Relationship") == "InitPlan"
    yield plan, inside
    for child in plan.get("Plans", []):
        yield from nodes(child, inside)


def calls_in(node: dict, functions: set[str]) -> set[str]:
    text = " ".join(str(node.get(k, "")) for k in EXPRESSION_KEYS)
    return {f for f in functions if f"app.{f}(" in text}


ROLES = ("owner", "student", "guardian")


@pytest.mark.parametrize("generic", [False, True], ids=["custom", "generic"])
@pytest.mark.parametrize("role", ROLES)
def test_policy_functions_run_once_per_statement(plan_db, role, generic):
    url, engine, world, app_functions, workspace_first = plan_db
    actor = world.actors[role]
    learner = actor.kind != "staff"
    db_role = LEARNER_ROLE if learner else "tutorassist_app"
    tables = [t for t, rule in ACCESS.items() if not learner or rule.learners_see is not None]
    problems, checked = [], 0
    with connect(url) as owner:
        queries = {t: typical_query(owner, t, db_role) for t in tables}
    with acting(engine, actor.user_id, actor.workspace_id) as conn:
        for table, (query, types) in queries.items():
            plan = explain(conn, query, types, [str(actor.workspace_id), str(actor.student_id or actor.user_id)], generic)
            once = set().union(*(calls_in(n, app_functions) for n, inside in nodes(plan) if inside))
            per_row = set().union(*(calls_in(n, app_functions) for n, inside in nodes(plan) if not inside))
            if per_row:
                problems.append(f"{table}: per-row calls of {sorted(per_row)}")
            if not once:
                problems.append(f"{table}: no policy function in an InitPlan")
            if table in BIG_TABLES:
                scans = [n for n, inside in nodes(plan) if not inside and (
                    n.get("Relation Name") == table or n.get("Node Type") == "Bitmap Index Scan")]
                indexes = {n["Index Name"] for n in scans if "Index Name" in n}
                if any(n["Node Type"] == "Seq Scan" for n in scans) or not indexes:
                    problems.append(f"{table}: read without an index ({[n['Node Type'] for n in scans]})")
                elif table in WORKSPACE_INDEXED and not indexes & workspace_first:
                    problems.append(f"{table}: no index led by workspace_id used ({sorted(indexes)})")
            checked += 1
    assert checked == len(tables) >= (9 if learner else len(ACCESS))
    assert problems == []


def test_the_big_tables_are_big_enough_to_prefer_an_index(plan_db):
    url, *_ = plan_db
    with connect(url) as owner:
        sizes = {t: owner.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in BIG_TABLES}
    assert all(n >= BULK_WORKSPACES * BULK_ROWS_PER_WORKSPACE for n in sizes.values()), sizes


def test_a_per_row_call_would_be_caught(plan_db):
    """The check above sees through a plan: a function compared unwrapped, outside an InitPlan, is reported."""
    url, engine, world, app_functions, _ = plan_db
    actor = world.actors["student"]
    with acting(engine, actor.user_id, actor.workspace_id) as conn:
        plan = explain(conn, "SELECT id FROM attempts WHERE workspace_id = $1 AND student_user_id = app.learner_user_id()",
                       ["uuid"], [str(actor.workspace_id)], generic=True)
    per_row = set().union(*(calls_in(n, app_functions) for n, inside in nodes(plan) if not inside))
    once = set().union(*(calls_in(n, app_functions) for n, inside in nodes(plan) if inside))
    assert "learner_user_id" in per_row
    assert {"acting_workspace", "learner_user_id"} <= once  # the policy's own calls stay InitPlans
