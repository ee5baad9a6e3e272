"""The offline generator: parametrised math templates whose answers are computed, so they are right by construction.

Placeholder of this branch: a few templates (linear and quadratic equations, derivatives) with the interface the real
catalogue keeps (`generate`, `syllabus`, `CATALOGUE_VERSION`); the full catalogue replaces this module at merge.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field

import sympy

from tutorassist.ai.candidate import CasCheck, QuestionCandidate

CATALOGUE_VERSION = "stub-2026.11"
"""Version of the template catalogue, recorded as the model_version of offline-generated questions."""


@dataclass(frozen=True)
class TopicOutline:
    """A topic of a generated syllabus: its children and the templates that write questions for it."""

    name: str
    description: str
    children: list[TopicOutline] = field(default_factory=list)
    templates: list[str] = field(default_factory=list)


def _plain(expr: sympy.Expr) -> str:
    return str(expr).replace("**", "^")


def _linear(rng: random.Random, difficulty: int) -> QuestionCandidate:
    span = 3 + 3 * difficulty
    a = rng.choice([n for n in range(-span, span + 1) if n not in (0, 1)])
    x = rng.randint(-span, span)
    b = rng.randint(-span, span)
    c = a * x + b
    lhs = _plain(sympy.Integer(a) * sympy.Symbol("x") + b)
    return QuestionCandidate(
        prompt_latex=f"Solve for $x$: ${lhs.replace('*', '')} = {c}$",
        answer_type="number", answer_spec={"type": "number", "value": str(x)},
        hints=[f"Move ${b}$ to the other side, then divide by ${a}$."],
        solution_latex=f"${a}x = {c - b}$, so $x = {x}$.", difficulty=difficulty,
        tags=["linear-equations"], blooms_level="apply", skill_type="procedural", cognitive_load="low",
        cas_check=CasCheck(kind="solve", expression=f"{lhs} = {c}", variables=["x"]),
    )


def _quadratic(rng: random.Random, difficulty: int) -> QuestionCandidate:
    span = 2 + 2 * difficulty
    r1, r2 = rng.sample(range(-span, span + 1), 2)
    x = sympy.Symbol("x")
    poly = sympy.expand((x - r1) * (x - r2))
    text = _plain(poly)
    return QuestionCandidate(
        prompt_latex=f"Solve ${sympy.latex(poly)} = 0$.",
        answer_type="set", answer_spec={"type": "set", "elements": [str(r1), str(r2)]},
        hints=["Factorise the quadratic."], solution_latex=f"$(x - ({r1}))(x - ({r2})) = 0$", difficulty=difficulty,
        tags=["quadratic-equations"], blooms_level="apply", skill_type="procedural", cognitive_load="medium",
        cas_check=CasCheck(kind="solve", expression=f"{text} = 0", variables=["x"]),
    )


def _derivative(rng: random.Random, difficulty: int) -> QuestionCandidate:
    x = sympy.Symbol("x")
    degree = 1 + difficulty
    poly = sum(rng.randint(1, 9) * x**k for k in range(degree + 1))
    derivative = sympy.diff(poly, x)
    return QuestionCandidate(
        prompt_latex=f"Differentiate $f(x) = {sympy.latex(poly)}$ with respect to $x$.",
        answer_type="expression", answer_spec={"type": "expression", "value": _plain(derivative), "variables": ["x"]},
        hints=["Use the power rule on each term."], solution_latex=f"$f'(x) = {sympy.latex(derivative)}$",
        difficulty=difficulty, tags=["derivatives"], blooms_level="apply", skill_type="procedural",
        cognitive_load="medium", cas_check=CasCheck(kind="differentiate", expression=_plain(poly), variables=["x"]),
    )


TEMPLATES = {"linear_equation": _linear, "quadratic_equation": _quadratic, "polynomial_derivative": _derivative}


def _template_for(topic_text: str) -> str:
    text = topic_text.lower()
    if "quadratic" in text:
        return "quadratic_equation"
    if "deriv" in text or "differen" in text or "calculus" in text:
        return "polynomial_derivative"
    return "linear_equation"


def generate(topic_text: str, difficulties: list[int], seed: int) -> list[QuestionCandidate]:
    """One question per requested difficulty, from the template that fits the topic; the same seed gives the same
    questions."""
    name = _template_for(topic_text)
    return [TEMPLATES[name](random.Random(f"{seed}:{i}:{d}"), d) for i, d in enumerate(difficulties)]


def syllabus(program: str, grade: str) -> list[TopicOutline]:
    """A topic tree for a study program and grade level (the same tree for every program in this placeholder)."""
    return [
        TopicOutline("Algebra", f"Algebra for {program}, {grade}", [
            TopicOutline("Linear equations", "Solve linear equations in one variable", templates=["linear_equation"]),
            TopicOutline("Quadratic equations", "Solve quadratic equations by factorising",
                         templates=["quadratic_equation"]),
        ]),
        TopicOutline("Calculus", f"Differential calculus for {program}, {grade}", [
            TopicOutline("Derivatives", "Differentiate polynomials", templates=["polynomial_derivative"]),
        ]),
    ]
