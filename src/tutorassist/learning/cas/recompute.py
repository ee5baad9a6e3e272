"""Recompute a generated question's answer with sympy and compare it with the answer its specification states: the
CAS check of `tutorassist.ai.verify` (see docs/ai-generation.md). Runs in the answer checker's worker process, under
its time limit, like `engine.check_payload`: plain data in and out.

The check is parsed with the checker's own parser (never `sympify`), solved, evaluated or differentiated, and the
stated answer compared with the checker's equivalence (within a number spec's tolerance), so `x = 2`, `{2}` and `2`
are the same answer to `2x + 3 = 7`.
"""

from __future__ import annotations

from typing import Any

from tutorassist.learning.cas import limits

__all__ = ["recompute_payload"]


class _Unusable(Exception):
    """The CasCheck itself is wrong (unparseable, the wrong shape): the candidate fails with this message."""


class _NotComputable(Exception):
    """The CAS cannot decide (no closed form, an answer type it cannot compare): answer_verified is None."""


def recompute_payload(check: dict, spec: dict) -> dict[str, Any]:
    """{"verified": True/False/None, "reason": str | None} for a CasCheck (as a dict) against a validated answer
    spec; "note" says why the CAS could not decide, "fault" names a sympy failure for the caller to log."""
    try:
        return _recompute(check, spec)
    except limits.Timeout:  # the inline mode's alarm: the caller reports the time limit
        raise
    except _Unusable as exc:  # refused, but the answer was not shown wrong: the check itself is unusable
        return {"verified": None, "reason": str(exc)}
    except _NotComputable as exc:
        return {"verified": None, "reason": None, "note": str(exc)}
    except (limits.TooComplex, limits.TooLong, RecursionError, MemoryError, OverflowError):
        return {"verified": None, "reason": "the CAS check is too complex to compute"}
    except Exception as exc:  # a sympy failure on a legal input: not computable, and logged by the caller
        return {"verified": None, "reason": None, "fault": f"{type(exc).__name__}: {exc}"[:500]}


def _parse(text: str, variables: list[str], what: str) -> Any:
    from tutorassist.learning.cas import parsing

    limits.check_length(text)
    limits.check_nesting(text)
    try:
        node = parsing.parse(text, variables)
    except parsing.ParseError as exc:
        raise _Unusable(f"{what} {text!r} could not be parsed: {exc}") from None
    parsing.check_size(node)
    return node


def _value(node: Any, what: str) -> Any:
    from tutorassist.learning.cas.expressions import DivisionByZero, evaluate

    try:
        return evaluate(node)
    except DivisionByZero:
        raise _Unusable(f"{what} divides by zero") from None


def _shown(value: Any) -> str:
    return str(value).replace("**", "^")


def _stated_values(spec: dict, variables: list[str]) -> list[Any]:
    """The values a spec states as the answer (one for a number or expression, several for a set or list)."""
    import sympy as sp

    kind = spec["type"]
    if kind == "number":
        from fractions import Fraction

        exact = Fraction(spec["value"])  # the contract allows only decimal strings here
        return [sp.Rational(exact.numerator, exact.denominator)]
    if kind == "expression":
        from tutorassist.learning.cas.expressions import parse_expression

        return [_value(parse_expression(spec["value"], variables), "the stated answer")]
    if kind == "equation":
        node = _parse(spec["value"], variables, "the stated answer")
        (left, right) = node[1]
        if left[0] == "sym" or right[0] == "sym":
            return [_value(right if left[0] == "sym" else left, "the stated answer")]
        raise _NotComputable("an equation that is not `variable = value`")
    if kind in ("set", "list"):
        from tutorassist.learning.cas import parsing

        values = []
        for element in spec["elements"]:
            item = parsing.collection_items(element, kind)
            node = _parse(item[0] if len(item) == 1 else element, variables, "the stated answer")
            if node[0] == "rel":
                if node[2] != ["="] or node[1][0][0] != "sym":
                    raise _NotComputable("an element that is a relation")
                node = node[1][1]
            values.append(_value(node, "the stated answer"))
        return values
    if kind == "multiple_choice":
        chosen = [c["latex"] for c in spec["choices"] if c["id"] in spec["correct_ids"]]
        return _stated_values({"type": "set", "elements": [c.strip().strip("$").strip() for c in chosen]}, variables)
    raise _NotComputable(f"a {kind} answer cannot be compared with a computed value")


def _tolerance(spec: dict, stated: Any) -> Any:
    """How far a number answer may be from the computed value (0: exactly equal)."""
    import sympy as sp

    if spec["type"] != "number":
        return 0
    allowed = [sp.Float(spec.get("tolerance_abs") or 0), sp.Float(spec.get("tolerance_rel") or 0) * abs(stated)]
    if spec.get("decimal_places") is not None:
        allowed.append(sp.Rational(1, 2) * sp.Rational(10) ** -spec["decimal_places"])
    if spec.get("significant_figures") is not None and stated != 0:
        magnitude = sp.floor(sp.log(abs(stated), 10))
        allowed.append(sp.Rational(1, 2) * sp.Rational(10) ** (magnitude - spec["significant_figures"] + 1))
    return max(allowed)


def _same(stated: Any, computed: Any, tolerance: Any = 0) -> bool:
    from tutorassist.learning.cas.equivalence import equivalent

    if tolerance:
        difference = (stated - computed).evalf(30)
        return bool(difference.is_number and abs(difference) <= tolerance)
    return equivalent(stated, computed)


def _stated_text(spec: dict) -> str:
    """The stated answer as reasons quote it: as a student would type it, a choice by its text."""
    kind = spec["type"]
    if kind in ("set", "list"):
        opener, closer = ("{", "}") if kind == "set" else ("[", "]")
        return opener + ", ".join(spec["elements"]) + closer
    if kind == "multiple_choice":
        return " and ".join(c["latex"] for c in spec["choices"] if c["id"] in spec["correct_ids"])
    if kind == "text":
        return spec["accepted_answers"][0]
    return spec["value"]


def _as_set_text(variables: list[str], solutions: list[Any]) -> str:
    if not solutions:
        return "no real solution"
    return " or ".join(f"{variables[0]} = {_shown(s)}" for s in solutions)


def _recompute(check: dict, spec: dict) -> dict[str, Any]:
    import sympy as sp

    from tutorassist.learning.cas import parsing

    kind, text, variables = check["kind"], check["expression"], list(check.get("variables") or [])
    variables = [name.lstrip("\\") for name in variables]  # `\theta` is the parser's symbol `theta`
    parts = [p.strip() for p in parsing.split_top_level(text, ";") if p.strip()]
    if not parts:
        raise _Unusable("the CAS check has no expression")
    nodes = [_parse(part, variables, "the CAS check") for part in parts]
    stated_text = _stated_text(spec)

    def result(ok: bool, message: str) -> dict[str, Any]:
        return {"verified": ok, "reason": None if ok else message}

    if kind in ("evaluate", "differentiate"):
        if len(nodes) != 1 or nodes[0][0] == "rel":
            raise _Unusable(f"to {kind}, the CAS check must be one expression, not {text!r}")
        value = _value(nodes[0], "the CAS check")
        stated = _stated_values(spec, variables)
        if len(stated) != 1:
            return result(False, f"the stated answer {stated_text} is not a single value")
        if kind == "evaluate":
            computed = value
            wrong = f"the stated answer {stated_text} is not the value of {text} ({_shown(computed)})"
        else:
            names = variables[:1] or sorted(str(s) for s in value.free_symbols)
            if len(names) != 1:
                raise _Unusable("the CAS check must name the variable to differentiate with respect to")
            computed = sp.diff(value, sp.Symbol(names[0]))
            wrong = (f"the stated answer {stated_text} is not the derivative of {text} with respect to {names[0]} "
                     f"({_shown(computed)})")
        return result(_same(stated[0], computed, _tolerance(spec, stated[0])), wrong)

    if any(node[0] != "rel" for node in nodes):
        raise _Unusable(f"to solve, the CAS check must be equations or inequalities, not {text!r}")
    names = variables or sorted({str(s) for node in nodes for side in node[1] for s in _value(side, "the CAS check").free_symbols})
    symbols = [sp.Symbol(name) for name in names]
    if any(op != "=" for node in nodes for op in node[2]):
        return _solve_inequality(nodes, symbols, spec, text, stated_text)
    equations = [_value(node[1][0], "the CAS check") - _value(node[1][1], "the CAS check") for node in nodes]
    if len(equations) == 1 and len(symbols) == 1:
        solutions = sp.solveset(equations[0], symbols[0], domain=sp.S.Reals)
        if solutions != sp.S.EmptySet and not isinstance(solutions, sp.FiniteSet):
            raise _NotComputable("the equation has no finite set of real solutions in closed form")
        computed = sorted(solutions, key=sp.default_sort_key) if solutions != sp.S.EmptySet else []
        stated = _stated_values(spec, variables)
        missing = [c for c in computed if not any(_same(s, c) for s in stated)]
        extra = [s for s in stated if not any(_same(s, c) for c in computed)]
        if not missing and not extra:
            return result(True, "")
        verb = "misses a solution of" if not extra else "does not solve"
        return result(False, f"the stated answer {stated_text} {verb} {text} ({_as_set_text(names, computed)})")
    found = sp.solve(equations, symbols, dict=True)
    if len(found) != 1 or set(found[0]) != set(symbols):
        raise _NotComputable("the system has no unique solution")
    computed = [found[0][s] for s in symbols]
    stated = _stated_values(spec, variables)
    if spec["type"] == "list" and spec.get("ordered", True):
        ok = len(stated) == len(computed) and all(_same(s, c) for s, c in zip(stated, computed))
    else:
        ok = len(stated) == len(computed) and all(any(_same(s, c) for s in stated) for c in computed)
    expected = ", ".join(f"{n} = {_shown(c)}" for n, c in zip(names, computed))
    return result(ok, f"the stated answer {stated_text} does not solve {text} ({expected})")


def _solve_inequality(nodes: list, symbols: list, spec: dict, text: str, stated_text: str) -> dict[str, Any]:
    import sympy as sp
    from sympy.solvers.inequalities import solve_univariate_inequality

    from tutorassist.learning.cas import collections

    if len(nodes) != 1 or len(symbols) != 1 or "=" in nodes[0][2]:
        raise _Unusable("to solve an inequality, the CAS check must be one inequality in one variable")
    relations = {"<": sp.Lt, ">": sp.Gt, "<=": sp.Le, ">=": sp.Ge}

    def solution_set(node: Any) -> Any:
        result = sp.S.Reals
        for op, left, right in zip(node[2], node[1], node[1][1:]):
            relation = relations[op](_value(left, "the inequality"), _value(right, "the inequality"))
            result = sp.Intersection(result, solve_univariate_inequality(relation, symbols[0], relational=False))
        return result

    computed = solution_set(nodes[0])
    if spec["type"] == "inequality":
        stated_node = _parse(spec["value"], [str(symbols[0])], "the stated answer")
        if stated_node[0] != "rel" or "=" in stated_node[2]:
            raise _Unusable(f"the stated answer {stated_text} is not an inequality")
        stated = solution_set(stated_node)
    elif spec["type"] == "interval":
        stated = sp.Union(*[sp.Interval(lo, hi, not lc, not hc)
                            for lo, hi, lc, hc, _ in collections.parse_intervals(spec["value"])])
    else:
        raise _NotComputable(f"a {spec['type']} answer cannot be compared with the solution of an inequality")
    ok = computed == stated or sp.Complement(computed, stated) == sp.Complement(stated, computed) == sp.S.EmptySet
    return {"verified": bool(ok), "reason": None if ok else
            f"the stated answer {stated_text} does not solve {text} ({_set_text(computed, str(symbols[0]))})"}


def _set_text(solutions: Any, name: str) -> str:
    """`x > 4`, `-2 < x <= 3`, `no real solution`, or sympy's words for anything else."""
    import sympy as sp

    if solutions == sp.S.EmptySet:
        return "no real solution"
    if solutions == sp.S.Reals:
        return f"every real {name}"
    if isinstance(solutions, sp.Interval):
        low, high = solutions.start, solutions.end
        left = "" if low == -sp.oo else f"{_shown(low)} {'<' if solutions.left_open else '<='} "
        right = "" if high == sp.oo else f" {'<' if solutions.right_open else '<='} {_shown(high)}"
        if not left:
            return f"{name}{right}"
        if not right:
            return f"{name} {'>' if solutions.left_open else '>='} {_shown(low)}"
        return f"{left}{name}{right}"
    return _shown(solutions)
