"""Expression answers: algebraic equivalence, then the required form.

Equivalence: see equivalence.py (exact for rational functions; elsewhere sampled where both sides are real, then
proved by sympy or by enough agreeing points). Decimals are exact rationals, so 0.5 and 1/2 are equivalent.

Forms (`required_form`), judged on the tree as typed (sympy would distribute `2(x+1)` on evaluation):
- factored: a product of factors (powers allowed) each irreducible over Q - a polynomial factor whose
  `factor_list` has a single factor of multiplicity 1 and no integer content (so `(2x+4)(x-1)` is not fully
  factored, `2(x+0.5)` and `24(x-1/4)` are); a sum with a fraction in it (`x(x-4+4/x)`) is not; other
  non-polynomial factors count as irreducible; an irreducible sum (`x^2+1`) is itself factored.
- expanded: no sum multiplied by anything (constants included: `(x+1)/2`, `2(x+1)`, `-(x+1)`) and no power of a sum
  with a positive integer exponent, anywhere; dividing by a non-constant is allowed.
- simplified: heuristic: the answer uses no more variable occurrences, then no more tree nodes, than the simplest of
  the target as written and `simplify(target)` (so `x+x` is not simplified but `2x` and `2(x+1)` are).
- single_fraction: no division at all, or one numerator over one denominator neither of which divides (a fraction
  in an exponent, `5^(3/2)`, is not a division).
- lowest_terms: a single fraction whose numerator and denominator have gcd 1 (polynomial gcd; integer gcd for
  numbers) and no decimal literals (`0.5` is not a fraction in lowest terms).
An equivalent answer in the wrong form scores FORM_PARTIAL_SCORE (0.5) with verdict `incorrect` and note
`equivalent_wrong_form`.
"""

from __future__ import annotations

from typing import Any

from tutorassist.learning.cas import parsing
from tutorassist.learning.cas.equivalence import equivalent
from tutorassist.learning.cas.parsing import Node
from tutorassist.learning.cas.verdict import Verdict, invalid, make

FORM_PARTIAL_SCORE = 0.5


class SpecError(ValueError):
    """The answer specification itself could not be parsed."""


class DivisionByZero(ValueError):
    pass


class NotAnExpression(ValueError):
    """An equation or inequality where an expression was expected."""


def evaluate(node: Node) -> Any:
    import sympy as sp

    value = parsing.to_sympy(node, evaluate=True)
    if value.has(sp.zoo, sp.nan) or (value.is_number and value.has(sp.oo, -sp.oo) and False):
        raise DivisionByZero()
    return value


# --------------------------------------------------------------------------------------------- forms


def _strip_neg(node: Node) -> Node:
    while node[0] == "neg":
        node = node[1]
    return node


def _is_const(node: Node) -> bool:
    kind = node[0]
    if kind in ("num", "const"):
        return True
    if kind == "sym":
        return False
    if kind == "neg":
        return _is_const(node[1])
    if kind in ("add", "mul"):
        return all(_is_const(c) for _, c in node[1])
    if kind == "pow":
        return _is_const(node[1]) and _is_const(node[2])
    if kind == "fact":
        return _is_const(node[1])
    if kind == "call":
        return all(_is_const(a) for a in node[2])
    return False


def _factors(node: Node) -> list[Node]:
    node = _strip_neg(node)
    if node[0] == "mul":
        out: list[Node] = []
        for _, child in node[1]:
            out.extend(_factors(child))
        return out
    if node[0] == "pow" and _is_const(node[2]):
        return _factors(node[1])
    return [node]


def is_factored(node: Node) -> bool:
    """Every factor irreducible over Q: a polynomial factor has one irreducible factor of multiplicity 1 and no
    integer content to pull out (`2x+4` is not factored; `x+0.5` and `x-1/4` are); a sum that is a rational function
    but no polynomial (`x-4+4/x`) is not a factor of a factored form."""
    import sympy as sp

    for factor in _factors(node):
        if _is_const(factor) or factor[0] in ("sym", "call", "fact"):
            continue
        expr = evaluate(factor)
        symbols = sorted(expr.free_symbols, key=str)
        if not symbols:
            continue
        if not expr.is_polynomial(*symbols):
            if _strip_neg(factor)[0] == "add" and expr.is_rational_function(*symbols):
                return False
            continue
        content, parts = sp.factor_list(expr)
        if abs(sp.Rational(content).p) != 1 or sum(m for _, m in parts) != 1:
            return False
    return True


def _has_sum_times_something(node: Node) -> bool:
    kind = node[0]
    if kind == "neg":
        if _strip_neg(node[1])[0] == "add":
            return True
        return _has_sum_times_something(node[1])
    if kind == "mul":
        numerators = [c for op, c in node[1] if op != "/"]
        if len(node[1]) > 1:
            for op, child in node[1]:
                if op != "/" and _strip_neg(child)[0] == "add":
                    if len(numerators) > 1 or all(_is_const(c) for o, c in node[1] if o == "/"):
                        return True
        return any(_has_sum_times_something(c) for _, c in node[1])
    if kind == "pow":
        base, exponent = _strip_neg(node[1]), node[2]
        if base[0] == "add" and exponent[0] == "num" and exponent[1].denominator == 1 and exponent[1] > 1:
            return True
        return _has_sum_times_something(node[1]) or _has_sum_times_something(node[2])
    if kind == "add":
        return any(_has_sum_times_something(c) for _, c in node[1])
    if kind == "call":
        return any(_has_sum_times_something(a) for a in node[2])
    if kind == "fact":
        return _has_sum_times_something(node[1])
    return False


def is_expanded(node: Node) -> bool:
    return not _has_sum_times_something(node)


def _has_division(node: Node) -> bool:
    kind = node[0]
    if kind == "mul":
        return any(op == "/" or _has_division(c) for op, c in node[1])
    if kind == "pow":
        exponent = node[2]
        negative = exponent[0] == "neg" or (exponent[0] == "num" and exponent[1] < 0)
        return negative or _has_division(node[1])  # 5^(3/2) divides nothing: an exponent is not a fraction bar
    if kind == "neg":
        return _has_division(node[1])
    if kind == "add":
        return any(_has_division(c) for _, c in node[1])
    if kind == "call":
        return any(_has_division(a) for a in node[2])
    if kind == "fact":
        return _has_division(node[1])
    return False


def _fraction_parts(node: Node) -> tuple[list[Node], list[Node]] | None:
    """Numerator and denominator factors of a single fraction, or None if it is not one."""
    node = _strip_neg(node)
    if not _has_division(node):
        return [node], []
    if node[0] != "mul":
        return None
    nums = [c for op, c in node[1] if op != "/"]
    dens = [c for op, c in node[1] if op == "/"]
    if len(dens) != 1 and not all(_is_const(d) for d in dens):
        return None
    if any(_has_division(c) for c in nums + dens):
        return None
    if len(dens) > 1:
        return None
    return nums, dens


def is_single_fraction(node: Node) -> bool:
    return _fraction_parts(node) is not None


def _has_decimal(node: Node) -> bool:
    if node[0] == "num":
        return "." in node[2]
    return any(_has_decimal(c) for c in _children(node))


def _children(node: Node) -> list[Node]:
    kind = node[0]
    if kind in ("add", "mul"):
        return [c for _, c in node[1]]
    if kind in ("neg", "fact"):
        return [node[1]]
    if kind == "pow":
        return [node[1], node[2]]
    if kind == "call":
        return list(node[2])
    if kind in ("tuple", "rel"):
        return list(node[1])
    return []


def is_lowest_terms(node: Node) -> bool:
    import sympy as sp

    if _has_decimal(node):
        return False
    parts = _fraction_parts(node)
    if parts is None:
        return False
    nums, dens = parts
    if not dens:
        return True
    numerator = sp.Mul(*[evaluate(n) for n in nums])
    denominator = sp.Mul(*[evaluate(d) for d in dens])
    if denominator.is_Integer and abs(denominator) == 1:
        return False
    return sp.gcd(numerator, denominator) in (1, -1)


def _measure(expr: Any) -> tuple[int, int]:
    import sympy as sp

    symbols = nodes = 0
    for sub in sp.preorder_traversal(expr):
        nodes += 1
        if sub.is_Symbol:
            symbols += 1
    return symbols, nodes


def is_simplified(node: Node, target: Any, target_node: Node) -> bool:
    import sympy as sp

    answer = parsing.to_sympy(node, evaluate=False)
    best = min(_measure(parsing.to_sympy(target_node, evaluate=False)), _measure(sp.simplify(target)))
    return _measure(answer) <= best


def form_ok(form: str | None, node: Node, target: Any, target_node: Node) -> bool:
    if form is None:
        return True
    if form == "factored":
        return is_factored(node)
    if form == "expanded":
        return is_expanded(node)
    if form == "simplified":
        return is_simplified(node, target, target_node)
    if form == "single_fraction":
        return is_single_fraction(node)
    if form == "lowest_terms":
        return is_lowest_terms(node)
    raise ValueError(f"unknown form {form}")


_FORM_NAMES = {
    "factored": "fully factored",
    "expanded": "expanded",
    "simplified": "simplified",
    "single_fraction": "a single fraction",
    "lowest_terms": "a fraction in lowest terms",
}


# --------------------------------------------------------------------------------------------- check


def parse_expression(text: str, variables: list[str]) -> Node:
    """Parse an expression answer; `y = ...` / `f(x) = ...` prefixes with a single variable on the left are dropped."""
    node = parsing.parse(text, variables)
    if node[0] == "rel":
        items, ops = node[1], node[2]
        if ops == ["="] and items[0][0] == "sym":
            return items[1]
        raise NotAnExpression("an expression was expected, not an equation or inequality")
    return node


def parse_target(text: str, variables: list[str]) -> Node:
    try:
        return parse_expression(text, variables)
    except Exception as exc:
        raise SpecError(f"the specification's value {text!r} could not be parsed: {exc}") from exc


def check(spec: dict, answer: str, question_expression: str | None = None) -> Verdict:
    variables = list(spec.get("variables") or [])
    target_node = parse_target(spec["value"], variables)
    target = evaluate(target_node)
    try:
        node = parse_expression(answer, variables)
    except NotAnExpression:
        return invalid("not_an_expression")
    except parsing.ParseError as exc:
        return invalid("unparseable", f"Your answer could not be understood: {exc}.")
    latex = parsing.latex_of(node)
    try:
        value = evaluate(node)
    except DivisionByZero:
        return invalid("division_by_zero")
    parsed = {"kind": "expression", "sympy": str(value), "latex": latex}

    def out(verdict: str, note: str, score: float | None = None, feedback: str | None = None) -> Verdict:
        return make(verdict, note, score=score, latex=latex, parsed=parsed, feedback=feedback)  # type: ignore[arg-type]

    if question_expression:
        question_node = parse_target(question_expression, variables)
        if parsing.canon(node) == parsing.canon(question_node) and parsing.canon(node) != parsing.canon(target_node):
            return out("incorrect", "same_as_question")
    if equivalent(value, target):
        form = spec.get("required_form")
        if form_ok(form, node, target, target_node):
            return out("correct", "correct")
        return out(
            "incorrect", "equivalent_wrong_form", FORM_PARTIAL_SCORE,
            f"Your answer is equivalent, but it should be {_FORM_NAMES[form]}.",  # type: ignore[index]
        )
    if target != 0 and equivalent(value, -target):
        return out("incorrect", "sign_error")
    return out("incorrect", "incorrect")
