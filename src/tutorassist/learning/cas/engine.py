"""Dispatch by answer type; runs inside the worker process (see limits.py). Takes and returns plain data."""

from __future__ import annotations

from typing import Any

from tutorassist.learning.cas import choice, collections, expressions, limits, numbers, parsing, relations, text
from tutorassist.learning.cas.expressions import SpecError
from tutorassist.learning.cas.verdict import Preview, Verdict, invalid, to_mathml


def _check(spec: dict, answer: str, question_expression: str | None) -> Verdict:
    kind = spec["type"]
    if kind == "number":
        return numbers.check(spec, answer)
    if kind == "expression":
        return expressions.check(spec, answer, question_expression)
    if kind == "equation":
        return relations.check_equation(spec, answer)
    if kind == "inequality":
        return relations.check_inequality(spec, answer)
    if kind in ("set", "list"):
        return collections.check_collection(spec, answer)
    if kind == "interval":
        return collections.check_interval(spec, answer)
    if kind == "multiple_choice":
        return choice.check(spec, answer)
    if kind == "text":
        return text.check(spec, answer)
    raise SpecError(f"unknown answer type {kind!r}")


def check_payload(spec: dict, answer: str, question_expression: str | None) -> dict[str, Any]:
    """{"verdict": {...}} or {"spec_error": message}."""
    try:
        return {"verdict": _check(spec, answer, question_expression).to_dict()}
    except SpecError as exc:
        return {"spec_error": str(exc)}
    except (limits.TooComplex, RecursionError, MemoryError, OverflowError):
        return {"verdict": invalid("too_complex").to_dict()}
    except limits.Timeout:
        return {"verdict": invalid("timeout").to_dict()}


def preview_payload(answer: str, answer_type: str) -> dict[str, Any]:
    try:
        latex, parsed = _interpret(answer, answer_type)
    except parsing.ParseError as exc:
        return Preview(False, "unparseable", f"Not understood: {exc}.").to_dict()
    except (limits.TooComplex, RecursionError, MemoryError, OverflowError):
        return Preview(False, "too_complex", "Too complex to check.").to_dict()
    except expressions.DivisionByZero:
        return Preview(False, "division_by_zero", "Your answer divides by zero.").to_dict()
    except _Refused as exc:
        return Preview(False, exc.note, exc.message).to_dict()
    message = "Your answer was interpreted as shown." if latex else "OK."
    return Preview(True, None, message, latex, to_mathml(latex), parsed).to_dict()


class _Refused(Exception):
    def __init__(self, note: str, message: str):
        super().__init__(message)
        self.note, self.message = note, message


def _interpret(answer: str, answer_type: str) -> tuple[str | None, Any]:
    if answer_type == "number":
        latex, parsed, note = numbers.preview(answer)
        if note is not None:
            if note == "unparseable":
                parsing.parse(answer)  # raises with the reason
            raise _Refused(note, "Please give a single number." if note == "not_a_number" else note)
        return latex, parsed
    if answer_type in ("expression", "equation", "inequality"):
        node = parsing.parse(answer)
        if answer_type == "expression":
            node = expressions.parse_expression(answer, [])
        value = None if node[0] == "rel" else str(expressions.evaluate(node))
        return parsing.latex_of(node), {"kind": answer_type, "sympy": value}
    if answer_type in ("set", "list"):
        spec = {"type": answer_type, "elements": ["0"]}
        verdict = collections.check_collection(spec, answer)
        if verdict.verdict == "invalid":
            raise _Refused(verdict.answer_note, verdict.feedback)
        return verdict.interpreted_as, verdict.parsed
    if answer_type == "interval":
        verdict = collections.check_interval({"type": "interval", "value": "(0, 1)"}, answer)
        if verdict.verdict == "invalid":
            raise _Refused(verdict.answer_note, verdict.feedback)
        return verdict.interpreted_as, verdict.parsed
    if answer_type == "text":
        return None, {"kind": "text", "normalized": text.normalize(answer)}
    if answer_type == "multiple_choice":
        ids = [p for p in answer.replace(";", ",").replace(" ", ",").split(",") if p]
        return None, {"kind": "multiple_choice", "ids": ids}
    raise _Refused("unknown_type", f"unknown answer type {answer_type!r}")
