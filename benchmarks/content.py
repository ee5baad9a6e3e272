"""What generated questions look like: the demo questions (every answer type) as templates, each with a correct and
a wrong answer graded once by the real answer checker, and a topic catalogue for the trees."""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from tutorassist.demo.content import QUESTIONS
from tutorassist.questions.latex import latex_to_text

# Roots and their children; a workspace's tree takes a prefix of roots and children, with one more level below some.
TOPIC_CATALOGUE: dict[str, list[str]] = {
    "Number": ["Fractions", "Percentages", "Ratio", "Powers and roots", "Standard form"],
    "Algebra": ["Linear equations", "Quadratics", "Inequalities", "Sequences", "Simultaneous equations"],
    "Geometry": ["Angles", "Area and perimeter", "Pythagoras", "Trigonometry", "Vectors"],
    "Statistics": ["Averages", "Probability", "Charts", "Correlation"],
    "Calculus": ["Derivatives", "Integrals", "Stationary points", "Kinematics"],
}
SUBTOPIC_LEVELS = ["Foundations", "Practice", "Exam questions"]

# Words mixed into prompts so full-text search has something to find besides the LaTeX of 32 templates.
CONTEXT_WORDS = ["bakery", "train", "garden", "rocket", "market", "river", "library", "stadium", "orchard", "bridge",
                 "festival", "harbour", "museum", "factory", "island", "mountain"]

# An answer that parses for the template's type but is wrong (a wrong answer is graded, not refused).
_WRONG: dict[str, Any] = {
    "number": "17", "expression": "17", "equation": "x = 17", "inequality": "x > 17", "interval": "(0, 17)",
    "set": "17", "list": "17, 1", "text": "denominator",
}


def correct_answer(spec: dict[str, Any]) -> str:
    kind = spec["type"]
    if kind in ("set", "list"):
        return ", ".join(spec["elements"])
    if kind == "multiple_choice":
        return spec["correct_ids"][0]
    if kind == "text":
        return spec["accepted_answers"][0]
    return spec["value"]


def wrong_answer(spec: dict[str, Any]) -> str:
    if spec["type"] == "multiple_choice":
        return next(c["id"] for c in spec["choices"] if c["id"] not in spec["correct_ids"])
    return _WRONG[spec["type"]]


@dataclass(frozen=True)
class Graded:
    """One answer as the attempt row stores it."""

    answer: str
    parsed: str | None  # JSON text
    feedback: str  # JSON text
    notes: str  # JSON text


@dataclass(frozen=True)
class Template:
    index: int
    answer_type: str
    spec_json: str
    prompt_latex: str
    prompt_text: str
    difficulty: int
    hints_json: str
    solution_latex: str
    tags: tuple[str, ...]
    right: Graded
    wrong: Graded


def _graded(spec: dict[str, Any], answer: str, expected: str) -> Graded:
    from tutorassist.learning import cas

    verdict = cas.check(spec, answer)
    if verdict.verdict != expected:  # the generated data would lie about correctness
        raise RuntimeError(f"benchmark template answer {answer!r} graded {verdict.verdict}, expected {expected}")
    return Graded(answer=answer, parsed=None if verdict.parsed is None else json.dumps(verdict.parsed),
                  feedback=json.dumps({"feedback": verdict.feedback, "interpreted_as": verdict.interpreted_as}),
                  notes=json.dumps([verdict.answer_note]))


@lru_cache(maxsize=1)
def templates() -> tuple[Template, ...]:
    out = []
    for i, q in enumerate(QUESTIONS):
        spec = q["answer_spec"]
        out.append(Template(
            index=i, answer_type=q["answer_type"], spec_json=json.dumps(spec), prompt_latex=q["prompt_latex"],
            prompt_text=latex_to_text(q["prompt_latex"]), difficulty=q["difficulty"], hints_json=json.dumps(q["hints"]),
            solution_latex=q["solution_latex"], tags=tuple(q["tags"]),
            right=_graded(spec, correct_answer(spec), "correct"), wrong=_graded(spec, wrong_answer(spec), "incorrect")))
    return tuple(out)
