"""Question flags and tutor feedback on attempts.

Flags:
* Any member who can see a question may flag it (students and guardians: active questions not hidden; others 404),
  with a reason from the fixed set; `other` needs a comment (422 naming `comment`). An `attempt_id` must be one of
  the caller's own attempts at this question (staff: any attempt at it) in this workspace, else 422 naming
  `attempt_id`.
* The database hides a question from students when its open flags reach the workspace setting
  `auto_hide_flag_threshold` (trigger of migration 0009); staff un-hide it with PATCH question hidden=false.
* Staff list and triage flags: resolved or dismissed sets resolved_by/resolved_at, open again clears them (and, as a
  newly open flag, counts towards hiding again). Everyone lists the flags they raised themselves.

Tutor feedback:
* Staff write feedback on any attempt of the workspace; only its author or an owner edits or deletes it (403).
* An attempt is visible to staff (with all feedback), to its own student and to that student's guardians (with the
  feedback that is visible_to_student); to anyone else it does not exist (404).
"""

from __future__ import annotations

from typing import Any
from uuid import UUID

from sqlalchemy import text

from tutorassist.api.context import STAFF, RequestContext, Tx
from tutorassist.kit.pagination import Page, decode_time_cursor, page_of
from tutorassist.kit.problems import Problem, invalid_field
from tutorassist.learning import attempts, schemas
from tutorassist.questions import service as questions

_FLAG = ("SELECT id, question_id, flagged_by, attempt_id, reason, comment, status, resolved_by, resolved_at, "
         "resolution_note, created_at, updated_at FROM question_flags")
_FEEDBACK = "SELECT id, attempt_id, tutor_user_id, body, visible_to_student, created_at, updated_at FROM tutor_feedback"
_ATTEMPT = ("SELECT id, student_user_id, question_id, assignment_id, answer_raw, answer_parsed, is_correct, score, "
            "feedback_json AS feedback, error_taxonomy_json AS error_taxonomy, time_spent_seconds, hints_viewed, "
            "submitted_at FROM attempts")


# ---------------------------------------------------------------- flags
def create_flag(ctx: RequestContext, ws: UUID, question_id: UUID, body: schemas.FlagCreate) -> schemas.FlagOut:
    with ctx.tx(ws) as tx:
        questions.load(tx, question_id)  # 404 unless the caller may see the question
        comment = body.comment or None
        if body.reason == "other" and comment is None:
            raise invalid_field("comment", "required when the reason is other")
        if body.attempt_id is not None:
            attempt = tx.one("SELECT student_user_id, question_id FROM attempts WHERE workspace_id = :w AND id = :a",
                             w=ws, a=body.attempt_id)
            if (attempt is None or attempt["question_id"] != question_id
                    or (tx.role not in STAFF and attempt["student_user_id"] != tx.user_id)):
                raise invalid_field("attempt_id", "not one of your attempts at this question")
        flag_id = tx.scalar("INSERT INTO question_flags (workspace_id, question_id, flagged_by, attempt_id, reason, comment) "
                            "VALUES (:w, :q, :u, :a, :r, :c) RETURNING id",
                            w=ws, q=question_id, u=tx.user_id, a=body.attempt_id, r=body.reason, c=comment)
        return schemas.FlagOut(**tx.one(_FLAG + " WHERE workspace_id = :w AND id = :f", w=ws, f=flag_id))


def my_flag(ctx: RequestContext, ws: UUID, flag_id: UUID) -> schemas.FlagOut:
    """A flag the caller raised, with how it was triaged (anyone else's flag: 404)."""
    with ctx.tx(ws) as tx:
        row = tx.one(_FLAG + " WHERE workspace_id = :w AND id = :f AND flagged_by = :u", w=ws, f=flag_id, u=tx.user_id)
        if row is None:
            raise Problem(404, "Not found", "no such flag")
        return schemas.FlagOut(**row)


def _page(tx: Tx, conditions: list[str], params: dict[str, Any], limit: int, after) -> Page[schemas.FlagOut]:
    if after is not None:
        conditions.append("(created_at, id) < (:after_at, :after_id)")
        params |= {"after_at": after[0], "after_id": after[1]}
    rows = tx.all(_FLAG + " WHERE " + " AND ".join(conditions) + " ORDER BY created_at DESC, id DESC LIMIT :n",
                  **params, n=limit + 1)
    rows, next_cursor = page_of(rows, limit)
    return Page[schemas.FlagOut](items=[schemas.FlagOut(**r) for r in rows], next_cursor=next_cursor)


def list_flags(ctx: RequestContext, ws: UUID, status: str | None, question_id: UUID | None, limit: int,
               cursor: str | None, *, of_question: bool = False) -> Page[schemas.FlagOut]:
    """Staff: the workspace's flags, newest first (of_question: 404 when the question does not exist)."""
    after = decode_time_cursor(cursor)
    with ctx.tx(ws) as tx:
        tx.require(*STAFF)
        if of_question:
            questions.load(tx, question_id)
        conditions, params = ["workspace_id = :w"], {"w": ws}
        if status is not None:
            conditions.append("status = :st")
            params["st"] = status
        if question_id is not None:
            conditions.append("question_id = :q")
            params["q"] = question_id
        return _page(tx, conditions, params, limit, after)


def my_flags(ctx: RequestContext, ws: UUID, status: str | None, limit: int, cursor: str | None) -> Page[schemas.FlagOut]:
    after = decode_time_cursor(cursor)
    with ctx.tx(ws) as tx:
        conditions, params = ["workspace_id = :w", "flagged_by = :u"], {"w": ws, "u": tx.user_id}
        if status is not None:
            conditions.append("status = :st")
            params["st"] = status
        return _page(tx, conditions, params, limit, after)


def update_flag(ctx: RequestContext, ws: UUID, flag_id: UUID, body: schemas.FlagUpdate) -> schemas.FlagOut:
    with ctx.tx(ws) as tx:
        tx.require(*STAFF)
        current = tx.one("SELECT status FROM question_flags WHERE workspace_id = :w AND id = :f FOR UPDATE", w=ws, f=flag_id)
        if current is None:
            raise Problem(404, "Not found", "no such flag")
        note_given = "resolution_note" in body.model_fields_set
        if body.status == "open":
            sql = "status = 'open', resolved_by = NULL, resolved_at = NULL"
        elif current["status"] == body.status:  # already so: only the note may change
            sql = "status = :st"
        else:
            sql = "status = :st, resolved_by = :u, resolved_at = now()"
        if note_given:
            sql += ", resolution_note = :note"
        tx.conn.execute(text(f"UPDATE question_flags SET {sql} WHERE workspace_id = :w AND id = :f"),
                        {"st": body.status, "u": tx.user_id, "note": body.resolution_note or None, "w": ws, "f": flag_id})
        return schemas.FlagOut(**tx.one(_FLAG + " WHERE workspace_id = :w AND id = :f", w=ws, f=flag_id))


# ---------------------------------------------------------------- attempts and feedback
def _feedback(tx: Tx, feedback_id: UUID, *, lock: bool = False) -> dict[str, Any]:
    row = tx.one(_FEEDBACK + " WHERE workspace_id = :w AND id = :f" + (" FOR UPDATE" if lock else ""),
                 w=tx.workspace_id, f=feedback_id)
    if row is None:
        raise Problem(404, "Not found", "no such feedback")
    return dict(row)


def _require_author_or_owner(tx: Tx, row: dict[str, Any]) -> None:
    if tx.role != "owner" and row["tutor_user_id"] != tx.user_id:
        raise Problem(403, "Forbidden", "only the tutor who wrote this feedback or an owner may change it")


def create_feedback(ctx: RequestContext, ws: UUID, attempt_id: UUID, body: schemas.FeedbackCreate) -> schemas.FeedbackOut:
    with ctx.tx(ws) as tx:
        tx.require(*STAFF)
        attempts.load_attempt(tx, attempt_id)
        feedback_id = tx.scalar("INSERT INTO tutor_feedback (workspace_id, attempt_id, tutor_user_id, body, visible_to_student) "
                                "VALUES (:w, :a, :u, :b, :v) RETURNING id",
                                w=ws, a=attempt_id, u=tx.user_id, b=body.body, v=body.visible_to_student)
        return schemas.FeedbackOut(**_feedback(tx, feedback_id))


def update_feedback(ctx: RequestContext, ws: UUID, feedback_id: UUID, body: schemas.FeedbackUpdate) -> schemas.FeedbackOut:
    with ctx.tx(ws) as tx:
        tx.require(*STAFF)
        _require_author_or_owner(tx, _feedback(tx, feedback_id, lock=True))
        changes = body.model_dump(exclude_unset=True)
        nulls = [name for name, value in changes.items() if value is None]
        if nulls:
            raise invalid_field(nulls[0], "may not be null")
        if changes:
            assignments = ", ".join(f"{name} = :{name}" for name in changes)
            tx.conn.execute(text(f"UPDATE tutor_feedback SET {assignments} WHERE workspace_id = :w AND id = :f"),
                            changes | {"w": ws, "f": feedback_id})
        return schemas.FeedbackOut(**_feedback(tx, feedback_id))


def delete_feedback(ctx: RequestContext, ws: UUID, feedback_id: UUID) -> None:
    with ctx.tx(ws) as tx:
        tx.require(*STAFF)
        _require_author_or_owner(tx, _feedback(tx, feedback_id, lock=True))
        tx.conn.execute(text("DELETE FROM tutor_feedback WHERE workspace_id = :w AND id = :f"), {"w": ws, "f": feedback_id})


def count_flags(ctx: RequestContext, ws: UUID, status: str | None) -> int:
    """How many flags the workspace has (with this status), for a count on a page (staff)."""
    with ctx.tx(ws) as tx:
        tx.require(*STAFF)
        return tx.scalar("SELECT count(*) FROM question_flags WHERE workspace_id = :w AND (CAST(:st AS text) IS NULL "
                         "OR status = :st)", w=ws, st=status)
