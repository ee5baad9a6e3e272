"""Submitting and reading attempts.

Submitting is the hot path, in three steps so no database connection waits on the answer checker:
1. one short read (`_PREPARE`): the question as the student may see it (row-level security hides others), an earlier
   attempt with the same client_request_id, the assignment's validity, the settings and the student's review card;
2. the answer checker grades the answer with no connection held;
3. one statement writes the attempt, the card and the review event (`_RECORD`), guarded by the question's version
   (edited meanwhile: grade again) and the card's state as read (changed meanwhile by a concurrent attempt: read it
   again under a row lock and write once more). Triggers keep counters, mastery and assignment progress.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime, timezone
from decimal import Decimal
from typing import Any
from uuid import UUID

from tutorassist.api.context import STAFF, RequestContext, Tx
from tutorassist.identity.contracts import resolve_settings
from tutorassist.kit.pagination import Page, decode_time_cursor, page_of
from tutorassist.kit.problems import Problem, checked_jsonb, invalid_field
from tutorassist.learning import cas, review, schemas
from tutorassist.questions import service as questions

_CARD_COLUMNS = ("algorithm", "ease_factor", "interval_days", "repetitions", "lapses", "stability", "difficulty",
                 "fsrs_state", "fsrs_step", "due_at", "last_reviewed_at")
_CARD_SELECT = ", ".join(f"c.{c} AS card_{c}" for c in _CARD_COLUMNS)
_CARD_JSON = "jsonb_build_object(" + ", ".join(f"'{c}', c.{c}" for c in _CARD_COLUMNS) + ")"

_PREPARE = f"""
SELECT q.id, q.answer_spec, q.answer_type, q.version, app.question_mean_time(q.id) AS avg_time_seconds,
  w.settings_json AS workspace_settings, p.settings_json AS student_settings,
  (SELECT jsonb_build_object('id', e.id, 'question_id', e.question_id, 'assignment_id', e.assignment_id,
                             'answer_raw', e.answer_raw)
   FROM attempts e WHERE e.workspace_id = :w AND e.student_user_id = :u AND e.client_request_id = :c) AS earlier,
  (CAST(:asg AS uuid) IS NULL OR EXISTS (
     SELECT 1 FROM assignments a JOIN assignment_items i ON i.workspace_id = a.workspace_id AND i.assignment_id = a.id
     WHERE a.workspace_id = :w AND a.id = :asg AND a.status <> 'draft' AND a.student_profile_id = p.id
       AND i.question_id = q.id)) AS assignment_ok,
  c.updated_at AS card_version, {_CARD_JSON} AS card_json, {_CARD_SELECT}
FROM questions q
JOIN workspaces w ON w.id = q.workspace_id
LEFT JOIN student_profiles p ON p.workspace_id = q.workspace_id AND p.user_id = :u
LEFT JOIN spaced_repetition c ON c.workspace_id = q.workspace_id AND c.student_user_id = :u AND c.question_id = q.id
WHERE q.workspace_id = :w AND q.id = :q
"""

_LOCK_CARD = (f"SELECT c.updated_at AS card_version, {_CARD_JSON} AS card_json, {_CARD_SELECT} FROM spaced_repetition c "
              "WHERE c.workspace_id = :w AND c.student_user_id = :u AND c.question_id = :q FOR UPDATE")

_INSERT_ATTEMPT = """
  INSERT INTO attempts (workspace_id, student_user_id, question_id, assignment_id, client_request_id, answer_raw,
    answer_parsed, is_correct, score, feedback_json, error_taxonomy_json, time_spent_seconds, hints_viewed,
    context_json, question_version, submitted_at)
  SELECT :w, :u, q.id, :asg, :c, :raw, CAST(:parsed AS jsonb), :ok, :score, CAST(:fb AS jsonb), CAST(:notes AS jsonb),
    :t, :h, CAST(:ctx AS jsonb), q.version, :now
  FROM questions q WHERE q.workspace_id = :w AND q.id = :q AND q.version = :v
  ON CONFLICT (workspace_id, student_user_id, client_request_id) DO NOTHING
  RETURNING id, submitted_at"""

_RETURNING_CARD = "RETURNING " + ", ".join(_CARD_COLUMNS)


def _record_sql(card_sql: str | None) -> str:
    """The attempt, its card (card_sql: an UPDATE or INSERT of spaced_repetition, or None when ungraded) and the
    review event, in one statement."""
    if card_sql is None:
        return f"WITH a AS ({_INSERT_ATTEMPT}) SELECT a.id, a.submitted_at, true AS card_written, NULL AS algorithm, " \
               "NULL::timestamptz AS due_at FROM a"
    return f"""
WITH a AS ({_INSERT_ATTEMPT}),
card AS ({card_sql} {_RETURNING_CARD}),
event AS (
  INSERT INTO review_events (workspace_id, student_user_id, question_id, attempt_id, algorithm, rating, fsrs_rating,
    reviewed_at, duration_ms, card_before, card_after)
  SELECT :w, :u, :q, a.id, card.algorithm, :rating, :fsrs_rating, a.submitted_at, :ms, CAST(:before AS jsonb),
    jsonb_build_object({", ".join(f"'{c}', card.{c}" for c in _CARD_COLUMNS)})
  FROM a, card
  RETURNING 1)
SELECT a.id, a.submitted_at, EXISTS (SELECT 1 FROM event) AS card_written,
  (SELECT algorithm FROM card) AS algorithm, (SELECT due_at FROM card) AS due_at
FROM a"""


def _score(verdict: cas.Verdict) -> Decimal:
    """The score as attempts.score (numeric(5, 4)) stores and returns it."""
    return Decimal(str(verdict.score)).quantize(Decimal("0.0001"))


class _CardChanged(Exception):
    """A concurrent attempt changed the review card after it was read: read it again under a lock."""


@dataclass
class _Prepared:
    question: dict[str, Any]
    card: dict[str, Any] | None  # card_* columns, card_version, card_json; None: no card yet
    algorithm: str
    desired_retention: float


# ---------------------------------------------------------------- the shape of an attempt
_ATTEMPT = ("SELECT a.id, a.student_user_id, a.question_id, a.question_version, a.assignment_id, a.answer_raw, "
            "a.answer_parsed, a.is_correct, a.score, a.feedback_json, a.error_taxonomy_json, a.time_spent_seconds, "
            "a.hints_viewed, a.submitted_at, e.algorithm, e.card_after ->> 'due_at' AS next_due_at "
            "FROM {source} a LEFT JOIN review_events e ON e.workspace_id = a.workspace_id AND e.attempt_id = a.id")
_FEEDBACK = ("SELECT id, attempt_id, tutor_user_id, body, visible_to_student, created_at, updated_at FROM tutor_feedback "
             "WHERE workspace_id = :w AND attempt_id = ANY(CAST(:ids AS uuid[])) ORDER BY created_at, id")


def _shape(row: Any, feedback: list[schemas.FeedbackOut]) -> schemas.AttemptOut:
    row = dict(row)
    details, notes = row.pop("feedback_json") or {}, row.pop("error_taxonomy_json") or []
    verdict = None if row["is_correct"] is None else ("correct" if row["is_correct"] else "incorrect")
    return schemas.AttemptOut(**row, verdict=verdict, answer_note=notes[0] if notes else None,
                              feedback=details.get("feedback"), interpreted_as=details.get("interpreted_as"),
                              tutor_feedback=feedback)


def _with_feedback(tx: Tx, rows: list[Any]) -> list[schemas.AttemptOut]:
    """Attempts with the tutor feedback the caller may see (row-level security: students and guardians see only what
    is visible to the student), in one query for the whole page."""
    feedback: dict[UUID, list[schemas.FeedbackOut]] = {}
    if rows:
        for f in tx.all(_FEEDBACK, w=tx.workspace_id, ids=[str(r["id"]) for r in rows]):
            feedback.setdefault(f["attempt_id"], []).append(schemas.FeedbackOut(**f))
    return [_shape(r, feedback.get(r["id"], [])) for r in rows]


def load_attempt(tx: Tx, attempt_id: UUID) -> schemas.AttemptOut:
    """An attempt the caller may see: staff every one, a student their own, a guardian their student's (row-level
    security); anyone else: 404."""
    row = tx.one(_ATTEMPT.format(source="attempts") + " WHERE a.workspace_id = :w AND a.id = :a",
                 w=tx.workspace_id, a=attempt_id)
    if row is None:
        raise Problem(404, "Not found", "no such attempt")
    return _with_feedback(tx, [row])[0]


def get_attempt(ctx: RequestContext, ws: UUID, attempt_id: UUID) -> schemas.AttemptOut:
    with ctx.tx(ws) as tx:
        return load_attempt(tx, attempt_id)


def _attempt_page(tx: Tx, conditions: dict[str, Any], limit: int, cursor: str | None) -> Page[schemas.AttemptOut]:
    """Attempts matching column = value conditions, newest first (keyset on submitted_at, id): the page is cut first
    (idx_attempts_workspace_date / idx_attempts_student_date), then joined to its review events."""
    after = decode_time_cursor(cursor)
    where = "workspace_id = :w" + "".join(f" AND {column} = :{column}" for column in conditions)
    params = {"w": tx.workspace_id} | conditions
    if after is not None:
        where += " AND (submitted_at, id) < (:after_at, :after_id)"
        params |= {"after_at": after[0], "after_id": after[1]}
    page = f"(SELECT * FROM attempts WHERE {where} ORDER BY submitted_at DESC, id DESC LIMIT :n)"
    rows = tx.all(_ATTEMPT.format(source=page) + " ORDER BY a.submitted_at DESC, a.id DESC", **params, n=limit + 1)
    rows, next_cursor = page_of(rows, limit, "submitted_at")
    return Page[schemas.AttemptOut](items=_with_feedback(tx, rows), next_cursor=next_cursor)


def my_attempts(ctx: RequestContext, ws: UUID, limit: int, cursor: str | None) -> Page[schemas.AttemptOut]:
    """The caller's own attempts in the workspace, newest first."""
    with ctx.tx(ws) as tx:
        return _attempt_page(tx, {"student_user_id": tx.user_id}, limit, cursor)


def learner_attempts(ctx: RequestContext, ws: UUID, limit: int, cursor: str | None) -> Page[schemas.AttemptOut]:
    """The attempts of the learner's student, newest first: a student's own, a guardian's student's (read-only)."""
    with ctx.tx(ws) as tx:
        tx.require("student", "guardian")
        student = tx.scalar("SELECT app.learner_user_id()")
        if student is None:  # a guardian's student who has not signed up yet has no attempts
            return Page[schemas.AttemptOut](items=[], next_cursor=None)
        return _attempt_page(tx, {"student_user_id": student}, limit, cursor)


def list_attempts(ctx: RequestContext, ws: UUID, student_user_id: UUID | None, question_id: UUID | None,
                  assignment_id: UUID | None, limit: int, cursor: str | None) -> Page[schemas.AttemptOut]:
    """Every attempt in the workspace (staff), filtered by student, question or assignment, newest first."""
    with ctx.tx(ws) as tx:
        tx.require(*STAFF)
        filters = {"student_user_id": student_user_id, "question_id": question_id, "assignment_id": assignment_id}
        return _attempt_page(tx, {k: v for k, v in filters.items() if v is not None}, limit, cursor)


def last_attempt_at(ctx: RequestContext, ws: UUID) -> dict[UUID, datetime]:
    """When each student with an account (by user id) last submitted an attempt (staff): one probe of
    idx_attempts_student_date per student, so the students list can show it at any size."""
    with ctx.tx(ws) as tx:
        tx.require(*STAFF)
        rows = tx.all("SELECT p.user_id, (SELECT a.submitted_at FROM attempts a WHERE a.workspace_id = p.workspace_id "
                      "AND a.student_user_id = p.user_id ORDER BY a.submitted_at DESC LIMIT 1) AS last_at "
                      "FROM student_profiles p WHERE p.workspace_id = :w AND p.user_id IS NOT NULL", w=ws)
        return {r["user_id"]: r["last_at"] for r in rows if r["last_at"] is not None}


# ---------------------------------------------------------------- submitting
def _context(body: schemas.AttemptCreate) -> tuple[dict[str, Any], int]:
    """The attempt's context and its hint count, which cannot disagree: hints_viewed_at of the body or of the
    context (the same list when both are given), and hints_viewed is its length."""
    context = dict(body.context)
    given = context.get("hints_viewed_at")
    ours = [t.isoformat() for t in body.hints_viewed_at]
    if given is not None and body.hints_viewed_at:
        try:
            same = [datetime.fromisoformat(str(t)) for t in given] == list(body.hints_viewed_at)
        except (TypeError, ValueError):
            same = False
        if not same:
            raise invalid_field("context.hints_viewed_at", "differs from hints_viewed_at: give the times once")
    if given is None and ours:
        context["hints_viewed_at"] = ours
    stored = json.loads(checked_jsonb("attempts", "context_json", context, "context"))
    return stored, len(stored.get("hints_viewed_at") or [])


def _reused_key() -> Problem:
    """An idempotency key sent again with another answer: refused, as idempotency keys are everywhere."""
    return Problem(409, "Conflict", "client_request_id was already used for a different answer",
                   errors=[{"field": "client_request_id", "message": "already used for a different answer: choose a new key"}])


def _prepare(ctx: RequestContext, ws: UUID, body: schemas.AttemptCreate) -> _Prepared | schemas.AttemptOut:
    """Step 1: what grading and recording need, or the earlier attempt of a retried request."""
    with ctx.tx(ws) as tx:
        tx.require_practising_student()
        row = tx.one(_PREPARE, w=ws, u=tx.user_id, q=body.question_id, c=body.client_request_id,
                     asg=body.assignment_id)
        if row is None:
            raise Problem(404, "Not found", "no such question")
        earlier = row["earlier"]
        if earlier is not None:
            if (earlier["answer_raw"], earlier["question_id"], earlier["assignment_id"]) != (
                    body.answer, str(body.question_id), body.assignment_id and str(body.assignment_id)):
                raise _reused_key()
            return load_attempt(tx, UUID(earlier["id"]))
        if not row["assignment_ok"]:
            raise invalid_field("assignment_id", "not one of your assignments with this question as an item")
        resolved = resolve_settings(None, row["student_settings"], row["workspace_settings"])
        card = None if row["card_version"] is None else {k: row[k] for k in row.keys() if k.startswith("card_")}
        return _Prepared(dict(row), card, resolved.spaced_repetition_algorithm.value, resolved.desired_retention.value)


def _card_change(prepared: _Prepared, quality: int, now: datetime, duration_ms: int | None) -> tuple[str, dict[str, Any]]:
    """Step 3's card statement (insert a new card, or update the card as read) and its parameters."""
    card = prepared.card
    algorithm = card["card_algorithm"] if card else prepared.algorithm
    rating = review.fsrs_rating(quality)
    if algorithm == "fsrs":
        created = card is None or card["card_fsrs_state"] is None
        updated = review.fsrs_review(
            review.FsrsCard(state=review.State.Learning.value if created else card["card_fsrs_state"],
                            step=0 if created else card["card_fsrs_step"],
                            stability=card and card["card_stability"], difficulty=card and card["card_difficulty"],
                            due_at=None if card is None else card["card_due_at"].astimezone(timezone.utc),
                            last_reviewed_at=card and card["card_last_reviewed_at"]
                            and card["card_last_reviewed_at"].astimezone(timezone.utc)),
            rating, now, prepared.desired_retention, duration_ms)
        values = {"stability": updated.stability, "difficulty": updated.difficulty, "fsrs_state": updated.state,
                  "fsrs_step": updated.step, "due_at": updated.due_at, "last_reviewed_at": now,
                  "interval_days": max(0, (updated.due_at - now).days),
                  "repetitions": (card["card_repetitions"] if card else 0) + 1 if quality >= 3 else 0,
                  "lapses": (card["card_lapses"] if card else 0) + (1 if quality < 3 else 0)}
    else:
        updated = review.sm2_review(
            review.Sm2Card() if card is None else review.Sm2Card(
                ease_factor=card["card_ease_factor"], interval_days=card["card_interval_days"],
                repetitions=card["card_repetitions"], lapses=card["card_lapses"], due_at=card["card_due_at"]),
            quality, now)
        values = {"ease_factor": updated.ease_factor, "interval_days": updated.interval_days,
                  "repetitions": updated.repetitions, "lapses": updated.lapses, "due_at": updated.due_at,
                  "last_reviewed_at": now}
    params = {f"card_{k}": v for k, v in values.items()} | {
        "rating": quality, "fsrs_rating": int(rating), "ms": duration_ms, "algorithm": algorithm,
        "before": None if card is None else json.dumps(card["card_json"]), "card_version": card and card["card_version"]}
    if card is None:
        columns = ["workspace_id", "student_user_id", "question_id", "algorithm", *values]
        sql = (f"INSERT INTO spaced_repetition ({', '.join(columns)}) SELECT :w, :u, :q, :algorithm, "
               + ", ".join(f":card_{k}" for k in values) + " FROM a "
               "ON CONFLICT (workspace_id, student_user_id, question_id) DO NOTHING")
    else:
        sql = ("UPDATE spaced_repetition SET " + ", ".join(f"{k} = :card_{k}" for k in values) +
               " WHERE workspace_id = :w AND student_user_id = :u AND question_id = :q AND updated_at = :card_version"
               " AND EXISTS (SELECT 1 FROM a)")
    return sql, params


def _record(ctx: RequestContext, ws: UUID, body: schemas.AttemptCreate, prepared: _Prepared, verdict: cas.Verdict,
            context: dict[str, Any], hints: int) -> tuple[schemas.AttemptOut, bool] | None:
    """Step 3: (attempt, created); None when the question was edited since step 1 (grade again)."""
    question = prepared.question
    quality = review.sm2_quality(verdict.verdict, hints, body.time_spent_seconds, question["avg_time_seconds"],
                                 solution_viewed=context.get("solution_viewed_at") is not None)
    duration_ms = None if body.time_spent_seconds is None else body.time_spent_seconds * 1000
    for locked in (False, True, True):
        try:
            with ctx.tx(ws) as tx:
                tx.require_practising_student()
                if locked:  # the card changed under us once: read it again, locked, and write on that
                    row = tx.one(_LOCK_CARD, w=ws, u=tx.user_id, q=body.question_id)
                    prepared.card = None if row is None else dict(row)
                now = datetime.now(timezone.utc)
                card_sql, card_params = (None, {}) if quality is None else _card_change(prepared, quality, now, duration_ms)
                row = tx.one(_record_sql(card_sql), **card_params, w=ws, u=tx.user_id, q=body.question_id,
                             v=question["version"], asg=body.assignment_id, c=body.client_request_id, raw=body.answer,
                             parsed=None if verdict.parsed is None else json.dumps(verdict.parsed),
                             ok=verdict.verdict == "correct", score=_score(verdict),
                             fb=json.dumps({"feedback": verdict.feedback, "interpreted_as": verdict.interpreted_as}),
                             notes=json.dumps([verdict.answer_note]), t=body.time_spent_seconds, h=hints,
                             ctx=json.dumps(context), now=now)
                if row is None:
                    earlier = _after_conflict(tx, body)
                    return None if earlier is None else (earlier, False)
                if not row["card_written"]:
                    raise _CardChanged()
                return schemas.AttemptOut(
                    id=row["id"], student_user_id=tx.user_id, question_id=body.question_id,
                    question_version=question["version"], assignment_id=body.assignment_id, answer_raw=body.answer,
                    answer_parsed=verdict.parsed, is_correct=verdict.verdict == "correct",
                    score=_score(verdict), verdict=verdict.verdict,
                    answer_note=verdict.answer_note, feedback=verdict.feedback, interpreted_as=verdict.interpreted_as,
                    time_spent_seconds=body.time_spent_seconds, hints_viewed=hints, submitted_at=row["submitted_at"],
                    algorithm=row["algorithm"], next_due_at=row["due_at"], tutor_feedback=[]), True
        except _CardChanged:
            continue
    raise Problem(503, "Busy", "this question's review card is changing too often right now; submit again",
                  headers={"Retry-After": "1"})


def _after_conflict(tx: Tx, body: schemas.AttemptCreate) -> schemas.AttemptOut | None:
    """Nothing was inserted: a concurrent retry with the same client_request_id won (return its attempt, or 409 when
    it was another answer), or the question was edited meanwhile (None: grade again)."""
    if body.client_request_id is not None:
        earlier = tx.one("SELECT id, answer_raw FROM attempts WHERE workspace_id = :w AND student_user_id = :u "
                         "AND client_request_id = :c", w=tx.workspace_id, u=tx.user_id, c=body.client_request_id)
        if earlier is not None:
            if earlier["answer_raw"] != body.answer:
                raise _reused_key()
            return load_attempt(tx, earlier["id"])
    return None


def submit_attempt(ctx: RequestContext, ws: UUID, body: schemas.AttemptCreate) -> tuple[schemas.AttemptOut, bool]:
    """Grade and record a student's answer and schedule its review; (attempt, created). See docs/learning.md."""
    context, hints = _context(body)
    for _ in range(3):
        prepared = _prepare(ctx, ws, body)
        if isinstance(prepared, schemas.AttemptOut):
            return prepared, False
        try:  # step 2, with no connection held
            verdict = cas.check(prepared.question["answer_spec"], body.answer)
        except cas.InvalidSpec:
            raise Problem(409, "Conflict", "the question's answer specification cannot be checked; "
                                           "ask your tutor to fix the question") from None
        if verdict.answer_note == "busy":  # every answer checker stayed busy: nothing is wrong with the answer
            raise Problem(503, "Busy", verdict.feedback, headers={"Retry-After": "2"})
        if verdict.verdict == "invalid":  # not stored: the student corrects the input and submits again
            raise Problem(422, "Answer not understood", verdict.feedback,
                          errors=[{"field": "answer", "message": verdict.feedback}],
                          answer_note=verdict.answer_note, interpreted_as=verdict.interpreted_as)
        recorded = _record(ctx, ws, body, prepared, verdict, context, hints)
        if recorded is not None:
            return recorded
    raise Problem(409, "Conflict", "the question keeps changing while you answer; reload it and answer again")


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
