"""The result types of the answer checker: `Verdict` (a graded answer) and `Preview` ("interpreted as ...")."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any, Literal

VerdictKind = Literal["correct", "incorrect", "invalid"]

FEEDBACK: dict[str, str] = {
    "correct": "Correct.",
    "incorrect": "Not quite: that is not the right answer.",
    "empty_answer": "Please enter an answer.",
    "too_long": "Your answer is too long.",
    "too_complex": "Your answer is too complex to check; please simplify it.",
    "timeout": "Your answer took too long to check; please write it more simply.",
    "busy": "The answer checker is busy; please try again in a moment.",
    "not_checkable": "Your answer could not be checked; please write it another way.",
    "unparseable": "Your answer could not be understood.",
    "division_by_zero": "Your answer divides by zero.",
    "not_a_number": "Please give a single number: a decimal such as 0.75 or a fraction such as 3/4.",
    "not_an_expression": "Please give an expression, not an equation or inequality.",
    "not_an_equation": "Please give an equation, such as x = 3.",
    "not_an_inequality": "Please give an inequality, such as x > 3.",
    "not_an_interval": "Please use interval notation, such as [1, 3).",
    "numeric_out_of_tolerance": "Not quite: your number is not close enough to the correct value.",
    "sign_error": "Check the sign of your answer.",
    "wrong_precision": "The value is right, but give it to the precision asked for.",
    "equivalent_wrong_form": "Your answer is equivalent, but not in the form asked for.",
    "same_as_question": "Your answer just repeats the question; transform the expression as asked.",
    "wrong_inequality_direction": "Check the direction of your inequality sign.",
    "wrong_strictness": "Check whether the boundary value is included (< versus ≤).",
    "missing_elements": "Some values are missing.",
    "extra_elements": "Your answer contains values that should not be there.",
    "wrong_order": "The values are right but in the wrong order.",
    "wrong_endpoints": "The endpoints are right, but check which ends are open and which are closed.",
    "unknown_choice": "That is not one of the choices.",
    "too_many_choices": "Choose only one option.",
    "missing_choices": "Some correct options are not selected.",
    "wrong_choice": "Not quite: that choice is not correct.",
}
"""The default student-facing sentence of each answer note."""

NOTES: tuple[str, ...] = tuple(FEEDBACK)


@dataclass(frozen=True)
class Verdict:
    """A graded answer.

    verdict: `correct`, `incorrect`, or `invalid` (the input could not be graded: it should not count as an attempt).
    score: 0..1. answer_note: a stable code of the path taken (see docs/answer-checking.md).
    interpreted_as / interpreted_mathml: LaTeX / MathML of what the checker understood, or None.
    parsed: a JSON-able representation of the parsed answer (for attempts.answer_parsed), or None.
    """

    verdict: VerdictKind
    score: float
    answer_note: str
    feedback: str
    interpreted_as: str | None = None
    interpreted_mathml: str | None = None
    parsed: Any = None

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class Preview:
    """What the checker understood of an answer, before grading ("your answer was interpreted as ...")."""

    ok: bool
    answer_note: str | None
    message: str
    interpreted_as: str | None = None
    interpreted_mathml: str | None = None
    parsed: Any = field(default=None)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def to_mathml(latex: str | None) -> str | None:
    if not latex:
        return None
    try:
        from latex2mathml.converter import convert

        return convert(latex)
    except Exception:  # latex2mathml rejects some sympy output: the MathML is a convenience only
        return None


def make(
    verdict: VerdictKind,
    note: str,
    *,
    score: float | None = None,
    feedback: str | None = None,
    latex: str | None = None,
    parsed: Any = None,
) -> Verdict:
    if score is None:
        score = 1.0 if verdict == "correct" else 0.0
    return Verdict(
        verdict=verdict,
        score=float(score),
        answer_note=note,
        feedback=feedback or FEEDBACK.get(note, FEEDBACK["incorrect"]),
        interpreted_as=latex,
        interpreted_mathml=to_mathml(latex),
        parsed=parsed,
    )


def invalid(note: str, feedback: str | None = None) -> Verdict:
    return make("invalid", note, feedback=feedback)
