"""Rule selection in the database: reproducible by seed, per-student exclusions, easiest first, and what to loosen."""

from __future__ import annotations

import json

from tests.factories import question, tenant
from tutorassist.api.context import Tx
from tutorassist.assignments import selection
from tutorassist.assignments.schemas import SelectionRule
from tutorassist.db.connection import acting


def _bank(owner, n=12):
    t = tenant(owner)
    ids = [question(owner, t.workspace_id, t.topic_id, difficulty=1 + i % 5, tags_json=json.dumps(["x"] if i % 2 else []))
           for i in range(n)]
    return t, ids


def _choose(app_db, t, rule, students):
    with acting(app_db, t.tutor_id, t.workspace_id) as conn:
        return selection.choose(Tx(conn, t.tutor_id, t.workspace_id, "owner"), rule, students)


def test_same_seed_same_choice_new_seed_new_choice_easiest_first(app_db, owner):
    t, _ = _bank(owner)
    rule = SelectionRule(topic_id=t.topic_id, count=5, seed=42)
    first = _choose(app_db, t, rule, [t.student_profile_id])[t.student_profile_id]
    assert first == _choose(app_db, t, rule, [t.student_profile_id])[t.student_profile_id]
    assert first.shortfall == 0 and first.loosen is None and len(set(first.question_ids)) == 5
    picks = {tuple(_choose(app_db, t, rule.model_copy(update={"seed": s}), [t.student_profile_id])[t.student_profile_id]
                   .question_ids) for s in range(8)}
    assert len(picks) > 1
    difficulty = dict(owner.execute("SELECT id, difficulty FROM questions").fetchall())
    levels = [difficulty[q] for q in first.question_ids]
    assert levels == sorted(levels)


def test_recently_attempted_questions_are_skipped_per_student(app_db, owner):
    t, _ = _bank(owner)
    rule = SelectionRule(topic_id=t.topic_id, count=13, seed=7, exclude_seen_days=7)  # the whole topic: 12 + 1
    before = _choose(app_db, t, rule, [t.student_profile_id])[t.student_profile_id]
    assert before.shortfall == 0
    seen = before.question_ids[:3]
    for q in seen:
        owner.execute("INSERT INTO attempts (workspace_id, student_user_id, question_id, answer_raw, is_correct, score) "
                      "VALUES (%s, %s, %s, 'x', true, 1)", (t.workspace_id, t.student_id, q))
    after = _choose(app_db, t, rule, [t.student_profile_id])[t.student_profile_id]
    assert not set(seen) & set(after.question_ids) and after.shortfall == 3
    assert "exclude_seen_days" in after.loosen


def test_a_rule_that_matches_too_little_says_what_to_loosen(app_db, owner):
    t, _ = _bank(owner)
    cases = [
        (SelectionRule(topic_id=t.topic_id, count=50), "topic"),
        (SelectionRule(topic_id=t.topic_id, count=5, difficulty_min=5, difficulty_max=5), "difficulty"),
        (SelectionRule(topic_id=t.topic_id, count=10, tags=["x"]), "tags"),
    ]
    for rule, part in cases:
        choice = _choose(app_db, t, rule.model_copy(update={"seed": 1}), [t.student_profile_id])[t.student_profile_id]
        assert choice.shortfall > 0 and part in choice.loosen, (part, choice)


def test_new_seed_is_in_range():
    assert all(0 <= selection.new_seed() < 2**53 for _ in range(100))
