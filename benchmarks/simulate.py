"""One workspace's rows, simulated: users, topic tree, question bank, assignments and a year of attempts with their
review cards and review events. Deterministic for (seed, workspace index, as-of); memory bounded by one workspace's
skeleton and one student's attempts at a time, every row goes straight to the sink (a COPY).

Correctness is plausible rather than uniform: each student has a skill, each question a difficulty, students learn
over the year and get better at questions they have seen; review cards follow the project's own SM-2 rules
(tutorassist.learning.review), so card states and review events are what the application would have written.
"""

from __future__ import annotations

import json
import math
import random
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from benchmarks.content import CONTEXT_WORDS, SUBTOPIC_LEVELS, TOPIC_CATALOGUE, Template, templates
from benchmarks.scales import Scale
from tutorassist.learning.review import Sm2Card, fsrs_rating, sm2_quality, sm2_review

PASSWORD = "benchmark-password"
EMAIL_DOMAIN = "bench.example"

# The COPY column lists: only what a row is created with. Derived columns (question counters, assignment progress)
# keep their defaults and are rebuilt by the project's own functions afterwards.
COLUMNS: dict[str, tuple[str, ...]] = {
    "users": ("id", "email", "display_name", "password_hash", "email_verified_at", "created_at", "updated_at"),
    "workspaces": ("id", "name", "owner_user_id", "timezone", "settings_json", "created_at", "updated_at"),
    "student_profiles": ("workspace_id", "id", "user_id", "name", "email", "academic_year", "created_at", "updated_at"),
    "workspace_members": ("workspace_id", "user_id", "role", "invited_by", "student_profile_id", "joined_at",
                          "created_at", "updated_at"),
    "topics": ("workspace_id", "id", "parent_id", "name", "sort_order", "metadata", "created_by", "created_at",
               "updated_at"),
    "questions": ("workspace_id", "id", "topic_id", "prompt_latex", "prompt_text", "answer_type", "answer_spec",
                  "hints_json", "solution_latex", "difficulty", "tags_json", "status", "origin", "generation_metadata",
                  "created_by", "updated_by", "created_at", "updated_at"),
    "assignments": ("workspace_id", "id", "student_profile_id", "title", "status", "rule_json", "due_at", "created_by",
                    "created_at", "updated_at"),
    "assignment_items": ("workspace_id", "id", "assignment_id", "question_id", "position", "points", "created_at"),
    "attempts": ("workspace_id", "id", "student_user_id", "question_id", "assignment_id", "answer_raw", "answer_parsed",
                 "is_correct", "score", "feedback_json", "error_taxonomy_json", "time_spent_seconds", "hints_viewed",
                 "submitted_at", "created_at", "question_version"),
    "spaced_repetition": ("workspace_id", "id", "student_user_id", "question_id", "algorithm", "ease_factor",
                          "interval_days", "repetitions", "lapses", "due_at", "last_reviewed_at", "created_at",
                          "updated_at"),
    "review_events": ("workspace_id", "student_user_id", "question_id", "attempt_id", "algorithm", "rating",
                      "fsrs_rating", "reviewed_at", "duration_ms", "card_before", "card_after"),
}

MAX_INTERVAL_DAYS = 3650
Sink = Callable[[str, tuple], None]


def owner_email(index: int) -> str:
    return f"ws{index:03d}-owner@{EMAIL_DOMAIN}"


def tutor_email(index: int, k: int) -> str:
    return f"ws{index:03d}-tutor{k}@{EMAIL_DOMAIN}"


def student_email(index: int, k: int) -> str:
    return f"ws{index:03d}-student{k:05d}@{EMAIL_DOMAIN}"


def guardian_email(index: int, k: int) -> str:
    return f"ws{index:03d}-guardian{k:05d}@{EMAIL_DOMAIN}"


@dataclass
class Counts:
    """What a workspace (or the whole run) produced, per table."""

    rows: dict[str, int] = field(default_factory=lambda: {t: 0 for t in COLUMNS})

    def add(self, other: Counts) -> None:
        for table, n in other.rows.items():
            self.rows[table] += n


def _uuid(rng: random.Random) -> uuid.UUID:
    return uuid.UUID(int=rng.getrandbits(128), version=4)


def _sigmoid(x: float) -> float:
    return 1.0 / (1.0 + math.exp(-x))


def _card_json(card: Sm2Card, last_reviewed: datetime | None) -> str:
    # The shape learning.service._review records (card columns, datetimes ISO, decimals as strings).
    return json.dumps({"algorithm": "sm2", "ease_factor": str(card.ease_factor), "interval_days": card.interval_days,
                       "repetitions": card.repetitions, "lapses": card.lapses, "stability": None, "difficulty": None,
                       "fsrs_state": None, "fsrs_step": None, "due_at": card.due_at.isoformat() if card.due_at else None,
                       "last_reviewed_at": last_reviewed.isoformat() if last_reviewed else None})


@dataclass
class _Question:
    id: uuid.UUID
    template: Template
    difficulty: int
    topic_index: int


class Workspace:
    """The simulation of workspace number `index` (0 is the largest)."""

    def __init__(self, scale: Scale, seed: int, index: int, share: float, as_of: datetime, password_hash: str,
                 sink: Sink) -> None:
        self.scale, self.index, self.share, self.as_of = scale, index, share, as_of
        self.rng = random.Random(f"{seed}:{index}")
        self.password_hash = password_hash
        self.sink = sink
        self.counts = Counts()
        self.year_start = as_of - timedelta(days=365)
        self.created_at = self.year_start - timedelta(days=60)
        self.id = _uuid(self.rng)
        self.n_students = max(2, round(scale.students * share))
        self.n_questions = max(40, round(scale.questions * share))
        self.n_attempts = round(scale.attempts * share)

    def emit(self, table: str, row: tuple) -> None:
        self.sink(table, row)
        self.counts.rows[table] += 1

    def _user(self, email: str, name: str) -> uuid.UUID:
        user_id = _uuid(self.rng)
        self.emit("users", (user_id, email, name, self.password_hash, self.created_at, self.created_at, self.created_at))
        return user_id

    def _member(self, user_id: uuid.UUID, role: str, invited_by: uuid.UUID | None, profile: uuid.UUID | None = None,
                at: datetime | None = None) -> None:
        at = at or self.created_at
        self.emit("workspace_members", (self.id, user_id, role, invited_by, profile, at, at, at))

    def run(self) -> Counts:
        rng = self.rng
        self.owner = self._user(owner_email(self.index), f"Owner {self.index}")
        settings = {"auto_hide_flag_threshold": 3} if rng.random() < 0.3 else {}
        self.emit("workspaces", (self.id, f"Tutoring business {self.index:03d}", self.owner, "UTC", json.dumps(settings),
                                 self.created_at, self.created_at))
        self._member(self.owner, "owner", None)
        self.tutors = [self.owner]
        for k in range(min(3, self.n_students // 40)):
            tutor = self._user(tutor_email(self.index, k), f"Tutor {self.index}.{k}")
            self._member(tutor, "tutor", self.owner)
            self.tutors.append(tutor)
        self._topics()
        self._questions()
        self._students()
        return self.counts

    # ---------------------------------------------------------------- topic tree
    def _topics(self) -> None:
        rng = self.rng
        self.topic_ids: list[uuid.UUID] = []
        self.leaves: list[int] = []  # indexes into topic_ids, in tree order
        roots = list(TOPIC_CATALOGUE)[: rng.randint(3, len(TOPIC_CATALOGUE))]
        deep = self.n_questions >= 400  # larger banks are filed one level deeper
        for r, root in enumerate(roots):
            root_id = self._topic(None, root, r, {})
            children = TOPIC_CATALOGUE[root][: rng.randint(3, len(TOPIC_CATALOGUE[root]))]
            previous: uuid.UUID | None = None
            for c, child in enumerate(children):
                metadata: dict[str, Any] = {}
                if previous is not None and rng.random() < 0.5:
                    metadata["prerequisites"] = [str(previous)]
                if rng.random() < 0.3:
                    metadata["mastery_threshold"] = rng.choice([0.75, 0.85, 0.9])
                child_id = self._topic(root_id, child, c, metadata)
                previous = child_id
                if deep and rng.random() < 0.5:
                    for s, level in enumerate(SUBTOPIC_LEVELS):
                        self._topic(child_id, level, s, {})
                        self.leaves.append(len(self.topic_ids) - 1)
                else:
                    self.leaves.append(len(self.topic_ids) - 1)

    def _topic(self, parent: uuid.UUID | None, name: str, order: int, metadata: dict[str, Any]) -> uuid.UUID:
        topic_id = _uuid(self.rng)
        self.topic_ids.append(topic_id)
        self.emit("topics", (self.id, topic_id, parent, name, order, json.dumps(metadata), self.owner, self.created_at,
                             self.created_at))
        return topic_id

    # ---------------------------------------------------------------- question bank
    def _questions(self) -> None:
        rng = self.rng
        bank = templates()
        self.active: list[_Question] = []
        self.active_by_leaf: dict[int, list[_Question]] = {leaf: [] for leaf in self.leaves}
        for n in range(self.n_questions):
            template = rng.choice(bank)
            on_leaf = rng.random() < 0.9
            topic_index = rng.choice(self.leaves) if on_leaf else rng.randrange(len(self.topic_ids))
            difficulty = min(5, max(1, template.difficulty + rng.choice((-1, 0, 0, 1))))
            word = rng.choice(CONTEXT_WORDS)
            suffix = f" (the {word}, set {n})"
            roll = rng.random()
            status = "active" if roll < 0.9 else ("draft" if roll < 0.96 else "archived")
            roll = rng.random()
            origin = "manual" if roll < 0.6 else ("ai_generated" if roll < 0.9 else "imported")
            created = self.created_at + timedelta(seconds=rng.randrange(55 * 86400))
            generation = ({"model": "gpt-4o-mini", "generated_at": created.isoformat(), "legacy_migration": True}
                          if origin == "ai_generated" else {})
            author = rng.choice(self.tutors)
            question_id = _uuid(rng)
            self.emit("questions", (
                self.id, question_id, self.topic_ids[topic_index], template.prompt_latex + suffix,
                template.prompt_text + suffix, template.answer_type, template.spec_json, template.hints_json,
                template.solution_latex, difficulty, json.dumps([*template.tags, word]), status, origin,
                json.dumps(generation), author, author, created, created))
            if status == "active":
                question = _Question(question_id, template, difficulty, topic_index)
                self.active.append(question)
                if topic_index in self.active_by_leaf:
                    self.active_by_leaf[topic_index].append(question)
        if not self.active:
            raise RuntimeError(f"workspace {self.index} has no active question; raise the scale's question count")

    # ---------------------------------------------------------------- students, assignments, attempts
    def _students(self) -> None:
        rng = self.rng
        activity = [rng.lognormvariate(0, 0.6) for _ in range(self.n_students)]
        total_activity = sum(activity)
        for k in range(self.n_students):
            joined = self.year_start - timedelta(days=rng.randrange(30))
            user_id = self._user(student_email(self.index, k), f"Student {self.index}.{k}")
            profile_id = _uuid(rng)
            self.emit("student_profiles", (self.id, profile_id, user_id, f"Student {self.index}.{k}",
                                           student_email(self.index, k), self.as_of.year, joined, joined))
            self._member(user_id, "student", self.owner, None, joined)
            if rng.random() < 0.4:
                guardian = self._user(guardian_email(self.index, k), f"Guardian {self.index}.{k}")
                self._member(guardian, "guardian", self.owner, profile_id, joined)
            budget = round(self.n_attempts * activity[k] / total_activity)
            _Student(self, user_id, profile_id, budget).run()


class _Student:
    def __init__(self, ws: Workspace, user_id: uuid.UUID, profile_id: uuid.UUID, budget: int) -> None:
        self.ws, self.user_id, self.profile_id, self.budget = ws, user_id, profile_id, budget
        self.rng = ws.rng
        self.skill = self.rng.gauss(0.3, 0.9)
        self.learning = self.rng.uniform(0.2, 1.5)  # how much better they get over the year
        self.pace = self.rng.uniform(0.5, 1.5)  # how fast they move through the topic tree

    def run(self) -> None:
        ws, rng = self.ws, self.rng
        events: list[tuple[datetime, _Question | None, uuid.UUID | None]] = []
        for _ in range(ws.scale.assignments_per_student):
            if len(events) >= self.budget:
                break
            events.extend(self._assignment())
        seconds = 365 * 86400
        for _ in range(max(0, self.budget - len(events))):
            at = ws.year_start + timedelta(seconds=rng.randrange(seconds))
            events.append((at, None, None))  # free practice: the question is chosen when its time comes
        events.sort(key=lambda e: e[0])
        self._attempts(events)

    def _assignment(self) -> list[tuple[datetime, _Question | None, uuid.UUID | None]]:
        ws, rng = self.ws, self.rng
        created = ws.year_start + timedelta(seconds=rng.randrange(350 * 86400))
        leaf = rng.choice(ws.leaves)
        pool = ws.active_by_leaf[leaf] or ws.active
        chosen = rng.sample(pool, min(len(pool), ws.scale.items_per_assignment))
        assignment_id = _uuid(rng)
        rule = ({"topic_id": str(ws.topic_ids[leaf]), "include_subtopics": True, "difficulty_min": 1, "difficulty_max": 5,
                 "count": len(chosen), "exclude_seen_days": 0, "tags": None, "seed": rng.randrange(2**31)}
                if rng.random() < 0.5 else None)
        tutor = rng.choice(ws.tutors)
        ws.emit("assignments", (ws.id, assignment_id, self.profile_id, f"Homework {created:%d %b}: {ws.topic_ids[leaf].hex[:6]}",
                                "assigned", None if rule is None else json.dumps(rule), created + timedelta(days=7),
                                tutor, created, created))
        events = []
        for position, question in enumerate(chosen):
            ws.emit("assignment_items", (ws.id, _uuid(rng), assignment_id, question.id, position, Decimal(1), created))
            if rng.random() < 0.85:  # most items get answered, within the week
                events.append((created + timedelta(seconds=rng.randrange(7 * 86400)), question, assignment_id))
        return events

    def _practice_question(self, at: datetime, cards: dict[uuid.UUID, tuple[Sm2Card, datetime, datetime]]) -> _Question:
        """Mostly the current topic, some revision; like the review queue, a question not yet due is passed over."""
        ws, rng = self.ws, self.rng
        progress = (at - ws.year_start).total_seconds() / (365 * 86400)
        position = min(len(ws.leaves) - 1, int(progress * self.pace * len(ws.leaves)))
        question = None
        for attempt in range(6):
            leaf = ws.leaves[max(0, position - rng.choice((0, 0, 0, 1, 2)))]
            pool = ws.active if attempt >= 4 else (ws.active_by_leaf[leaf] or ws.active)
            question = rng.choice(pool)
            card = cards.get(question.id)
            if card is None or card[0].due_at <= at:
                break
        return question

    def _attempts(self, events: list[tuple[datetime, _Question | None, uuid.UUID | None]]) -> None:
        ws, rng = self.ws, self.rng
        cards: dict[uuid.UUID, tuple[Sm2Card, datetime, datetime]] = {}  # question -> (card, first, last review)
        seen: dict[uuid.UUID, int] = {}
        for at, question, assignment_id in events:
            if question is None:
                question = self._practice_question(at, cards)
            progress = (at - ws.year_start).total_seconds() / (365 * 86400)
            tries = seen.get(question.id, 0)
            p_correct = _sigmoid(self.skill + self.learning * progress - 0.7 * (question.difficulty - 3) + 0.5 * min(tries, 3))
            correct = rng.random() < p_correct
            seen[question.id] = tries + 1
            graded = question.template.right if correct else question.template.wrong
            hints = 1 if rng.random() < 0.15 else 0
            seconds = max(3, min(3600, int(rng.lognormvariate(3.4 + 0.2 * question.difficulty, 0.6))))
            attempt_id = _uuid(rng)
            ws.emit("attempts", (ws.id, attempt_id, self.user_id, question.id, assignment_id, graded.answer, graded.parsed,
                                 correct, Decimal(1) if correct else Decimal(0), graded.feedback, graded.notes, seconds,
                                 hints, at, at, 1))  # generated questions are never edited: version 1
            quality = sm2_quality("correct" if correct else "incorrect", hints, seconds)
            previous = cards.get(question.id)
            before = None if previous is None else _card_json(previous[0], previous[2])
            start = previous[0] if previous else Sm2Card(due_at=at)
            if start.interval_days > MAX_INTERVAL_DAYS:  # tiny banks repeat a question often; keep dates in range
                start = replace(start, interval_days=MAX_INTERVAL_DAYS)
            card = sm2_review(start, quality, at)
            cards[question.id] = (card, previous[1] if previous else at, at)
            ws.emit("review_events", (ws.id, self.user_id, question.id, attempt_id, "sm2", quality, int(fsrs_rating(quality)),
                                      at, seconds * 1000, before, _card_json(card, at)))
        for question_id, (card, first, last) in cards.items():
            ws.emit("spaced_repetition", (ws.id, _uuid(rng), self.user_id, question_id, "sm2", card.ease_factor,
                                          card.interval_days, card.repetitions, card.lapses, card.due_at, last, first, last))
