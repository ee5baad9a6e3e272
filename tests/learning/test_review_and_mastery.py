"""SM-2, FSRS and BKT against values computed by hand from their published formulas."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from decimal import Decimal

import pytest
from fsrs import Rating

from tutorassist.learning.mastery import BktParameters, bkt_update, is_mastered, mastery_after
from tutorassist.learning.review import FsrsCard, Sm2Card, fsrs_rating, fsrs_review, sm2_quality, sm2_review

NOW = datetime(2026, 11, 25, 9, 0, tzinfo=timezone.utc)


@pytest.mark.parametrize(("verdict", "hints", "seconds", "usual", "solution", "quality"), [
    ("invalid", 0, 10, None, False, None),
    ("incorrect", 0, 10, None, True, 0),
    ("incorrect", 2, 10, None, False, 1),
    ("correct", 1, 5, None, False, 3),
    ("correct", 0, 31, None, False, 4),
    ("correct", 0, 30, None, False, 5),
    ("correct", 0, 41, 80.0, False, 4),
    ("correct", 0, 40, 80.0, False, 5),
    ("correct", 0, None, None, False, 4),
])
def test_rating_mapping(verdict, hints, seconds, usual, solution, quality):
    assert sm2_quality(verdict, hints, seconds, usual, solution) == quality


def test_fsrs_rating_from_quality():
    assert [fsrs_rating(q) for q in range(6)] == [Rating.Again] * 3 + [Rating.Hard, Rating.Good, Rating.Easy]


def test_sm2_schedule_by_hand():
    card = sm2_review(Sm2Card(), 5, NOW)  # EF 2.5 + 0.1
    assert (card.ease_factor, card.repetitions, card.interval_days, card.due_at) == (Decimal("2.6"), 1, 1, NOW + timedelta(days=1))
    card = sm2_review(card, 4, NOW)  # EF + 0.1 − 1·(0.08 + 0.02) = unchanged
    assert (card.ease_factor, card.repetitions, card.interval_days) == (Decimal("2.6"), 2, 6)
    card = sm2_review(card, 3, NOW)  # EF + 0.1 − 2·(0.08 + 0.04) = −0.14 → 2.46; ceil(6 · 2.46) = ceil(14.76)
    assert (card.ease_factor, card.repetitions, card.interval_days) == (Decimal("2.46"), 3, 15)
    card = sm2_review(card, 1, NOW)  # EF + 0.1 − 4·(0.08 + 0.08) = −0.54 → 1.92; reset, due now
    assert (card.ease_factor, card.repetitions, card.interval_days, card.lapses, card.due_at) == (Decimal("1.92"), 0, 0, 1, NOW)
    for _ in range(3):
        card = sm2_review(card, 0, NOW)  # −0.7 each, floored at 1.3
    assert card.ease_factor == Decimal("1.3") and card.lapses == 4
    with pytest.raises(ValueError):
        sm2_review(card, 6, NOW)


def test_fsrs_first_reviews_by_hand():
    w = (0.212, 1.2931, 2.3065, 8.2956, 6.4133, 0.8334)  # default parameters w0..w5 of fsrs 6
    good = fsrs_review(FsrsCard(), Rating.Good, NOW)
    # A new card rated Good: S0 = w2, D0(3) = w4 − e^{w5·2} + 1, next learning step (10 minutes).
    assert good.stability == pytest.approx(w[2])
    assert good.difficulty == pytest.approx(w[4] - 2.718281828459045 ** (w[5] * 2) + 1, abs=1e-4)
    assert good.due_at == NOW + timedelta(minutes=10) and good.state == 1
    easy = fsrs_review(FsrsCard(), Rating.Easy, NOW)
    # Easy graduates at once: S0 = w3, and at 90 % desired retention the interval equals the stability: 8 days.
    assert easy.stability == pytest.approx(w[3]) and easy.state == 2
    assert easy.due_at == NOW + timedelta(days=8)
    again = fsrs_review(FsrsCard(), Rating.Again, NOW)
    assert again.stability == pytest.approx(w[0]) and again.due_at == NOW + timedelta(minutes=1)


def test_bkt_updates_by_hand():
    # P(L)=0.2, S=0.1, G=0.2, T=0.1. Correct: 0.18/0.34 = 0.529412, + 0.470588·0.1 = 0.576471.
    assert bkt_update(0.2, True) == pytest.approx(0.576471, abs=1e-6)
    # Wrong: 0.02/0.66 = 0.030303, + 0.969697·0.1 = 0.127273.
    assert bkt_update(0.2, False) == pytest.approx(0.127273, abs=1e-6)
    assert mastery_after([True, False]) == pytest.approx(bkt_update(0.576471, False), abs=1e-6)
    assert mastery_after([True] * 4) > 0.95 and not is_mastered(mastery_after([True]), None)
    assert is_mastered(0.85, None) and not is_mastered(0.85, 0.9)
    assert bkt_update(0.5, True, BktParameters(p_slip=0.0, p_guess=0.0, p_transit=0.0)) == 1.0
