"""Dispatch by answer type; runs inside the worker process (see limits.py). Takes and returns plain data."""

from __future__ import annotations

from typing import Any

from tutorassist.learning.cas import choice, collections, expressions, kinds, limits, numbers, parsing, relations, text
from tutorassist.learning.cas.expressions import SpecError
from tutorassist.learning.cas.verdict import FEEDBACK, Preview, Verdict, invalid, to_mathml

ANSWER_TYPES = ("number", "expression", "equation", "inequality", "set", "list", "interval", "multiple_choice", "text")


def _check(spec: dict, answer: str, question_expression: str | None) -> Verdict:
    kind = spec["type"]
    refused = kinds.refusal(kind, answer, spec.get("variables") or ())
    if refused is not None:
        return refused
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
    except Exception as exc:  # a fault of the checker: the student gets a verdict, the caller logs the fault
        return {"verdict": invalid("not_checkable").to_dict(), "fault": f"{type(exc).__name__}: {exc}"[:500]}


def preview_payload(answer: str, answer_type: str) -> dict[str, Any]:
    if answer_type not in ANSWER_TYPES:
        return Preview(False, "unknown_type", f"unknown answer type {answer_type!r}").to_dict()
    try:
        refused = kinds.refusal(answer_type, answer)
        if refused is not None:
            return Preview(False, refused.answer_note, refused.feedback, refused.interpreted_as,
                           refused.interpreted_mathml).to_dict()
        latex, parsed = _interpret(answer, answer_type)
    except (limits.TooComplex, RecursionError, MemoryError, OverflowError):
        return Preview(False, "too_complex", FEEDBACK["too_complex"]).to_dict()
    except Exception as exc:  # a fault of the checker, as in check_payload
        return {**Preview(False, "not_checkable", FEEDBACK["not_checkable"]).to_dict(),
                "fault": f"{type(exc).__name__}: {exc}"[:500]}
    message = "Your answer was interpreted as shown." if latex else "OK."
    return Preview(True, None, message, latex, to_mathml(latex), parsed).to_dict()


def _interpret(answer: str, answer_type: str) -> tuple[str | None, Any]:
    """LaTeX and parsed form of an answer `kinds.refusal` accepted."""
    if answer_type == "number":
        latex, parsed, _ = numbers.preview(answer)
        return latex, parsed
    if answer_type in ("expression", "equation", "inequality"):
        node = parsing.parse(answer) if answer_type != "expression" else expressions.parse_expression(answer, [])
        value = None if node[0] == "rel" else str(expressions.evaluate(node))
        return parsing.latex_of(node), {"kind": answer_type, "sympy": value}
    if answer_type in ("set", "list"):
        verdict = collections.check_collection({"type": answer_type, "elements": ["0"]}, answer)
        return verdict.interpreted_as, verdict.parsed
    if answer_type == "interval":
        verdict = collections.check_interval({"type": "interval", "value": "(0, 1)"}, answer)
        return verdict.interpreted_as, verdict.parsed
    if answer_type == "text":
        return None, {"kind": "text", "normalized": text.normalize(answer)}
    ids = [p for p in answer.replace(";", ",").replace(" ", ",").split(",") if p]
    return None, {"kind": "multiple_choice", "ids": ids}
