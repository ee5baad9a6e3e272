"""Choosing an assignment's questions by rule, in the database: reproducible, and never a pool loaded into Python.

The qualifying pool (active, unhidden questions of the topic subtree within the difficulty range and with every tag)
is ordered by md5(seed || id): the same seed over the same bank gives the same order, and a new seed a new one. Every
student of one request takes the first `count` questions of that same order that they did not attempt within
`exclude_seen_days`: a class gets the same worksheet, except where a student's own history makes it differ. The chosen
questions are then ordered from easiest to hardest (ties keep the seeded order). When a student gets fewer than
`count`, `loosen` says which part of the rule to widen.
"""

from __future__ import annotations

import json
import random
from dataclasses import dataclass
from uuid import UUID

from tutorassist.api.context import Tx

SEED_MAX = 2**53

_SUBTREE = """
WITH RECURSIVE subtree(id) AS (
  SELECT CAST(:t AS uuid)
  UNION SELECT c.id FROM topics c JOIN subtree s ON c.parent_id = s.id
  WHERE c.workspace_id = :w AND :deep AND c.archived_at IS NULL)"""

_CHOOSE = _SUBTREE + """,
pool AS (
  SELECT q.id, q.difficulty, md5(CAST(:seed AS text) || ':' || q.id::text) AS rank FROM questions q
  WHERE q.workspace_id = :w AND q.status = 'active' AND q.hidden_at IS NULL AND q.topic_id IN (SELECT id FROM subtree)
    AND q.difficulty BETWEEN :lo AND :hi AND (CAST(:tags AS jsonb) IS NULL OR q.tags_json @> CAST(:tags AS jsonb))),
students AS (
  SELECT s.id AS profile_id, p.user_id FROM unnest(CAST(:students AS uuid[])) AS s(id)
  JOIN student_profiles p ON p.workspace_id = :w AND p.id = s.id)
SELECT st.profile_id, x.id, x.difficulty, x.rank FROM students st
CROSS JOIN LATERAL (
  SELECT pool.* FROM pool
  WHERE :days = 0 OR st.user_id IS NULL OR NOT EXISTS (
    SELECT 1 FROM attempts a WHERE a.workspace_id = :w AND a.student_user_id = st.user_id AND a.question_id = pool.id
      AND a.submitted_at >= now() - make_interval(days => :days))
  ORDER BY pool.rank LIMIT :count) x"""

# How far each successive part of the rule narrows the bank (for `loosen`).
_NARROWING = _SUBTREE + """
SELECT count(*) AS topic,
       count(*) FILTER (WHERE q.difficulty BETWEEN :lo AND :hi) AS difficulty,
       count(*) FILTER (WHERE q.difficulty BETWEEN :lo AND :hi
                        AND (CAST(:tags AS jsonb) IS NULL OR q.tags_json @> CAST(:tags AS jsonb))) AS tags
FROM questions q
WHERE q.workspace_id = :w AND q.status = 'active' AND q.hidden_at IS NULL AND q.topic_id IN (SELECT id FROM subtree)"""


@dataclass(frozen=True)
class Choice:
    question_ids: list[UUID]
    shortfall: int
    loosen: str | None = None


def new_seed() -> int:
    return random.SystemRandom().randrange(SEED_MAX)


def _params(tx: Tx, rule) -> dict:
    return {"w": tx.workspace_id, "t": rule.topic_id, "deep": rule.include_subtopics, "lo": rule.difficulty_min,
            "hi": rule.difficulty_max, "tags": json.dumps(rule.tags) if rule.tags else None}


def loosen(n: dict, rule, got: int) -> str:
    """Which part of the rule leaves fewer than `rule.count` questions, in plain words (n: the _NARROWING counts)."""
    scope = "the topic and its subtopics" if rule.include_subtopics else "the topic"
    if n["topic"] < rule.count:
        hint = "" if rule.include_subtopics else " or include subtopics"
        return f"{scope} has {n['topic']} active question(s): choose a wider topic{hint}, or add questions"
    if n["difficulty"] < rule.count:
        return (f"difficulty {rule.difficulty_min}..{rule.difficulty_max} leaves {n['difficulty']} of {n['topic']}: "
                f"widen the difficulty range")
    if n["tags"] < rule.count:
        return f"the tags leave {n['tags']} of {n['difficulty']}: require fewer tags"
    return (f"questions attempted within the last {rule.exclude_seen_days} days leave {got}: "
            f"lower exclude_seen_days")


def choose(tx: Tx, rule, students: list[UUID]) -> dict[UUID, Choice]:
    """Per student profile: the rule's questions for them (one query for every student of the request)."""
    picked: dict[UUID, list[tuple[int, str, UUID]]] = {s: [] for s in students}
    for r in tx.all(_CHOOSE, **_params(tx, rule), seed=rule.seed, students=[str(s) for s in students],
                    days=rule.exclude_seen_days, count=rule.count):
        picked[r["profile_id"]].append((r["difficulty"], r["rank"], r["id"]))
    choices, narrowing = {}, None
    for student, rows in picked.items():
        rows.sort()
        short = rule.count - len(rows)
        if short and narrowing is None:
            narrowing = tx.one(_NARROWING, **_params(tx, rule))
        choices[student] = Choice([q for _, _, q in rows], short, loosen(narrowing, rule, len(rows)) if short else None)
    return choices
