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

import json
from datetime import datetime, timezone
from decimal import Decimal
from typing import Any
from uuid import UUID

from sqlalchemy import text

from tutorassist.api.context import STAFF, RequestContext, Tx
from tutorassist.identity.contracts import resolve_settings
from tutorassist.kit.pagination import Page, decode_cursor, page_of
from tutorassist.kit.problems import Problem, checked_jsonb, invalid_field
from tutorassist.learning import cas, review, schemas
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


def _after(cursor: str | None) -> tuple[datetime, UUID] | None:
    values = decode_cursor(cursor, 2)
    if values is None:
        return None
    try:
        created_at, row_id = datetime.fromisoformat(values[0]), UUID(values[1])
    except (TypeError, ValueError, AttributeError):
        raise invalid_field("cursor", "not a cursor this API issued") from None
    if created_at.tzinfo is None:
        raise invalid_field("cursor", "not a cursor this API issued")
    return created_at, row_id


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
    after = _after(cursor)
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
    after = _after(cursor)
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
def _visible_attempt(tx: Tx, attempt_id: UUID) -> dict[str, Any]:
    """Staff see every attempt; a student their own; a guardian their student's; anyone else: 404."""
    row = tx.one(_ATTEMPT + " WHERE workspace_id = :w AND id = :a", w=tx.workspace_id, a=attempt_id)
    allowed = row is not None and (
        tx.role in STAFF
        or (tx.role == "student" and row["student_user_id"] == tx.user_id)
        or (tx.role == "guardian" and tx.scalar(
            "SELECT p.user_id FROM workspace_members m JOIN student_profiles p ON p.workspace_id = m.workspace_id "
            "AND p.id = m.student_profile_id WHERE m.workspace_id = :w AND m.user_id = :u",
            w=tx.workspace_id, u=tx.user_id) == row["student_user_id"])
    )
    if not allowed:
        raise Problem(404, "Not found", "no such attempt")
    return dict(row)


def get_attempt(ctx: RequestContext, ws: UUID, attempt_id: UUID) -> schemas.AttemptOut:
    with ctx.tx(ws) as tx:
        row = _visible_attempt(tx, attempt_id)
        only_visible = "" if tx.role in STAFF else " AND visible_to_student"
        feedback = tx.all(_FEEDBACK + " WHERE workspace_id = :w AND attempt_id = :a" + only_visible +
                          " ORDER BY created_at, id", w=ws, a=attempt_id)
        return schemas.AttemptOut(**row, tutor_feedback=[schemas.FeedbackOut(**f) for f in feedback])


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
        _visible_attempt(tx, attempt_id)
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


# ---------------------------------------------------------------- submitting answers
_RESULT = ("SELECT a.id, a.student_user_id, a.question_id, a.assignment_id, a.answer_raw, a.answer_parsed, a.is_correct, "
           "a.score, a.feedback_json, a.error_taxonomy_json, a.time_spent_seconds, a.hints_viewed, a.submitted_at, "
           "e.algorithm, e.card_after ->> 'due_at' AS next_due_at "
           "FROM attempts a LEFT JOIN review_events e ON e.workspace_id = a.workspace_id AND e.attempt_id = a.id")


def _result(row: Any) -> schemas.AttemptResult:
    row = dict(row)
    feedback, notes = row.pop("feedback_json") or {}, row.pop("error_taxonomy_json") or []
    verdict = None if row["is_correct"] is None else ("correct" if row["is_correct"] else "incorrect")
    return schemas.AttemptResult(**row, verdict=verdict, answer_note=notes[0] if notes else None,
                                 feedback=feedback.get("feedback"), interpreted_as=feedback.get("interpreted_as"))


def _attempt_result(tx: Tx, attempt_id: UUID) -> schemas.AttemptResult:
    return _result(tx.one(_RESULT + " WHERE a.workspace_id = :w AND a.id = :a", w=tx.workspace_id, a=attempt_id))


def _jsonable(card: dict[str, Any]) -> dict[str, Any]:
    out = {}
    for key, value in card.items():
        if isinstance(value, datetime):
            value = value.isoformat()
        elif isinstance(value, Decimal):
            value = str(value)
        out[key] = value
    return out


_CARD = ("SELECT algorithm, ease_factor, interval_days, repetitions, lapses, stability, difficulty, fsrs_state, "
         "fsrs_step, due_at, last_reviewed_at FROM spaced_repetition")


def _review(tx: Tx, question: Any, attempt_id: UUID, now: datetime, quality: int, duration_ms: int | None) -> None:
    """Update (or create) the student's card for the question and record the review event, the card locked."""
    ws, student = tx.workspace_id, tx.user_id
    now = now.astimezone(timezone.utc)  # py-fsrs wants UTC
    settings = tx.one(
        "SELECT w.settings_json AS workspace, p.settings_json AS student FROM workspaces w "
        "LEFT JOIN student_profiles p ON p.workspace_id = w.id AND p.user_id = :u WHERE w.id = :w", w=ws, u=student)
    resolved = resolve_settings(None, settings["student"] if settings else None, settings["workspace"] if settings else None)
    created = tx.scalar(
        "INSERT INTO spaced_repetition (workspace_id, student_user_id, question_id, algorithm) VALUES (:w, :u, :q, :alg) "
        "ON CONFLICT (workspace_id, student_user_id, question_id) DO NOTHING RETURNING id",
        w=ws, u=student, q=question["id"], alg=resolved.spaced_repetition_algorithm.value)
    card = dict(tx.one(_CARD + " WHERE workspace_id = :w AND student_user_id = :u AND question_id = :q FOR UPDATE",
                       w=ws, u=student, q=question["id"]))
    before = None if created else _jsonable(card)
    rating = review.fsrs_rating(quality)
    if card["algorithm"] == "fsrs":
        updated = review.fsrs_review(
            review.FsrsCard(state=card["fsrs_state"] or review.State.Learning.value,
                            step=card["fsrs_step"] if card["fsrs_state"] else 0, stability=card["stability"],
                            difficulty=card["difficulty"],
                            due_at=None if created else card["due_at"].astimezone(timezone.utc),
                            last_reviewed_at=card["last_reviewed_at"] and card["last_reviewed_at"].astimezone(timezone.utc)),
            rating, now, resolved.desired_retention.value, duration_ms)
        changes = {"stability": updated.stability, "difficulty": updated.difficulty, "fsrs_state": updated.state,
                   "fsrs_step": updated.step, "due_at": updated.due_at, "last_reviewed_at": now,
                   "interval_days": max(0, (updated.due_at - now).days),
                   "repetitions": card["repetitions"] + 1 if quality >= 3 else 0,
                   "lapses": card["lapses"] + (1 if quality < 3 else 0)}
    else:
        updated = review.sm2_review(
            review.Sm2Card(ease_factor=card["ease_factor"], interval_days=card["interval_days"],
                           repetitions=card["repetitions"], lapses=card["lapses"], due_at=card["due_at"]),
            quality, now)
        changes = {"ease_factor": updated.ease_factor, "interval_days": updated.interval_days,
                   "repetitions": updated.repetitions, "lapses": updated.lapses, "due_at": updated.due_at,
                   "last_reviewed_at": now}
    tx.conn.execute(text("UPDATE spaced_repetition SET " + ", ".join(f"{k} = :{k}" for k in changes) +
                         " WHERE workspace_id = :w AND student_user_id = :u AND question_id = :q"),
                    changes | {"w": ws, "u": student, "q": question["id"]})
    after = _jsonable(dict(tx.one(_CARD + " WHERE workspace_id = :w AND student_user_id = :u AND question_id = :q",
                                  w=ws, u=student, q=question["id"])))
    tx.conn.execute(text(
        "INSERT INTO review_events (workspace_id, student_user_id, question_id, attempt_id, algorithm, rating, "
        "fsrs_rating, reviewed_at, duration_ms, card_before, card_after) VALUES (:w, :u, :q, :a, :alg, :r, :fr, :at, "
        ":ms, CAST(:before AS jsonb), CAST(:after AS jsonb))"),
        {"w": ws, "u": student, "q": question["id"], "a": attempt_id, "alg": card["algorithm"], "r": quality,
         "fr": int(rating), "at": now, "ms": duration_ms, "before": None if before is None else json.dumps(before),
         "after": json.dumps(after)})


def submit_attempt(ctx: RequestContext, ws: UUID, body: schemas.AttemptCreate) -> tuple[schemas.AttemptResult, bool]:
    """Grade and record a student's answer and schedule its review; (result, created). See docs/learning.md."""
    with ctx.tx(ws) as tx:
        tx.require("student")
        context = dict(body.context)
        if body.hints_viewed_at and "hints_viewed_at" not in context:
            context["hints_viewed_at"] = [t.isoformat() for t in body.hints_viewed_at]
        context_json = checked_jsonb("attempts", "context_json", context, "context")
        question = questions.load(tx, body.question_id)
        if body.client_request_id is not None:
            earlier = tx.scalar("SELECT id FROM attempts WHERE workspace_id = :w AND student_user_id = :u "
                                "AND client_request_id = :c", w=ws, u=tx.user_id, c=body.client_request_id)
            if earlier is not None:
                return _attempt_result(tx, earlier), False
        if body.assignment_id is not None and tx.scalar(
                "SELECT 1 FROM assignments a JOIN student_profiles p ON p.workspace_id = a.workspace_id "
                "AND p.id = a.student_profile_id JOIN assignment_items i ON i.workspace_id = a.workspace_id "
                "AND i.assignment_id = a.id WHERE a.workspace_id = :w AND a.id = :a AND a.status <> 'draft' "
                "AND p.user_id = :u AND i.question_id = :q", w=ws, a=body.assignment_id, u=tx.user_id,
                q=body.question_id) is None:
            raise invalid_field("assignment_id", "not one of your assignments with this question as an item")
        try:
            verdict = cas.check(question["answer_spec"], body.answer)
        except cas.InvalidSpec:
            raise Problem(409, "Conflict", "the question's answer specification cannot be checked; "
                                           "ask your tutor to fix the question") from None
        if verdict.verdict == "invalid":  # not stored: the student corrects the input and submits again
            raise Problem(422, "Answer not understood", verdict.feedback,
                          errors=[{"field": "answer", "message": verdict.feedback}],
                          answer_note=verdict.answer_note, interpreted_as=verdict.interpreted_as)
        row = tx.one(
            "INSERT INTO attempts (workspace_id, student_user_id, question_id, assignment_id, client_request_id, "
            "answer_raw, answer_parsed, is_correct, score, feedback_json, error_taxonomy_json, time_spent_seconds, "
            "hints_viewed, context_json) VALUES (:w, :u, :q, :asg, :c, :raw, CAST(:parsed AS jsonb), :ok, :score, "
            "CAST(:fb AS jsonb), CAST(:notes AS jsonb), :t, :h, CAST(:ctx AS jsonb)) "
            "ON CONFLICT (workspace_id, student_user_id, client_request_id) DO NOTHING RETURNING id, submitted_at",
            w=ws, u=tx.user_id, q=body.question_id, asg=body.assignment_id, c=body.client_request_id,
            raw=body.answer, parsed=None if verdict.parsed is None else json.dumps(verdict.parsed),
            ok=verdict.verdict == "correct", score=Decimal(str(round(verdict.score, 4))),
            fb=json.dumps({"feedback": verdict.feedback, "interpreted_as": verdict.interpreted_as}),
            notes=json.dumps([verdict.answer_note]), t=body.time_spent_seconds, h=len(body.hints_viewed_at),
            ctx=context_json)
        if row is None:  # a concurrent retry with the same client_request_id won: return its attempt
            earlier = tx.scalar("SELECT id FROM attempts WHERE workspace_id = :w AND student_user_id = :u "
                                "AND client_request_id = :c", w=ws, u=tx.user_id, c=body.client_request_id)
            return _attempt_result(tx, earlier), False
        quality = review.sm2_quality(
            verdict.verdict, len(body.hints_viewed_at), body.time_spent_seconds,
            float(question["avg_time_seconds"]) if question["avg_time_seconds"] is not None else None,
            solution_viewed=context.get("solution_viewed_at") is not None)
        if quality is not None:
            _review(tx, question, row["id"], row["submitted_at"], quality,
                    None if body.time_spent_seconds is None else body.time_spent_seconds * 1000)
        return _attempt_result(tx, row["id"]), True


def _attempt_page(tx: Tx, conditions: dict[str, Any], limit: int, cursor: str | None) -> Page[schemas.AttemptResult]:
    """Attempts matching column = value conditions, newest first (keyset on submitted_at, id)."""
    after = _after(cursor)
    sql = _RESULT + " WHERE a.workspace_id = :w" + "".join(f" AND a.{column} = :{column}" for column in conditions)
    params = {"w": tx.workspace_id} | conditions
    if after is not None:
        sql += " AND (a.submitted_at, a.id) < (:after_at, :after_id)"
        params |= {"after_at": after[0], "after_id": after[1]}
    rows = tx.all(sql + " ORDER BY a.submitted_at DESC, a.id DESC LIMIT :n", **params, n=limit + 1)
    rows, next_cursor = page_of(rows, limit, "submitted_at")
    return Page[schemas.AttemptResult](items=[_result(r) for r in rows], next_cursor=next_cursor)


def my_attempts(ctx: RequestContext, ws: UUID, limit: int, cursor: str | None) -> Page[schemas.AttemptResult]:
    """The caller's own attempts in the workspace, newest first."""
    with ctx.tx(ws) as tx:
        return _attempt_page(tx, {"student_user_id": tx.user_id}, limit, cursor)


def list_attempts(ctx: RequestContext, ws: UUID, student_user_id: UUID | None, question_id: UUID | None,
                  assignment_id: UUID | None, limit: int, cursor: str | None) -> Page[schemas.AttemptResult]:
    """Every attempt in the workspace (staff), filtered by student, question or assignment, newest first."""
    with ctx.tx(ws) as tx:
        tx.require(*STAFF)
        filters = {"student_user_id": student_user_id, "question_id": question_id, "assignment_id": assignment_id}
        return _attempt_page(tx, {k: v for k, v in filters.items() if v is not None}, limit, cursor)


def preview_answer(ctx: RequestContext, ws: UUID, body: schemas.PreviewRequest) -> schemas.PreviewOut:
    """How an answer is understood, ungraded; nothing is stored. question_id (its answer type) wins over answer_type."""
    with ctx.tx(ws) as tx:
        if body.question_id is not None:
            answer_type = questions.load(tx, body.question_id)["answer_type"]
        elif body.answer_type is not None:
            answer_type = body.answer_type
        else:
            raise invalid_field("answer_type", "give question_id or answer_type")
    result = cas.preview(body.answer, answer_type)
    return schemas.PreviewOut(ok=result.ok, answer_note=result.answer_note, message=result.message,
                              interpreted_as=result.interpreted_as, interpreted_mathml=result.interpreted_mathml)
