"""Assignment use cases: create (hand-picked or by rule, one per student), list, read with items and effective settings,
change, delete, and replace the items.

Progress (total_items, completed_count, total_score, max_score, started_at, status in_progress/completed, completed_at)
is derived by the database from items and attempts; this module never writes it.

Who sees what: staff (owner, tutor) every assignment of the workspace; a student only their own, a guardian only
their student's, and neither sees drafts (not given yet). Anything else is 404, as if it did not exist. Only staff
write (403 for the others).
"""

from __future__ import annotations

import json
from datetime import datetime, timezone
from typing import Any
from uuid import UUID

from sqlalchemy import text

from tutorassist.api.context import STAFF, RequestContext, Tx
from tutorassist.assignments import schemas, selection
from tutorassist.identity.contracts import resolve_settings
from tutorassist.kit.pagination import Page, decode_time_cursor, page_of
from tutorassist.kit.problems import Problem, checked_jsonb, invalid, invalid_field

_POSITION_UNIQUE = "assignment_items_workspace_id_assignment_id_position_key"

_ASSIGNMENT = (
    "SELECT a.id, a.student_profile_id, a.title, a.description, a.status, a.settings_json AS settings, a.rule_json AS rule, "
    "a.due_at, a.total_items, a.completed_count, a.total_score, a.max_score, a.started_at, a.completed_at, a.created_by, "
    "a.created_at, a.updated_at FROM assignments a"
)


def _not_found() -> Problem:
    return Problem(404, "Not found", "no such assignment")


def _scope(tx: Tx) -> str:
    """SQL narrowing `assignments a` to what the caller may read (uses :w and :u)."""
    if tx.role in STAFF:
        return ""
    if tx.role == "student":
        return (" AND a.status <> 'draft' AND a.student_profile_id IN "
                "(SELECT id FROM student_profiles WHERE workspace_id = :w AND user_id = :u)")
    if tx.role == "guardian":
        return (" AND a.status <> 'draft' AND a.student_profile_id = "
                "(SELECT student_profile_id FROM workspace_members WHERE workspace_id = :w AND user_id = :u)")
    return " AND false"


def _future(value: datetime | None, field: str) -> None:
    if value is not None and value <= datetime.now(timezone.utc):
        raise invalid_field(field, "must be in the future")


def _settings(value: dict[str, Any] | None) -> str:
    return checked_jsonb("assignments", "settings_json", value or {}, "settings")


def _detail(tx: Tx, assignment_id: UUID, **extra: Any) -> dict[str, Any]:
    row = tx.one(
        _ASSIGNMENT.replace(" FROM assignments a", ", p.settings_json AS student_settings, w.settings_json AS workspace_settings "
                                                   "FROM assignments a")
        + " JOIN student_profiles p ON p.workspace_id = a.workspace_id AND p.id = a.student_profile_id"
        + " JOIN workspaces w ON w.id = a.workspace_id"
        + " WHERE a.workspace_id = :w AND a.id = :a" + _scope(tx),
        w=tx.workspace_id, a=assignment_id, u=tx.user_id)
    if row is None:
        raise _not_found()
    staff = tx.role in STAFF
    items = tx.all(
        "SELECT i.id, i.position, i.question_id, i.points, q.prompt_latex, q.answer_type, q.difficulty, q.topic_id, q.status "
        "FROM assignment_items i JOIN questions q ON q.workspace_id = i.workspace_id AND q.id = i.question_id "
        "WHERE i.workspace_id = :w AND i.assignment_id = :a ORDER BY i.position", w=tx.workspace_id, a=assignment_id)
    out = dict(row)
    student_settings, workspace_settings = out.pop("student_settings"), out.pop("workspace_settings")
    out["effective_settings"] = resolve_settings(out["settings"], student_settings, workspace_settings)
    out["items"] = [
        {"id": i["id"], "position": i["position"], "question_id": i["question_id"], "points": i["points"],
         "question": {"id": i["question_id"], "prompt_latex": i["prompt_latex"], "answer_type": i["answer_type"]}
         | ({"difficulty": i["difficulty"], "topic_id": i["topic_id"], "status": i["status"]} if staff else {})}
        for i in items
    ]
    return out | extra


# ---------------------------------------------------------------- checks shared by create and items
def _duplicates(values: list[UUID], field: str) -> list[dict[str, str]]:
    seen: set[UUID] = set()
    errors = []
    for n, value in enumerate(values):
        if value in seen:
            errors.append({"field": field.format(n=n), "message": "appears more than once"})
        seen.add(value)
    return errors


def _active_questions(tx: Tx, ids: list[UUID]) -> set[UUID]:
    rows = tx.all("SELECT id FROM questions WHERE workspace_id = :w AND id = ANY(CAST(:ids AS uuid[])) AND status = 'active'",
                  w=tx.workspace_id, ids=[str(i) for i in ids])
    return {r["id"] for r in rows}


def _question_errors(tx: Tx, ids: list[UUID], field: str, allowed: set[UUID] = frozenset()) -> list[dict[str, str]]:
    """Duplicates, and questions that are not active questions of this workspace (`allowed` ones excepted)."""
    errors = _duplicates(ids, field)
    active = _active_questions(tx, [i for i in ids if i not in allowed]) | set(allowed)
    errors += [{"field": field.format(n=n), "message": "not an active question of this workspace"}
               for n, q in enumerate(ids) if q not in active]
    return errors


# ---------------------------------------------------------------- create
def _check_rule_topic(tx: Tx, rule: schemas.SelectionRule) -> None:
    topic = tx.one("SELECT archived_at FROM topics WHERE workspace_id = :w AND id = :t", w=tx.workspace_id, t=rule.topic_id)
    if topic is None:
        raise invalid_field("rule.topic_id", "not a topic of this workspace")
    if topic["archived_at"] is not None:
        raise invalid_field("rule.topic_id", "the topic is archived")


def _insert_items(tx: Tx, assignment_id: UUID, items: list[tuple[int, UUID, float | None]]) -> None:
    """Insert (position, question_id, points or None for 1) rows in one statement."""
    tx.conn.execute(text(
        "INSERT INTO assignment_items (workspace_id, assignment_id, question_id, position, points) "
        "SELECT :w, :a, v.q, v.pos, coalesce(v.pts, 1) "
        "FROM unnest(CAST(:q AS uuid[]), CAST(:pos AS integer[]), CAST(:pts AS numeric[])) AS v(q, pos, pts)"),
        {"w": tx.workspace_id, "a": assignment_id, "q": [str(q) for _, q, _ in items], "pos": [str(n) for n, _, _ in items],
         "pts": [None if p is None else str(p) for _, _, p in items]})


def create_assignments(ctx: RequestContext, ws: UUID, body: schemas.AssignmentCreate) -> list[dict[str, Any]]:
    """One assignment per student, all or nothing."""
    with ctx.tx(ws) as tx:
        tx.require(*STAFF)
        if (body.question_ids is None) == (body.rule is None):
            raise invalid([{"field": "question_ids", "message": "give exactly one of question_ids and rule"},
                           {"field": "rule", "message": "give exactly one of question_ids and rule"}])
        _future(body.due_at, "due_at")
        settings = _settings(body.settings)
        errors = _duplicates(body.student_profile_ids, "student_profile_ids.{n}")
        students = {r["id"] for r in tx.all(
            "SELECT id FROM student_profiles WHERE workspace_id = :w AND id = ANY(CAST(:ids AS uuid[])) AND archived_at IS NULL",
            w=ws, ids=[str(s) for s in body.student_profile_ids])}
        errors += [{"field": f"student_profile_ids.{n}", "message": "not an active student of this workspace"}
                   for n, s in enumerate(body.student_profile_ids) if s not in students]
        if body.question_ids is not None:
            errors += _question_errors(tx, body.question_ids, "question_ids.{n}")
        if errors:
            raise invalid(errors)

        chosen: dict[UUID, selection.Choice] = {}
        rule_json = None
        if body.rule is not None:
            rule = body.rule.model_copy(update={"seed": body.rule.seed if body.rule.seed is not None else selection.new_seed()})
            _check_rule_topic(tx, rule)
            chosen = selection.choose(tx, rule, body.student_profile_ids)
            for n, student in enumerate(body.student_profile_ids):
                if not chosen[student].question_ids:
                    errors.append({"field": "rule", "message": f"no active question matches the rule for "
                                                               f"student_profile_ids.{n}: {chosen[student].loosen}"})
            if errors:
                raise invalid(errors)
            rule_json = json.dumps(rule.model_dump(mode="json"))
        else:
            for student in body.student_profile_ids:
                chosen[student] = selection.Choice(list(body.question_ids or []), 0)

        created = []
        for student in body.student_profile_ids:
            assignment_id = tx.scalar(
                "INSERT INTO assignments (workspace_id, student_profile_id, title, description, status, settings_json, rule_json, "
                "due_at, created_by) VALUES (:w, :s, :t, :d, :st, CAST(:set AS jsonb), CAST(:rule AS jsonb), :due, :u) RETURNING id",
                w=ws, s=student, t=body.title, d=body.description, st=body.status, set=settings, rule=rule_json,
                due=body.due_at, u=tx.user_id)
            _insert_items(tx, assignment_id, [(n, q, None) for n, q in enumerate(chosen[student].question_ids)])
            created.append((assignment_id, chosen[student]))
        return [_detail(tx, a, shortfall=choice.shortfall, loosen=choice.loosen) for a, choice in created]


# ---------------------------------------------------------------- read
def list_assignments(ctx: RequestContext, ws: UUID, student_profile_id: UUID | None, status: str | None, limit: int,
                     cursor: str | None) -> Page[schemas.AssignmentOut]:
    after = decode_time_cursor(cursor)
    with ctx.tx(ws) as tx:
        sql = _ASSIGNMENT + " WHERE a.workspace_id = :w" + _scope(tx)
        params: dict[str, Any] = {"w": ws, "u": tx.user_id, "n": limit + 1}
        if student_profile_id is not None:
            sql += " AND a.student_profile_id = :s"
            params["s"] = student_profile_id
        if status is not None:
            sql += " AND a.status = :st"
            params["st"] = status
        if after is not None:
            sql += " AND (a.created_at, a.id) < (:ca, :ci)"
            params |= {"ca": after[0], "ci": after[1]}
        rows = tx.all(sql + " ORDER BY a.created_at DESC, a.id DESC LIMIT :n", **params)
        rows, next_cursor = page_of(rows, limit)
        return Page[schemas.AssignmentOut](items=[schemas.AssignmentOut(**r) for r in rows], next_cursor=next_cursor)


def get_assignment(ctx: RequestContext, ws: UUID, assignment_id: UUID) -> dict[str, Any]:
    with ctx.tx(ws) as tx:
        return _detail(tx, assignment_id)


# ---------------------------------------------------------------- change
def _locked(tx: Tx, assignment_id: UUID) -> dict[str, Any]:
    row = tx.one("SELECT status FROM assignments WHERE workspace_id = :w AND id = :a FOR UPDATE",
                 w=tx.workspace_id, a=assignment_id)
    if row is None:
        raise _not_found()
    return dict(row)


def update_assignment(ctx: RequestContext, ws: UUID, assignment_id: UUID, body: schemas.AssignmentUpdate) -> dict[str, Any]:
    with ctx.tx(ws) as tx:
        tx.require(*STAFF)
        current = _locked(tx, assignment_id)
        changes = body.model_dump(exclude_unset=True)
        for field in ("title", "status"):
            if field in changes and changes[field] is None:
                raise invalid_field(field, "may not be null")
        if "due_at" in changes:
            _future(changes["due_at"], "due_at")
        if "settings" in changes:
            changes["settings_json"] = _settings(changes.pop("settings"))
        if "status" in changes and changes["status"] == "assigned" and current["status"] in ("assigned", "in_progress", "completed"):
            del changes["status"]  # already given; its progress status stays derived from attempts (and a
            # draft/archived assignment made 'assigned' again is re-derived by the database's trigger)
        if changes:
            sets = ", ".join(f"{c} = CAST(:{c} AS jsonb)" if c == "settings_json" else f"{c} = :{c}" for c in changes)
            tx.conn.execute(text(f"UPDATE assignments SET {sets} WHERE workspace_id = :w AND id = :a"),
                            changes | {"w": ws, "a": assignment_id})
        return _detail(tx, assignment_id)


def delete_assignment(ctx: RequestContext, ws: UUID, assignment_id: UUID) -> None:
    """Attempts made in it are kept, as free practice (their assignment_id is cleared by the database)."""
    with ctx.tx(ws) as tx:
        tx.require(*STAFF)
        found = tx.conn.execute(text("DELETE FROM assignments WHERE workspace_id = :w AND id = :a"),
                                {"w": ws, "a": assignment_id}).rowcount
        if not found:
            raise _not_found()


def replace_items(ctx: RequestContext, ws: UUID, assignment_id: UUID, body: schemas.ItemsReplace) -> dict[str, Any]:
    """The items become exactly `body.items`, in that order; removing an item that has attempts is refused (409)."""
    with ctx.tx(ws) as tx:
        tx.require(*STAFF)
        if tx.scalar("SELECT 1 FROM assignments WHERE workspace_id = :w AND id = :a", w=ws, a=assignment_id) is None:
            raise _not_found()
        # Lock the items first (as an attempt's foreign key check does), so no attempt lands on an item being removed.
        current = {r["question_id"]: r for r in tx.all(
            "SELECT id, question_id, points FROM assignment_items WHERE workspace_id = :w AND assignment_id = :a "
            "ORDER BY id FOR UPDATE", w=ws, a=assignment_id)}
        wanted = [i.question_id for i in body.items]
        errors = _question_errors(tx, wanted, "items.{n}.question_id", allowed=set(current))
        if errors:
            raise invalid(errors)
        removed = [q for q in current if q not in set(wanted)]
        if removed:
            attempted = tx.all("SELECT question_id, count(*) AS attempts FROM attempts WHERE workspace_id = :w AND assignment_id = :a "
                               "AND question_id = ANY(CAST(:q AS uuid[])) GROUP BY question_id ORDER BY question_id",
                               w=ws, a=assignment_id, q=[str(q) for q in removed])
            if attempted:
                ids = [str(r["question_id"]) for r in attempted]
                raise Problem(409, "Conflict", "these questions already have attempts in this assignment and cannot be "
                                               f"removed: {', '.join(ids)}", question_ids=ids)
            tx.conn.execute(text("DELETE FROM assignment_items WHERE workspace_id = :w AND assignment_id = :a "
                                 "AND question_id = ANY(CAST(:q AS uuid[]))"), {"w": ws, "a": assignment_id, "q": [str(q) for q in removed]})
        tx.conn.execute(text(f"SET CONSTRAINTS {_POSITION_UNIQUE} DEFERRED"))
        kept = [(n, i) for n, i in enumerate(body.items) if i.question_id in current]
        if kept:
            tx.conn.execute(text(
                "UPDATE assignment_items i SET position = v.pos, points = coalesce(v.pts, i.points) "
                "FROM unnest(CAST(:q AS uuid[]), CAST(:pos AS integer[]), CAST(:pts AS numeric[])) AS v(q, pos, pts) "
                "WHERE i.workspace_id = :w AND i.assignment_id = :a AND i.question_id = v.q "
                "AND (i.position, i.points) IS DISTINCT FROM (v.pos, coalesce(v.pts, i.points))"),
                {"w": ws, "a": assignment_id, "q": [str(i.question_id) for _, i in kept], "pos": [str(n) for n, _ in kept],
                 "pts": [None if i.points is None else str(i.points) for _, i in kept]})
        new = [(n, i.question_id, i.points) for n, i in enumerate(body.items) if i.question_id not in current]
        if new:
            _insert_items(tx, assignment_id, new)
        tx.conn.execute(text(f"SET CONSTRAINTS {_POSITION_UNIQUE} IMMEDIATE"))
        return _detail(tx, assignment_id)


# ---------------------------------------------------------------- for the tutor's pages
def due_within(ctx: RequestContext, ws: UUID, days: int, limit: int) -> list[schemas.AssignmentOut]:
    """Given assignments not yet completed that are overdue or due within `days` days, soonest due first (staff)."""
    with ctx.tx(ws) as tx:
        tx.require(*STAFF)
        rows = tx.all(_ASSIGNMENT + " WHERE a.workspace_id = :w AND a.status IN ('assigned', 'in_progress') "
                      "AND a.due_at < now() + make_interval(days => :d) ORDER BY a.due_at, a.id LIMIT :n",
                      w=ws, d=days, n=limit)
        return [schemas.AssignmentOut(**r) for r in rows]


def item_progress(ctx: RequestContext, ws: UUID, assignment_id: UUID) -> list[schemas.ItemProgress]:
    """Per item of an assignment: the student's graded attempts at it in the assignment and how many were correct
    (whoever may read the assignment; 404 otherwise)."""
    with ctx.tx(ws) as tx:
        if tx.scalar("SELECT 1 FROM assignments a WHERE a.workspace_id = :w AND a.id = :a" + _scope(tx),
                     w=ws, a=assignment_id, u=tx.user_id) is None:
            raise _not_found()
        rows = tx.all(
            "SELECT i.question_id, count(t.id)::int AS attempts, count(t.id) FILTER (WHERE t.is_correct)::int AS correct, "
            "max(t.submitted_at) AS last_attempt_at FROM assignment_items i "
            "LEFT JOIN attempts t ON t.workspace_id = i.workspace_id AND t.assignment_id = i.assignment_id "
            "AND t.question_id = i.question_id "
            "WHERE i.workspace_id = :w AND i.assignment_id = :a GROUP BY i.question_id, i.position ORDER BY i.position",
            w=ws, a=assignment_id)
        return [schemas.ItemProgress(**r) for r in rows]
