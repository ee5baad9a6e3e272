"""Workspace-wide reports for owners and tutors: topics, tutors, the overview and the students who need help."""

from __future__ import annotations

from datetime import date

from tutorassist.analytics import schemas
from tutorassist.analytics.models import NO_TOPIC
from tutorassist.analytics.ranges import period
from tutorassist.analytics.students import _OVERDUE, _WINDOWS, assess, live, ratio
from tutorassist.api.context import STAFF, Tx

_TOPICS = """
SELECT d.topic_id, t.name, sum(d.attempts) AS attempts, sum(d.graded) AS graded, sum(d.correct) AS correct,
       sum(d.time_spent_seconds) AS time_spent, sum(d.timed) AS timed, count(DISTINCT d.student_user_id) AS students
FROM analytics_daily d LEFT JOIN topics t ON t.workspace_id = d.workspace_id AND t.id = d.topic_id
WHERE d.workspace_id = :w AND d.day BETWEEN :start AND :end
GROUP BY d.topic_id, t.name ORDER BY t.name NULLS LAST, d.topic_id
"""


def topics(tx: Tx, start: date | None, end: date | None) -> schemas.TopicsReport:
    tx.require(*STAFF)
    p = period(tx, start, end)
    rows = tx.all(_TOPICS, w=tx.workspace_id, start=p.start, end=p.end)
    return schemas.TopicsReport(period=p, freshness=live(tx), topics=[schemas.TopicPerformance(
        topic_id=None if r["topic_id"] == NO_TOPIC else r["topic_id"], topic_name=r["name"], attempts=r["attempts"],
        graded=r["graded"], accuracy=ratio(r["correct"], r["graded"]), average_time_seconds=ratio(r["time_spent"], r["timed"]),
        students=r["students"]) for r in rows])


# Assignments (not drafts) each staff member created in the period, with the progress counters the database keeps.
_TUTORS = """
SELECT m.user_id, u.display_name AS name, m.role,
       count(a.id) AS created, count(a.id) FILTER (WHERE a.status = 'completed') AS completed,
       avg(a.total_score / a.max_score) FILTER (WHERE a.max_score > 0 AND a.completed_count > 0) AS average_score,
       coalesce(array_agg(DISTINCT p.user_id) FILTER (WHERE p.user_id IS NOT NULL), '{}') AS students
FROM workspace_members m JOIN users u ON u.id = m.user_id
LEFT JOIN assignments a ON a.workspace_id = m.workspace_id AND a.created_by = m.user_id AND a.status <> 'draft'
  AND (a.created_at AT TIME ZONE :zone)::date BETWEEN :start AND :end
LEFT JOIN student_profiles p ON p.workspace_id = a.workspace_id AND p.id = a.student_profile_id
WHERE m.workspace_id = :w AND m.role IN ('owner', 'tutor')
GROUP BY m.user_id, u.display_name, m.role ORDER BY u.display_name, m.user_id
"""
_WEEKS = """
SELECT date_trunc('week', d.day::timestamp)::date AS start, count(DISTINCT d.student_user_id) FILTER (WHERE d.graded > 0) AS students,
       sum(d.graded) AS graded, sum(d.correct) AS correct
FROM analytics_daily d
WHERE d.workspace_id = :w AND d.student_user_id = ANY(CAST(:students AS uuid[])) AND d.day BETWEEN :start AND :end
GROUP BY 1 ORDER BY 1
"""


def tutors(tx: Tx, start: date | None, end: date | None) -> schemas.TutorsReport:
    """Per staff member: assignments created, how many were completed, their mean score, and the weekly accuracy of
    the students who received them."""
    tx.require(*STAFF)
    p = period(tx, start, end)
    reports = []
    for r in tx.all(_TUTORS, w=tx.workspace_id, zone=p.time_zone, start=p.start, end=p.end):
        weeks = [schemas.WeekAccuracy(start=w["start"], students=w["students"], graded=w["graded"], correct=w["correct"],
                                      accuracy=ratio(w["correct"], w["graded"]))
                 for w in (tx.all(_WEEKS, w=tx.workspace_id, students=[str(s) for s in r["students"]], start=p.start,
                                  end=p.end) if r["students"] else [])]
        graded = [w.accuracy for w in weeks if w.accuracy is not None]
        reports.append(schemas.TutorReport(
            user_id=r["user_id"], name=r["name"], role=r["role"], assignments_created=r["created"],
            assignments_completed=r["completed"], completion_rate=ratio(r["completed"], r["created"]),
            average_score=None if r["average_score"] is None else round(float(r["average_score"]), 6),
            students=len(r["students"]), weekly_accuracy=weeks,
            accuracy_change=round(graded[-1] - graded[0], 6) if len(graded) >= 2 else None))
    return schemas.TutorsReport(period=p, tutors=reports, freshness=live(tx))


_OVERVIEW = """
WITH today AS (SELECT (now() AT TIME ZONE timezone)::date AS d FROM workspaces WHERE id = :w),
recent AS (  -- day bounds as scalar subqueries, so that under RLS they reach the index scan (students.py, _WINDOWS)
  SELECT coalesce(sum(d.attempts), 0) AS attempts_recent, coalesce(sum(d.graded), 0) AS graded_recent,
         coalesce(sum(d.correct), 0) AS correct_recent,
         count(DISTINCT d.student_user_id) AS active_30,
         count(DISTINCT d.student_user_id) FILTER (WHERE d.day > (SELECT t.d - 7 FROM today t)) AS active_7
  FROM analytics_daily d
  WHERE d.workspace_id = :w AND d.day > (SELECT t.d - 30 FROM today t) AND d.day <= (SELECT t.d FROM today t)
)
SELECT (SELECT count(*) FROM student_profiles WHERE workspace_id = :w AND archived_at IS NULL) AS students,
       (SELECT count(*) FROM topics WHERE workspace_id = :w AND archived_at IS NULL) AS topics,
       (SELECT coalesce(jsonb_object_agg(status, n), '{}') FROM (
          SELECT status, count(*) AS n FROM questions WHERE workspace_id = :w GROUP BY status) q) AS questions_by_status,
       (SELECT coalesce(sum(times_attempted), 0) FROM question_stats WHERE workspace_id = :w) AS attempts,
       (SELECT coalesce(sum(times_correct), 0) FROM question_stats WHERE workspace_id = :w) AS correct,
       recent.*
FROM recent
"""


def overview(tx: Tx) -> schemas.Overview:
    """Counts from indexes and counters: no scan of attempts."""
    tx.require(*STAFF)
    r = tx.one(_OVERVIEW, w=tx.workspace_id)
    return schemas.Overview(
        students=r["students"], topics=r["topics"],
        questions_by_status={s: r["questions_by_status"].get(s, 0) for s in ("draft", "active", "archived")},
        attempts=r["attempts"], correct=r["correct"], attempts_last_30_days=r["attempts_recent"],
        accuracy_last_30_days=ratio(r["correct_recent"], r["graded_recent"]),
        active_students_7_days=r["active_7"], active_students_30_days=r["active_30"], freshness=live(tx))


def needs_help(tx: Tx, limit: int) -> schemas.NeedsHelpList:
    """Students with at least one reason, most reasons first, then the larger accuracy drop, then more overdue cards."""
    tx.require(*STAFF)
    windows = {r["student_user_id"]: r for r in tx.all(_WINDOWS, w=tx.workspace_id, s=None)}
    overdue = {r["student_user_id"]: r for r in tx.all(_OVERDUE, w=tx.workspace_id, s=None)}
    found = []
    for p in tx.all("SELECT id, name, user_id FROM student_profiles WHERE workspace_id = :w AND archived_at IS NULL "
                    "AND user_id IS NOT NULL", w=tx.workspace_id):
        report = assess(p["id"], p["name"], windows.get(p["user_id"]), overdue.get(p["user_id"]), None)
        if report.reasons:
            found.append(report)

    def drop(r: schemas.NeedsHelp) -> float:
        before, now = r.previous_28_days.accuracy, r.last_7_days.accuracy
        return before - now if before is not None and now is not None else 0.0

    found.sort(key=lambda r: (-len(r.reasons), -drop(r), -r.overdue_reviews, r.name, str(r.student_id)))
    return schemas.NeedsHelpList(students=found[:limit], freshness=live(tx))
