"""Expression templates: expanding brackets, factorising quadratics, the laws of indices. The answer is an
expression in a required form (expanded, factored, simplified) computed by sympy's expand/factor/powsimp."""

from __future__ import annotations

import random

import sympy as sp

from tutorassist.ai.candidate import CasCheck, QuestionCandidate
from tutorassist.ai.offline.base import Template, candidate, nonzero, plain, signed, tex, x


def _bracket(a: int, b: int) -> tuple[sp.Expr, str, str]:
    """(ax + b) as sympy, LaTeX and plain text; a is never 0."""
    term = "x" if a == 1 else "-x" if a == -1 else f"{a}x"
    return a * x + b, f"\\left({term} {signed(b)}\\right)", f"({term} {signed(b)})"


def expand_brackets(rng: random.Random, difficulty: int) -> QuestionCandidate:
    if difficulty == 1:
        k = rng.choice([2, 3, 4, 5, 6, 7, -2, -3])
        inner, inner_tex, inner_text = _bracket(1, nonzero(rng, -9, 9))
        expr, shown, text = k * inner, f"{k}{inner_tex}", f"{k}{inner_text}"
        hints = [f"Multiply each term inside the bracket by ${k}$."]
    elif difficulty in (2, 3):
        p = _bracket(1 if difficulty == 2 else rng.choice([2, 3, 4, 5, -2]), nonzero(rng, -9, 9))
        q = _bracket(1 if difficulty == 2 else rng.choice([1, 2, 3, -1, -3]), nonzero(rng, -9, 9))
        expr, shown, text = p[0] * q[0], p[1] + q[1], f"{p[2]}*{q[2]}"
        hints = ["Multiply each term of the first bracket by each term of the second (four products).",
                 "Collect the two $x$ terms."]
    else:
        p = _bracket(1, nonzero(rng, -6, 6))
        b, c = nonzero(rng, -6, 6), nonzero(rng, -9, 9)
        quadratic = x**2 + b * x + c
        expr = p[0] * quadratic
        shown, text = f"{p[1]}\\left({tex(quadratic)}\\right)", f"{p[2]}*({plain(quadratic)})"
        hints = ["Multiply each term of the quadratic by $x$, then by the number in the first bracket.",
                 "Collect the terms in $x^2$ and in $x$."]
    expanded = sp.expand(expr)
    return candidate(
        prompt=f"Expand and simplify ${shown}$.",
        spec={"type": "expression", "value": plain(expanded), "required_form": "expanded", "variables": ["x"]},
        hints=hints,
        solution=f"${shown} = {tex(expanded)}$",
        difficulty=difficulty, tags=["algebra", "expanding-brackets"],
        check=CasCheck(kind="evaluate", expression=text, variables=["x"]),
    )


def factorise_quadratic(rng: random.Random, difficulty: int) -> QuestionCandidate:
    r1, r2 = rng.sample([k for k in range(-9, 10) if k != 0], 2)
    if difficulty == 2:
        expr = (x - r1) * (x - r2)
        hints = [f"Find two numbers that multiply to ${r1 * r2}$ and add to ${-(r1 + r2)}$."]
    elif difficulty == 3:
        k = rng.randint(2, 12)
        expr = rng.choice([(x - k) * (x + k), x * (x - r1)])
        hints = ["Look for a common factor, or a difference of two squares $a^2 - b^2 = (a - b)(a + b)$."]
    elif difficulty == 4:
        a = rng.choice([2, 3, 5])
        b = rng.choice([k for k in range(-7, 8) if k != 0 and k % a != 0])
        expr = (a * x + b) * (x - r1)
        hints = ["Split the middle term using two numbers that multiply to $a \\times c$.", "Factorise in pairs."]
    else:
        k = rng.choice([2, 3, 4, 5, -2, -3])
        expr = k * (x - r1) * (x - r2)
        hints = [f"Take out the common factor ${k}$ first.", "Then factorise the quadratic that is left."]
    expanded = sp.expand(expr)
    factored = sp.factor(expanded)
    return candidate(
        prompt=f"Factorise ${tex(expanded)}$ completely.",
        spec={"type": "expression", "value": plain(factored), "required_form": "factored", "variables": ["x"]},
        hints=hints,
        solution=f"${tex(expanded)} = {tex(factored)}$",
        difficulty=difficulty, tags=["algebra", "factorising", "quadratics"],
        check=CasCheck(kind="evaluate", expression=plain(expanded), variables=["x"]),
    )


def index_laws(rng: random.Random, difficulty: int) -> QuestionCandidate:
    m, n = rng.randint(2, 9), rng.randint(2, 9)
    if difficulty == 1:
        if rng.random() < 0.5:
            shown, text, expr = f"x^{{{m}}} \\times x^{{{n}}}", f"x^{m} * x^{n}", x**m * x**n
            hints = ["When multiplying powers of the same base, add the indices."]
        else:
            m, n = max(m, n) + 1, min(m, n)
            shown, text, expr = f"x^{{{m}}} \\div x^{{{n}}}", f"x^{m} / x^{n}", x**m / x**n
            hints = ["When dividing powers of the same base, subtract the indices."]
    elif difficulty == 2:
        shown, text, expr = f"\\left(x^{{{m}}}\\right)^{{{n}}}", f"(x^{m})^{n}", (x**m) ** n
        hints = ["A power of a power: multiply the indices."]
    elif difficulty == 3:
        k, p = rng.randint(2, 5), rng.randint(2, 3)
        shown, text, expr = f"\\left({k}x^{{{m}}}\\right)^{{{p}}}", f"({k}x^{m})^{p}", (k * x**m) ** p
        hints = [f"Raise both the number and the power of $x$ to the power ${p}$.",
                 "Multiply the indices of $x$."]
    else:
        root, q = rng.choice([(2, 2), (3, 2), (4, 2), (5, 2), (2, 3), (3, 3), (2, 4), (2, 5), (10, 2)])
        p = rng.choice([1, 2, 3, -1, -2]) if q <= 3 else rng.choice([1, 2, -1])
        base, exponent = root**q, sp.Rational(p, q)
        shown, text = f"{base}^{{{tex(exponent)}}}", f"{base}^({p}/{q})"
        expr = sp.Integer(base) ** exponent
        hints = [f"The denominator of the index is a root: $\\sqrt[{q}]{{{base}}} = {root}$.",
                 "The numerator is a power; a negative index means the reciprocal."]
    value = sp.powsimp(expr)
    form = "simplified" if difficulty <= 3 else "lowest_terms"
    return candidate(
        prompt=f"Simplify ${shown}$." if difficulty <= 3 else f"Evaluate ${shown}$ exactly.",
        spec={"type": "expression", "value": plain(value), "required_form": form,
              "variables": ["x"] if difficulty <= 3 else []},
        hints=hints,
        solution=f"${shown} = {tex(value)}$",
        difficulty=difficulty, tags=["number", "indices"],
        check=CasCheck(kind="evaluate", expression=text, variables=["x"] if difficulty <= 3 else []),
    )


TEMPLATES = [
    Template("expand_brackets", "Expanding brackets", ("expand", "bracket", "algebra", "expression"), (1, 2, 3, 4),
             expand_brackets, "k(x + b) at level 1, (x + a)(x + b) at 2, (ax + b)(cx + d) at 3, "
             "(x + a)(x² + bx + c) at 4"),
    Template("factorise_quadratic", "Factorising quadratics",
             ("factoris", "factoriz", "quadratic", "algebra", "expression"), (2, 3, 4, 5), factorise_quadratic,
             "distinct integer roots; a difference of squares or a common factor x at level 3; a leading "
             "coefficient at 4; a common numeric factor at 5"),
    Template("index_laws", "Laws of indices", ("indices", "index", "power", "exponent", "number", "algebra"), (1, 2, 3, 4),
             index_laws, "the indices m, n (multiply, divide, power of a power, power of a product); at level 4 "
             "a perfect power raised to a fractional or negative index"),
]
