"""What a template is, and the small helpers every template uses to turn sympy values into text.

Two spellings of every value: `plain` (the answer checker's plain grammar: `x^2 - 3*x`, `3/4`, `sqrt(5)`), used in
answer specifications and CAS checks because it is what a student types; `tex` (LaTeX for `$...$`), used in prompts,
hints and solutions.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from typing import Any, Callable

import sympy as sp

from tutorassist.ai.candidate import CasCheck, QuestionCandidate

x, y = sp.symbols("x y")

Build = Callable[[random.Random, int], QuestionCandidate]


@dataclass(frozen=True)
class Template:
    """A parametrised question: `generate(rng, difficulty)` draws parameters from `rng` and computes the answer."""

    name: str
    title: str
    keywords: tuple[str, ...]
    """Topic words it fits, most specific first (`quadratic equations`, `quadratics`, `algebra`)."""
    difficulties: tuple[int, ...]
    build: Build = field(repr=False)
    varies: str = ""
    """What the parameters are, in words (docs/ai-generation.md)."""

    def generate(self, rng: random.Random, difficulty: int) -> QuestionCandidate:
        if difficulty not in self.difficulties:
            raise ValueError(f"template {self.name} produces difficulties {list(self.difficulties)}, not {difficulty}")
        return self.build(rng, difficulty)


def plain(value: Any) -> str:
    """A sympy value in the checker's plain grammar."""
    return str(value).replace("**", "^")


def tex(value: Any) -> str:
    return sp.latex(value)


def nonzero(rng: random.Random, low: int, high: int) -> int:
    """A random integer in [low, high] other than 0."""
    while True:
        value = rng.randint(low, high)
        if value != 0:
            return value


def signed(value: Any) -> str:
    """`+ 3` or `- 3` for writing a term after another one in LaTeX."""
    return f"- {tex(-value)}" if value < 0 else f"+ {tex(value)}"


def load(difficulty: int) -> str:
    return "low" if difficulty <= 2 else "medium" if difficulty == 3 else "high"


def candidate(
    *,
    prompt: str,
    spec: dict[str, Any],
    hints: list[str],
    solution: str,
    difficulty: int,
    tags: list[str],
    check: CasCheck,
    blooms: str = "apply",
    skill: str = "procedural",
) -> QuestionCandidate:
    return QuestionCandidate(
        prompt_latex=prompt,
        answer_type=spec["type"],
        answer_spec=spec,
        hints=hints,
        solution_latex=solution,
        difficulty=difficulty,
        tags=tags,
        blooms_level=blooms,  # type: ignore[arg-type]
        skill_type=skill,  # type: ignore[arg-type]
        cognitive_load=load(difficulty),  # type: ignore[arg-type]
        cas_check=check,
    )


def decimal_text(value: Any) -> str:
    """A terminating rational as a decimal string (`103.5`, `-0.25`); templates only draw values that terminate."""
    rational = sp.Rational(value)
    for places in range(0, 13):
        scaled = rational * 10**places
        if scaled.is_integer:
            digits = str(abs(int(scaled))).rjust(places + 1, "0")
            text = digits if places == 0 else f"{digits[:-places]}.{digits[-places:]}"
            return ("-" if rational < 0 else "") + text
    raise ValueError(f"{value} is not a terminating decimal")
