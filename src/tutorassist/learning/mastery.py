"""Mastery per student and topic by Bayesian knowledge tracing (Corbett & Anderson), as OATutor does.

After each graded attempt on a topic's question:
  correct: P(L|obs) = P(L)(1−S) / (P(L)(1−S) + (1−P(L))G)
  wrong:   P(L|obs) = P(L)S / (P(L)S + (1−P(L))(1−G))
  then learning: P(L) = P(L|obs) + (1 − P(L|obs))·T
A topic is mastered when P(L) reaches its mastery_threshold (TopicMetadata; DEFAULT_THRESHOLD otherwise).
"""

from __future__ import annotations

from dataclasses import dataclass

DEFAULT_THRESHOLD = 0.8


@dataclass(frozen=True)
class BktParameters:
    p_init: float = 0.2  # P(L0): knows the skill before practising
    p_transit: float = 0.1  # T: learns it at an opportunity
    p_slip: float = 0.1  # S: knows it but answers wrong
    p_guess: float = 0.2  # G: does not know it but answers right


def bkt_update(p_known: float, correct: bool, params: BktParameters = BktParameters()) -> float:
    s, g, t = params.p_slip, params.p_guess, params.p_transit
    if correct:
        observed = p_known * (1 - s) / (p_known * (1 - s) + (1 - p_known) * g)
    else:
        observed = p_known * s / (p_known * s + (1 - p_known) * (1 - g))
    return observed + (1 - observed) * t


def mastery_after(outcomes: list[bool], params: BktParameters = BktParameters()) -> float:
    """P(L) after a sequence of graded attempts, oldest first."""
    p = params.p_init
    for correct in outcomes:
        p = bkt_update(p, correct, params)
    return p


def is_mastered(p_known: float, threshold: float | None) -> bool:
    return p_known >= (DEFAULT_THRESHOLD if threshold is None else threshold)
