"""Property-based tests of the answer checker (hypothesis): for every answer type, random input built from math
tokens (huge and tiny exponents, unicode digits, unbalanced LaTeX, operators alone, commas, function names, ...)
always gets a verdict within the time limit, never an exception, and the preview agrees with grading on whether the
input is of the right kind. Bounded: max_examples per type, no per-example deadline (the pool's time limit is the
bound that matters)."""

from __future__ import annotations

import time

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tutorassist.learning.cas import NOTES, check, preview
from tutorassist.learning.cas.limits import DEFAULT_TIMEOUT, POOL

SPECS = {
    "number": {"type": "number", "value": "2.5", "significant_figures": 2},
    "expression": {"type": "expression", "value": "(x+1)^2", "required_form": "factored"},
    "equation": {"type": "equation", "value": "y = 2x + 1", "variables": ["x", "y"]},
    "inequality": {"type": "inequality", "value": "-1 < x <= 2"},
    "set": {"type": "set", "elements": ["1/2", "sqrt(2)"]},
    "list": {"type": "list", "elements": ["(1, 2)", "3"]},
    "interval": {"type": "interval", "value": r"(-\infty, 1) \cup [3, \infty)"},
    "multiple_choice": {"type": "multiple_choice", "choices": [{"id": "a", "latex": "$2$"}, {"id": "b", "latex": "$3$"}],
                        "correct_ids": ["a"]},
    "text": {"type": "text", "accepted_answers": ["Pythagoras"]},
}

TOKENS = [
    "0", "1", "2", "7", "10", "0.5", ".5", "2.", "1/0", "0^0", "9" * 60, "1e999999", "1e-400", "6.02e23", "1E+5",
    "e23", "e-7", "٣", "１", "𝟗", "²", "³", "¹", "x", "y", "z", "e", "E", "i", "pi", "π", "oo", "∞", "ab", "foo",
    "+", "-", "−", "*", "×", "·", "/", "÷", "^", "**", "!", "%", "=", "==", "<", ">", "<=", ">=", "≤", "≥", "≠",
    "(", ")", "[", "]", "{", "}", ",", ";", ".", "|", "_", "'", "@", "#", " ", "  ",
    "sin", "cos", "tan", "cosec", "sec", "cot", "sinh", "asinh", "arsinh", "artanh", "log", "ln", "exp", "sqrt",
    "abs", "log_", "\\log_{2}", "\\sin", "\\sqrt", "\\sqrt[3]", "\\frac", "\\frac{1}{2}", "\\dfrac", "\\left(",
    "\\right)", "\\left", "\\right", "\\left.", "\\{", "\\}", "\\cdot", "\\times", "\\div", "\\le", "\\ge",
    "\\infty", "\\pi", "\\alpha", "\\theta", "\\cup", "\\emptyset", "U", "or", "and", "\\operatorname{arsinh}",
    "\\text{", "\\", "\\foo", "√", "∪", "∅", "x=", "(1,2)", "2(1,5)", "10^", "^{", "x_1", "3!", "((", "))",
    "999^1000", "*999^1000", "^1000", "10^-400", "^(1/2)", "0.333333333333333",
]

answers = st.lists(st.sampled_from(TOKENS), min_size=1, max_size=14).map("".join) | st.text(max_size=30)

# generous: the time limit per check plus the wait for a worker and a loaded CI machine
WALL_LIMIT = DEFAULT_TIMEOUT + 10.0


@pytest.fixture(scope="module", autouse=True)
def _warm_pool() -> None:
    POOL.warm()


@pytest.mark.parametrize("answer_type", sorted(SPECS))
def test_any_input_gets_a_verdict_never_an_exception(answer_type: str) -> None:
    spec = SPECS[answer_type]

    @settings(max_examples=150, deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow])
    @given(answer=answers)
    def run(answer: str) -> None:
        started = time.monotonic()
        result = check(spec, answer)
        assert time.monotonic() - started < WALL_LIMIT
        assert result.verdict in ("correct", "incorrect", "invalid")
        assert result.answer_note in NOTES and result.feedback
        assert result.answer_note != "not_checkable", (answer, result)  # the checker's own fault: a bug to fix
        assert 0 <= result.score <= 1
        started = time.monotonic()
        shown = preview(answer, answer_type)
        assert time.monotonic() - started < WALL_LIMIT
        assert shown.message and shown.answer_note != "not_checkable", (answer, shown)
        # one verdict on the kind of answer: the preview refuses exactly what grading calls invalid (except the ids
        # of multiple choice, which only the question knows)
        if result.answer_note not in ("timeout", "busy", "unknown_choice", "too_many_choices"):
            assert shown.ok == (result.verdict != "invalid"), (answer, result, shown)
            if not shown.ok:
                assert shown.answer_note == result.answer_note, (answer, result, shown)

    run()


# --------------------------------------------------------------------------------------------- soundness

coefficients = st.lists(st.fractions(min_value=-20, max_value=20, max_denominator=12), min_size=1, max_size=16)
perturbations = st.tuples(st.fractions(min_value=-3, max_value=3, max_denominator=10**15).filter(bool),
                          st.integers(min_value=0, max_value=15))


def _polynomial(coeffs: list) -> str:
    return " + ".join(f"({c.numerator}/{c.denominator})x^{k}" for k, c in enumerate(coeffs))


@settings(max_examples=100, deadline=None, database=None)
@given(coeffs=coefficients, perturbation=perturbations, roots=st.lists(st.integers(-9, 9), min_size=0, max_size=6))
def test_a_polynomial_identity_cannot_be_faked(coeffs: list, perturbation: tuple, roots: list) -> None:
    """A polynomial (times a product of linear factors, unexpanded) equals itself written otherwise, and never equals
    it changed by any non-zero term, however small (down to 1e-15)."""
    product = "".join(f"(x-({r}))" for r in roots) or "1"
    target = f"({_polynomial(coeffs)}){product}"
    import sympy as sp

    x = sp.Symbol("x")
    expanded = sp.expand(sp.Add(*[sp.Rational(c.numerator, c.denominator) * x**k for k, c in enumerate(coeffs)])
                         * sp.Mul(*[x - r for r in roots]))
    same = " + ".join(f"({sp.Rational(t.as_coeff_Mul()[0])})*({t.as_coeff_Mul()[1]})" for t in sp.Add.make_args(expanded))
    spec = {"type": "expression", "value": target}
    if expanded != 0:
        assert check(spec, same.replace("**", "^")).verdict == "correct"
    amount, power = perturbation
    changed = f"{target} + ({amount.numerator}/{amount.denominator})x^{power}"
    assert check(spec, changed).verdict == "incorrect"
