"""Long answer streaks through SM-2 and FSRS (hypothesis): hundreds of reviews with random qualities and times never
raise, and every due date stays within Python's date range, never before the review, at most MAX_INTERVAL_DAYS
ahead."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from tutorassist.learning.review import (
    EASE_CEILING,
    EASE_FLOOR,
    MAX_INTERVAL_DAYS,
    FsrsCard,
    Sm2Card,
    fsrs_rating,
    fsrs_review,
    sm2_review,
)

START = datetime(2026, 11, 25, 9, 0, tzinfo=timezone.utc)
gaps = st.one_of(
    st.just(timedelta(0)),
    st.integers(min_value=0, max_value=3600).map(lambda s: timedelta(seconds=s)),
    st.integers(min_value=0, max_value=400).map(lambda d: timedelta(days=d)),
)
streaks = st.lists(st.tuples(st.integers(min_value=0, max_value=5), gaps), min_size=100, max_size=400)


def test_a_perfect_streak_reaches_the_cap_and_stays_there() -> None:
    card, now = Sm2Card(), START
    for _ in range(40):  # overflowed Python's date range after 13-17 of these before the cap
        card = sm2_review(card, 5, now)
        assert card.due_at is not None and card.due_at - now <= timedelta(days=MAX_INTERVAL_DAYS)
    assert card.interval_days == MAX_INTERVAL_DAYS and card.ease_factor == EASE_CEILING
    card = sm2_review(card, 1, now)
    assert (card.interval_days, card.repetitions, card.due_at) == (0, 0, now)


@settings(max_examples=100, deadline=None, database=None)
@given(streak=streaks)
def test_sm2_long_streaks(streak: list[tuple[int, timedelta]]) -> None:
    card, now = Sm2Card(), START
    for quality, gap in streak:
        now += gap
        card = sm2_review(card, quality, now)
        assert card.due_at is not None and now <= card.due_at <= now + timedelta(days=MAX_INTERVAL_DAYS)
        assert 0 <= card.interval_days <= MAX_INTERVAL_DAYS
        assert EASE_FLOOR <= card.ease_factor <= EASE_CEILING
        assert card.ease_factor == card.ease_factor.quantize(Decimal("0.001"))  # fits numeric(5,3)


@settings(max_examples=30, deadline=None, database=None)
@given(streak=streaks, retention=st.sampled_from([0.7, 0.9, 0.99]))
def test_fsrs_long_streaks(streak: list[tuple[int, timedelta]], retention: float) -> None:
    card, now = FsrsCard(), START
    for quality, gap in streak:
        now += gap
        card = fsrs_review(card, fsrs_rating(quality), now, retention)
        assert card.due_at is not None and now <= card.due_at <= now + timedelta(days=MAX_INTERVAL_DAYS)
        assert card.last_reviewed_at == now
