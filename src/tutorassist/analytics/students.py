"""One student's reports, read from analytics_daily (and mastery, review cards, snapshots): accuracy over time, topic
progression, learning velocity and time on task, needs help, cohort comparison. Staff read any student of their
workspace; a student themself, a guardian their student (row-level security; anyone else: 404)."""

from __future__ import annotations

from datetime import date
from uuid import UUID

from tutorassist.analytics import schemas
from tutorassist.analytics.freshness import Freshness
from tutorassist.analytics.models import NO_TOPIC
from tutorassist.analytics.ranges import period
from tutorassist.api.context import Tx
from tutorassist.identity.service import visible_student
from tutorassist.kit.problems import Problem

# Needs help: the last 7 days against the 28 before, each with at least MIN_GRADED graded attempts, and a drop of at
# least ACCURACY_DROP; review cards due over a day ago; an answer note in RECENT_WRONG wrong attempts at least twice.
MIN_GRADED = 5
ACCURACY_DROP = 0.15
RECENT_WRONG = 200
NOTES_LIMIT = 5


def live(tx: Tx) -> Freshness:
    """Rollups kept in the attempt's transaction: complete up to this transaction's start."""
    return Freshness(as_of=tx.scalar("SELECT now()"), source="live")


def student_user(tx: Tx, student_id: UUID) -> UUID | None:
    """The student's user (NULL before they sign up: then they have no attempts); 404 when not visible."""
    return visible_student(tx, student_id)["user_id"]


def own_student(tx: Tx) -> UUID:
    """The student a student (themself) or a guardian (their student) reads the /me reports of."""
    tx.require("student", "guardian")
    if tx.student_profile_id is None:
        raise Problem(404, "Not found", "no student profile for you in this workspace")
    return tx.student_profile_id


def ratio(part, whole) -> float | None:
    return round(float(part) / float(whole), 6) if whole else None


_SERIES = """
WITH buckets AS (
  SELECT b::date AS start FROM generate_series(date_trunc(:unit, CAST(:start AS date)::timestamp),
                                               CAST(:end AS date)::timestamp, CAST('1 ' || :unit AS interval)) b
), sums AS (
  SELECT date_trunc(:unit, d.day::timestamp)::date AS start, sum(d.attempts) AS attempts, sum(d.graded) AS graded,
         sum(d.correct) AS correct, sum(d.time_spent_seconds) AS time_spent, sum(d.timed) AS timed,
         sum(d.new_questions) AS new_questions, sum(d.new_questions_correct) AS new_questions_correct
  FROM analytics_daily d
  WHERE d.workspace_id = :w AND d.student_user_id = :s AND d.day BETWEEN :start AND :end
  GROUP BY 1
)
SELECT b.start, coalesce(s.attempts, 0) AS attempts, coalesce(s.graded, 0) AS graded, coalesce(s.correct, 0) AS correct,
       coalesce(s.time_spent, 0) AS time_spent, coalesce(s.timed, 0) AS timed,
       coalesce(s.new_questions, 0) AS new_questions, coalesce(s.new_questions_correct, 0) AS new_questions_correct
FROM buckets b LEFT JOIN sums s ON s.start = b.start ORDER BY b.start
"""


def _series(tx: Tx, user_id: UUID | None, bucket: str, p: schemas.Period):
    return tx.all(_SERIES, unit=bucket, start=p.start, end=p.end, w=tx.workspace_id, s=user_id)


def accuracy(tx: Tx, student_id: UUID, bucket: str, start: date | None, end: date | None) -> schemas.StudentAccuracy:
    user_id = student_user(tx, student_id)
    p = period(tx, start, end)
    points = [schemas.AccuracyPoint(start=r["start"], attempts=r["attempts"], graded=r["graded"], correct=r["correct"],
                                    accuracy=ratio(r["correct"], r["graded"])) for r in _series(tx, user_id, bucket, p)]
    return schemas.StudentAccuracy(student_id=student_id, bucket=bucket, period=p, points=points, freshness=live(tx))


def velocity(tx: Tx, student_id: UUID, bucket: str, start: date | None, end: date | None) -> schemas.StudentVelocity:
    user_id = student_user(tx, student_id)
    p = period(tx, start, end)
    points = [schemas.VelocityPoint(start=r["start"], new_questions=r["new_questions"],
                                    new_questions_correct=r["new_questions_correct"], attempts=r["attempts"],
                                    average_time_seconds=ratio(r["time_spent"], r["timed"]),
                                    time_on_task_seconds=r["time_spent"]) for r in _series(tx, user_id, bucket, p)]
    return schemas.StudentVelocity(student_id=student_id, bucket=bucket, period=p, points=points, freshness=live(tx))


_TOPIC_SERIES = """
SELECT d.topic_id, date_trunc(:unit, d.day::timestamp)::date AS start, sum(d.attempts) AS attempts,
       sum(d.graded) AS graded, sum(d.correct) AS correct, sum(d.time_spent_seconds) AS time_spent, sum(d.timed) AS timed
FROM analytics_daily d
WHERE d.workspace_id = :w AND d.student_user_id = :s AND d.day BETWEEN :start AND :end
GROUP BY 1, 2 ORDER BY 1, 2
"""
_TOPIC_STATE = """
SELECT t.id AS topic_id, t.name, s.p_known FROM topics t
LEFT JOIN student_topic_state s ON s.workspace_id = t.workspace_id AND s.topic_id = t.id AND s.student_user_id = :s
WHERE t.workspace_id = :w AND (t.id = ANY(CAST(:ids AS uuid[])) OR s.topic_id IS NOT NULL)
"""
_SNAPSHOTS = """
SELECT x.topic_id, s.snapshot_date, x.state FROM student_progress_snapshots s
CROSS JOIN LATERAL (SELECT unnest(s.topics_mastered) AS topic_id, 'mastered' AS state
                    UNION ALL SELECT unnest(s.topics_struggling), 'struggling') x
WHERE s.workspace_id = :w AND s.student_user_id = :s AND s.snapshot_date BETWEEN :start AND :end
ORDER BY s.snapshot_date
"""


def topics(tx: Tx, student_id: UUID, bucket: str, start: date | None, end: date | None) -> schemas.StudentTopics:
    """Per topic: attempts, accuracy and mean time per bucket, the current mastery estimate, and the topic's state in
    the progress snapshots of the period."""
    user_id = student_user(tx, student_id)
    p = period(tx, start, end)
    args = dict(unit=bucket, start=p.start, end=p.end, w=tx.workspace_id, s=user_id)
    points: dict[UUID, list[schemas.TopicPoint]] = {}
    for r in tx.all(_TOPIC_SERIES, **args):
        points.setdefault(r["topic_id"], []).append(schemas.TopicPoint(
            start=r["start"], attempts=r["attempts"], graded=r["graded"], correct=r["correct"],
            accuracy=ratio(r["correct"], r["graded"]), average_time_seconds=ratio(r["time_spent"], r["timed"])))
    history: dict[UUID, list[schemas.SnapshotState]] = {}
    for r in tx.all(_SNAPSHOTS, **args):
        history.setdefault(r["topic_id"], []).append(schemas.SnapshotState(snapshot_date=r["snapshot_date"], state=r["state"]))
    named = {r["topic_id"]: r for r in tx.all(_TOPIC_STATE, w=tx.workspace_id, s=user_id,
                                                ids=[str(t) for t in {*points, *history} if t != NO_TOPIC])}
    result = [schemas.TopicProgress(topic_id=t, topic_name=r["name"], p_known=r["p_known"], points=points.get(t, []),
                                    history=history.get(t, [])) for t, r in named.items()]
    result.sort(key=lambda x: (x.topic_name or "", str(x.topic_id)))
    if NO_TOPIC in points:
        result.append(schemas.TopicProgress(topic_id=None, topic_name=None, p_known=None, points=points[NO_TOPIC], history=[]))
    return schemas.StudentTopics(student_id=student_id, bucket=bucket, period=p, topics=result, freshness=live(tx))


# The last 7 days (today included) against the 28 before, in the workspace's days.
# The day bounds are scalar subqueries (parameters to the plan): under row-level security only such a bound, not
# an expression over a joined row, reaches the index scan of analytics_daily (the policy's qual must come first).
_WINDOWS = """
WITH today AS (SELECT (now() AT TIME ZONE timezone)::date AS d FROM workspaces WHERE id = :w)
SELECT d.student_user_id,
       coalesce(sum(d.graded) FILTER (WHERE d.day > (SELECT t.d - 7 FROM today t)), 0) AS recent_graded,
       coalesce(sum(d.correct) FILTER (WHERE d.day > (SELECT t.d - 7 FROM today t)), 0) AS recent_correct,
       coalesce(sum(d.graded) FILTER (WHERE d.day <= (SELECT t.d - 7 FROM today t)), 0) AS previous_graded,
       coalesce(sum(d.correct) FILTER (WHERE d.day <= (SELECT t.d - 7 FROM today t)), 0) AS previous_correct
FROM analytics_daily d
WHERE d.workspace_id = :w AND d.day BETWEEN (SELECT t.d - 34 FROM today t) AND (SELECT t.d FROM today t)
  AND (CAST(:s AS uuid) IS NULL OR d.student_user_id = :s)
GROUP BY d.student_user_id
"""
_OVERDUE = """
SELECT c.student_user_id, count(*) AS overdue, min(c.due_at) AS oldest FROM spaced_repetition c
WHERE c.workspace_id = :w AND c.due_at < now() - interval '1 day' AND (CAST(:s AS uuid) IS NULL OR c.student_user_id = :s)
GROUP BY c.student_user_id
"""
# Bounded by the student's newest wrong attempts (idx_attempts_student_date), never their whole history.
_NOTES = """
SELECT e.v #>> '{}' AS note, count(*) AS times, max(a.submitted_at) AS last_seen
FROM (SELECT a.submitted_at, a.error_taxonomy_json FROM attempts a
      WHERE a.workspace_id = :w AND a.student_user_id = :s AND a.is_correct = false
      ORDER BY a.submitted_at DESC, a.id DESC LIMIT :recent) a
CROSS JOIN LATERAL jsonb_array_elements(a.error_taxonomy_json) e(v)
WHERE jsonb_typeof(e.v) = 'string'
GROUP BY 1 HAVING count(*) >= 2 ORDER BY times DESC, note LIMIT :n
"""


def assess(student_id: UUID, name: str, window, overdue, notes: list[schemas.WrongAnswerNote] | None) -> schemas.NeedsHelp:
    recent = schemas.AccuracyWindow(graded=window["recent_graded"] if window else 0,
                                    correct=window["recent_correct"] if window else 0, accuracy=None)
    previous = schemas.AccuracyWindow(graded=window["previous_graded"] if window else 0,
                                      correct=window["previous_correct"] if window else 0, accuracy=None)
    recent.accuracy, previous.accuracy = ratio(recent.correct, recent.graded), ratio(previous.correct, previous.graded)
    reasons: list[str] = []
    if (recent.graded >= MIN_GRADED and previous.graded >= MIN_GRADED
            and recent.accuracy <= previous.accuracy - ACCURACY_DROP + 1e-9):
        reasons.append("falling_accuracy")
    if overdue and overdue["overdue"] > 0:
        reasons.append("overdue_reviews")
    if notes:
        reasons.append("repeated_wrong_answers")
    return schemas.NeedsHelp(student_id=student_id, name=name, reasons=reasons, last_7_days=recent,
                             previous_28_days=previous, overdue_reviews=overdue["overdue"] if overdue else 0,
                             oldest_overdue_at=overdue["oldest"] if overdue else None, repeated_wrong_answers=notes)


def needs_help(tx: Tx, student_id: UUID) -> schemas.StudentNeedsHelp:
    profile = visible_student(tx, student_id)
    user_id = profile["user_id"]
    window = tx.one(_WINDOWS, w=tx.workspace_id, s=user_id) if user_id else None
    overdue = tx.one(_OVERDUE, w=tx.workspace_id, s=user_id) if user_id else None
    notes = [schemas.WrongAnswerNote(**r) for r in tx.all(_NOTES, w=tx.workspace_id, s=user_id, recent=RECENT_WRONG,
                                                           n=NOTES_LIMIT)] if user_id else []
    report = assess(student_id, profile["name"], window, overdue, notes)
    return schemas.StudentNeedsHelp(**report.model_dump(), freshness=live(tx))


def cohort(tx: Tx, student_id: UUID, start: date | None, end: date | None) -> schemas.CohortComparison:
    visible_student(tx, student_id)
    p = period(tx, start, end)
    row = tx.one("SELECT * FROM app.cohort_accuracy(:p, :start, :end)", p=student_id, start=p.start, end=p.end)
    return schemas.CohortComparison(
        student_id=student_id, period=p, cohort_id=row["cohort_id"], cohort_size=row["cohort_size"],
        compared=row["compared"], cohort_accuracy=_round(row["cohort_accuracy"]),
        student_accuracy=_round(row["student_accuracy"]), percentile=_round(row["percentile"]), freshness=live(tx))


def _round(value) -> float | None:
    return None if value is None else round(float(value), 6)
