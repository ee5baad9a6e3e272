"""What a student should practise: the review queue, mastery per topic, and the next best question; and what the
learner pages read besides (a learner's overview, a question with its hints, the next item of an assignment)."""

from __future__ import annotations

from datetime import datetime
from typing import Literal
from uuid import UUID

from pydantic import BaseModel, Field

from tutorassist.api.context import RequestContext, Tx
from tutorassist.identity.service import visible_student
from tutorassist.kit.problems import Problem
from tutorassist.learning.mastery import DEFAULT_THRESHOLD, BktParameters, is_mastered
from tutorassist.questions import service as questions
from tutorassist.questions.schemas import QuestionStudentOut

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
    """The practising student (403 for others, and for a student whose profile is archived)."""
    tx.require_practising_student()
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


_MASTERY = """
SELECT t.id AS topic_id, t.name AS topic_name, t.metadata, coalesce(s.attempts, 0) AS attempts,
       coalesce(s.p_known, :p_init) AS p_known
FROM topics t
LEFT JOIN student_topic_state s ON s.workspace_id = t.workspace_id AND s.student_user_id = :s AND s.topic_id = t.id
WHERE t.workspace_id = :w AND t.archived_at IS NULL
ORDER BY t.sort_order, t.name
"""


def _mastery(tx: Tx, student: UUID | None) -> list[TopicMastery]:
    """Mastery per topic from the state the attempts trigger keeps (student_topic_state), in one query. A prerequisite
    that is not an active topic of the workspace is never met."""
    rows = tx.all(_MASTERY, w=tx.workspace_id, s=student, p_init=BktParameters().p_init)
    result: dict[UUID, TopicMastery] = {}
    for t in rows:
        threshold = (t["metadata"] or {}).get("mastery_threshold")
        p = float(t["p_known"])
        result[t["topic_id"]] = TopicMastery(topic_id=t["topic_id"], topic_name=t["topic_name"], attempts=t["attempts"],
                                             p_known=round(p, 6), threshold=DEFAULT_THRESHOLD if threshold is None else threshold,
                                             mastered=is_mastered(p, threshold), prerequisites_met=True)
    for t in rows:
        prerequisites = [str(p) for p in (t["metadata"] or {}).get("prerequisites") or []]
        result[t["topic_id"]].prerequisites_met = all(
            _is_uuid(p) and UUID(p) in result and result[UUID(p)].mastered for p in prerequisites)
    return list(result.values())


def _is_uuid(value: str) -> bool:
    try:
        UUID(value)
    except ValueError:
        return False
    return True


def student_mastery(ctx: RequestContext, ws: UUID, student_profile_id: UUID) -> list[TopicMastery]:
    """Mastery per topic of one student: staff, the student themself, or their guardian."""
    with ctx.tx(ws) as tx:
        profile = visible_student(tx, student_profile_id)
        return _mastery(tx, profile["user_id"])


# The first question of the first topic (in the order given) that has one: a due card, else a new question.
_NEXT_IN_TOPICS = f"""
SELECT x.* FROM unnest(CAST(:topics AS uuid[])) WITH ORDINALITY AS c(topic_id, rank)
CROSS JOIN LATERAL (
  SELECT * FROM (
    (SELECT q.id AS question_id, q.topic_id, q.difficulty, q.prompt_latex, 'due' AS reason, r.due_at, 0 AS kind
     FROM spaced_repetition r JOIN questions q ON q.workspace_id = r.workspace_id AND q.id = r.question_id
     WHERE r.workspace_id = :w AND r.student_user_id = :s AND r.due_at <= now() AND {_VISIBLE} AND q.topic_id = c.topic_id
     ORDER BY r.due_at, q.id LIMIT 1)
    UNION ALL
    (SELECT q.id, q.topic_id, q.difficulty, q.prompt_latex, 'new', NULL::timestamptz, 1 FROM questions q
     WHERE {_VISIBLE} AND q.topic_id = c.topic_id AND NOT EXISTS (
       SELECT 1 FROM spaced_repetition r WHERE r.workspace_id = q.workspace_id AND r.question_id = q.id
         AND r.student_user_id = :s)
     ORDER BY q.difficulty, q.created_at, q.id LIMIT 1)
  ) y ORDER BY kind LIMIT 1
) x
ORDER BY c.rank LIMIT 1
"""


def _next(tx: Tx, student: UUID, mastery: list[TopicMastery]) -> NextQuestion:
    """From the weakest unmastered topic whose prerequisites are met: a due card first, else a new question."""
    candidates = sorted((m for m in mastery if not m.mastered and m.prerequisites_met), key=lambda m: (m.p_known, m.topic_name))
    if candidates:
        row = tx.one(_NEXT_IN_TOPICS, w=tx.workspace_id, s=student, topics=[str(m.topic_id) for m in candidates])
        if row is not None:
            topic = next(m for m in candidates if m.topic_id == row["topic_id"])
            item = QueueItem(**{k: v for k, v in row.items() if k != "kind"})
            return NextQuestion(question=item, topic=topic, reason=f"weakest topic ready to learn: {topic.topic_name}")
    items = _queue(tx, student, 1)
    if items:
        return NextQuestion(question=items[0], topic=None, reason="every topic is mastered or waiting on prerequisites: review")
    return NextQuestion(question=None, topic=None, reason="nothing to practise right now")


def next_question(ctx: RequestContext, ws: UUID) -> NextQuestion:
    with ctx.tx(ws) as tx:
        student = _student_user(tx)
        return _next(tx, student, _mastery(tx, student))


class DueAssignment(BaseModel):
    id: UUID
    title: str
    status: Literal["assigned", "in_progress"]
    due_at: datetime | None
    total_items: int
    completed_count: int


class Dashboard(BaseModel):
    assignments_due: list[DueAssignment] = Field(description="Open assignments, soonest due first")
    review_queue: list[QueueItem]
    next_question: NextQuestion
    mastery: list[TopicMastery]


def dashboard(ctx: RequestContext, ws: UUID, queue_limit: int) -> Dashboard:
    """A student's day in one request: open assignments, the review queue, the next question and mastery per topic."""
    with ctx.tx(ws) as tx:
        student = _student_user(tx)
        assignments = tx.all(
            "SELECT id, title, status, due_at, total_items, completed_count FROM assignments "
            "WHERE workspace_id = :w AND student_profile_id = :p AND status IN ('assigned', 'in_progress') "
            "ORDER BY due_at NULLS LAST, created_at, id LIMIT 20", w=ws, p=tx.student_profile_id)
        mastery = _mastery(tx, student)
        return Dashboard(assignments_due=[DueAssignment(**a) for a in assignments],
                         review_queue=_queue(tx, student, queue_limit), next_question=_next(tx, student, mastery),
                         mastery=mastery)


# ---------------------------------------------------------------- what the learner pages read
class LearnerOverview(BaseModel):
    """The student a learner is (a student) or looks after (a guardian), and their mastery per topic."""

    student_profile_id: UUID
    student_name: str
    archived: bool = Field(description="An archived profile reads its past work and practises no more")
    mastery: list[TopicMastery]


def learner_overview(ctx: RequestContext, ws: UUID) -> LearnerOverview:
    """A student's own overview, or a guardian's of their student (403 for staff)."""
    with ctx.tx(ws) as tx:
        tx.require("student", "guardian")
        if tx.student_profile_id is None:  # a guardian whose student was deleted
            raise Problem(404, "Not found", "no student profile in this workspace")
        profile = visible_student(tx, tx.student_profile_id)
        return LearnerOverview(student_profile_id=profile["id"], student_name=profile["name"],
                               archived=profile["archived_at"] is not None, mastery=_mastery(tx, profile["user_id"]))


class PracticeQuestion(BaseModel):
    """A question as a student practises it: the student view, the hints revealed so far and how many there are."""

    question: QuestionStudentOut
    hints: list[str] = Field(description="The first hints_shown hints, in order")
    hint_count: int
    practising: bool = Field(description="False for an archived student profile: the question is shown, not answered")


def practice_question(ctx: RequestContext, ws: UUID, question_id: UUID, hints_shown: int) -> PracticeQuestion:
    """A question for its student to answer, hints revealed one at a time (students only; the student view of a
    question never carries its hints, so this is where they are given out)."""
    with ctx.tx(ws) as tx:
        tx.require("student")
        row = questions.load(tx, question_id)
        hints = [str(h) for h in row["hints"] or []]
        return PracticeQuestion(question=questions.student_view(row), hints=hints[:max(0, hints_shown)],
                                hint_count=len(hints), practising=not tx.archived)


# The first item, by position, of each assignment that has no attempt in it yet and whose question the student may
# still see (row-level security narrows assignments and attempts to the learner's student).
_FIRST_UNANSWERED = f"""
SELECT DISTINCT ON (i.assignment_id) i.assignment_id, i.question_id
FROM assignment_items i
JOIN assignments a ON a.workspace_id = i.workspace_id AND a.id = i.assignment_id
JOIN questions q ON q.workspace_id = i.workspace_id AND q.id = i.question_id
WHERE i.workspace_id = :w AND i.assignment_id = ANY(CAST(:ids AS uuid[])) AND a.status <> 'draft' AND {_VISIBLE}
  AND NOT EXISTS (SELECT 1 FROM attempts t WHERE t.workspace_id = i.workspace_id AND t.assignment_id = i.assignment_id
                  AND t.question_id = i.question_id AND t.student_user_id = :s)
ORDER BY i.assignment_id, i.position
"""


def first_unanswered(ctx: RequestContext, ws: UUID, assignment_ids: list[UUID]) -> dict[UUID, UUID]:
    """For each of the student's assignments given, the question of its first unanswered item (missing: all done)."""
    with ctx.tx(ws) as tx:
        tx.require("student")
        if not assignment_ids:
            return {}
        rows = tx.all(_FIRST_UNANSWERED, w=ws, s=tx.user_id, ids=[str(a) for a in assignment_ids])
        return {r["assignment_id"]: r["question_id"] for r in rows}
