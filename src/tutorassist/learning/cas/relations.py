"""Equation and inequality answers.

Equations: each side is moved to one side, D = lhs - rhs, and brought over a common denominator (`cancel`); the
answer is correct when the numerators differ by a non-zero constant factor. So `x = 3`, `3 = x`, `2x = 6`,
`x/2 = 3/2`, `1/x = 1/3` all match `x = 3`, and `2y = 4x + 2` matches `y = 2x + 1`; but a non-constant factor is not
allowed, so root multiplicity matters: `(x-2)^2 = 0` is NOT `x = 2`, and `x^2 = 4` is not `x = 2`. An answer with no
`=` (or with an inequality sign) is `not_an_equation` (invalid, so it does not cost an attempt).

Inequalities (also chains `-1 < x <= 2`): each comparison is normalised to `D > 0` or `D >= 0`; the answer is correct
when its comparisons match the target's one for one with a positive constant factor and the same strictness
(`x > 4` = `4 < x` = `2x > 8` = `-x < -4`). Matching with a negative factor is `wrong_inequality_direction`;
matching but with < instead of <= (or the reverse) is `wrong_strictness`. When that fails and one variable is
involved, the solution sets are compared (`x^2 > 4` = `|x| > 2`), with the same two diagnoses on the sets.
"""

from __future__ import annotations

from itertools import permutations
from typing import Any

from tutorassist.learning.cas import parsing
from tutorassist.learning.cas.expressions import DivisionByZero, SpecError, evaluate
from tutorassist.learning.cas.parsing import Node
from tutorassist.learning.cas.verdict import Verdict, invalid, make

_INEQ = {"<", ">", "<=", ">="}
_FLIP = {"<": ">", ">": "<", "<=": ">=", ">=": "<="}
_TOGGLE = {"<": "<=", "<=": "<", ">": ">=", ">=": ">"}


def _parse(text: str, variables: list[str]) -> Node:
    return parsing.parse(text, variables)


def _numerator(expr: Any) -> Any:
    import sympy as sp

    return sp.fraction(sp.cancel(sp.together(expr)))[0]


def _constant_ratio(a: Any, b: Any) -> Any:
    """a/b if it is a finite non-zero constant, else None."""
    import sympy as sp

    if b == 0:
        return None
    ratio = sp.cancel(a / b)
    if ratio.free_symbols and not ratio.is_rational_function():
        ratio = sp.simplify(ratio)
    if ratio.free_symbols or not ratio.is_number or ratio == 0 or ratio.has(sp.zoo, sp.nan, sp.oo):
        return None
    return ratio


def check_equation(spec: dict, answer: str) -> Verdict:
    variables = list(spec.get("variables") or [])
    try:
        target = _parse(spec["value"], variables)
        if target[0] != "rel" or target[2] != ["="]:
            raise ValueError("not an equation")
        dt = _numerator(evaluate(target[1][0]) - evaluate(target[1][1]))
    except Exception as exc:
        raise SpecError(f"the specification's equation {spec['value']!r} could not be parsed: {exc}") from exc
    try:
        node = _parse(answer, variables)
    except parsing.ParseError as exc:
        return invalid("unparseable", f"Your answer could not be understood: {exc}.")
    latex = parsing.latex_of(node)
    if node[0] != "rel" or node[2] != ["="]:
        return make("invalid", "not_an_equation", latex=latex)
    try:
        da = _numerator(evaluate(node[1][0]) - evaluate(node[1][1]))
    except DivisionByZero:
        return invalid("division_by_zero")
    parsed = {"kind": "equation", "lhs_minus_rhs": str(da), "latex": latex}
    if dt == 0:
        ok = da == 0
    else:
        ok = _constant_ratio(da, dt) is not None
    return make("correct" if ok else "incorrect", "correct" if ok else "incorrect", latex=latex, parsed=parsed)


def _atoms(node: Node) -> list[tuple[Any, bool, str, Any, Any]]:
    """(D, strict, op, lhs, rhs) for each comparison of a chain, D > 0 or D >= 0."""
    atoms = []
    for op, left, right in zip(node[2], node[1], node[1][1:]):
        lhs, rhs = evaluate(left), evaluate(right)
        d = lhs - rhs if op in (">", ">=") else rhs - lhs
        atoms.append((d, op in ("<", ">"), op, lhs, rhs))
    return atoms


def _match(answer: list, target: list) -> str | None:
    """`correct`, `wrong_inequality_direction` or `wrong_strictness` when the comparisons pair up, else None."""
    if len(answer) != len(target):
        return None
    best = None
    for perm in permutations(answer):
        signs, strict_same = [], True
        for a, t in zip(perm, target):
            ratio = _constant_ratio(a[0], t[0])
            if ratio is None:
                break
            signs.append(bool(ratio.is_positive))
            strict_same = strict_same and a[1] == t[1]
        else:
            if all(signs) and strict_same:
                return "correct"
            if not any(signs) and all(a[1] == t[1] for a, t in zip(perm, target)):
                best = "wrong_inequality_direction"
            elif all(signs):
                best = best or "wrong_strictness"
    return best


def _solution_set(atoms: list, ops: list[str], var: Any) -> Any:
    import sympy as sp
    from sympy.solvers.inequalities import solve_univariate_inequality

    rels = {"<": sp.Lt, ">": sp.Gt, "<=": sp.Le, ">=": sp.Ge}
    result = sp.S.Reals
    for (d, strict, op, lhs, rhs), use in zip(atoms, ops):
        result = sp.Intersection(result, solve_univariate_inequality(rels[use](lhs, rhs), var, relational=False))
    return result


def check_inequality(spec: dict, answer: str) -> Verdict:
    variables = list(spec.get("variables") or [])
    try:
        target = _parse(spec["value"], variables)
        if target[0] != "rel" or not set(target[2]) <= _INEQ:
            raise ValueError("not an inequality")
        t_atoms = _atoms(target)
    except Exception as exc:
        raise SpecError(f"the specification's inequality {spec['value']!r} could not be parsed: {exc}") from exc
    try:
        node = _parse(answer, variables)
    except parsing.ParseError as exc:
        return invalid("unparseable", f"Your answer could not be understood: {exc}.")
    latex = parsing.latex_of(node)
    if node[0] != "rel" or not set(node[2]) <= _INEQ:
        return make("invalid", "not_an_inequality", latex=latex)
    try:
        a_atoms = _atoms(node)
    except DivisionByZero:
        return invalid("division_by_zero")
    parsed = {"kind": "inequality", "latex": latex, "ops": list(node[2])}

    def out(note: str) -> Verdict:
        return make("correct" if note == "correct" else "incorrect", note, latex=latex, parsed=parsed)

    note = _match(a_atoms, t_atoms)
    if note is not None:
        return out(note)
    symbols = set().union(*(a[0].free_symbols for a in a_atoms + t_atoms))
    if len(symbols) == 1:
        (var,) = symbols
        try:
            t_set = _solution_set(t_atoms, [a[2] for a in t_atoms], var)
            a_ops = [a[2] for a in a_atoms]
            if _solution_set(a_atoms, a_ops, var) == t_set:
                return out("correct")
            if _solution_set(a_atoms, [_FLIP[o] for o in a_ops], var) == t_set:
                return out("wrong_inequality_direction")
            if _solution_set(a_atoms, [_TOGGLE[o] for o in a_ops], var) == t_set:
                return out("wrong_strictness")
        except (NotImplementedError, ValueError, TypeError):
            pass
    return out("incorrect")
