"""Answer checking (tutorassist.learning.cas): a table of (spec, answer, verdict, note) cases, preview, the safety
limits and the CLI. No database."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time

import pytest

from tutorassist.learning.cas import InvalidSpec, check, preview
from tutorassist.learning.cas.limits import POOL

E = lambda v, **kw: {"type": "expression", "value": v, **kw}  # noqa: E731
N = lambda v, **kw: {"type": "number", "value": v, **kw}  # noqa: E731
EQ = lambda v, **kw: {"type": "equation", "value": v, **kw}  # noqa: E731
IN = lambda v, **kw: {"type": "inequality", "value": v, **kw}  # noqa: E731
S = lambda *els: {"type": "set", "elements": list(els)}  # noqa: E731
L = lambda *els, ordered=True: {"type": "list", "elements": list(els), "ordered": ordered}  # noqa: E731
I = lambda v: {"type": "interval", "value": v}  # noqa: E731,E741
MC = {"type": "multiple_choice", "choices": [{"id": "a", "latex": "$2$"}, {"id": "b", "latex": "$3$"},
      {"id": "c", "latex": "$4$"}], "correct_ids": ["a"]}
MCM = {**MC, "correct_ids": ["a", "c"], "allow_multiple": True}
T = {"type": "text", "accepted_answers": ["Pythagoras", "Pythagoras of Samos"]}
TC = {"type": "text", "accepted_answers": ["NaCl"], "case_sensitive": True}

CASES = [
    # ---------------------------------------------------------------- numbers: exact
    (N("2.5"), "2.5", "correct", "correct"),
    (N("2.5"), "2.50", "correct", "correct"),
    (N("2.5"), "5/2", "correct", "correct"),
    (N("0.5"), r"\frac{1}{2}", "correct", "correct"),
    (N("0.5"), "1/2", "correct", "correct"),
    (N("0.5"), "x = 0.5", "correct", "correct"),
    (N("-0.125"), "−0.125", "correct", "correct"),
    (N("-0.125"), "-1/8", "correct", "correct"),
    (N("-0.125"), "0.125", "incorrect", "sign_error"),
    (N("3"), "-3", "incorrect", "sign_error"),
    (N("3"), "4", "incorrect", "incorrect"),
    (N("0.1"), "0.10000000000000001", "incorrect", "incorrect"),
    (N("6.02e23"), "6.02e23", "correct", "correct"),
    (N("6.02e23"), r"6.02 \times 10^{23}", "correct", "correct"),
    (N("6.02e23"), "6.02*10^23", "correct", "correct"),
    (N("1000"), "1e3", "correct", "correct"),
    (N("0.5"), ".5", "correct", "correct"),
    (N("2"), "1/0", "invalid", "division_by_zero"),
    (N("2"), "2x", "invalid", "not_a_number"),
    (N("2"), "sqrt(4)", "invalid", "not_a_number"),
    (N("2"), "two", "invalid", "not_a_number"),
    (N("2"), "2..5", "invalid", "unparseable"),
    (N("2"), "@2", "invalid", "unparseable"),
    (N("2"), "   ", "invalid", "empty_answer"),
    # ---------------------------------------------------------------- numbers: tolerance edges
    (N("2.50", tolerance_abs=0.01), "2.51", "correct", "correct"),
    (N("2.50", tolerance_abs=0.01), "2.49", "correct", "correct"),
    (N("2.50", tolerance_abs=0.01), "2.5101", "incorrect", "numeric_out_of_tolerance"),
    (N("2.50", tolerance_abs=0.01), "2.4899", "incorrect", "numeric_out_of_tolerance"),
    (N("2.50", tolerance_abs=0.01), "-2.5", "incorrect", "sign_error"),
    (N("100", tolerance_rel=0.05), "105", "correct", "correct"),
    (N("100", tolerance_rel=0.05), "95", "correct", "correct"),
    (N("100", tolerance_rel=0.05), "105.01", "incorrect", "numeric_out_of_tolerance"),
    (N("100", tolerance_rel=0.05), "94.99", "incorrect", "numeric_out_of_tolerance"),
    (N("100", tolerance_abs=1.0, tolerance_rel=0.05), "104", "correct", "correct"),
    (N("1", tolerance_abs=0.5, tolerance_rel=0.01), "1.4", "correct", "correct"),
    (N("1", tolerance_abs=0.5, tolerance_rel=0.01), "1.6", "incorrect", "numeric_out_of_tolerance"),
    (N("3.14159", tolerance_abs=0.002), "22/7", "correct", "correct"),
    (N("3.14159", tolerance_abs=0.001), "22/7", "incorrect", "numeric_out_of_tolerance"),
    (N("0", tolerance_abs=0.001), "0.001", "correct", "correct"),
    (N("0", tolerance_abs=0.001), "-0.0011", "incorrect", "numeric_out_of_tolerance"),
    # ---------------------------------------------------------------- numbers: precision
    (N("2.50", decimal_places=2), "2.50", "correct", "correct"),
    (N("2.50", decimal_places=2), "2.5", "incorrect", "wrong_precision"),
    (N("2.50", decimal_places=2), "2.500", "incorrect", "wrong_precision"),
    (N("2.50", decimal_places=2), "5/2", "incorrect", "wrong_precision"),
    (N("2.50", decimal_places=2), "2.51", "incorrect", "incorrect"),
    (N("3.14159", decimal_places=2), "3.14", "correct", "correct"),
    (N("3.14159", decimal_places=2), "3.1416", "incorrect", "wrong_precision"),
    (N("3.14159", decimal_places=2), "3.1", "incorrect", "wrong_precision"),
    (N("3.14159", decimal_places=2), "3.15", "incorrect", "incorrect"),
    (N("2.50", significant_figures=3), "2.50", "correct", "correct"),
    (N("2.50", significant_figures=3), "2.5", "incorrect", "wrong_precision"),
    (N("0.00250", significant_figures=3), "0.00250", "correct", "correct"),
    (N("0.00250", significant_figures=3), "0.0025", "incorrect", "wrong_precision"),
    (N("2500", significant_figures=2), "2500", "correct", "correct"),
    (N("2500", significant_figures=4), "2500", "correct", "correct"),
    (N("2500", significant_figures=3), "2500.0", "incorrect", "wrong_precision"),
    (N("1234.5", significant_figures=2), "1200", "correct", "correct"),
    (N("2.50", tolerance_abs=0.005, decimal_places=2), "2.505", "incorrect", "wrong_precision"),
    (N("2.50", tolerance_abs=0.005, decimal_places=2), "2.49", "incorrect", "numeric_out_of_tolerance"),
    (N("2.50", tolerance_abs=0.01, decimal_places=2), "2.49", "correct", "correct"),
    # ---------------------------------------------------------------- expressions: equivalence
    (E("2x+2"), "2(x+1)", "correct", "correct"),
    (E("2x+2"), r"2\left(x+1\right)", "correct", "correct"),
    (E("2x+2"), r"2 \cdot (x + 1)", "correct", "correct"),
    (E("2x+2"), r"2 \times x + 2", "correct", "correct"),
    (E("2x+2"), "2×x+2", "correct", "correct"),
    (E("2x+2"), "2x+3", "incorrect", "incorrect"),
    (E("2x+2"), "-2x-2", "incorrect", "sign_error"),
    (E("x/2"), r"\frac{x}{2}", "correct", "correct"),
    (E("x/2"), "0.5x", "correct", "correct"),
    (E("x/2"), "1/2x", "correct", "correct"),
    (E("x/2"), "x÷2", "correct", "correct"),
    (E("x^2"), "x^{2}", "correct", "correct"),
    (E("x^2"), "x**2", "correct", "correct"),
    (E("x^2"), "x*x", "correct", "correct"),
    (E("x^2"), "x²", "correct", "correct"),
    (E("x^2"), "2x", "incorrect", "incorrect"),
    (E("sqrt(x)"), r"\sqrt{x}", "correct", "correct"),
    (E("sqrt(x)"), "x^(1/2)", "correct", "correct"),
    (E("sqrt(x)"), "√x", "correct", "correct"),
    (E("(x^2-1)/(x-1)"), "x+1", "correct", "correct"),
    (E("sin(x)^2+cos(x)^2"), "1", "correct", "correct"),
    (E(r"\sin^{2}x"), "1-cos(x)^2", "correct", "correct"),
    (E("e^(2x)"), r"\exp(x)^2", "correct", "correct"),
    # compared where both sides are real (docs/answer-checking.md): they agree wherever 2ln(x) is defined
    (E("ln(x^2)"), "2ln(x)", "correct", "correct"),
    (E("ln(x^2)"), "2ln(-x)", "correct", "correct"),
    (E("ln(x^2)"), "3ln(x)", "incorrect", "incorrect"),
    (E("|x|"), "sqrt(x^2)", "correct", "correct"),
    (E("x y"), "yx", "correct", "correct"),
    (E("a+b", variables=["a", "b"]), "b+a", "correct", "correct"),
    (E("3!"), "6", "correct", "correct"),
    (E(r"\pi r^2"), "pi*r^2", "correct", "correct"),
    (E(r"\theta + 1", variables=["\\theta"]), r"1+\theta", "correct", "correct"),
    (E("x+1"), "y = x + 1", "correct", "correct"),
    (E("x+1"), "x + 1 = 0", "invalid", "not_an_expression"),
    (E("x+1"), "x+", "invalid", "unparseable"),
    (E("x+1"), "(x+1", "invalid", "unparseable"),
    (E("x+1"), "x + 1)", "invalid", "unparseable"),
    (E("x+1"), r"\foo{x}", "invalid", "unparseable"),
    (E("x+1"), "x $ 1", "invalid", "unparseable"),
    (E("x+1"), "2 3", "invalid", "unparseable"),
    (E("x+1"), "1/0", "invalid", "division_by_zero"),
    (E("x+1"), "", "invalid", "empty_answer"),
    # ---------------------------------------------------------------- expressions: forms
    (E("(x-2)(x+3)", required_form="factored"), "(x+3)(x-2)", "correct", "correct"),
    (E("(x-2)(x+3)", required_form="factored"), "x^2+x-6", "incorrect", "equivalent_wrong_form"),
    (E("(x-2)(x+3)", required_form="factored"), "(x-2)(x+4)", "incorrect", "incorrect"),
    (E("2(x+2)(x-1)", required_form="factored"), "(2x+4)(x-1)", "incorrect", "equivalent_wrong_form"),
    (E("2(x+2)(x-1)", required_form="factored"), "2(x-1)(x+2)", "correct", "correct"),
    (E("(x-1)^2", required_form="factored"), "(x-1)^2", "correct", "correct"),
    (E("(x-1)^2", required_form="factored"), "(x^2-2x+1)", "incorrect", "equivalent_wrong_form"),
    (E("x^2+1", required_form="factored"), "x^2+1", "correct", "correct"),
    (E("x(x-1)(x+1)", required_form="factored"), "x(x^2-1)", "incorrect", "equivalent_wrong_form"),
    (E("x^2+5x+6", required_form="expanded"), "x^2+5x+6", "correct", "correct"),
    (E("x^2+5x+6", required_form="expanded"), "6+5x+x^2", "correct", "correct"),
    (E("x^2+5x+6", required_form="expanded"), "(x+2)(x+3)", "incorrect", "equivalent_wrong_form"),
    (E("2x+2", required_form="expanded"), "2(x+1)", "incorrect", "equivalent_wrong_form"),
    (E("x^2+2x+1", required_form="expanded"), "(x+1)^2", "incorrect", "equivalent_wrong_form"),
    (E("-x-1", required_form="expanded"), "-(x+1)", "incorrect", "equivalent_wrong_form"),
    (E("x+1", required_form="simplified"), "x+1", "correct", "correct"),
    (E("x+1", required_form="simplified"), "(x^2-1)/(x-1)", "incorrect", "equivalent_wrong_form"),
    (E("2x", required_form="simplified"), "x+x", "incorrect", "equivalent_wrong_form"),
    (E("2x+2", required_form="simplified"), "2(x+1)", "correct", "correct"),
    (E("1/x+1/y", required_form="single_fraction"), "(x+y)/(xy)", "correct", "correct"),
    (E("1/x+1/y", required_form="single_fraction"), r"\frac{x+y}{x y}", "correct", "correct"),
    (E("1/x+1/y", required_form="single_fraction"), "1/x+1/y", "incorrect", "equivalent_wrong_form"),
    (E("1/x+1/y", required_form="single_fraction"), "(x+y)/(x+y)", "incorrect", "incorrect"),
    (E("3/4", required_form="lowest_terms"), "3/4", "correct", "correct"),
    (E("3/4", required_form="lowest_terms"), r"\frac{6}{8}", "incorrect", "equivalent_wrong_form"),
    (E("3/4", required_form="lowest_terms"), "0.75", "incorrect", "equivalent_wrong_form"),
    (E("3/4", required_form="lowest_terms"), "-3/4", "incorrect", "sign_error"),
    (E("2", required_form="lowest_terms"), "2", "correct", "correct"),
    (E("(x+1)/(x-1)", required_form="lowest_terms"), "(x+1)/(x-1)", "correct", "correct"),
    (E("(x+1)/(x-1)", required_form="lowest_terms"), "(x+1)^2/(x^2-1)", "incorrect", "equivalent_wrong_form"),
    # ---------------------------------------------------------------- equations
    (EQ("x = 3"), "x=3", "correct", "correct"),
    (EQ("x = 3"), "x = 3", "correct", "correct"),
    (EQ("x = 3"), "3=x", "correct", "correct"),
    (EQ("x = 3"), "2x=6", "correct", "correct"),
    (EQ("x = 3"), r"\frac{x}{2}=\frac{3}{2}", "correct", "correct"),
    (EQ("x = 3"), "1/x = 1/3", "correct", "correct"),
    (EQ("x = 3"), "x = -3", "incorrect", "incorrect"),
    (EQ("x = 3"), "3", "invalid", "not_an_equation"),
    (EQ("x = 3"), "x > 3", "invalid", "not_an_equation"),
    (EQ("x = 3"), "x = ", "invalid", "unparseable"),
    (EQ("x = 2"), "(x-2)^2=0", "incorrect", "incorrect"),
    (EQ("x = 2"), "x^2 = 4", "incorrect", "incorrect"),
    (EQ("y = 2x + 1", variables=["x", "y"]), "2y = 4x + 2", "correct", "correct"),
    (EQ("y = 2x + 1", variables=["x", "y"]), "y - 2x = 1", "correct", "correct"),
    (EQ("y = 2x + 1", variables=["x", "y"]), "y = 2x - 1", "incorrect", "incorrect"),
    (EQ("x^2 - 5x + 6 = 0"), "(x-2)(x-3)=0", "correct", "correct"),
    # ---------------------------------------------------------------- inequalities
    (IN("x > 4"), "x>4", "correct", "correct"),
    (IN("x > 4"), "4<x", "correct", "correct"),
    (IN("x > 4"), "2x > 8", "correct", "correct"),
    (IN("x > 4"), "-x < -4", "correct", "correct"),
    (IN("x > 4"), "x<4", "incorrect", "wrong_inequality_direction"),
    (IN("x > 4"), "x >= 4", "incorrect", "wrong_strictness"),
    (IN("x > 4"), "x > 5", "incorrect", "incorrect"),
    (IN("x > 4"), "x = 4", "invalid", "not_an_inequality"),
    (IN(r"x \ge -4"), "x≥-4", "correct", "correct"),
    (IN(r"x \ge -4"), "x>=-4", "correct", "correct"),
    (IN(r"x \ge -4"), r"x \geq -4", "correct", "correct"),
    (IN(r"x \ge -4"), r"-4 \le x", "correct", "correct"),
    (IN(r"x \ge -4"), "x <= -4", "incorrect", "wrong_inequality_direction"),
    (IN(r"-1 < x \le 2"), "-1<x<=2", "correct", "correct"),
    (IN(r"-1 < x \le 2"), r"2 \ge x > -1", "correct", "correct"),
    (IN(r"-1 < x \le 2"), "-1<x<2", "incorrect", "wrong_strictness"),
    (IN("x^2 > 4"), "|x| > 2", "correct", "correct"),
    # ---------------------------------------------------------------- sets
    (S("-3", "2"), "{2, -3}", "correct", "correct"),
    (S("-3", "2"), r"\{-3, 2\}", "correct", "correct"),
    (S("-3", "2"), r"\left\{ -3, 2 \right\}", "correct", "correct"),
    (S("-3", "2"), "2, -3", "correct", "correct"),
    (S("-3", "2"), "x = 2 or x = -3", "correct", "correct"),
    (S("-3", "2"), "{2, -3, 2}", "correct", "correct"),
    (S("-3", "2"), "{2}", "incorrect", "missing_elements"),
    (S("-3", "2"), "{2, -3, 5}", "incorrect", "extra_elements"),
    (S("-3", "2"), "{2, 3}", "incorrect", "incorrect"),
    (S("1/2", "sqrt(2)"), r"\{\frac{1}{2}, \sqrt{2}\}", "correct", "correct"),
    (S("1/2"), "{0.5}", "correct", "correct"),
    (S(), r"\emptyset", "correct", "correct"),
    (S(), "{}", "correct", "correct"),
    (S("1"), "{1,,2}", "invalid", "unparseable"),
    (S("1"), "{1, x+}", "invalid", "unparseable"),
    # ---------------------------------------------------------------- lists
    (L("1", "1", "2", "3", "5"), "[1, 1, 2, 3, 5]", "correct", "correct"),
    (L("1", "1", "2", "3", "5"), "1, 1, 2, 3, 5", "correct", "correct"),
    (L("1", "1", "2", "3", "5"), "[1, 2, 1, 3, 5]", "incorrect", "wrong_order"),
    (L("1", "1", "2", "3", "5"), "[1, 2, 3, 5]", "incorrect", "missing_elements"),
    (L("1", "2"), "[1, 2, 3]", "incorrect", "extra_elements"),
    (L("1", "2", ordered=False), "[2, 1]", "correct", "correct"),
    (L("1", "1", ordered=False), "[1]", "incorrect", "missing_elements"),
    (L("(1, 2)", "(3, 4)"), "[(1, 2), (3, 4)]", "correct", "correct"),
    (L("(1, 2)", "(3, 4)"), "[(2, 1), (3, 4)]", "incorrect", "incorrect"),
    (L("x+1", "2x"), r"\left[1+x, x \cdot 2\right]", "correct", "correct"),
    # ---------------------------------------------------------------- intervals
    (I("(-2, 2)"), "(-2, 2)", "correct", "correct"),
    (I("(-2, 2)"), "( -2 , 2 )", "correct", "correct"),
    (I("(-2, 2)"), "[-2, 2]", "incorrect", "wrong_endpoints"),
    (I("(-2, 2]"), "(-2, 2)", "incorrect", "wrong_endpoints"),
    (I("(-2, 2]"), r"\left(-2, 2\right]", "correct", "correct"),
    (I("(-2, 2]"), "(-2, 3]", "incorrect", "incorrect"),
    (I(r"[0, \infty)"), r"[0, \infty)", "correct", "correct"),
    (I(r"[0, \infty)"), "[0, oo)", "correct", "correct"),
    (I(r"[0, \infty)"), "[0, ∞)", "correct", "correct"),
    (I(r"[0, \infty)"), r"[0, \infty]", "incorrect", "wrong_endpoints"),
    (I(r"[0, \infty)"), r"(0, \infty)", "incorrect", "wrong_endpoints"),
    (I(r"(-\infty, 1) \cup [3, \infty)"), r"(-\infty, 1) \cup [3, \infty)", "correct", "correct"),
    (I(r"(-\infty, 1) \cup [3, \infty)"), "[3, oo) U (-oo, 1)", "correct", "correct"),
    (I(r"(-\infty, 1) \cup [3, \infty)"), "(-oo, 1] U [3, oo)", "incorrect", "wrong_endpoints"),
    (I("[1/2, 1]"), r"[\frac{1}{2}, 1]", "correct", "correct"),
    (I("[1, 2]"), "x >= 1", "invalid", "not_an_interval"),
    (I("[1, 2]"), "[1, x]", "invalid", "unparseable"),
    # ---------------------------------------------------------------- multiple choice
    (MC, "a", "correct", "correct"),
    (MC, " A ", "correct", "correct"),
    (MC, "b", "incorrect", "wrong_choice"),
    (MC, "z", "invalid", "unknown_choice"),
    (MC, "a,b", "invalid", "too_many_choices"),
    (MCM, "a,c", "correct", "correct"),
    (MCM, "c, a", "correct", "correct"),
    (MCM, "a", "incorrect", "missing_choices"),
    (MCM, "a,b,c", "incorrect", "wrong_choice"),
    (MCM, "a,q", "invalid", "unknown_choice"),
    (MCM, "", "invalid", "empty_answer"),
    # ---------------------------------------------------------------- text
    (T, "Pythagoras", "correct", "correct"),
    (T, "  pythagoras.  ", "correct", "correct"),
    (T, "PYTHAGORAS   of\tSamos!", "correct", "correct"),
    (T, "Euclid", "incorrect", "incorrect"),
    (T, "Pythagora", "incorrect", "incorrect"),
    (TC, "NaCl", "correct", "correct"),
    (TC, "nacl", "incorrect", "incorrect"),
]


def _id(case: tuple) -> str:
    spec, answer = case[0], case[1]
    target = spec.get("value") or spec.get("elements") or spec.get("correct_ids") or spec.get("accepted_answers")
    return f"{spec['type']}:{target}:{answer!r}"[:80]


def test_enough_cases() -> None:
    assert len(CASES) >= 150
    assert {c[0]["type"] for c in CASES} == {
        "number", "expression", "equation", "inequality", "set", "list", "interval", "multiple_choice", "text"
    }


@pytest.mark.parametrize("case", CASES, ids=[_id(c) for c in CASES])
def test_answer_table(case: tuple) -> None:
    spec, answer, verdict, note = case
    result = check(spec, answer)
    assert (result.verdict, result.answer_note) == (verdict, note), result
    assert 0 <= result.score <= 1
    assert result.feedback
    if verdict == "correct":
        assert result.score == 1
    elif note != "equivalent_wrong_form":
        assert result.score == 0
    json.dumps(result.to_dict())  # JSON-able, parsed included


def test_wrong_form_scores_partial_credit() -> None:
    result = check(E("x^2+5x+6", required_form="expanded"), "(x+2)(x+3)")
    assert result.score == 0.5 and "expanded" in result.feedback


def test_same_as_question() -> None:
    spec = E("(x+1)^2", required_form="factored")
    result = check(spec, "x^2 + 2x + 1", question_expression="x^2+2x+1")
    assert result.answer_note == "same_as_question" and result.verdict == "incorrect"
    assert check(spec, "2x + x^2 + 1", question_expression="x^2+2x+1").answer_note == "same_as_question"
    assert check(spec, "(x+1)^2", question_expression="x^2+2x+1").answer_note == "correct"
    assert check(spec, "x^2 + 2x + 1").answer_note == "equivalent_wrong_form"


def test_verdict_fields() -> None:
    result = check(E("2x+2"), "2(x+1)")
    assert result.interpreted_as == r"2 \left(x + 1\right)"
    assert result.interpreted_mathml and result.interpreted_mathml.startswith("<math")
    assert result.parsed == {"kind": "expression", "sympy": "2*x + 2", "latex": r"2 \left(x + 1\right)"}
    with pytest.raises(Exception):
        result.verdict = "incorrect"  # type: ignore[misc]
    number = check(N("2.50", decimal_places=2), "2.50")
    assert number.parsed["raw"] == "2.50" and number.interpreted_as == "2.50"


def test_unparseable_feedback_says_what() -> None:
    result = check(E("x"), "x + @")
    assert result.answer_note == "unparseable" and "'@'" in result.feedback
    assert "not closed" in check(E("x"), "(x+1").feedback


def test_spec_is_validated() -> None:
    with pytest.raises(InvalidSpec):
        check({"type": "number", "value": "abc"}, "1")
    with pytest.raises(InvalidSpec):
        check({"type": "expression", "value": "x", "bogus": 1}, "x")
    with pytest.raises(InvalidSpec):
        check(E("2x+"), "x")
    from tutorassist.questions.contracts import ExpressionAnswer

    assert check(ExpressionAnswer(type="expression", value="x+1"), "1+x").verdict == "correct"


@pytest.mark.parametrize(
    ("answer", "answer_type", "latex"),
    [
        ("2(x+1)", "expression", r"2 \left(x + 1\right)"),
        (r"\frac{1}{2}", "expression", r"\frac{1}{2}"),
        ("1/2x", "expression", r"\frac{1}{2} x"),
        ("x^2", "expression", "x^{2}"),
        ("sqrt(x)", "expression", r"\sqrt{x}"),
        ("-x^2", "expression", "-x^{2}"),
        ("x>=3", "inequality", r"x \ge 3"),
        ("x = 3", "equation", "x = 3"),
        ("2.50", "number", "2.50"),
        ("-3/4", "number", r"-\frac{3}{4}"),
        ("{1, 2}", "set", r"\left\{1, 2\right\}"),
        ("[1, 2]", "list", r"\left[1, 2\right]"),
        ("(-2, 2]", "interval", r"\left(-2, 2\right]"),
    ],
)
def test_preview(answer: str, answer_type: str, latex: str) -> None:
    result = preview(answer, answer_type)
    assert result.ok and result.interpreted_as == latex, result
    assert result.interpreted_mathml


def test_preview_refusals() -> None:
    assert preview("x+", "expression").answer_note == "unparseable"
    assert preview("", "expression").answer_note == "empty_answer"
    assert preview("2x", "number").answer_note == "not_a_number"
    assert preview("9^9^9^9", "expression").answer_note == "too_complex"
    assert preview("Pythagoras", "text").ok


PATHOLOGICAL = [
    ("a" * 1_000_000, "too_long"),
    ("x+" * 1500 + "x", "too_long"),
    ("9^9^9^9", "too_complex"),
    ("9**9**9**9", "too_complex"),
    ("x^(10^10)", "too_complex"),
    ("(x+1)^(10^10)", "too_complex"),
    ("2^(2^(2^(2^(2^2))))", "too_complex"),
    ("10^100000", "too_complex"),
    ("(((((3!)!)!)!)!)", "too_complex"),
    ("1000000!", "too_complex"),
    ("(" * 10_000 + "x" + ")" * 10_000, "too_long"),
    ("(" * 500 + "x" + ")" * 500, "too_complex"),
    ("{" * 300 + "x" + "}" * 300, "too_complex"),
    ("-" * 1999 + "x", "too_complex"),
    ("x" + "^x" * 900, "too_complex"),
    ("9" * 1999, None),
]


@pytest.mark.parametrize(("answer", "note"), PATHOLOGICAL, ids=[f"{a[:15]}..{len(a)}" for a, _ in PATHOLOGICAL])
def test_pathological_inputs_are_refused_quickly(answer: str, note: str | None) -> None:
    started = time.monotonic()
    result = check(E("x+1"), answer)
    elapsed = time.monotonic() - started
    assert elapsed < 5, f"hang guard: took {elapsed:.1f}s"
    if note is None:
        assert result.verdict in ("incorrect", "invalid")
    else:
        assert (result.verdict, result.answer_note) == ("invalid", note)


def test_slow_sympy_work_times_out_and_the_pool_recovers() -> None:
    # legal per the size guard (exponent 1000), but expanding and simplifying it takes far longer than the limit
    slow = "(x+y+z+1)^300 = (x+y+z+2)^299"
    started = time.monotonic()
    result = check(EQ("x = 1"), slow, timeout=0.5)
    assert time.monotonic() - started < 5
    assert (result.verdict, result.answer_note) == ("invalid", "timeout")
    # the same size as an expression is refused at once: polynomials are compared exactly, first at a point
    result = check(E("(x+y+z+1)^1000"), "(x+y+z+1)^1000 - (x+y+z+2)^999", timeout=0.5)
    assert (result.verdict, result.answer_note) == ("incorrect", "incorrect")
    assert check(E("2x+2"), "2(x+1)").verdict == "correct"  # a fresh worker serves the next check


def test_typical_check_is_fast() -> None:
    POOL.warm()
    check(E("2x+2"), "2(x+1)")
    started = time.monotonic()
    for _ in range(20):
        check(E("2x+2"), "2(x+1)")
    per_check = (time.monotonic() - started) / 20
    assert per_check < 0.1, per_check  # typically ~3 ms; generous for loaded CI machines


# --------------------------------------------------------------------------------------------- CLI


def _cli(*args: str, stdin: str | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "tutorassist.cli.answers", "check", *args],
        capture_output=True, text=True, input=stdin, timeout=120,
    )


def test_cli_single() -> None:
    run = _cli("--spec", json.dumps(E("2x+2")), "--answer", "2(x+1)")
    assert run.returncode == 0, run.stderr
    verdict = json.loads(run.stdout)
    assert verdict["verdict"] == "correct" and verdict["answer_note"] == "correct"


def test_cli_invalid_spec_exits_2_without_traceback() -> None:
    run = _cli("--spec", '{"type": "expr"}', "--answer", "2")
    assert run.returncode == 2 and "invalid answer specification" in run.stderr
    assert "Traceback" not in run.stderr and not run.stdout
    run = _cli("--spec", "{not json", "--answer", "2")
    assert run.returncode == 2 and "not valid JSON" in run.stderr and "Traceback" not in run.stderr
    run = _cli("--answer", "2")
    assert run.returncode == 2


def test_cli_file(tmp_path) -> None:
    lines = [
        json.dumps({"spec": N("0.5"), "answer": "1/2"}),
        "this is not json",
        json.dumps({"spec": {"type": "number", "value": "x"}, "answer": "1"}),
        "",
        json.dumps({"spec": E("(x+1)^2", required_form="factored"), "answer": "x^2+2x+1",
                    "question_expression": "x^2+2x+1"}),
        json.dumps({"spec": S("1", "2"), "answer": "{2}"}),
    ]
    path = tmp_path / "answers.jsonl"
    path.write_text("\n".join(lines) + "\n")
    run = _cli("--file", str(path))
    assert run.returncode == 2
    assert "line 2: not valid JSON" in run.stderr and "line 3:" in run.stderr and "Traceback" not in run.stderr
    notes = [json.loads(line)["answer_note"] for line in run.stdout.splitlines()]
    assert notes == ["correct", "same_as_question", "missing_elements"]
    good = tmp_path / "good.jsonl"
    good.write_text(lines[0] + "\n")
    run = _cli("--file", str(good))
    assert run.returncode == 0 and json.loads(run.stdout)["verdict"] == "correct"
    assert _cli("--file", str(tmp_path / "missing.jsonl")).returncode == 2


def test_cli_file_reports_an_unexpected_error_on_one_line_and_goes_on(tmp_path) -> None:
    # a lone surrogate is valid JSON but cannot be written as UTF-8: the verdict of that line cannot be printed
    lines = [
        json.dumps({"spec": N("0.5"), "answer": "1/2"}),
        '{"spec": {"type": "expression", "value": "x"}, "answer": "x\\ud800"}',
        json.dumps({"spec": N("2.5", significant_figures=2), "answer": "1e999999"}),
        json.dumps({"spec": E("x"), "answer": "2(1,5)"}),
    ]
    path = tmp_path / "answers.jsonl"
    path.write_text("\n".join(lines) + "\n")
    run = subprocess.run(
        [sys.executable, "-m", "tutorassist.cli.answers", "check", "--file", str(path)],
        capture_output=True, text=True, timeout=120, env={**os.environ, "PYTHONIOENCODING": "utf-8"},
    )
    assert run.returncode == 1, run.stderr
    assert "Traceback" not in run.stderr and "line 2: unexpected error" in run.stderr
    out = [json.loads(line) for line in run.stdout.splitlines()]
    assert out[0]["answer_note"] == "correct"
    assert out[1]["line"] == 2 and "UnicodeEncodeError" in out[1]["error"]
    assert out[2]["answer_note"] == "too_complex" and out[3]["answer_note"] == "unparseable"
    bad_too = tmp_path / "bad.jsonl"
    bad_too.write_text(lines[1] + "\nnot json\n")
    assert _cli("--file", str(bad_too)).returncode == 2
