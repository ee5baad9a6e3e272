"""Expression answers: algebraic equivalence, then the required form.

Equivalence: the difference a - t is first evaluated at a few fixed rational points of mixed sign (30 digits); a
clear non-zero value there proves non-equivalence quickly. Otherwise the difference is confirmed to be zero by
`expand`, `cancel` and then `simplify`; when those are inconclusive the numeric spot check (zero at every point
where both sides are defined) decides. Decimals are exact rationals, so 0.5 and 1/2 are equivalent.

Forms (`required_form`), judged on the tree as typed (sympy would distribute `2(x+1)` on evaluation):
- factored: a product of factors (powers allowed) each irreducible over Q - a polynomial factor whose
  `factor_list` has a single factor of multiplicity 1 and content ±1 (so `(2x+4)(x-1)` is not fully factored);
  non-polynomial factors count as irreducible; an irreducible sum (`x^2+1`) is itself factored.
- expanded: no sum multiplied by anything (constants included: `(x+1)/2`, `2(x+1)`, `-(x+1)`) and no power of a sum
  with a positive integer exponent, anywhere; dividing by a non-constant is allowed.
- simplified: heuristic: the answer uses no more variable occurrences, then no more tree nodes, than the simplest of
  the target as written and `simplify(target)` (so `x+x` is not simplified but `2x` and `2(x+1)` are).
- single_fraction: no division at all, or one numerator over one denominator neither of which divides.
- lowest_terms: a single fraction whose numerator and denominator have gcd 1 (polynomial gcd; integer gcd for
  numbers) and no decimal literals (`0.5` is not a fraction in lowest terms).
An equivalent answer in the wrong form scores FORM_PARTIAL_SCORE (0.5) with verdict `incorrect` and note
`equivalent_wrong_form`.
"""

from __future__ import annotations

from fractions import Fraction
from typing import Any

from tutorassist.learning.cas import parsing
from tutorassist.learning.cas.parsing import Node
from tutorassist.learning.cas.verdict import Verdict, invalid, make

FORM_PARTIAL_SCORE = 0.5
_POINTS = 5
_SAMPLES = [Fraction(n, d) for n, d in ((-137, 100), (61, 100), (223, 100), (-29, 100), (171, 100), (-257, 100),
                                         (43, 100), (311, 100))]
"""Fixed sample points, mixed signs (so `ln(x^2)` and `2 ln(x)` differ at a negative point); reproducible."""


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


def _is_small(value: Any, scale: float) -> bool | None:
    try:
        c = complex(value)
    except (TypeError, ValueError):
        return None
    if c != c or abs(c) == float("inf"):
        return None
    return abs(c) <= 1e-9 * (1.0 + scale)


def numeric_zero(diff: Any, a: Any, b: Any) -> bool | None:
    """True if diff is ~0 at every valid sample point, False if clearly non-zero at one, None if never defined."""
    import sympy as sp

    symbols = sorted(diff.free_symbols | a.free_symbols | b.free_symbols, key=str)
    valid = 0
    for i in range(len(_SAMPLES)):
        subs = {s: sp.Rational(*_SAMPLES[(i + 3 * j) % len(_SAMPLES)].as_integer_ratio()) for j, s in enumerate(symbols)}
        try:
            d = diff.evalf(30, subs=subs)
            scale_value = a.evalf(15, subs=subs)
            scale = abs(complex(scale_value))
        except (TypeError, ValueError, ZeroDivisionError, OverflowError):
            continue
        small = _is_small(d, scale if scale == scale and scale != float("inf") else 0.0)
        if small is None:
            continue
        if not small:
            return False
        valid += 1
        if valid >= _POINTS or not symbols:
            return True
    return True if valid else None


def equivalent(a: Any, b: Any) -> bool:
    import sympy as sp

    if a == b:
        return True
    if isinstance(a, sp.Tuple) or isinstance(b, sp.Tuple):
        return (
            isinstance(a, sp.Tuple) and isinstance(b, sp.Tuple) and len(a) == len(b)
            and all(equivalent(x, y) for x, y in zip(a, b))
        )
    if a.has(sp.oo, -sp.oo) or b.has(sp.oo, -sp.oo):
        return bool(a == b)
    diff = a - b
    if diff == 0:
        return True
    if diff.is_Rational:
        return False
    numeric = numeric_zero(diff, a, b)
    if numeric is False:
        return False
    for transform in (sp.expand, sp.cancel, sp.simplify):
        try:
            if transform(diff) == 0:
                return True
        except Exception:
            continue
    return numeric is True


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
    import sympy as sp

    for factor in _factors(node):
        if _is_const(factor) or factor[0] in ("sym", "call", "fact"):
            continue
        expr = evaluate(factor)
        try:
            poly_ok = expr.is_polynomial(*expr.free_symbols) and expr.free_symbols
        except Exception:
            poly_ok = False
        if not poly_ok:
            continue
        content, parts = sp.factor_list(expr)
        if abs(content) != 1 or sum(m for _, m in parts) != 1:
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
        return negative or _has_division(node[1]) or _has_division(node[2])
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
