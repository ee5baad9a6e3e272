"""Regressions of the answer checker's hardening (issue 8): inputs that used to raise, scientific notation,
function names, the soundness of equivalence, forms, and preview agreeing with grading. No database."""

from __future__ import annotations

import pytest

from tutorassist.learning.cas import check, preview

E = lambda v, **kw: {"type": "expression", "value": v, **kw}  # noqa: E731
N = lambda v, **kw: {"type": "number", "value": v, **kw}  # noqa: E731
SPECS = {
    "number": N("2.5"),
    "expression": E("x+1"),
    "equation": {"type": "equation", "value": "x = 3"},
    "inequality": {"type": "inequality", "value": "x > 4"},
    "set": {"type": "set", "elements": ["1", "2"]},
    "list": {"type": "list", "elements": ["1", "2"]},
    "interval": {"type": "interval", "value": "(0, 1]"},
}

HUGE_AND_TINY = ["1e999999", "1e-400", "-1e999999", "1E+99999999999", "6.02e1001", "10^999999", "1e-999999"]


@pytest.mark.parametrize("answer_type", sorted(SPECS))
@pytest.mark.parametrize("number", HUGE_AND_TINY)
def test_huge_and_tiny_exponents_never_raise(answer_type: str, number: str) -> None:
    answer = {
        "equation": f"x = {number}", "inequality": f"x > {number}", "set": f"{{{number}, 2}}",
        "list": f"[1, {number}]", "interval": f"(0, {number})",
    }.get(answer_type, number)
    result = check(SPECS[answer_type], answer)
    assert result.feedback and result.verdict in ("incorrect", "invalid")
    if result.verdict == "invalid":
        assert result.answer_note == "too_complex" and "too" in result.feedback
    shown = preview(answer, answer_type)
    assert shown.ok == (result.verdict != "invalid")


def test_exponents_within_the_limit_are_numbers() -> None:
    assert check(N("1e-400"), "1e-400").verdict == "correct"
    assert check(N("1e-400"), "0.1e-399").verdict == "correct"
    assert check(N("1e1000"), "1e1000").verdict == "correct"
    assert check(N("1"), "1e1001").answer_note == "too_complex"


@pytest.mark.parametrize("answer", ["1e28", "1e30", "-7.5e250", "1e1000", "1e-400", "123456789012345678901234567890123"])
@pytest.mark.parametrize("precision", [{"significant_figures": 2}, {"decimal_places": 2}, {"significant_figures": 9}])
def test_precision_rounding_of_huge_wrong_answers(answer: str, precision: dict) -> None:
    result = check(N("2.5", **precision), answer)
    assert (result.verdict, result.answer_note) == ("incorrect", "incorrect")


@pytest.mark.parametrize(("spec", "answer", "note"), [
    (N("1.2e28", significant_figures=2), "1.2e28", "correct"),
    (N("12345678901234567890123456789.5", decimal_places=0), "12345678901234567890123456790", "correct"),
    (N("12345678901234567890123456789.5", significant_figures=29), "12345678901234567890123456790", "correct"),
    (N("2.45", decimal_places=1), "2.5", "correct"),
    (N("-2.45", decimal_places=1), "-2.5", "correct"),
    (N("0.000123456", significant_figures=3), "0.000123", "correct"),
])
def test_exact_rounding_to_a_precision(spec: dict, answer: str, note: str) -> None:
    assert check(spec, answer).answer_note == note


TUPLES_IN_ARITHMETIC = ["2(1,5)", "(1,2)+1", "sin((1,2))", "(1,2)^2", "-(1,2)", "|(1,2)|", "x=(1,2)", "sqrt{(1,2)}",
                        r"\frac{(1,2)}{2}", "(1,2)!", "2^(1,2)"]


@pytest.mark.parametrize("answer_type", sorted(SPECS))
@pytest.mark.parametrize("answer", TUPLES_IN_ARITHMETIC)
def test_a_comma_list_inside_arithmetic_is_refused_with_a_message(answer_type: str, answer: str) -> None:
    if answer == "x=(1,2)" and answer_type in ("set", "list"):
        answer = "x=(1,2)+1"  # `x = (1, 2)` is an element (a point) of a set or list
    result = check(SPECS[answer_type], answer)
    assert result.verdict == "invalid", result
    shown = preview(answer, answer_type)
    assert not shown.ok
    assert shown.answer_note == result.answer_note
    if result.answer_note == "unparseable":
        assert "cannot be used in a calculation" in result.feedback


def test_a_point_is_still_a_point() -> None:
    assert check(E("(1, 2)"), "(1,2)").verdict == "correct"
    assert check({"type": "list", "elements": ["(1, 2)", "(3, 4)"]}, "[(1, 2), (3, 4)]").verdict == "correct"
    assert preview("(1, 2)", "expression").ok


# --------------------------------------------------------------------------------------------- scientific notation


@pytest.mark.parametrize(("spec", "answer", "verdict"), [
    (E("602000000000000000000000"), "6.02e23", "correct"),
    (E("6.02*10^23"), "6.02E23", "correct"),
    (E("x/1000"), "1e-3x", "correct"),
    (E("1.6e-19 q"), "1.6*10^(-19) q", "correct"),
    (E("6.02 e 23"), "6.02e23", "incorrect"),  # the target is 6.02·e·23 spaced out; the answer is a number
    (E("6.02 * e * 23", variables=["e"]), "6.02e23", "correct"),  # e declared: e is a variable
    (E("2e"), "2e", "correct"),  # no digits after e: Euler's number
    (E("2*e + 3"), "2e + 3", "correct"),
])
def test_scientific_notation_in_expressions(spec: dict, answer: str, verdict: str) -> None:
    assert check(spec, answer).verdict == verdict


def test_scientific_notation_is_shown_as_a_power_of_ten() -> None:
    assert preview("6.02e23", "expression").interpreted_as == r"6.02 \times 10^{23}"


# --------------------------------------------------------------------------------------------- function names


@pytest.mark.parametrize(("target", "answer"), [
    ("csc(3x)", "cosec(3x)"),
    ("1/sin(3x)", "cosec(3x)"),
    ("1/cos(x)", "sec(x)"),
    ("cos(x)/sin(x)", "cot(x)"),
    ("(exp(x)-exp(-x))/2", "sinh(x)"),
    ("(exp(x)+exp(-x))/2", "cosh(x)"),
    ("sinh(x)/cosh(x)", "tanh(x)"),
    ("log(x+sqrt(x^2+1))", "asinh(x)"),
    ("asinh(x)", "arsinh(x)"),
    ("asinh(x)", "arcsinh(x)"),
    ("acosh(x)", "arcosh(x)"),
    ("atanh(x)", "artanh(x)"),
    ("asin(x)", "arcsin(x)"),
    ("atan(x)", r"\arctan x"),
    ("asinh(x)", r"\operatorname{arsinh}(x)"),
    ("exp(x)", "e^x"),
    ("sqrt(x)", "x^(1/2)"),
    ("abs(x)", "|x|"),
    ("ln(x)", "log(x)"),
])
def test_function_names(target: str, answer: str) -> None:
    result = check(E(target), answer)
    assert result.verdict == "correct", result


@pytest.mark.parametrize("answer", ["foo(x)", "cosx(2)", "sinus(x)", "ab(x+1)"])
def test_an_unknown_function_name_is_refused(answer: str) -> None:
    result = check(E("x"), answer)
    assert (result.verdict, result.answer_note) == ("invalid", "unparseable")
    assert "not a function" in result.feedback
    assert not preview(answer, "expression").ok


def test_a_product_of_declared_variables_before_a_bracket() -> None:
    assert check(E("a*b*(x+1)", variables=["a", "b", "x"]), "ab(x+1)").verdict == "correct"
    assert check(E("a*b*(x+1)"), "ab*(x+1)").verdict == "correct"


@pytest.mark.parametrize(("answer", "note"), [("-(0.05)", "correct"), ("(-0.05)", "correct"),
                                               (r"-\left(0.05\right)", "correct"), ("-(-(-0.05))", "correct"),
                                               ("-(-0.05)", "sign_error"), ("(0.05", "unparseable")])
def test_a_bracketed_number_is_a_number(answer: str, note: str) -> None:
    assert check(N("-0.05"), answer).answer_note == note


# --------------------------------------------------------------------------------------------- soundness

DEGREE_13 = "+".join(f"{c}x^{k}" for k, c in enumerate([3, 1, 4, 1, 5, 9, 2, 6, 5, 3, 5, 8, 9, 7]))
DEGREE_13_OFF_BY_ONE = "+".join(f"{c}x^{k}" for k, c in enumerate([4, 1, 4, 1, 5, 9, 2, 6, 5, 3, 5, 8, 9, 7]))
DEGREE_13_FACTORED = "(x-1)(x-2)(x-3)(x-4)(x-5)(x-6)(x-7)(x-8)(x-9)(x-10)(x-11)(x-12)(x-13)"


@pytest.mark.parametrize(("target", "answer", "variables"), [
    ("x^2/3", "0.333333333333333x^2", None),
    ("x^2/3", "0.3333333333333333333333333333333333x^2", None),
    ("1/3", "0.333333333333333", None),
    ("sin(x)/3", "0.333333333333333333333 sin(x)", None),
    (DEGREE_13, DEGREE_13_OFF_BY_ONE, None),
    (DEGREE_13_FACTORED, DEGREE_13_FACTORED + "+1", None),
    ("a^(b c)", "(a^b)^c", ["a", "b", "c"]),
    ("x", "sqrt(x^2)", None),
    ("x^(1/3)", "x^(2/6)+10^(-40)", None),
    ("exp(x)", "exp(x)+exp(-100)", None),
    ("exp(x)", "exp(x)(1+10^(-45))", None),
    ("sin(x)", "sin(x)+sin(10^(-60))", None),
])
def test_never_equal_what_algebra_can_prove_different(target: str, answer: str, variables: list | None) -> None:
    spec = E(target, variables=variables) if variables else E(target)
    result = check(spec, answer)
    assert result.verdict == "incorrect", result


@pytest.mark.parametrize(("target", "answer", "variables"), [
    ("1/sqrt(x)", "sqrt(1/x)", None),
    ("sqrt(1/x)", "1/sqrt(x)", None),
    ("1", "sqrt(k/m)*sqrt(m/k)", ["k", "m"]),
    ("-log((1-x)/(x+1))", "log((x+1)/(1-x))", None),
    ("log((x+1)/(1-x))", "-log((1-x)/(x+1))", None),
    ("sqrt(x)*sqrt(y)", "sqrt(x y)", None),
    ("x", "(sqrt(x))^2", None),
    ("x^2/3", "x^2/3.0", None),
    (DEGREE_13_FACTORED, "".join(f"(x-{k})" for k in range(13, 0, -1)), None),
    (DEGREE_13_FACTORED, "-" + "".join(f"({k}-x)" for k in range(1, 14)), None),
    ("exp(x)", "exp(x)(1+10^(-45))-exp(x)/10^45", None),
    ("(x+10^50)^2", "x^2 + 2*10^50 x + 10^100", None),
    ("asin(x) + acos(x)", "pi/2", None),
    ("log(8)/log(2)", "3", None),
])
def test_equal_real_expressions_are_accepted(target: str, answer: str, variables: list | None) -> None:
    spec = E(target, variables=variables) if variables else E(target)
    result = check(spec, answer)
    assert result.verdict == "correct", result


# --------------------------------------------------------------------------------------------- forms


@pytest.mark.parametrize(("spec", "answer", "note"), [
    (E("2x+1", required_form="factored"), "2(x+0.5)", "correct"),
    (E("24x-6", required_form="factored"), "24(x-1/4)", "correct"),
    (E("6(4x-1)", required_form="factored"), "6(4x-1)", "correct"),
    (E("(x-2)^2", required_form="factored"), "x(x-4+4/x)", "equivalent_wrong_form"),
    (E("2x+4", required_form="factored"), "(2x+4)", "equivalent_wrong_form"),
    (E("5^(3/2)/x", required_form="single_fraction"), "5^(3/2)/x", "correct"),
    (E("5^(3/2)", required_form="single_fraction"), "5^(3/2)", "correct"),
    (E("x^(-1)+1", required_form="single_fraction"), "x^(-1)+1", "equivalent_wrong_form"),
    (E("1/x+1/y", required_form="single_fraction"), "(x+y)/(xy)", "correct"),
])
def test_forms(spec: dict, answer: str, note: str) -> None:
    assert check(spec, answer).answer_note == note


# --------------------------------------------------------------------------------------------- one kind verdict

WRONG_KIND = [
    ("number", "2x", "not_a_number"),
    ("number", "1/0", "division_by_zero"),
    ("expression", "x + 1 = 0", "not_an_expression"),
    ("expression", "1/(x-x)", "division_by_zero"),
    ("equation", "2", "not_an_equation"),
    ("equation", "x > 3", "not_an_equation"),
    ("equation", "x = 1/0", "division_by_zero"),
    ("inequality", "x = 4", "not_an_inequality"),
    ("inequality", "5", "not_an_inequality"),
    ("set", "{1,,2}", "unparseable"),
    ("set", "{1, x > 2}", "unparseable"),
    ("list", "[1, 1/0]", "unparseable"),
    ("interval", "x >= 1", "not_an_interval"),
    ("interval", "[1, x]", "unparseable"),
]


@pytest.mark.parametrize(("answer_type", "answer", "note"), WRONG_KIND)
def test_preview_and_grading_refuse_the_same_wrong_kind(answer_type: str, answer: str, note: str) -> None:
    graded = check(SPECS[answer_type], answer)
    shown = preview(answer, answer_type)
    assert (graded.verdict, graded.answer_note) == ("invalid", note)
    assert (shown.ok, shown.answer_note, shown.message) == (False, note, graded.feedback)


@pytest.mark.parametrize("answer_type", sorted(SPECS))
def test_preview_and_grading_accept_the_same_right_kind(answer_type: str) -> None:
    answer = {"number": "2.5", "expression": "x+1", "equation": "x = 3", "inequality": "x > 4", "set": "{1, 2}",
              "list": "[1, 2]", "interval": "(0, 1]"}[answer_type]
    assert check(SPECS[answer_type], answer).verdict == "correct"
    assert preview(answer, answer_type).ok
