"""Drift between what the database keeps (counters, progress, mastery, costs) and what its source rows say.

Triggers keep these exact in the writing transaction; drift means someone bypassed them (a bulk load with triggers
off, a hand-made UPDATE as the owner, a bug). Each kind of derived state is a `DriftKind` in a registry: one query
that recomputes it from the source rows beside what is stored, and the statements that repair one object.

Repair never loses a concurrent attempt. Each object is repaired in its own short transaction whose first statement
locks what every writer of that object must lock too (the way the trigger functions do), so open writers are waited
for and new ones wait for the repair; the recount that follows runs on a fresh snapshot (READ COMMITTED) and writes
absolute values, and writers held back add their increments on top of them afterwards.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass, field
from typing import Any

from sqlalchemy.engine import Engine


@dataclass(frozen=True)
class Drift:
    """One field of one object whose stored value differs from the value recomputed from its source rows.

    After a repair, `recomputed` is the value the repair wrote.
    """

    kind: str
    workspace_id: str
    object_id: str
    field: str
    stored: Any
    recomputed: Any

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class DriftKind:
    """A kind of derived state.

    measure_sql: rows (workspace_id, object_id, stored jsonb, recomputed jsonb), psycopg `%(name)s` parameters:
      `ws` (a workspace or NULL for all), one parameter per name in `key` (NULL: every object) and `everything`
      (true: every matching object, false: only those whose stored and recomputed objects differ).
    key: names of the parts of object_id, which is those values joined by "/".
    repair_sql: statements run in order in one transaction for one object, with `ws` and the key parameters; the
      first one locks the object and returns no row when the object is gone (nothing to repair).
    tolerance: per field, the absolute difference below which floating-point values count as equal.
    """

    name: str
    meaning: str
    measure_sql: str
    key: tuple[str, ...]
    repair_sql: tuple[str, ...]
    tolerance: dict[str, float] = field(default_factory=dict)

    def params(self, workspace_id: str | None, object_id: str | None, everything: bool) -> dict[str, Any]:
        parts = object_id.split("/") if object_id is not None else [None] * len(self.key)
        return {"ws": workspace_id, "everything": everything, **dict(zip(self.key, parts, strict=True))}

    def differences(self, workspace_id: str, object_id: str, stored: dict | None, recomputed: dict | None) -> list[Drift]:
        stored, recomputed = stored or {}, recomputed or {}
        found = []
        for name in sorted(set(stored) | set(recomputed)):
            before, after = stored.get(name), recomputed.get(name)
            if not _same(before, after, self.tolerance.get(name, 0.0)):
                found.append(Drift(self.name, str(workspace_id), object_id, name, before, after))
        return found


def _same(a: Any, b: Any, tolerance: float) -> bool:
    if isinstance(a, (int, float)) and isinstance(b, (int, float)) and not isinstance(a, bool):
        return math.isclose(a, b, rel_tol=0.0, abs_tol=tolerance) if tolerance else a == b
    return a == b


KINDS: dict[str, DriftKind] = {}


def drift_kind(kind: DriftKind) -> DriftKind:
    """Register a kind of derived state (measured by measure_drift, repaired by repair, `db reconcile`, RECONCILE_STATS)."""
    KINDS[kind.name] = kind
    return kind


# ---------------------------------------------------------------- driver-neutral execution

def _rows(conn: Any, sql: str, params: dict[str, Any]) -> list[dict[str, Any]]:
    """Rows as dicts from a SQLAlchemy Connection or a psycopg connection (db audit uses the latter)."""
    if hasattr(conn, "exec_driver_sql"):
        result = conn.exec_driver_sql(sql, params)
        return [dict(row) for row in result.mappings()] if result.returns_rows else []
    cursor = conn.execute(sql, params)
    if cursor.description is None:
        return []
    names = [column.name for column in cursor.description]
    return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


def _selected(kinds: Iterable[str] | None) -> list[DriftKind]:
    if kinds is None:
        return list(KINDS.values())
    unknown = [name for name in kinds if name not in KINDS]
    if unknown:
        raise ValueError(f"unknown drift kind {', '.join(unknown)}; known: {', '.join(KINDS)}")
    return [KINDS[name] for name in kinds]


def measure_drift(conn: Any, workspace_id: str | None = None, kinds: Iterable[str] | None = None) -> list[Drift]:
    """Every drifted field of every registered kind (read-only; one consistent query per kind)."""
    found: list[Drift] = []
    for kind in _selected(kinds):
        for row in _rows(conn, kind.measure_sql, kind.params(_text(workspace_id), None, everything=False)):
            found.extend(kind.differences(row["workspace_id"], row["object_id"], row["stored"], row["recomputed"]))
    return found


def _text(value: Any) -> str | None:
    return None if value is None else str(value)


Progress = Callable[[str, int, int], None]


def repair(owner_engine: Engine, workspace_id: str | None = None, kinds: Iterable[str] | None = None,
           progress: Progress | None = None) -> list[Drift]:
    """Repair every drifted object, one short transaction each; returns what changed (stored → value written)."""
    changed: list[Drift] = []
    for kind in _selected(kinds):
        with owner_engine.connect() as conn:
            drifted = _objects(measure_drift(conn, workspace_id, [kind.name]))
        for done, (ws, object_id) in enumerate(drifted, start=1):
            changed.extend(_repair_one(owner_engine, kind, ws, object_id))
            if progress:
                progress(kind.name, done, len(drifted))
        if progress and not drifted:
            progress(kind.name, 0, 0)
    return changed


def _objects(drifts: list[Drift]) -> list[tuple[str, str]]:
    return list(dict.fromkeys((d.workspace_id, d.object_id) for d in drifts))


def _repair_one(owner_engine: Engine, kind: DriftKind, workspace_id: str, object_id: str) -> list[Drift]:
    params = kind.params(workspace_id, object_id, everything=True)
    with owner_engine.begin() as conn:
        locked, *statements = kind.repair_sql
        if not _rows(conn, locked, params):
            return []  # deleted meanwhile: its derived state went with it
        # Measured again under the lock: the value before the repair is the one the repair replaces.
        before = _rows(conn, kind.measure_sql, params)
        for statement in statements:
            _rows(conn, statement, params)
        after = _rows(conn, kind.measure_sql, params)
    stored = before[0]["stored"] if before else None
    written = after[0]["stored"] if after else None
    return kind.differences(workspace_id, object_id, stored, written)


def counts_by_kind(drifts: Iterable[Drift]) -> dict[str, int]:
    """Objects per kind (every registered kind, zero included)."""
    objects = {name: set() for name in KINDS}
    for d in drifts:
        objects.setdefault(d.kind, set()).add((d.workspace_id, d.object_id))
    return {name: len(found) for name, found in objects.items()}


# ---------------------------------------------------------------- the kinds

_WS = "(%(ws)s::uuid IS NULL OR {col} = %(ws)s::uuid)"
# Derived state keeps the history of attempts that retention moved to attempts_archive, so the truth counts both.
_ATTEMPT_COLUMNS = ("workspace_id, id, student_user_id, question_id, assignment_id, is_correct, score, "
                    "time_spent_seconds, submitted_at")
_ATTEMPTS = (f"(SELECT {_ATTEMPT_COLUMNS} FROM attempts UNION ALL "
             f"SELECT {_ATTEMPT_COLUMNS} FROM attempts_archive)")


def _match(column: str, param: str) -> str:
    return f"(%({param})s::uuid IS NULL OR {column} = %({param})s::uuid)"


drift_kind(DriftKind(
    name="question_stats",
    meaning="a question's counters (question_stats shards summed) against a count of its attempts",
    key=("question",),
    measure_sql=f"""
WITH truth AS (
  SELECT a.workspace_id, a.question_id, count(*) AS times_attempted,
         count(*) FILTER (WHERE a.is_correct) AS times_correct, count(a.time_spent_seconds) AS times_timed,
         coalesce(sum(a.time_spent_seconds), 0) AS time_spent_total_seconds
  FROM {_ATTEMPTS} a
  WHERE {_WS.format(col="a.workspace_id")} AND {_match("a.question_id", "question")}
  GROUP BY a.workspace_id, a.question_id
), kept AS (
  SELECT s.workspace_id, s.question_id, sum(s.times_attempted) AS times_attempted,
         sum(s.times_correct) AS times_correct, sum(s.times_timed) AS times_timed,
         sum(s.time_spent_total_seconds) AS time_spent_total_seconds
  FROM question_stats s
  WHERE {_WS.format(col="s.workspace_id")} AND {_match("s.question_id", "question")}
  GROUP BY s.workspace_id, s.question_id
), compared AS (
  SELECT coalesce(t.workspace_id, k.workspace_id) AS workspace_id, coalesce(t.question_id, k.question_id)::text AS object_id,
         jsonb_build_object('times_attempted', coalesce(k.times_attempted, 0), 'times_correct', coalesce(k.times_correct, 0),
                            'times_timed', coalesce(k.times_timed, 0),
                            'time_spent_total_seconds', coalesce(k.time_spent_total_seconds, 0)) AS stored,
         jsonb_build_object('times_attempted', coalesce(t.times_attempted, 0), 'times_correct', coalesce(t.times_correct, 0),
                            'times_timed', coalesce(t.times_timed, 0),
                            'time_spent_total_seconds', coalesce(t.time_spent_total_seconds, 0)) AS recomputed
  FROM truth t FULL JOIN kept k ON k.workspace_id = t.workspace_id AND k.question_id = t.question_id
)
SELECT * FROM compared WHERE %(everything)s OR stored IS DISTINCT FROM recomputed""",
    repair_sql=(
        # FOR UPDATE conflicts with the KEY SHARE lock every attempt insert takes on its question (foreign key).
        "SELECT 1 FROM questions WHERE workspace_id = %(ws)s::uuid AND id = %(question)s::uuid FOR UPDATE",
        "DELETE FROM question_stats WHERE workspace_id = %(ws)s::uuid AND question_id = %(question)s::uuid",
        f"""INSERT INTO question_stats (workspace_id, question_id, shard, times_attempted, times_correct, times_timed,
                                       time_spent_total_seconds)
           SELECT %(ws)s::uuid, %(question)s::uuid, 0, count(*), count(*) FILTER (WHERE is_correct),
                  count(time_spent_seconds), coalesce(sum(time_spent_seconds), 0)
           FROM {_ATTEMPTS} a WHERE workspace_id = %(ws)s::uuid AND question_id = %(question)s::uuid
           HAVING count(*) > 0""",
    ),
))

drift_kind(DriftKind(
    name="assignment_progress",
    meaning="an assignment's item count, maximum and total score, completed items, start and status against its "
            "items and the best attempt at each",
    key=("assignment",),
    measure_sql=f"""
WITH derived AS (
  SELECT i.workspace_id, i.assignment_id, count(*) AS total_items, sum(i.points) AS max_score,
         count(b.best_score) AS completed, coalesce(sum(i.points * b.best_score), 0) AS score, min(b.first_at) AS first_at
  FROM assignment_items i
  LEFT JOIN LATERAL (
    SELECT max(coalesce(a.score, 0)) AS best_score, min(a.submitted_at) AS first_at
    FROM {_ATTEMPTS} a
    WHERE a.workspace_id = i.workspace_id AND a.assignment_id = i.assignment_id AND a.question_id = i.question_id
    HAVING count(*) > 0
  ) b ON true
  WHERE {_WS.format(col="i.workspace_id")} AND {_match("i.assignment_id", "assignment")}
  GROUP BY i.workspace_id, i.assignment_id
), compared AS (
  SELECT s.workspace_id, s.id::text AS object_id,
         jsonb_build_object('total_items', s.total_items, 'max_score', s.max_score, 'completed_count', s.completed_count,
                            'total_score', s.total_score, 'started_at', s.started_at, 'status', s.status) AS stored,
         jsonb_build_object('total_items', coalesce(d.total_items, 0), 'max_score', round(coalesce(d.max_score, 0), 4),
                            'completed_count', coalesce(d.completed, 0), 'total_score', round(coalesce(d.score, 0), 4),
                            'started_at', d.first_at,
                            'status', CASE WHEN s.status IN ('draft', 'archived') THEN s.status
                                           WHEN d.total_items > 0 AND d.completed = d.total_items THEN 'completed'
                                           WHEN d.completed > 0 THEN 'in_progress'
                                           ELSE 'assigned' END) AS recomputed
  FROM assignments s LEFT JOIN derived d ON d.workspace_id = s.workspace_id AND d.assignment_id = s.id
  WHERE {_WS.format(col="s.workspace_id")} AND {_match("s.id", "assignment")}
)
SELECT * FROM compared WHERE %(everything)s OR stored IS DISTINCT FROM recomputed""",
    repair_sql=(
        "SELECT 1 FROM assignments WHERE workspace_id = %(ws)s::uuid AND id = %(assignment)s::uuid",
        # Locks the assignment first, as the attempt and item triggers that call it do.
        "SELECT app.refresh_assignment_progress(%(ws)s::uuid, %(assignment)s::uuid)",
    ),
))

drift_kind(DriftKind(
    name="topic_mastery",
    meaning="a student's mastery of a topic (student_topic_state: graded attempts, correct ones, the knowledge "
            "tracing estimate in submission order, the latest attempt) against their graded attempts",
    key=("student", "topic"),
    tolerance={"p_known": 1e-9},
    measure_sql=f"""
WITH truth AS (
  SELECT a.workspace_id, a.student_user_id, q.topic_id, count(*) AS attempts,
         count(*) FILTER (WHERE a.is_correct) AS correct, app.bkt(a.is_correct ORDER BY a.submitted_at, a.id) AS p_known,
         max(a.submitted_at) AS last_attempt_at
  FROM {_ATTEMPTS} a JOIN questions q ON q.workspace_id = a.workspace_id AND q.id = a.question_id
  WHERE a.is_correct IS NOT NULL AND q.topic_id IS NOT NULL AND {_WS.format(col="a.workspace_id")}
    AND {_match("a.student_user_id", "student")} AND {_match("q.topic_id", "topic")}
  GROUP BY a.workspace_id, a.student_user_id, q.topic_id
), kept AS (
  SELECT s.workspace_id, s.student_user_id, s.topic_id, s.attempts, s.correct, s.p_known, s.last_attempt_at
  FROM student_topic_state s
  WHERE {_WS.format(col="s.workspace_id")} AND {_match("s.student_user_id", "student")} AND {_match("s.topic_id", "topic")}
), compared AS (
  SELECT coalesce(t.workspace_id, k.workspace_id) AS workspace_id,
         coalesce(t.student_user_id, k.student_user_id)::text || '/' || coalesce(t.topic_id, k.topic_id)::text AS object_id,
         jsonb_build_object('attempts', coalesce(k.attempts, 0), 'correct', coalesce(k.correct, 0),
                            'p_known', k.p_known, 'last_attempt_at', k.last_attempt_at) AS stored,
         jsonb_build_object('attempts', coalesce(t.attempts, 0), 'correct', coalesce(t.correct, 0),
                            'p_known', t.p_known, 'last_attempt_at', t.last_attempt_at) AS recomputed
  FROM truth t
  FULL JOIN kept k ON k.workspace_id = t.workspace_id AND k.student_user_id = t.student_user_id AND k.topic_id = t.topic_id
)
SELECT * FROM compared WHERE %(everything)s OR stored IS DISTINCT FROM recomputed""",
    repair_sql=(
        # FOR UPDATE of the student conflicts with the KEY SHARE lock every attempt insert takes on its student
        # (foreign key); the topic must still exist for its state row to.
        "SELECT 1 FROM users u, topics t WHERE u.id = %(student)s::uuid AND t.workspace_id = %(ws)s::uuid "
        "AND t.id = %(topic)s::uuid FOR UPDATE OF u FOR KEY SHARE OF t",
        # A correction or deletion recomputes the row under its row lock: wait for those too.
        "SELECT 1 FROM student_topic_state WHERE workspace_id = %(ws)s::uuid AND student_user_id = %(student)s::uuid "
        "AND topic_id = %(topic)s::uuid FOR UPDATE",
        "SELECT app.recompute_student_topic(%(ws)s::uuid, %(student)s::uuid, %(topic)s::uuid)",
    ),
))

drift_kind(DriftKind(
    name="analytics_daily",
    meaning="a student's day on a topic in the analytics rollup (analytics_daily: attempts, graded, correct, score, "
            "time, hints, first attempts) against a recount of their live attempts; rows holding archived attempts "
            "are history and stay as they are",
    key=("student", "topic", "day"),
    measure_sql=f"""
WITH truth AS (
  SELECT t.* FROM app.analytics_daily_truth(%(ws)s::uuid) t
  WHERE {_match("t.student_user_id", "student")} AND {_match("t.topic_id", "topic")}
    AND (%(day)s::date IS NULL OR t.day = %(day)s::date)
), kept AS (
  SELECT r.* FROM analytics_daily r
  WHERE {_WS.format(col="r.workspace_id")} AND {_match("r.student_user_id", "student")}
    AND {_match("r.topic_id", "topic")} AND (%(day)s::date IS NULL OR r.day = %(day)s::date)
), compared AS (
  SELECT coalesce(t.workspace_id, k.workspace_id) AS workspace_id,
         concat_ws('/', coalesce(t.student_user_id, k.student_user_id), coalesce(t.topic_id, k.topic_id),
                   coalesce(t.day, k.day)) AS object_id,
         CASE WHEN k.workspace_id IS NOT NULL THEN jsonb_build_object(
           'attempts', k.attempts, 'graded', k.graded, 'correct', k.correct, 'score_sum', k.score_sum,
           'time_spent_seconds', k.time_spent_seconds, 'timed', k.timed, 'hints_viewed', k.hints_viewed,
           'new_questions', k.new_questions, 'new_questions_correct', k.new_questions_correct) END AS stored,
         CASE WHEN t.workspace_id IS NOT NULL THEN jsonb_build_object(
           'attempts', t.attempts, 'graded', t.graded, 'correct', t.correct, 'score_sum', t.score_sum,
           'time_spent_seconds', t.time_spent_seconds, 'timed', t.timed, 'hints_viewed', t.hints_viewed,
           'new_questions', t.new_questions, 'new_questions_correct', t.new_questions_correct) END AS recomputed,
         coalesce(k.archived_attempts, 0) AS archived
  FROM truth t FULL JOIN kept k ON k.workspace_id = t.workspace_id AND k.student_user_id = t.student_user_id
    AND k.topic_id = t.topic_id AND k.day = t.day
)
SELECT workspace_id, object_id, stored, recomputed FROM compared
WHERE archived = 0 AND (%(everything)s OR stored IS DISTINCT FROM recomputed)""",
    repair_sql=(
        # The rebuild takes the workspace's rollup lock exclusively (every attempt writing the rollup holds it shared)
        # and recounts the whole workspace, so the other drifted rows of that workspace are repaired with it.
        "SELECT 1 FROM workspaces WHERE id = %(ws)s::uuid",
        "SELECT app.rebuild_analytics_daily(%(ws)s::uuid)",
    ),
))

drift_kind(DriftKind(
    name="job_cost",
    meaning="a job's cost_usd against the sum of its ai_usage_log costs",
    key=("job",),
    measure_sql=f"""
WITH used AS (
  SELECT u.workspace_id, u.job_id, sum(u.cost_usd) AS cost_usd
  FROM ai_usage_log u
  WHERE u.job_id IS NOT NULL AND {_WS.format(col="u.workspace_id")} AND {_match("u.job_id", "job")}
  GROUP BY u.workspace_id, u.job_id
), compared AS (
  SELECT j.workspace_id, j.id::text AS object_id, jsonb_build_object('cost_usd', j.cost_usd) AS stored,
         jsonb_build_object('cost_usd', coalesce(u.cost_usd, 0)) AS recomputed
  FROM jobs j LEFT JOIN used u ON u.workspace_id = j.workspace_id AND u.job_id = j.id
  WHERE {_WS.format(col="j.workspace_id")} AND {_match("j.id", "job")}
)
SELECT * FROM compared WHERE %(everything)s OR stored IS DISTINCT FROM recomputed""",
    repair_sql=(
        # The usage trigger updates the job row, and a usage insert takes KEY SHARE on it: FOR UPDATE waits for both.
        "SELECT 1 FROM jobs WHERE workspace_id = %(ws)s::uuid AND id = %(job)s::uuid FOR UPDATE",
        """UPDATE jobs j SET cost_usd = u.total
           FROM (SELECT coalesce(sum(cost_usd), 0) AS total FROM ai_usage_log
                 WHERE workspace_id = %(ws)s::uuid AND job_id = %(job)s::uuid) u
           WHERE j.workspace_id = %(ws)s::uuid AND j.id = %(job)s::uuid AND j.cost_usd IS DISTINCT FROM u.total""",
    ),
))
