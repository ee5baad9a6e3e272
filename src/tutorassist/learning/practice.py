"""What a student should practise: the review queue, mastery per topic, and the next best question."""

from __future__ import annotations

from datetime import datetime
from typing import Literal
from uuid import UUID

from pydantic import BaseModel, Field

from tutorassist.api.context import RequestContext, Tx
from tutorassist.identity.service import visible_student
from tutorassist.kit.problems import Problem
from tutorassist.learning.mastery import BktParameters, is_mastered, mastery_after

# Questions a student may be given: active, not hidden by flags.
_VISIBLE = "q.workspace_id = :w AND q.status = 'active' AND q.hidden_at IS NULL"


class QueueItem(BaseModel):
    question_id: UUID
    topic_id: UUID | None
    difficulty: int
    prompt_latex: str
    reason: Literal["due", "new"]
    due_at: datetime | None


class TopicMastery(BaseModel):
    topic_id: UUID
    topic_name: str
    attempts: int
    p_known: float = Field(description="Bayesian knowledge tracing estimate that the student knows the topic")
    threshold: float
    mastered: bool
    prerequisites_met: bool


class NextQuestion(BaseModel):
    question: QueueItem | None
    topic: TopicMastery | None
    reason: str


def _student_user(tx: Tx) -> UUID:
    if tx.role != "student":
        raise Problem(403, "Forbidden", "only students have a review queue")
    return tx.user_id


def _queue(tx: Tx, student: UUID, limit: int, topic_id: UUID | None = None) -> list[QueueItem]:
    topic_filter = "AND q.topic_id = :t" if topic_id else ""
    due = tx.all(
        f"SELECT q.id AS question_id, q.topic_id, q.difficulty, q.prompt_latex, 'due' AS reason, c.due_at "
        f"FROM spaced_repetition c JOIN questions q ON q.workspace_id = c.workspace_id AND q.id = c.question_id "
        f"WHERE c.workspace_id = :w AND c.student_user_id = :s AND c.due_at <= now() AND {_VISIBLE} {topic_filter} "
        f"ORDER BY c.due_at, q.id LIMIT :n", w=tx.workspace_id, s=student, n=limit, t=topic_id)
    fresh = tx.all(
        # New questions by topic priority: the topic tree's order (sort_order, depth-first), easiest first.
        f"WITH RECURSIVE tree AS ("
        f"  SELECT id, ARRAY[sort_order::bigint] AS path FROM topics WHERE workspace_id = :w AND parent_id IS NULL AND archived_at IS NULL"
        f"  UNION ALL SELECT t.id, tree.path || t.sort_order::bigint FROM topics t JOIN tree ON t.parent_id = tree.id"
        f"  WHERE t.workspace_id = :w AND t.archived_at IS NULL) "
        f"SELECT q.id AS question_id, q.topic_id, q.difficulty, q.prompt_latex, 'new' AS reason, NULL::timestamptz AS due_at "
        f"FROM questions q LEFT JOIN tree ON tree.id = q.topic_id "
        f"WHERE {_VISIBLE} {topic_filter} AND NOT EXISTS (SELECT 1 FROM spaced_repetition c WHERE c.workspace_id = q.workspace_id "
        f"  AND c.question_id = q.id AND c.student_user_id = :s) "
        f"ORDER BY tree.path NULLS LAST, q.difficulty, q.created_at, q.id LIMIT :n",
        w=tx.workspace_id, s=student, n=max(0, limit - len(due)), t=topic_id)
    return [QueueItem(**r) for r in [*due, *fresh]]


def review_queue(ctx: RequestContext, ws: UUID, limit: int) -> list[QueueItem]:
    with ctx.tx(ws) as tx:
        return _queue(tx, _student_user(tx), limit)


def _mastery(tx: Tx, student: UUID | None) -> list[TopicMastery]:
    topics = tx.all("SELECT id, name, metadata FROM topics WHERE workspace_id = :w AND archived_at IS NULL ORDER BY sort_order, name",
                    w=tx.workspace_id)
    outcomes: dict[UUID, list[bool]] = {t["id"]: [] for t in topics}
    if student is not None:
        for row in tx.all("SELECT q.topic_id, a.is_correct FROM attempts a JOIN questions q ON q.workspace_id = a.workspace_id "
                          "AND q.id = a.question_id WHERE a.workspace_id = :w AND a.student_user_id = :s AND a.is_correct IS NOT NULL "
                          "AND q.topic_id IS NOT NULL ORDER BY a.submitted_at, a.id", w=tx.workspace_id, s=student):
            outcomes.setdefault(row["topic_id"], []).append(row["is_correct"])
    result: dict[UUID, TopicMastery] = {}
    for t in topics:
        p = mastery_after(outcomes[t["id"]], BktParameters())
        threshold = (t["metadata"] or {}).get("mastery_threshold")
        result[t["id"]] = TopicMastery(topic_id=t["id"], topic_name=t["name"], attempts=len(outcomes[t["id"]]), p_known=round(p, 6),
                                       threshold=0.8 if threshold is None else threshold, mastered=is_mastered(p, threshold),
                                       prerequisites_met=True)
    for t in topics:
        prerequisites = [UUID(str(p)) for p in (t["metadata"] or {}).get("prerequisites") or []]
        result[t["id"]].prerequisites_met = all(result[p].mastered for p in prerequisites if p in result)
    return list(result.values())


def student_mastery(ctx: RequestContext, ws: UUID, student_profile_id: UUID) -> list[TopicMastery]:
    """Mastery per topic of one student: staff, the student themself, or their guardian."""
    with ctx.tx(ws) as tx:
        profile = visible_student(tx, student_profile_id)
        return _mastery(tx, profile["user_id"])


def next_question(ctx: RequestContext, ws: UUID) -> NextQuestion:
    """From the weakest unmastered topic whose prerequisites are met: a due card first, else a new question."""
    with ctx.tx(ws) as tx:
        student = _student_user(tx)
        candidates = sorted((m for m in _mastery(tx, student) if not m.mastered and m.prerequisites_met),
                            key=lambda m: (m.p_known, m.topic_name))
        for topic in candidates:
            items = _queue(tx, student, 1, topic.topic_id)
            if items:
                return NextQuestion(question=items[0], topic=topic, reason=f"weakest topic ready to learn: {topic.topic_name}")
        items = _queue(tx, student, 1)
        if items:
            return NextQuestion(question=items[0], topic=None, reason="every topic is mastered or waiting on prerequisites: review")
        return NextQuestion(question=None, topic=None, reason="nothing to practise right now")
