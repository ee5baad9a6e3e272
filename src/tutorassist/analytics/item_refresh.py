"""Refreshing the question-quality statistics of a workspace (question_item_statistics, topic_wrong_answer_notes).

Platform work, run as the schema owner by the REFRESH_ITEM_STATISTICS job, never by the attempt hot path. A workspace
is recomputed by replacing its rows in one transaction, one set-based statement per table: readers keep seeing the
previous rows until the commit and never wait. Only workspaces with attempts or flags since their last watermark are
recomputed (docs/analytics-quality.md says why the watermark is safe).
"""

from __future__ import annotations

import time
from typing import Any
from uuid import UUID

from sqlalchemy import text
from sqlalchemy.engine import Connection, Engine

# Below this many students a statistic is noise: the API withholds it, and the refresh never calls such a question
# dubious.
MIN_SAMPLE = 10
# Moodle calls a question dubious below this discriminative efficiency (percent).
DUBIOUS_EFFICIENCY = 15.0
# Nearly everyone right (or wrong) tells a tutor nothing about who knows the topic.
FACILITY_BAND = (0.05, 0.95)
# How far before the refresh the watermark stays at least: covers the clock of the application servers (attempts'
# submitted_at is their clock) and transactions whose start the owner cannot see in pg_stat_activity.
WATERMARK_MARGIN = "5 minutes"

_WATERMARK = text(f"""
SELECT least(now() - interval '{WATERMARK_MARGIN}',
             (SELECT min(xact_start) FROM pg_stat_activity
              WHERE datname = current_database() AND backend_type = 'client backend' AND pid <> pg_backend_pid()))
""")

# Workspaces whose statistics may be stale: an attempt submitted or a flag raised or triaged at or after the
# watermark of their last refresh (or never refreshed and with any). Each probe is one index lookup.
_DIRTY = text("""
SELECT w.id FROM workspaces w LEFT JOIN item_statistics_refreshes r ON r.workspace_id = w.id
WHERE EXISTS (SELECT 1 FROM attempts a WHERE a.workspace_id = w.id
                AND a.submitted_at >= coalesce(r.data_as_of, '-infinity'))
   OR EXISTS (SELECT 1 FROM question_flags f WHERE f.workspace_id = w.id
                AND f.updated_at >= coalesce(r.data_as_of, '-infinity'))
ORDER BY w.id
""")

_LOCK = text("SELECT pg_advisory_xact_lock(hashtextextended('item_statistics:' || CAST(:w AS text), 0))")

_ITEMS = text("""
WITH tried AS (  -- one pass over the workspace's attempts: per student and question, the first graded one and the count
  SELECT a.student_user_id, a.question_id, a.score::float8 AS x, a.time_spent_seconds, a.is_correct IS NOT NULL AS graded,
         row_number() OVER w AS rn, count(*) OVER w AS tries
  FROM attempts a WHERE a.workspace_id = :w
  WINDOW w AS (PARTITION BY a.student_user_id, a.question_id ORDER BY a.is_correct IS NULL, a.submitted_at, a.id
               ROWS BETWEEN UNBOUNDED PRECEDING AND UNBOUNDED FOLLOWING)
), firsts AS (  -- each student's first graded attempt at each question: x = its score
  SELECT student_user_id, question_id, x, time_spent_seconds FROM tried WHERE rn = 1 AND graded
), totals AS (
  SELECT student_user_id, sum(x) AS total, count(*) AS k FROM firsts GROUP BY student_user_id
), scored AS (  -- y = the student's mean score on their other first attempts (NULL when they have none)
  SELECT f.*, CASE WHEN t.k > 1 THEN (t.total - f.x) / (t.k - 1) END AS y
  FROM firsts f JOIN totals t USING (student_user_id)
), ranked AS (
  SELECT question_id, x, y, row_number() OVER (PARTITION BY question_id ORDER BY x) AS rx,
         row_number() OVER (PARTITION BY question_id ORDER BY y) AS ry
  FROM scored WHERE y IS NOT NULL
), best AS (  -- C_max: the covariance x and y would have if both were sorted ascending
  SELECT a.question_id, covar_samp(a.x, b.y) AS c_max
  FROM ranked a JOIN ranked b ON b.question_id = a.question_id AND b.ry = a.rx GROUP BY a.question_id
), item AS (
  SELECT question_id, count(*) AS n, avg(x) AS facility, stddev_samp(x) AS sd,
         count(y) AS rest_n, corr(x, y) AS r, covar_samp(x, y) AS c, avg(time_spent_seconds) AS mean_time
  FROM scored GROUP BY question_id
), tries AS (
  SELECT question_id, sum(tries) AS attempts, count(*) AS students FROM tried WHERE rn = 1 GROUP BY question_id
), flagged AS (
  SELECT question_id, count(*) AS flags, count(*) FILTER (WHERE status = 'open') AS open_flags
  FROM question_flags WHERE workspace_id = :w GROUP BY question_id
), computed AS (
  SELECT q.question_id, coalesce(i.n, 0) AS n, i.facility, i.sd, coalesce(i.rest_n, 0) AS rest_n,
         100 * i.r AS d, CASE WHEN b.c_max > 0 THEN 100 * i.c / b.c_max END AS de, i.mean_time,
         coalesce(t.attempts, 0) AS attempts, coalesce(t.students, 0) AS students_attempted,
         coalesce(fl.flags, 0) AS flags, coalesce(fl.open_flags, 0) AS open_flags
  FROM (SELECT question_id FROM tries UNION SELECT question_id FROM flagged) q
  LEFT JOIN item i USING (question_id) LEFT JOIN best b USING (question_id)
  LEFT JOIN tries t USING (question_id) LEFT JOIN flagged fl USING (question_id)
)
INSERT INTO question_item_statistics (workspace_id, question_id, students, facility, score_sd, rest_students,
  discrimination_index, discriminative_efficiency, dubious, mean_time_seconds, attempts, students_attempted, flags,
  open_flags, flag_rate, computed_at)
SELECT :w, question_id, n, facility, sd, rest_n, d, de,
       n >= :min_n AND coalesce(facility < :low OR facility > :high OR de < :dubious_de, false), mean_time, attempts,
       students_attempted, flags, open_flags, flags::float8 / nullif(students_attempted, 0), :as_of
FROM computed
""")

_NOTES = text("""
INSERT INTO topic_wrong_answer_notes (workspace_id, topic_id, note_code, attempts, students, last_seen)
SELECT :w, q.topic_id, n.code, count(*), count(DISTINCT a.student_user_id), max(a.submitted_at)
FROM attempts a
JOIN questions q ON q.workspace_id = a.workspace_id AND q.id = a.question_id
CROSS JOIN LATERAL (
  SELECT DISTINCT CASE jsonb_typeof(e) WHEN 'string' THEN e #>> '{}' WHEN 'object' THEN e ->> 'code' END AS code
  FROM jsonb_array_elements(a.error_taxonomy_json) e
) n
WHERE a.workspace_id = :w AND a.is_correct = false AND q.topic_id IS NOT NULL
  AND length(n.code) BETWEEN 1 AND 200
GROUP BY q.topic_id, n.code
""")

_RECORD = text("""
INSERT INTO item_statistics_refreshes (workspace_id, data_as_of, refreshed_at, duration_ms, questions, notes)
VALUES (:w, :as_of, now(), :ms, :questions, :notes)
ON CONFLICT (workspace_id) DO UPDATE SET data_as_of = excluded.data_as_of, refreshed_at = excluded.refreshed_at,
  duration_ms = excluded.duration_ms, questions = excluded.questions, notes = excluded.notes
""")


def refresh_workspace(conn: Connection, workspace_id: UUID) -> dict[str, Any]:
    """Recomputes one workspace's statistics in the caller's transaction (commit makes them visible at once).

    Two refreshes of the same workspace take turns (an advisory lock); each replaces all the workspace's rows."""
    started = time.perf_counter()
    conn.execute(_LOCK, {"w": workspace_id})
    as_of = conn.execute(_WATERMARK).scalar_one()
    conn.execute(text("DELETE FROM question_item_statistics WHERE workspace_id = :w"), {"w": workspace_id})
    conn.execute(text("DELETE FROM topic_wrong_answer_notes WHERE workspace_id = :w"), {"w": workspace_id})
    questions = conn.execute(_ITEMS, {"w": workspace_id, "as_of": as_of, "min_n": MIN_SAMPLE,
                                      "low": FACILITY_BAND[0], "high": FACILITY_BAND[1],
                                      "dubious_de": DUBIOUS_EFFICIENCY}).rowcount
    notes = conn.execute(_NOTES, {"w": workspace_id}).rowcount
    ms = int((time.perf_counter() - started) * 1000)
    conn.execute(_RECORD, {"w": workspace_id, "as_of": as_of, "ms": ms, "questions": questions, "notes": notes})
    return {"questions": questions, "notes": notes, "duration_ms": ms}


def dirty_workspaces(owner: Engine) -> list[UUID]:
    with owner.connect() as conn:
        return list(conn.execute(_DIRTY).scalars())


def refresh(owner: Engine, workspaces: list[UUID] | None = None) -> dict[str, Any]:
    """Refreshes the given workspaces (default: the dirty ones), each in its own transaction."""
    targets = dirty_workspaces(owner) if workspaces is None else workspaces
    questions = notes = 0
    for ws in targets:
        with owner.begin() as conn:
            done = refresh_workspace(conn, ws)
        questions, notes = questions + done["questions"], notes + done["notes"]
    return {"workspaces_refreshed": len(targets), "questions": questions, "notes": notes}
