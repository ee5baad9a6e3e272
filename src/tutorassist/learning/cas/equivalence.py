"""Are two sympy expressions equal? Never "yes" for what algebra can prove different; as rarely "no" as possible for
equal real expressions.

1. Rational functions with rational coefficients (polynomials included; decimals are exact rationals): decided
   exactly - evaluated exactly at two rational points first (a quick "no"), then `cancel(a - b) == 0`. No tolerance,
   so `0.333333333333333x^2` is not `x^2/3` and a degree-13 polynomial off by one in its constant term is not equal.
2. Anything else is sampled at points where both sides are real: every intermediate value (each power, root,
   logarithm, inverse function) must be real and finite at the point, else the point is skipped, so complex branches
   are never compared (`1/sqrt(x)` = `sqrt(1/x)`, `sqrt(k/m)·sqrt(m/k)` = 1). The points combine small special
   values (-2, 2, 1/2, 3/2, -1/3: `(a^b)^c` differs from `a^(bc)` at a = -2, b = 2, c = 1/2) with generic rationals
   of both signs; values are computed with mpmath at 50 digits and a difference is confirmed at 150 digits before it
   counts. A difference at one point proves the expressions different.
3. With no difference found, `expand`, `cancel`, a rewrite in exponentials or `simplify` of a - b being 0 proves
   equality; failing that, sympy's
   adaptive evalf of a - b at a few agreeing points must not certify a non-zero value (a difference below the
   sampling precision, such as `exp(-100)`), and the expressions count as equal only if they agreed at
   MIN_AGREEING points (a constant: at its one point).

A consequence of comparing on the real domain where both are defined: `ln(x^2)` and `2 ln(x)` are equal (they agree
wherever both are real); a question that cares about the domain should say so in its form or wording.
"""

from __future__ import annotations

import itertools
import random
from typing import Any, Callable

MIN_AGREEING = 6
_DPS = 50
_CONFIRM_DPS = 150
_MAXN = 1000
_CERTIFIED_BITS = 64
_TIE_BREAK_POINTS = 3
_SPECIAL = ((-2, 1), (2, 1), (1, 2), (3, 2), (-1, 3))
_GENERIC = ((-137, 100), (61, 100), (223, 100), (-29, 100), (171, 100), (-257, 100), (43, 100), (311, 100),
            (-7, 9), (5, 7), (-11, 13), (17, 19), (2, 9), (7, 11), (-5, 11), (29, 10))
_MAX_PRODUCT_SYMBOLS = 3
_RANDOM_POINTS = 40


def _points(count: int) -> list[tuple[tuple[int, int], ...]]:
    """Sample points for `count` symbols: generic ones first (a difference usually shows at once), then every
    combination of the special values (up to 3 symbols) or a fixed pseudo-random choice (more symbols)."""
    if count == 0:
        return [()]
    generic = [tuple(_GENERIC[(i + 5 * j) % len(_GENERIC)] for j in range(count)) for i in range(len(_GENERIC))]
    if count <= _MAX_PRODUCT_SYMBOLS:
        special = list(itertools.product(_SPECIAL, repeat=count))
    else:
        chooser = random.Random(count)  # reproducible
        pool = _SPECIAL + _GENERIC
        special = [tuple(chooser.choice(pool) for _ in range(count)) for _ in range(_RANDOM_POINTS)]
    return generic + special


# --------------------------------------------------------------------------------------------- real evaluation


class _NotReal(Exception):
    """An intermediate value is not real (or not finite) at this point."""


def _real_functions(mp: Any) -> dict[str, Callable[[Any], Any]]:
    def need(ok: bool) -> None:
        if not ok:
            raise _NotReal()

    def log(v: Any) -> Any:
        need(v > 0)
        return mp.log(v)

    def asin(v: Any) -> Any:
        need(-1 <= v <= 1)
        return mp.asin(v)

    def acos(v: Any) -> Any:
        need(-1 <= v <= 1)
        return mp.acos(v)

    def asec(v: Any) -> Any:
        need(abs(v) >= 1)
        return mp.acos(1 / v)

    def acsc(v: Any) -> Any:
        need(abs(v) >= 1)
        return mp.asin(1 / v)

    def acosh(v: Any) -> Any:
        need(v >= 1)
        return mp.acosh(v)

    def atanh(v: Any) -> Any:
        need(-1 < v < 1)
        return mp.atanh(v)

    def acoth(v: Any) -> Any:
        need(abs(v) > 1)
        return mp.atanh(1 / v)

    def reciprocal(f: Callable[[Any], Any]) -> Callable[[Any], Any]:
        def inverse(v: Any) -> Any:
            value = f(v)
            need(value != 0)
            return 1 / value

        return inverse

    def tan(v: Any) -> Any:
        need(mp.cos(v) != 0)
        return mp.tan(v)

    def factorial(v: Any) -> Any:
        need(not (mp.isint(v) and v < 0))
        return mp.gamma(v + 1)

    return {
        "exp": mp.exp, "log": log, "sin": mp.sin, "cos": mp.cos, "tan": tan, "sec": reciprocal(mp.cos),
        "csc": reciprocal(mp.sin), "cot": reciprocal(tan), "asin": asin, "acos": acos, "atan": mp.atan,
        "acot": lambda v: mp.pi / 2 - mp.atan(v), "asec": asec, "acsc": acsc, "sinh": mp.sinh, "cosh": mp.cosh,
        "tanh": mp.tanh, "coth": reciprocal(mp.tanh), "sech": reciprocal(mp.cosh), "csch": reciprocal(mp.sinh),
        "asinh": mp.asinh, "acosh": acosh, "atanh": atanh, "acoth": acoth, "Abs": abs, "factorial": factorial,
        "sign": mp.sign,
    }


def _real_value(expr: Any, env: dict[Any, Any], mp: Any, functions: dict[str, Callable[[Any], Any]]) -> Any:
    """The value of `expr` at `env`, computed over the reals only; raise _NotReal."""
    import sympy as sp

    if expr.is_Symbol:
        return env[expr]
    if expr.is_Rational:
        return mp.mpf(expr.p) / expr.q
    if expr.is_Float:
        return mp.mpf(str(expr))
    if expr is sp.pi:
        return +mp.pi
    if expr is sp.E:
        return +mp.e
    if expr.is_Add:
        return mp.fsum(_real_value(arg, env, mp, functions) for arg in expr.args)
    if expr.is_Mul:
        return mp.fprod(_real_value(arg, env, mp, functions) for arg in expr.args)
    if expr.is_Pow:
        base = _real_value(expr.base, env, mp, functions)
        exponent = _real_value(expr.exp, env, mp, functions)
        if base == 0 and exponent <= 0:
            raise _NotReal()
        if mp.isint(exponent):
            value = base ** int(exponent)
        elif base < 0:
            raise _NotReal()  # the principal root of a negative number is not real
        else:
            value = mp.power(base, exponent)
    else:
        name = type(expr).__name__
        if name not in functions or len(expr.args) != 1:
            raise _NotReal()  # nothing we can evaluate over the reals: the point is skipped
        value = functions[name](_real_value(expr.args[0], env, mp, functions))
    if not isinstance(value, mp.mpf) or mp.isinf(value) or mp.isnan(value):
        raise _NotReal()
    return value


def _difference_at(a: Any, b: Any, symbols: list, point: tuple, dps: int) -> Any:
    """|a - b| relative to their size at the point, or None when the point is outside the real domain of either."""
    import mpmath

    with mpmath.workdps(dps):
        env = {s: mpmath.mpf(p) / q for s, (p, q) in zip(symbols, point)}
        functions = _real_functions(mpmath.mp)
        try:
            va = _real_value(a, env, mpmath.mp, functions)
            vb = _real_value(b, env, mpmath.mp, functions)
        except (_NotReal, ZeroDivisionError, OverflowError, ValueError):
            return None
        return abs(va - vb) / max(abs(va), abs(vb), 1)


def _differs(a: Any, b: Any, symbols: list, point: tuple) -> bool | None:
    """True if a and b differ at the point (confirmed at higher precision), False if equal, None if not both real."""
    first = _difference_at(a, b, symbols, point, _DPS)
    if first is None:
        return None
    if first <= 10 ** -(_DPS - 10):
        return False
    confirmed = _difference_at(a, b, symbols, point, _CONFIRM_DPS)
    return confirmed is not None and confirmed > 10 ** -(_CONFIRM_DPS - 10)


# --------------------------------------------------------------------------------------------- exact


def _exact_rational(expr: Any) -> bool:
    """A rational function of its symbols with rational coefficients (no roots, constants like pi, or functions)."""
    import sympy as sp

    if expr.atoms(sp.Function) or expr.atoms(sp.NumberSymbol) or expr.has(sp.I, sp.oo, -sp.oo, sp.zoo, sp.nan):
        return False
    if any(not n.is_Rational for n in expr.atoms(sp.Number)):
        return False
    return all(p.exp.is_Integer for p in expr.atoms(sp.Pow))


def _exactly_equal(a: Any, b: Any, symbols: list) -> bool:
    import sympy as sp

    diff = a - b
    for point in _points(len(symbols))[:2]:
        value = diff.xreplace({s: sp.Rational(p, q) for s, (p, q) in zip(symbols, point)})
        if value.is_Rational and value != 0:
            return False
    # doit(): parsed trees are built unevaluated, and cancel can hand back an unevaluated sum such as -1/2 + 1/2.
    return sp.cancel(sp.together(diff)).doit() == 0


# --------------------------------------------------------------------------------------------- equivalent


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
    symbols = sorted(a.free_symbols | b.free_symbols, key=str)
    if _exact_rational(a) and _exact_rational(b):
        return _exactly_equal(a, b, symbols)
    agreeing: list[tuple] = []
    for point in _points(len(symbols)):
        differs = _differs(a, b, symbols, point)
        if differs:
            return False
        if differs is False:
            agreeing.append(point)
    for transform in (sp.expand, sp.cancel, _in_exponentials, sp.simplify):
        try:
            if transform(diff) == 0:
                return True
        except Exception:  # sympy gives up on some inputs in its own ways; the numeric verdict stands
            continue
    if any(_provably_nonzero(diff, symbols, point) for point in agreeing[:_TIE_BREAK_POINTS]):
        return False
    return len(agreeing) >= (1 if not symbols else MIN_AGREEING)


def _in_exponentials(expr: Any) -> Any:
    """Trigonometric and hyperbolic functions written with exp, expanded: proves sinh(x) = (e^x - e^-x)/2 in
    milliseconds where simplify takes most of a second."""
    import sympy as sp

    return sp.expand(sp.powsimp(sp.expand(expr.rewrite(sp.exp))))


def _provably_nonzero(diff: Any, symbols: list, point: tuple) -> bool:
    """sympy's adaptive evalf of a - b itself at the point: a result carrying full precision is a certified non-zero
    (a difference too small for the fixed-precision sampling, like exp(-100)); for a true zero it gives up and
    returns a 0 of precision 1."""
    import sympy as sp

    value = diff.evalf(_DPS, subs={s: sp.Rational(p, q) for s, (p, q) in zip(symbols, point)}, maxn=_MAXN)
    for part in value.as_real_imag():
        if part.is_Float and part != 0 and part._prec >= _CERTIFIED_BITS:
            return True
        if part.is_Rational and part != 0:
            return True
    return False
