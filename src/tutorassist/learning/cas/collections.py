"""Set, list and interval answers; each element is compared with `expressions.equivalent`.

Sets: `{1, 2}`, `\\{1, 2\\}`, `1, 2`, `x = 1 or x = 2`, `\\emptyset`; order and repetition are ignored. Lists:
`[1, 2]`, `(1, 2)`, `1, 2`; compared in order unless `ordered` is false (then as a multiset). Notes: `correct`,
`missing_elements` (some expected values absent, none extra), `extra_elements` (all expected values present, plus
others), `wrong_order` (an ordered list with the right values in another order), `incorrect` (values both missing and
extra).

Intervals: `(-2, 2]`, `[0, \\infty)`, unions with `\\cup`, `∪` or `U`, `\\emptyset`; endpoints must be constants. The
sets are compared; when the endpoints match but an end is open instead of closed (or the reverse) the note is
`wrong_endpoints`; a closed bracket at an infinite end (`[0, \\infty]`) is also `wrong_endpoints`. Anything not in
interval notation is `not_an_interval` (invalid).
"""

from __future__ import annotations

import re
from typing import Any

from tutorassist.learning.cas import parsing
from tutorassist.learning.cas.expressions import DivisionByZero, SpecError, equivalent, evaluate
from tutorassist.learning.cas.verdict import Verdict, invalid, make


class _BadElement(Exception):
    def __init__(self, item: str, message: str):
        super().__init__(message)
        self.item, self.message = item, message


def _element(text: str) -> tuple[Any, str]:
    try:
        node = parsing.parse(text)
        if node[0] == "rel":
            raise parsing.ParseError("an equation or inequality is not allowed as an element")
        return evaluate(node), parsing.latex_of(node)
    except parsing.ParseError as exc:
        raise _BadElement(text, str(exc)) from exc
    except DivisionByZero as exc:
        raise _BadElement(text, "division by zero") from exc


def _match(answer: list, target: list) -> tuple[list[int], list[int]]:
    """Greedy one-to-one matching: (indexes of unmatched target values, indexes of unmatched answer values)."""
    used: set[int] = set()
    missing = []
    for ti, t in enumerate(target):
        for ai, a in enumerate(answer):
            if ai not in used and equivalent(a, t):
                used.add(ai)
                break
        else:
            missing.append(ti)
    extra = [ai for ai in range(len(answer)) if ai not in used]
    return missing, extra


def _dedupe(values: list) -> list:
    out: list = []
    for v in values:
        if not any(equivalent(v, w) for w in out):
            out.append(v)
    return out


def _parse_items(answer: str, kind: str) -> tuple[list, list[str]] | Verdict:
    items = parsing.collection_items(answer, kind)
    if any(not item for item in items):
        return invalid("unparseable", "Your answer could not be understood: an element is empty (check the commas).")
    try:
        parsed_items = [_element(item) for item in items]
    except _BadElement as exc:
        return invalid("unparseable", f"Your answer could not be understood: in '{exc.item[:40]}', {exc.message}.")
    return parsed_items, items


def collection_refusal(answer: str, kind: str) -> Verdict | None:
    """The invalid verdict for an answer that is not a set/list of values (see kinds.py), or None."""
    parsed = _parse_items(answer, kind)
    return parsed if isinstance(parsed, Verdict) else None


def check_collection(spec: dict, answer: str) -> Verdict:
    kind = spec["type"]
    try:
        target = [_element(e)[0] for e in spec["elements"]]
    except _BadElement as exc:
        raise SpecError(f"the specification's element {exc.item!r} could not be parsed: {exc.message}") from exc
    parsed = _parse_items(answer, kind)
    if isinstance(parsed, Verdict):
        return parsed
    parsed_items, items = parsed
    values = [v for v, _ in parsed_items]
    opener, closer = ("\\left\\{", "\\right\\}") if kind == "set" else ("\\left[", "\\right]")
    latex = opener + ", ".join(l for _, l in parsed_items) + closer if items else ("\\emptyset" if kind == "set" else "\\left[\\right]")
    parsed = {"kind": kind, "elements": [str(v) for v in values]}

    def out(note: str) -> Verdict:
        return make("correct" if note == "correct" else "incorrect", note, latex=latex, parsed=parsed)

    if kind == "set":
        values, target = _dedupe(values), _dedupe(target)
    if kind == "list" and spec.get("ordered", True):
        if len(values) == len(target) and all(equivalent(a, t) for a, t in zip(values, target)):
            return out("correct")
        missing, extra = _match(values, target)
        if not missing and not extra:
            return out("wrong_order")
    else:
        missing, extra = _match(values, target)
        if not missing and not extra:
            return out("correct")
    if missing and not extra:
        return out("missing_elements")
    if extra and not missing:
        return out("extra_elements")
    return out("incorrect")


# --------------------------------------------------------------------------------------------- intervals

_UNION = re.compile(r"\\cup|∪|\s+[Uu]\s+|(?<=[\])])\s*[Uu]\s*(?=[\[(])")
_EMPTY = re.compile(r"^(\\emptyset|\\varnothing|∅|\{\s*\}|\\\{\s*\\\})$")


class _NotInterval(Exception):
    pass


def parse_intervals(text: str) -> list[tuple[Any, Any, bool, bool, str]]:
    """[(low, high, low_closed, high_closed, latex)]; raise _NotInterval or parsing.ParseError."""
    text = parsing.normalize(text)
    text = re.sub(r"\\left\s*|\\right\s*", "", text)
    if _EMPTY.match(text.strip()):
        return []
    out = []
    for piece in _UNION.split(text):
        piece = piece.strip()
        if len(piece) < 5 or piece[0] not in "[(" or piece[-1] not in "])":
            raise _NotInterval()
        parts = parsing.split_top_level(piece[1:-1])
        if len(parts) != 2 or not all(p.strip() for p in parts):
            raise _NotInterval()
        ends = []
        for part in parts:
            node = parsing.parse(part)
            if node[0] in ("rel", "tuple"):
                raise _NotInterval()
            value = evaluate(node)
            if value.free_symbols:
                raise parsing.ParseError(f"the endpoint '{part.strip()[:30]}' is not a number")
            ends.append((value, parsing.latex_of(node)))
        latex = f"\\left{piece[0]}{ends[0][1]}, {ends[1][1]}\\right{piece[-1]}"
        out.append((ends[0][0], ends[1][0], piece[0] == "[", piece[-1] == "]", latex))
    return out


def _as_set(intervals: list) -> Any:
    import sympy as sp

    return sp.Union(*[sp.Interval(lo, hi, not lc, not hc) for lo, hi, lc, hc, _ in intervals]) if intervals else sp.S.EmptySet


def _read_intervals(answer: str) -> list | Verdict:
    try:
        return parse_intervals(answer)
    except _NotInterval:
        return invalid("not_an_interval")
    except parsing.ParseError as exc:
        return invalid("unparseable", f"Your answer could not be understood: {exc}.")
    except DivisionByZero:
        return invalid("division_by_zero")


def interval_refusal(answer: str) -> Verdict | None:
    """The invalid verdict for an answer that is not in interval notation (see kinds.py), or None."""
    given = _read_intervals(answer)
    return given if isinstance(given, Verdict) else None


def check_interval(spec: dict, answer: str) -> Verdict:
    import sympy as sp

    try:
        target = parse_intervals(spec["value"])
    except Exception as exc:
        raise SpecError(f"the specification's interval {spec['value']!r} could not be parsed") from exc
    given = _read_intervals(answer)
    if isinstance(given, Verdict):
        return given
    latex = " \\cup ".join(i[4] for i in given) if given else "\\emptyset"
    parsed = {"kind": "interval", "intervals": [[str(lo), str(hi), lc, hc] for lo, hi, lc, hc, _ in given]}

    def out(note: str) -> Verdict:
        return make("correct" if note == "correct" else "incorrect", note, latex=latex, parsed=parsed)

    closed_infinity = any((lc and lo.is_infinite) or (hc and hi.is_infinite) for lo, hi, lc, hc, _ in given)
    a_set, t_set = _as_set(given), _as_set(target)
    same = a_set == t_set or (sp.Complement(a_set, t_set) == sp.S.EmptySet and sp.Complement(t_set, a_set) == sp.S.EmptySet)
    if same and not closed_infinity:
        return out("correct")
    if len(given) == len(target):
        key = lambda i: (float(i[0]) if i[0].is_finite else (-1e300 if i[0].is_negative else 1e300))  # noqa: E731
        pairs = zip(sorted(given, key=key), sorted(target, key=key))
        if all(equivalent(a[0], t[0]) and equivalent(a[1], t[1]) for a, t in pairs):
            return out("wrong_endpoints")
    return out("incorrect")
