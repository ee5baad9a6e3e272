"""Pure-Python answer checking (no database): `check(spec, answer)` grades a student's answer against a question's
answer specification (tutorassist.questions.contracts.AnswerSpec), `preview(answer, answer_type)` shows how it was
understood. See docs/answer-checking.md for the notes, forms, decisions and limits.

    >>> check({"type": "expression", "value": "2x+2"}, "2(x+1)").verdict
    'correct'

Modules: parsing (input -> tree -> sympy; the facade of tokens, grammar, sizes, render, splitting), kinds (is the
input of the right kind: shared by grading and preview), numbers, expressions (forms), equivalence (are two
expressions equal), relations (equations, inequalities), collections (sets, lists, intervals), choice, text, limits
(length/depth/size limits and the bounded pool of worker processes with a hard time limit), engine (dispatch, runs in
the worker), verdict (result types).
"""

from __future__ import annotations

import logging
from typing import Any

from pydantic import BaseModel, TypeAdapter, ValidationError

from tutorassist.learning.cas import limits
from tutorassist.learning.cas.verdict import FEEDBACK, NOTES, Preview, Verdict, invalid

__all__ = ["FEEDBACK", "NOTES", "InvalidSpec", "Preview", "Verdict", "check", "check_async", "preview", "validate_spec"]

_log = logging.getLogger(__name__)

_LOCAL_TYPES = {"multiple_choice", "text"}
"""Checked in the calling process: no sympy, nothing that can blow up."""


class InvalidSpec(ValueError):
    """The answer specification is not a valid AnswerSpec, or its value could not be parsed."""


_ADAPTER: TypeAdapter | None = None


def validate_spec(spec: dict | BaseModel) -> dict[str, Any]:
    """Validate against the AnswerSpec models; return the spec as a plain dict. Raise InvalidSpec."""
    global _ADAPTER
    from tutorassist.kit.jsonb import validate_contract
    from tutorassist.questions.contracts import ANSWER_SPEC_MODELS, AnswerSpec

    if isinstance(spec, BaseModel):
        if not isinstance(spec, ANSWER_SPEC_MODELS):
            raise InvalidSpec(f"{type(spec).__name__} is not an answer specification")
        return spec.model_dump(mode="json")
    if _ADAPTER is None:
        _ADAPTER = TypeAdapter(AnswerSpec)
    try:
        model = validate_contract(_ADAPTER, spec)
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in e['loc']) or '(spec)'}: {e['msg']}" for e in exc.errors()[:5]
        )
        raise InvalidSpec(f"invalid answer specification: {problems}") from None
    return model.model_dump(mode="json")


def _precheck(answer: str, question_expression: str | None = None) -> Verdict | None:
    if not isinstance(answer, str):
        raise TypeError("answer must be a string")
    if not answer.strip():
        return invalid("empty_answer")
    if len(answer) > limits.MAX_INPUT_CHARS or (question_expression and len(question_expression) > limits.MAX_INPUT_CHARS):
        return invalid("too_long", f"Your answer is too long (at most {limits.MAX_INPUT_CHARS} characters).")
    try:
        limits.check_nesting(answer)
    except limits.TooComplex:
        return invalid("too_complex")
    return None


def check(
    spec: dict | BaseModel,
    answer: str,
    *,
    question_expression: str | None = None,
    timeout: float | None = None,
) -> Verdict:
    """Grade `answer` against `spec`. `question_expression` (expression answers) is the expression the question
    asks to transform: an answer that merely repeats it is `same_as_question`. Never raises for bad answers (they give
    `invalid` verdicts); raises InvalidSpec for a bad specification."""
    from tutorassist.learning.cas import engine

    spec_dict = validate_spec(spec)
    early = _precheck(answer, question_expression)
    if early is not None:
        return early
    if spec_dict["type"] in _LOCAL_TYPES:
        result = engine.check_payload(spec_dict, answer, None)
    else:
        try:
            result = limits.run_limited(engine.check_payload, (spec_dict, answer, question_expression), timeout)
        except limits.Timeout:
            return invalid("timeout")
        except limits.TooComplex:
            return invalid("too_complex")
        except limits.Busy:
            return invalid("busy")
    if "spec_error" in result:
        raise InvalidSpec(result["spec_error"])
    if "fault" in result:
        _log.error("answer checker fault on %r for %s: %s", answer[:200], spec_dict["type"], result["fault"])
    return Verdict(**result["verdict"])


async def check_async(
    spec: dict | BaseModel,
    answer: str,
    *,
    question_expression: str | None = None,
    timeout: float | None = None,
) -> Verdict:
    """`check` in a thread, for async callers: waiting for a worker never blocks the event loop."""
    import asyncio

    return await asyncio.to_thread(check, spec, answer, question_expression=question_expression, timeout=timeout)


def preview(answer: str, answer_type: str, *, timeout: float | None = None) -> Preview:
    """How `answer` is understood for `answer_type` (LaTeX/MathML in interpreted_as/interpreted_mathml), ungraded."""
    from tutorassist.learning.cas import engine

    early = _precheck(answer)
    if early is not None:
        return Preview(False, early.answer_note, early.feedback)
    try:
        result = limits.run_limited(engine.preview_payload, (answer, answer_type), timeout)
    except limits.Timeout:
        return Preview(False, "timeout", FEEDBACK["timeout"])
    except limits.TooComplex:
        return Preview(False, "too_complex", FEEDBACK["too_complex"])
    except limits.Busy:
        return Preview(False, "busy", FEEDBACK["busy"])
    if "fault" in result:
        _log.error("answer checker fault on %r (preview, %s): %s", answer[:200], answer_type, result.pop("fault"))
    return Preview(**result)
