"""Differentiation templates: the power rule on polynomials (and negative or fractional powers), the chain rule,
the product rule. The answer is sympy's `diff` of the function."""

from __future__ import annotations

import random

import sympy as sp

from tutorassist.ai.candidate import CasCheck, QuestionCandidate
from tutorassist.ai.offline.base import Template, candidate, nonzero, plain, tex, x


def _question(function: sp.Expr, difficulty: int, hints: list[str], tags: list[str]) -> QuestionCandidate:
    derivative = sp.diff(function, x)
    return candidate(
        prompt=f"Differentiate $f(x) = {tex(function)}$ with respect to $x$.",
        spec={"type": "expression", "value": plain(derivative), "variables": ["x"]},
        hints=hints,
        solution=f"$f'(x) = {tex(derivative)}$",
        difficulty=difficulty, tags=["calculus", "differentiation", *tags],
        check=CasCheck(kind="differentiate", expression=plain(function), variables=["x"]),
    )


def derivative_polynomial(rng: random.Random, difficulty: int) -> QuestionCandidate:
    if difficulty == 1:
        powers = rng.sample(range(2, 6), 1) + [1]
    elif difficulty == 2:
        powers = sorted(rng.sample(range(2, 7), 2), reverse=True) + [1, 0]
    else:
        powers = [rng.randint(2, 5), rng.choice([-1, -2, -3, sp.Rational(1, 2), sp.Rational(3, 2)]), 0]
    function = sum((nonzero(rng, -9, 9) * x**p for p in powers), sp.Integer(0))
    hints = ["Differentiate term by term: $\\frac{d}{dx} x^n = n x^{n-1}$.", "A constant term differentiates to $0$."]
    if difficulty == 3:
        hints.insert(0, "Write roots and reciprocals as powers first: $\\sqrt{x} = x^{1/2}$, $\\frac{1}{x^2} = x^{-2}$.")
    return _question(function, difficulty, hints, ["power-rule"])


def derivative_chain_rule(rng: random.Random, difficulty: int) -> QuestionCandidate:
    a, b = rng.choice([2, 3, 4, 5, -2, -3]), nonzero(rng, -7, 7)
    inner = a * x + b
    if difficulty == 3:
        function = inner ** rng.randint(2, 6)
        hints = ["Use the chain rule with $u = " + tex(inner) + "$: $\\frac{d}{dx} u^n = n u^{n-1} u'$."]
    else:
        outer = rng.choice([sp.exp, sp.sin, sp.cos, sp.log]) if difficulty == 4 else rng.choice([sp.sqrt, sp.exp])
        if difficulty == 5:
            inner = x**2 + nonzero(rng, 1, 9) if outer is sp.sqrt else a * x**2 + b * x
        function = nonzero(rng, -5, 5) * outer(inner)
        hints = [f"Use the chain rule with $u = {tex(inner)}$: differentiate the outer function, then multiply by "
                 f"$u' = {tex(sp.diff(inner, x))}$."]
    return _question(function, difficulty, hints, ["chain-rule"])


def derivative_product_rule(rng: random.Random, difficulty: int) -> QuestionCandidate:
    n = rng.randint(1, 4)
    other = rng.choice([sp.exp(nonzero(rng, -3, 3) * x), sp.sin(rng.randint(1, 4) * x), sp.cos(rng.randint(1, 4) * x)])
    if difficulty == 5:
        other = rng.choice([sp.log(x), (x + nonzero(rng, -6, 6)) ** rng.randint(2, 4)])
    function = nonzero(rng, 1, 5) * x**n * other
    return _question(function, difficulty, ["Use the product rule: $(uv)' = u'v + uv'$.",
                                             f"Here $v = {tex(other)}$ and $v' = {tex(sp.diff(other, x))}$."],
                     ["product-rule"])


TEMPLATES = [
    Template("derivative_polynomial", "Differentiating polynomials",
             ("derivative", "differentiat", "power rule", "calculus", "gradient"), (1, 2, 3), derivative_polynomial,
             "the coefficients and powers: one power and a linear term (1), four terms up to x⁶ (2), "
             "with a negative or fractional power (3)"),
    Template("derivative_chain_rule", "The chain rule", ("chain rule", "derivative", "differentiat", "calculus"),
             (3, 4, 5), derivative_chain_rule, "(ax + b)^n (3); e, sin, cos or ln of ax + b (4); √ or e of a "
             "quadratic (5)"),
    Template("derivative_product_rule", "The product rule",
             ("product rule", "derivative", "differentiat", "calculus"), (4, 5), derivative_product_rule,
             "k·xⁿ times an exponential, sine or cosine (4), or times ln x or a power of a bracket (5)"),
]
