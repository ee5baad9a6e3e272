"""Rule selection without a database: reproducible shuffles, per-student exclusions, easiest first, shortfall."""

from __future__ import annotations

import uuid

from tutorassist.assignments.selection import Candidate, choose, new_seed, shuffled


def pool(n: int, difficulty=lambda i: 3) -> list[Candidate]:
    return [Candidate(uuid.UUID(int=i + 1), difficulty(i)) for i in range(n)]


def test_same_seed_same_order_whatever_the_input_order():
    candidates = pool(30)
    assert shuffled(candidates, 42) == shuffled(list(reversed(candidates)), 42)
    assert len({tuple(c.id for c in shuffled(candidates, s)) for s in range(10)}) == 10
    assert sorted(shuffled(candidates, 1), key=lambda c: c.id.int) == candidates


def test_choose_skips_excluded_orders_easiest_first_and_reports_shortfall():
    order = shuffled(pool(10, lambda i: 5 - i % 5), 7)
    excluded = {order[0].id, order[3].id}
    choice = choose(order, 5, excluded)
    assert not excluded & set(choice.question_ids) and len(choice.question_ids) == 5 and choice.shortfall == 0
    rest = [c for c in order if c.id not in excluded][:5]
    assert set(choice.question_ids) == {c.id for c in rest}
    by_id = {c.id: c for c in order}
    difficulties = [by_id[q].difficulty for q in choice.question_ids]
    assert difficulties == sorted(difficulties)
    assert choose(order, 20, excluded).shortfall == 12
    assert choose(order, 3, {c.id for c in order}).question_ids == []


def test_new_seed_is_in_range():
    assert all(0 <= new_seed() < 2**53 for _ in range(100))
