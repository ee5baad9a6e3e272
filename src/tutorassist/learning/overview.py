"""A tutor's overview of a workspace: the mastery of every active student in every active topic, with the signs that
a student needs help in a topic (falling accuracy, overdue reviews).

The cells come from one statement over the state the attempts trigger keeps (student_topic_state), the review cards
overdue by more than a day (as the needs-help report counts them) and the graded attempts of the last 35 days (the
last 7 days against the 28 before, by the needs-help thresholds). Only pairs with some data have a cell; the page
shows "—" for the others. Students and topics are two small reads, so the grid costs three statements whatever the
size of the workspace.
"""

from __future__ import annotations

from typing import Literal
from uuid import UUID

from pydantic import BaseModel, Field

from tutorassist.analytics.students import ACCURACY_DROP, MIN_GRADED
from tutorassist.api.context import STAFF, RequestContext, Tx
from tutorassist.learning.mastery import DEFAULT_THRESHOLD, is_mastered

Level = Literal["not started", "beginning", "developing", "mastered"]
DEVELOPING_FROM = 0.5
"""An estimate from which a student is said to be developing the topic (below it: beginning)."""

RECENT_DAYS, PREVIOUS_DAYS = 7, 28


class GridStudent(BaseModel):
    student_id: UUID = Field(description="The student profile")
    name: str
    user_id: UUID | None = Field(description="Null until the student signs up")


class GridTopic(BaseModel):
    topic_id: UUID
    name: str
    threshold: float


class GridCell(BaseModel):
    student_id: UUID
    topic_id: UUID
    attempts: int = Field(description="Graded attempts at the topic's questions")
    correct: int
    p_known: float | None = Field(description="Bayesian knowledge tracing estimate; null before any graded attempt")
    level: Level
    overdue_reviews: int = Field(description="Review cards of the topic due more than a day ago")
    falling_accuracy: bool = Field(description="Accuracy of the last 7 days at least 15 points below the 28 before")


class MasteryGrid(BaseModel):
    students: list[GridStudent]
    topics: list[GridTopic]
    cells: list[GridCell]

    def by_pair(self) -> dict[tuple[UUID, UUID], GridCell]:
        """The cells by (student_id, topic_id)."""
        return {(c.student_id, c.topic_id): c for c in self.cells}


def level(p_known: float | None, threshold: float | None) -> Level:
    """The estimate in words: mastered at the topic's threshold, developing from DEVELOPING_FROM, else beginning."""
    if p_known is None:
        return "not started"
    if is_mastered(p_known, threshold):
        return "mastered"
    return "developing" if p_known >= DEVELOPING_FROM else "beginning"


def falling(recent_graded: int, recent_correct: int, previous_graded: int, previous_correct: int) -> bool:
    """The needs-help report's rule (analytics.students.assess), applied to one topic's attempts."""
    if recent_graded < MIN_GRADED or previous_graded < MIN_GRADED:
        return False
    return recent_correct / recent_graded <= previous_correct / previous_graded - ACCURACY_DROP + 1e-9


_STUDENTS = ("SELECT id AS student_id, name, user_id FROM student_profiles "
             "WHERE workspace_id = :w AND archived_at IS NULL ORDER BY name, id")
_TOPICS = ("SELECT id AS topic_id, name, metadata ->> 'mastery_threshold' AS threshold FROM topics "
           "WHERE workspace_id = :w AND archived_at IS NULL ORDER BY sort_order, name, id")

# One row per (student, topic) with any fact: kept mastery, an overdue card, or a graded attempt of the last 35 days.
_CELLS = f"""
WITH facts AS (
  SELECT s.student_user_id, s.topic_id, s.attempts, s.correct, s.p_known, 0 AS overdue,
         0 AS recent_graded, 0 AS recent_correct, 0 AS previous_graded, 0 AS previous_correct
  FROM student_topic_state s WHERE s.workspace_id = :w
  UNION ALL
  SELECT c.student_user_id, q.topic_id, 0, 0, NULL, 1, 0, 0, 0, 0
  FROM spaced_repetition c JOIN questions q ON q.workspace_id = c.workspace_id AND q.id = c.question_id
  WHERE c.workspace_id = :w AND c.due_at < now() - interval '1 day' AND q.topic_id IS NOT NULL
  UNION ALL
  SELECT a.student_user_id, q.topic_id, 0, 0, NULL, 0,
         (a.submitted_at >= now() - interval '{RECENT_DAYS} days')::int,
         (a.submitted_at >= now() - interval '{RECENT_DAYS} days' AND a.is_correct)::int,
         (a.submitted_at < now() - interval '{RECENT_DAYS} days')::int,
         (a.submitted_at < now() - interval '{RECENT_DAYS} days' AND a.is_correct)::int
  FROM attempts a JOIN questions q ON q.workspace_id = a.workspace_id AND q.id = a.question_id
  WHERE a.workspace_id = :w AND a.submitted_at >= now() - interval '{RECENT_DAYS + PREVIOUS_DAYS} days'
    AND a.is_correct IS NOT NULL AND q.topic_id IS NOT NULL
)
SELECT p.id AS student_id, f.topic_id, sum(f.attempts)::int AS attempts, sum(f.correct)::int AS correct,
       max(f.p_known) AS p_known, sum(f.overdue)::int AS overdue_reviews,
       sum(f.recent_graded)::int AS recent_graded, sum(f.recent_correct)::int AS recent_correct,
       sum(f.previous_graded)::int AS previous_graded, sum(f.previous_correct)::int AS previous_correct
FROM facts f
JOIN student_profiles p ON p.workspace_id = :w AND p.user_id = f.student_user_id AND p.archived_at IS NULL
JOIN topics t ON t.workspace_id = :w AND t.id = f.topic_id AND t.archived_at IS NULL
GROUP BY p.id, f.topic_id
"""


def _threshold(value: str | None) -> float:
    try:
        return DEFAULT_THRESHOLD if value is None else float(value)
    except ValueError:  # metadata is validated on write; an odd stored value still must not break the page
        return DEFAULT_THRESHOLD


def grid(tx: Tx) -> MasteryGrid:
    tx.require(*STAFF)
    students = [GridStudent(**r) for r in tx.all(_STUDENTS, w=tx.workspace_id)]
    topics = [GridTopic(topic_id=r["topic_id"], name=r["name"], threshold=_threshold(r["threshold"]))
              for r in tx.all(_TOPICS, w=tx.workspace_id)]
    thresholds = {t.topic_id: t.threshold for t in topics}
    cells = []
    for r in tx.all(_CELLS, w=tx.workspace_id):
        p_known = None if r["p_known"] is None or not r["attempts"] else float(r["p_known"])
        cells.append(GridCell(
            student_id=r["student_id"], topic_id=r["topic_id"], attempts=r["attempts"], correct=r["correct"],
            p_known=p_known, level=level(p_known, thresholds.get(r["topic_id"])), overdue_reviews=r["overdue_reviews"],
            falling_accuracy=falling(r["recent_graded"], r["recent_correct"], r["previous_graded"], r["previous_correct"])))
    return MasteryGrid(students=students, topics=topics, cells=cells)


def mastery_grid(ctx: RequestContext, ws: UUID) -> MasteryGrid:
    """Mastery of every active student in every active topic (owners and tutors)."""
    with ctx.tx(ws) as tx:
        return grid(tx)
