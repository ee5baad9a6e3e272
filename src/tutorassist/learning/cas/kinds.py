"""One verdict on the kind of an answer, shared by grading (engine.check_payload) and the preview: is this input a
number / an expression / an equation / ... that can be graded at all? `refusal` returns the `invalid` verdict when it
is not (unparseable, not_a_number, not_an_equation, division_by_zero, ...) and None when it is. Choice ids and free
text cannot be judged without the question, so any non-empty input is of the right kind for them."""

from __future__ import annotations

from tutorassist.learning.cas import collections, expressions, numbers, parsing
from tutorassist.learning.cas.expressions import DivisionByZero, evaluate
from tutorassist.learning.cas.verdict import Verdict, invalid, make

_INEQUALITY_OPS = {"<", ">", "<=", ">="}


def _unparseable(exc: Exception) -> Verdict:
    return invalid("unparseable", f"Your answer could not be understood: {exc}.")


def _relation(answer: str, variables: list[str], ops: set[str], note: str) -> Verdict | None:
    try:
        node = parsing.parse(answer, variables)
    except parsing.ParseError as exc:
        return _unparseable(exc)
    if node[0] != "rel" or not set(node[2]) <= ops:
        return make("invalid", note, latex=parsing.latex_of(node))
    try:
        for side in node[1]:
            evaluate(side)
    except DivisionByZero:
        return invalid("division_by_zero")
    return None


def _expression(answer: str, variables: list[str]) -> Verdict | None:
    try:
        node = expressions.parse_expression(answer, variables)
    except expressions.NotAnExpression:
        return invalid("not_an_expression")
    except parsing.ParseError as exc:
        return _unparseable(exc)
    try:
        evaluate(node)
    except DivisionByZero:
        return invalid("division_by_zero")
    return None


def refusal(answer_type: str, answer: str, variables: list[str] | tuple[str, ...] = ()) -> Verdict | None:
    """The invalid verdict for an answer of the wrong kind for `answer_type`, or None. May raise limits.TooComplex
    (and RecursionError/MemoryError/OverflowError), which both callers turn into `too_complex`."""
    variables = list(variables)
    if answer_type == "number":
        read = numbers.parse_answer(answer)
        return read if isinstance(read, Verdict) else None
    if answer_type == "expression":
        return _expression(answer, variables)
    if answer_type == "equation":
        return _relation(answer, variables, {"="}, "not_an_equation")
    if answer_type == "inequality":
        return _relation(answer, variables, _INEQUALITY_OPS, "not_an_inequality")
    if answer_type in ("set", "list"):
        return collections.collection_refusal(answer, answer_type)
    if answer_type == "interval":
        return collections.interval_refusal(answer)
    return None
