"""Choosing an assignment's questions by rule: pure and reproducible, no database.

The qualifying pool (active questions of the topic subtree within the difficulty range and with the tags) is put in a
canonical order (by id) and shuffled with a generator seeded by the rule's seed, so the same seed over the same bank
gives the same order. Every student of one request takes from that same order, skipping what they saw recently: a
class gets the same worksheet, except where a student's own history makes it differ. The chosen questions are then
ordered from easiest to hardest (ties keep the shuffled order).
"""

from __future__ import annotations

import random
from collections.abc import Collection, Iterable
from dataclasses import dataclass
from uuid import UUID

SEED_MAX = 2**53


@dataclass(frozen=True)
class Candidate:
    id: UUID
    difficulty: int


@dataclass(frozen=True)
class Choice:
    question_ids: list[UUID]
    shortfall: int


def new_seed() -> int:
    return random.SystemRandom().randrange(SEED_MAX)


def shuffled(pool: Iterable[Candidate], seed: int) -> list[Candidate]:
    """The pool in canonical order, shuffled reproducibly by `seed`."""
    ordered = sorted(pool, key=lambda c: c.id.hex)
    random.Random(seed).shuffle(ordered)
    return ordered


def choose(order: list[Candidate], count: int, excluded: Collection[UUID] = ()) -> Choice:
    """The first `count` questions of a shuffled order that are not excluded, easiest first."""
    picked = [(rank, c) for rank, c in enumerate(order) if c.id not in excluded][:count]
    picked.sort(key=lambda rc: (rc[1].difficulty, rc[0]))
    return Choice([c.id for _, c in picked], count - len(picked))
