"""The size guard (`check_size`: huge exponents, factorials and numbers are refused before anything is evaluated)
and the conversion of a tree to sympy (`to_sympy`)."""

from __future__ import annotations

import math
from fractions import Fraction
from typing import Any

from tutorassist.learning.cas import limits
from tutorassist.learning.cas.tokens import FUNCTIONS

Node = tuple


def _digits(value: Fraction) -> int:
    """Decimal digits of the larger of numerator and denominator, from the bit length (never converting the number to
    a string: Python refuses that beyond 4,300 digits, and it is quadratic)."""
    bits = max(abs(value.numerator).bit_length(), value.denominator.bit_length())
    return math.floor(bits * math.log10(2)) + 1


def check_size(node: Node) -> Fraction | None:
    """Walk the tree before anything is evaluated: return the exact rational value of constant subtrees (None for
    anything symbolic or irrational) and raise limits.TooComplex for huge exponents, factorials or numbers."""
    kind = node[0]
    if kind == "num":
        if _digits(node[1]) > limits.MAX_DIGITS:
            raise limits.TooComplex("number too long")
        return node[1]
    if kind in ("sym", "const"):
        return None
    if kind == "neg":
        value = check_size(node[1])
        return None if value is None else -value
    if kind == "add":
        values = [check_size(child) for _, child in node[1]]
        if any(v is None for v in values):
            return None
        total = sum((v if s == "+" else -v for (s, _), v in zip(node[1], values)), Fraction(0))
        return total
    if kind == "mul":
        values = [check_size(child) for _, child in node[1]]
        if any(v is None for v in values):
            constants = [v for v in values if v is not None and v != 0]
            if sum(_digits(v) for v in constants) > limits.MAX_DIGITS:  # the numeric coefficient alone is too big
                raise limits.TooComplex("number too large")
            return None
        result = Fraction(1)
        for (op, _), v in zip(node[1], values):
            if op == "/":
                if v == 0:
                    return None
                result /= v
            else:
                result *= v
            if _digits(result) > limits.MAX_DIGITS:
                raise limits.TooComplex("number too large")
        return result
    if kind == "pow":
        base = check_size(node[1])
        exponent = check_size(node[2])
        if exponent is None:
            return None
        if abs(exponent) > limits.MAX_EXPONENT:
            if base is not None and base in (0, 1) and exponent > 0:
                return base
            raise limits.TooComplex("exponent too large")
        if base is None or exponent.denominator != 1:
            return None
        if base == 0 and exponent < 0:
            return None
        if base != 0 and abs(exponent) * _digits(base) > limits.MAX_DIGITS:
            raise limits.TooComplex("power too large")
        return base ** int(exponent)
    if kind == "fact":
        value = check_size(node[1])
        if value is None:
            return None
        if value.denominator != 1 or value < 0:
            return None
        if value > limits.MAX_FACTORIAL:
            raise limits.TooComplex("factorial too large")
        return Fraction(math.factorial(int(value)))
    if kind == "call":
        for arg in node[2]:
            check_size(arg)
        return None
    if kind == "tuple":
        for item in node[1]:
            check_size(item)
        return None
    if kind == "rel":
        for item in node[1]:
            check_size(item)
        return None
    raise ValueError(f"unknown node {kind}")


# --------------------------------------------------------------------------------------------- to sympy


def to_sympy(node: Node, evaluate: bool = True) -> Any:
    """The sympy object of a tree; `evaluate=False` keeps the structure as typed (decimals stay Floats)."""
    import sympy as sp

    ev = evaluate
    kind = node[0]
    if kind == "num":
        value, raw = node[1], node[2]
        if not ev and "." in raw:
            return sp.Float(raw, max(15, len(raw)))
        return sp.Rational(value.numerator, value.denominator)
    if kind == "sym":
        return sp.Symbol(node[1])
    if kind == "const":
        return {"pi": sp.pi, "E": sp.E, "oo": sp.oo}[node[1]]
    if kind == "neg":
        inner = to_sympy(node[1], ev)
        if not ev and inner.is_Number:
            return -inner
        return sp.Mul(sp.Integer(-1), inner, evaluate=ev)
    if kind == "add":
        terms = []
        for sign, child in node[1]:
            term = to_sympy(child, ev)
            if sign == "-":
                term = -term if (ev or term.is_Number) else sp.Mul(sp.Integer(-1), term, evaluate=False)
            terms.append(term)
        return sp.Add(*terms, evaluate=ev)
    if kind == "mul":
        factors = []
        for op, child in node[1]:
            factor = to_sympy(child, ev)
            if op == "/":
                factor = sp.Pow(factor, sp.Integer(-1), evaluate=ev)
            factors.append(factor)
        return sp.Mul(*factors, evaluate=ev)
    if kind == "pow":
        return sp.Pow(to_sympy(node[1], ev), to_sympy(node[2], ev), evaluate=ev)
    if kind == "fact":
        return sp.factorial(to_sympy(node[1], ev), evaluate=ev)
    if kind == "call":
        name, args = node[1], [to_sympy(a, ev) for a in node[2]]
        if name == "sqrt":
            return sp.Pow(args[0], sp.Rational(1, 2), evaluate=ev)
        if name == "root":
            return sp.Pow(args[0], sp.Pow(args[1], -1, evaluate=ev), evaluate=ev)
        if name == "abs":
            return sp.Abs(args[0], evaluate=ev)
        if name in ("ln", "log"):
            if len(args) == 2:
                return sp.Mul(sp.log(args[0], evaluate=ev), sp.Pow(sp.log(args[1], evaluate=ev), -1, evaluate=ev),
                              evaluate=ev)
            return sp.log(args[0], evaluate=ev)
        if name not in FUNCTIONS:
            raise ValueError(f"unknown function {name}")
        return getattr(sp, name)(args[0], evaluate=ev)
    if kind == "tuple":
        return sp.Tuple(*[to_sympy(item, ev) for item in node[1]])
    if kind == "rel":
        raise ValueError("relations are converted by relations.py")
    raise ValueError(f"unknown node {kind}")


