"""Does the answer checker understand a question's own correct answer? Asked when a question is created, edited or
imported, so that a specification students could never be graded against (`x+*`) is refused up front instead of
turning every later submission into a 409.

The spec's correct value is graded against the spec itself by the real checker (`tutorassist.learning.cas.check`,
in its worker process under its time limit). The question is refused when the checker cannot parse the spec, cannot
understand the value as an answer, runs out of time, or fails. A verdict of `incorrect` is fine: a value given in
another form than `required_form` asks (`x^2-1` for a factored answer) or to another precision than
`decimal_places` asks is how tutors state the target, and students still answer it correctly in the asked form.
"""

from __future__ import annotations

import logging
from typing import Any

from tutorassist.learning import cas

log = logging.getLogger("tutorassist.questions")

Errors = list[dict[str, str]]


def own_answer(spec: dict[str, Any]) -> str:
    """The spec's correct answer as a student would type it."""
    kind = spec["type"]
    if kind in ("set", "list"):
        opener, closer = ("{", "}") if kind == "set" else ("[", "]")
        return opener + ", ".join(spec["elements"]) + closer
    if kind == "multiple_choice":
        return ",".join(spec["correct_ids"])
    if kind == "text":
        return spec["accepted_answers"][0]
    return spec["value"]


def _problem(spec: dict[str, Any]) -> str | None:
    """Why the checker cannot grade against `spec`, in words for a tutor; None when it can."""
    try:
        verdict = cas.check(spec, own_answer(spec))
    except cas.InvalidSpec as exc:
        return str(exc).replace("the specification's ", "the ")
    except Exception as exc:  # a checker failure here would be a failure on every submission later
        log.warning("answer checker failed on a specification", exc_info=exc)
        return "the answer checker fails on this value; write it differently"
    if verdict.answer_note == "timeout":
        return "too complex for the answer checker to grade in time; simplify it"
    if verdict.verdict == "invalid":
        return f"the answer checker does not accept this as an answer: {verdict.feedback}"
    return None


def checker_errors(spec: dict[str, Any], field: str) -> Errors:
    """Errors naming the part of a contract-valid spec the checker cannot use (`answer_spec.value`,
    `answer_spec.elements.2`, ...); empty when the checker grades its own correct answer."""
    message = _problem(spec)
    if message is None:
        return []
    kind = spec["type"]
    if kind in ("set", "list") and spec["elements"]:
        errors = [{"field": f"{field}.elements.{i}", "message": problem}
                  for i, element in enumerate(spec["elements"])
                  if (problem := _problem({"type": kind, "elements": [element]})) is not None]
        return errors or [{"field": f"{field}.elements", "message": message}]
    part = {"multiple_choice": "correct_ids", "text": "accepted_answers.0"}.get(kind, "value")
    return [{"field": f"{field}.{part}", "message": message}]
