"""The validation pipeline and the price table, without a database: auto-fixes (table-driven and property-based),
reject reasons, the quality score formula, costs."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.ai.fake_provider import linear_question
from tutorassist.ai.pipeline import Checked, auto_fix, check_candidate
from tutorassist.ai.pricing import OFFLINE_MODEL, call_cost


@pytest.mark.parametrize(("change", "fixed", "codes"), [
    ({"prompt_latex": "Solve $$x+1=2$$ now"}, {"prompt_latex": "Solve \\[x+1=2\\] now"}, ["latex_formatting"]),
    ({"prompt_latex": "Half: $\\dfrac{1}{2}$"}, {"prompt_latex": "Half: $\\frac{1}{2}$"}, ["latex_formatting"]),
    ({"prompt_latex": "  Solve   $x=1$  \n\n\n\nok "}, {"prompt_latex": "Solve $x=1$\n\nok"}, ["latex_formatting"]),
    ({"hints": ["Use $$a$$"]}, {"hints": ["Use \\[a\\]"]}, ["latex_formatting"]),
    ({"difficulty": 9}, {"difficulty": 5}, ["difficulty_clamped"]),
    ({"difficulty": 0}, {"difficulty": 1}, ["difficulty_clamped"]),
    ({"tags": ["Linear Equations", "linear equations", " ", "ALG"]}, {"tags": ["linear-equations", "alg"]},
     ["tags_normalised"]),
    ({}, {}, []),
])
def test_auto_fixes_are_applied_and_recorded(change, fixed, codes):
    base = {"prompt_latex": "Solve $x=1$", "hints": [], "difficulty": 3, "tags": ["algebra"]}
    result, applied = auto_fix(base | change)
    assert applied == codes
    assert result == base | change | fixed


_pieces = st.sampled_from(["$", "$$", "\\dfrac", "{1}", "x", " ", "  ", "\n", "\n\n\n", "\\[", "\\]", "=", "y^2"])


@given(prompt=st.lists(_pieces, max_size=30).map("".join), difficulty=st.integers(-5, 12),
       tags=st.lists(st.text(max_size=8), max_size=5))
@settings(max_examples=300, deadline=None)
def test_auto_fix_is_idempotent_and_keeps_ranges(prompt, difficulty, tags):
    once, _ = auto_fix({"prompt_latex": prompt, "difficulty": difficulty, "tags": tags})
    twice, codes = auto_fix(once)
    assert twice == once and codes == []
    assert 1 <= once["difficulty"] <= 5
    assert len(once["tags"]) == len(set(once["tags"])) and all(t and t == t.strip().lower() for t in once["tags"])
    assert "\\dfrac" not in once["prompt_latex"] and re.search(r"\$\$(.+?)\$\$", once["prompt_latex"], re.S) is None


@given(raw=st.one_of(st.none(), st.integers(), st.text(), st.lists(st.integers()),
                     st.dictionaries(st.text(max_size=10), st.one_of(st.text(max_size=10), st.integers()), max_size=6)))
@settings(max_examples=200, deadline=None)
def test_any_garbage_is_a_reject_not_a_crash(raw):
    assert check_candidate(raw, 3) == "schema_mismatch"


@pytest.mark.parametrize(("change", "reason"), [
    ({"prompt_latex": "Solve ${x = 1$"}, "latex_invalid"),
    ({"answer_spec": {"type": "set", "elements": ["1"]}}, "answer_spec_invalid"),
    ({"answer_spec": {"type": "number", "value": "x+*"}}, "answer_spec_invalid"),
    ({"answer_spec": {"type": "number", "value": "1000"}}, "answer_wrong"),
    ({"cas_check": {"kind": "solve", "expression": "no equation here", "variables": ["x"]}}, "cas_check_unusable"),
    ({"answer_type": "essay"}, "schema_mismatch"),
])
def test_reject_reasons(change, reason):
    assert check_candidate(linear_question(4, 3) | change, 3) == reason


def test_quality_score_formula():
    checked = check_candidate(linear_question(4, 3), 3)
    assert isinstance(checked, Checked)
    assert checked.auto_fixes == ["latex_formatting", "tags_normalised"]
    assert checked.quality_score == 0.9  # two auto-fixes
    checked.similar = [(None, 0.6)]
    assert checked.quality_score == 0.75
    unverifiable = check_candidate(linear_question(4, 5) | {"cas_check": None, "prompt_latex": "Solve $3x=3$.",
                                                            "tags": []}, 3)
    # one auto-fix (the hint's double space), not computed, not the difficulty asked
    assert unverifiable.quality_score == pytest.approx(1 - 0.05 - 0.2 - 0.1)


def test_prices():
    listed = call_cost("gpt-4o-mini", 1_000_000, 1_000_000)
    assert listed.usd == Decimal("0.75") and listed.source == "list"
    batch = call_cost("gpt-4o-mini", 1_000_000, 1_000_000, batch=True)
    assert batch.usd == Decimal("0.375") and batch.source.startswith("batch")
    assert call_cost("my-local-llama", 1000, 1000).source == "unpriced"
    assert call_cost(OFFLINE_MODEL, 10, 10).usd == 0
