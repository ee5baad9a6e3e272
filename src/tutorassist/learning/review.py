"""Spaced repetition: from a graded attempt to a rating, and from a rating to the card's next review.

Rating mapping (documented in docs/learning.md, tested): an attempt's verdict, hints and time become an SM-2 quality
0–5 and, for FSRS, a Rating 1–4:

| attempt                                          | SM-2 q | FSRS  |
|--------------------------------------------------|--------|-------|
| not gradable (invalid input)                     | none   | none  |
| incorrect, solution viewed                       | 0      | Again |
| incorrect                                        | 1      | Again |
| correct after hints                              | 3      | Hard  |
| correct, no hints                                | 4      | Good  |
| correct, no hints, in at most half the usual time| 5      | Easy  |

The usual time is the question's average time when it has one, else FAST_SECONDS_DEFAULT * 2.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from decimal import Decimal

from fsrs import Card, Rating, Scheduler, State

FAST_SECONDS_DEFAULT = 30
EASE_START = Decimal("2.5")
EASE_FLOOR = Decimal("1.3")
EASE_CEILING = Decimal("5.0")
"""Ease stops growing here: beyond it the interval cap arrives after a few more reviews anyway, and the column
(numeric(5,3)) could not hold what hundreds of perfect reviews would reach."""
MAX_INTERVAL_DAYS = 36500
"""No card is scheduled more than 100 years ahead (as py-fsrs's maximum_interval): without a cap, ceil(I·EF) leaves
Python's date range after 13-17 perfect reviews in a row."""


def sm2_quality(verdict: str, hints_viewed: int, time_spent_seconds: int | None,
                usual_seconds: float | None = None, solution_viewed: bool = False) -> int | None:
    """SM-2 quality 0–5 of an attempt, or None when it cannot count as a review."""
    if verdict == "invalid":
        return None
    if verdict != "correct":
        return 0 if solution_viewed else 1
    if hints_viewed > 0:
        return 3
    fast_limit = usual_seconds / 2 if usual_seconds else FAST_SECONDS_DEFAULT
    if time_spent_seconds is not None and time_spent_seconds <= fast_limit:
        return 5
    return 4


def fsrs_rating(quality: int) -> Rating:
    return Rating.Again if quality < 3 else {3: Rating.Hard, 4: Rating.Good, 5: Rating.Easy}[quality]


@dataclass(frozen=True)
class Sm2Card:
    ease_factor: Decimal = EASE_START
    interval_days: int = 0
    repetitions: int = 0
    lapses: int = 0
    due_at: datetime | None = None


def sm2_review(card: Sm2Card, quality: int, now: datetime) -> Sm2Card:
    """SuperMemo-2: ease += 0.1 − (5−q)(0.08 + (5−q)·0.02), kept within 1.3..5.0; intervals 1, 6, then ceil(I·EF)
    up to MAX_INTERVAL_DAYS; a quality below 3 resets the repetitions and makes the card due again at once (counted
    as a lapse). A review before the due date counts like one on it: the interval grows from the scheduled interval,
    not from the time elapsed."""
    if not 0 <= quality <= 5:
        raise ValueError("SM-2 quality is 0..5")
    miss = 5 - quality
    ease = card.ease_factor + Decimal("0.1") - miss * (Decimal("0.08") + miss * Decimal("0.02"))
    ease = min(EASE_CEILING, max(EASE_FLOOR, ease))
    if quality < 3:
        return replace(card, ease_factor=ease, interval_days=0, repetitions=0, lapses=card.lapses + 1, due_at=now)
    repetitions = card.repetitions + 1
    if repetitions == 1:
        interval = 1
    elif repetitions == 2:
        interval = 6
    else:
        interval = min(MAX_INTERVAL_DAYS, math.ceil(card.interval_days * ease))
    return replace(card, ease_factor=ease, interval_days=interval, repetitions=repetitions,
                   due_at=now + timedelta(days=interval))


@dataclass(frozen=True)
class FsrsCard:
    state: int = State.Learning.value
    step: int | None = 0
    stability: float | None = None
    difficulty: float | None = None
    due_at: datetime | None = None
    last_reviewed_at: datetime | None = None


def fsrs_scheduler(desired_retention: float = 0.9) -> Scheduler:
    # No fuzzing: a student's schedule is reproducible from their review events.
    return Scheduler(desired_retention=desired_retention, enable_fuzzing=False, maximum_interval=MAX_INTERVAL_DAYS)


def fsrs_review(card: FsrsCard, rating: Rating, now: datetime, desired_retention: float = 0.9,
                duration_ms: int | None = None) -> FsrsCard:
    """One FSRS review (py-fsrs), UTC times; the card's state as stored in spaced_repetition."""
    current = Card(state=State(card.state), step=card.step, stability=card.stability, difficulty=card.difficulty,
                   due=card.due_at or now, last_review=card.last_reviewed_at)
    updated, _log = fsrs_scheduler(desired_retention).review_card(current, rating, review_datetime=now,
                                                                    review_duration=duration_ms)
    return FsrsCard(state=updated.state.value, step=updated.step, stability=updated.stability,
                    difficulty=updated.difficulty, due_at=updated.due, last_reviewed_at=updated.last_review)
