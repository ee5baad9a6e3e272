"""The question bank as it stands (live, from questions and its junction tables): coverage and distribution."""

from __future__ import annotations

from uuid import UUID

from tutorassist.analytics import quality_schemas as s
from tutorassist.analytics.freshness import Freshness
from tutorassist.api.context import STAFF, RequestContext, Tx

LEVELS = [str(d) for d in range(1, 6)]

# Active questions per topic and difficulty: the partial index idx_questions_filters (workspace, active) finds them.
_COVERAGE = """
SELECT q.topic_id, t.name AS topic_name, q.difficulty, count(*) AS n
FROM questions q LEFT JOIN topics t ON t.workspace_id = q.workspace_id AND t.id = q.topic_id
WHERE q.workspace_id = :w AND q.status = 'active'
GROUP BY q.topic_id, t.name, q.difficulty
UNION ALL  -- topics with no active question at all
SELECT t.id, t.name, NULL, 0 FROM topics t
WHERE t.workspace_id = :w AND NOT EXISTS (SELECT 1 FROM questions q WHERE q.workspace_id = t.workspace_id
                                            AND q.topic_id = t.id AND q.status = 'active')
"""


def live(tx: Tx) -> Freshness:
    return Freshness(as_of=tx.scalar("SELECT now()"), source="live")


def coverage(ctx: RequestContext, ws: UUID) -> s.CoverageOut:
    with ctx.tx(ws) as tx:
        tx.require(*STAFF)
        topics: dict[UUID | None, s.CoverageTopic] = {}
        for r in tx.all(_COVERAGE, w=ws):
            topic = topics.setdefault(r["topic_id"], s.CoverageTopic(
                topic_id=r["topic_id"], topic_name=r["topic_name"], by_difficulty=dict.fromkeys(LEVELS, 0), total=0))
            if r["difficulty"] is not None:
                topic.by_difficulty[str(r["difficulty"])] = r["n"]
                topic.total += r["n"]
        ordered = sorted(topics.values(), key=lambda t: (t.topic_id is None, (t.topic_name or "").lower(), str(t.topic_id)))
        return s.CoverageOut(topics=ordered, freshness=live(tx))


_COUNTS = """
SELECT 'status' AS dim, status AS key, count(*) AS n FROM questions WHERE workspace_id = :w GROUP BY status
UNION ALL SELECT 'difficulty', difficulty::text, count(*) FROM questions WHERE workspace_id = :w GROUP BY difficulty
UNION ALL SELECT 'origin', origin, count(*) FROM questions WHERE workspace_id = :w GROUP BY origin
UNION ALL SELECT 'batched', NULL, count(*) FROM questions
          WHERE workspace_id = :w AND origin = 'ai_generated' AND batch_id IS NOT NULL
"""

_BY_TOPIC = """
SELECT q.topic_id AS id, t.name, count(*) AS count
FROM questions q LEFT JOIN topics t ON t.workspace_id = q.workspace_id AND t.id = q.topic_id
WHERE q.workspace_id = :w GROUP BY q.topic_id, t.name ORDER BY count(*) DESC, t.name NULLS LAST
"""

_BY_PROGRAM = """
SELECT p.id, p.name, count(*) AS count
FROM question_programs qp JOIN study_programs p ON p.id = qp.program_id
WHERE qp.workspace_id = :w GROUP BY p.id, p.name ORDER BY count(*) DESC, p.name
"""

_BY_GRADE = """
SELECT g.id, p.code || ' ' || g.name AS name, count(*) AS count
FROM question_grade_levels qg JOIN grade_levels g ON g.id = qg.grade_level_id JOIN study_programs p ON p.id = g.program_id
WHERE qg.workspace_id = :w GROUP BY g.id, p.code, g.name ORDER BY count(*) DESC, 2
"""


def distribution(ctx: RequestContext, ws: UUID) -> s.DistributionOut:
    with ctx.tx(ws) as tx:
        tx.require(*STAFF)
        dims: dict[str, dict[str, int]] = {"status": {}, "difficulty": dict.fromkeys(LEVELS, 0), "origin": {}}
        batched = 0
        for r in tx.all(_COUNTS, w=ws):
            if r["dim"] == "batched":
                batched = r["n"]
            else:
                dims[r["dim"]][r["key"]] = r["n"]
        return s.DistributionOut(
            total=sum(dims["status"].values()), by_status=dims["status"], by_difficulty=dims["difficulty"],
            by_origin=dims["origin"], ai_generated_in_batches=batched,
            by_topic=[s.CountOf(**r) for r in tx.all(_BY_TOPIC, w=ws)],
            by_program=[s.CountOf(**r) for r in tx.all(_BY_PROGRAM, w=ws)],
            by_grade_level=[s.CountOf(**r) for r in tx.all(_BY_GRADE, w=ws)],
            freshness=live(tx))
