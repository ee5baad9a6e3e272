"""Number answers: compared exactly with Decimal/Fraction on the raw string, never with floats.

Accepted input: a decimal (`2.50`, `-0.125`, `.5`, `6.02e23`, `6.02*10^23`, `6.02 \\times 10^{23}`), or a fraction of
two integers (`3/4`, `-\\frac{3}{4}`), optionally after `x =`. A fraction is accepted when it equals the target
exactly (or is within the tolerance), but not when significant figures or decimal places are asked for: then the
precision cannot be judged and the note is `wrong_precision` ("give it as a decimal"). Anything else that parses
(`sqrt(2)`, `2x`, `1+1`) is `not_a_number` (invalid).

Tolerances: with none, the answer must equal the value exactly - or, when a precision is asked for, equal the value
rounded (half up) to that precision. `tolerance_abs`: |a - t| <= tol; `tolerance_rel`: |a - t| <= tol * |t|; with
both, either suffices. Tolerances are read through their shortest decimal repr (0.005 is exactly 5/1000), so an
answer exactly at the tolerance is accepted.

Precision is read from the raw string: trailing zeros count (`2.50`: 3 s.f., 2 d.p.); an integer with trailing zeros
(`2500`) is ambiguous and has 2 to 4 s.f., any of which is accepted.
"""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation
from fractions import Fraction

from tutorassist.learning.cas import limits, parsing
from tutorassist.learning.cas.verdict import Verdict, invalid, make

_DEC = re.compile(r"^[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?$")
_SCI = re.compile(r"^([+-]?(?:\d+(?:\.\d*)?|\.\d+))\s*\*\s*10\s*\^\s*\{?\s*([+-]?\d+)\s*\}?$")
_FRAC = re.compile(r"^([+-]?)\s*(\d+)\s*/\s*(\d+)$")
_LFRAC = re.compile(r"^([+-]?)\s*\\[dt]?frac\s*\{\s*(\d+)\s*\}\s*\{\s*(\d+)\s*\}$")
_BRACKETED = re.compile(r"^([+-]?)\s*\((.*)\)$", re.S)
_PREFIX = re.compile(r"^[A-Za-z](?:_\{?[A-Za-z0-9]+\}?)?\s*=(?![=<>])\s*")


def _strip_brackets(text: str) -> str:
    """`-(0.05)`, `(-0.05)`, `-(-(1/2))`: brackets around a single number, with the signs multiplied out."""
    negative = False
    while True:
        m = _BRACKETED.match(text)
        if not m or not _balanced(m.group(2)):
            break
        negative ^= m.group(1) == "-"
        text = m.group(2).strip()
    if not negative:
        return text
    return text[1:].lstrip() if text.startswith("-") else "-" + text.lstrip("+").lstrip()


def _balanced(text: str) -> bool:
    depth = 0
    for ch in text:
        depth += {"(": 1, ")": -1}.get(ch, 0)
        if depth < 0:
            return False
    return depth == 0


def _decimal(text: str) -> Fraction:
    """The exact value of a decimal string; an exponent beyond limits.MAX_EXPONENT is refused like 10^1001."""
    exponent = text.lower().partition("e")[2]
    if exponent and abs(int(exponent)) > limits.MAX_EXPONENT:
        raise limits.TooComplex("exponent too large")
    return Fraction(Decimal(text))


def read_number(text: str) -> tuple[str, Fraction, str | None]:
    """(kind, value, raw decimal) with kind `decimal` or `fraction`; raise ValueError (not a plain number) or
    limits.TooComplex."""
    text = parsing.normalize(text)
    text = _PREFIX.sub("", text).strip()
    text = re.sub(r"\\left\(|\\right\)", lambda m: m.group(0)[-1], text)
    text = text.replace("\\cdot", "*").replace("\\times", "*")
    text = _strip_brackets(re.sub(r"^([+-])\s+", r"\1", text))
    if _DEC.match(text):
        return "decimal", _decimal(text), text
    m = _SCI.match(text)
    if m:
        raw = f"{m.group(1)}e{m.group(2)}"
        return "decimal", _decimal(raw), raw
    m = _FRAC.match(text) or _LFRAC.match(text)
    if m:
        sign, num, den = m.groups()
        if int(den) == 0:
            raise ZeroDivisionError
        value = Fraction(int(num), int(den))
        return "fraction", (-value if sign == "-" else value), None
    raise ValueError("not a number")


def decimal_places(raw: str) -> int:
    exponent = Decimal(raw).as_tuple().exponent
    return max(0, -int(exponent))


def significant_figures(raw: str) -> tuple[int, int]:
    """(fewest, most) significant figures of a decimal string; differ only for integers ending in zeros."""
    mantissa = raw.lower().split("e")[0].lstrip("+-")
    digits = mantissa.replace(".", "").lstrip("0")
    if not digits:  # zero: "0", "0.00" -> the zeros after the point count
        return (max(1, len(mantissa.split(".")[1]) if "." in mantissa else 1),) * 2
    most = len(digits)
    if "." not in mantissa:
        return len(digits.rstrip("0")) or 1, most
    return most, most


def _round_half_up(value: Fraction, exponent: int) -> Fraction:
    """`value` rounded half away from zero to a multiple of 10**exponent, exactly (no Decimal context whose precision
    a large number would exceed)."""
    unit = Fraction(10) ** exponent
    steps = abs(value) / unit
    whole = steps.numerator // steps.denominator
    if steps - whole >= Fraction(1, 2):
        whole += 1
    return (whole * unit) * (1 if value >= 0 else -1)


def _round_dp(value: Fraction, places: int) -> Fraction:
    return _round_half_up(value, -places)


def _magnitude(value: Fraction) -> int:
    """The exponent of the leading digit: 10**m <= |value| < 10**(m+1)."""
    value = abs(value)
    m = len(str(value.numerator)) - len(str(value.denominator))
    while Fraction(10) ** m > value:
        m -= 1
    while Fraction(10) ** (m + 1) <= value:
        m += 1
    return m


def _round_sf(value: Fraction, figures: int) -> Fraction:
    if value == 0:
        return value
    return _round_half_up(value, _magnitude(value) - figures + 1)


def _tolerance(value: float | None) -> Fraction | None:
    return None if value is None else Fraction(Decimal(repr(value)))


def _latex(kind: str, value: Fraction, raw: str | None) -> str:
    if kind == "decimal":
        assert raw is not None
        if "e" in raw.lower():
            mantissa, exponent = raw.lower().split("e")
            return f"{mantissa} \\times 10^{{{int(exponent)}}}"
        return raw
    if value.denominator == 1:
        return str(value.numerator)
    sign = "-" if value < 0 else ""
    return f"{sign}\\frac{{{abs(value.numerator)}}}{{{value.denominator}}}"


def parse_answer(answer: str) -> tuple[str, Fraction, str | None] | Verdict:
    try:
        return read_number(answer)
    except ZeroDivisionError:
        return invalid("division_by_zero")
    except (ValueError, InvalidOperation):
        pass
    except limits.TooComplex:
        return invalid("too_complex", "That number is too large or too small to check.")
    try:
        parsing.parse(answer)
    except parsing.ParseError as exc:
        return invalid("unparseable", f"Your answer could not be understood: {exc}.")
    return invalid("not_a_number")


def check(spec: dict, answer: str) -> Verdict:
    read = parse_answer(answer)
    if isinstance(read, Verdict):
        return read
    kind, a, raw = read
    target = Fraction(Decimal(spec["value"]))
    tol_abs, tol_rel = _tolerance(spec.get("tolerance_abs")), _tolerance(spec.get("tolerance_rel"))
    sf, dp = spec.get("significant_figures"), spec.get("decimal_places")
    latex = _latex(kind, a, raw)
    parsed = {"kind": "number", "form": kind, "raw": raw, "value": str(a)}

    def within(x: Fraction) -> bool:
        if tol_abs is None and tol_rel is None:
            return x == target
        return (tol_abs is not None and abs(x - target) <= tol_abs) or (
            tol_rel is not None and abs(x - target) <= tol_rel * abs(target)
        )

    def rounded_target_matches(x: Fraction) -> bool:
        return (dp is None or x == _round_dp(target, dp)) and (sf is None or x == _round_sf(target, sf))

    precision_asked = sf is not None or dp is not None
    value_ok = within(a) or (
        precision_asked and tol_abs is None and tol_rel is None and rounded_target_matches(a)
    )
    if kind == "decimal" and raw is not None:
        dp_ok = dp is None or decimal_places(raw) == dp
        low, high = significant_figures(raw)
        sf_ok = sf is None or low <= sf <= high
        precision_ok = dp_ok and sf_ok
    else:
        precision_ok = not precision_asked

    def out(verdict: str, note: str, feedback: str | None = None) -> Verdict:
        return make(verdict, note, latex=latex, parsed=parsed, feedback=feedback)  # type: ignore[arg-type]

    asked = (
        f"{dp} decimal place{'s' if dp != 1 else ''}" if dp is not None else f"{sf} significant figure{'s' if sf != 1 else ''}"
    )
    if value_ok and precision_ok:
        return out("correct", "correct")
    if value_ok:
        return out("incorrect", "wrong_precision", f"The value is right, but give it as a decimal to {asked}.")
    if precision_asked and kind == "decimal" and raw is not None:
        given = decimal_places(raw)
        if (dp is not None and _round_dp(a, dp) == _round_dp(target, dp)) or (
            sf is not None and _round_sf(a, sf) == _round_sf(target, sf)
        ) or (a == _round_dp(target, given) and given > 0) or (dp is None and sf is None):
            return out("incorrect", "wrong_precision", f"The value is right, but give it to {asked}.")
    if target != 0 and within(-a):
        return out("incorrect", "sign_error")
    if tol_abs is not None or tol_rel is not None:
        return out("incorrect", "numeric_out_of_tolerance")
    return out("incorrect", "incorrect")


def preview(answer: str) -> tuple[str | None, dict | None, str | None]:
    read = parse_answer(answer)
    if isinstance(read, Verdict):
        return None, None, read.answer_note
    kind, value, raw = read
    return _latex(kind, value, raw), {"kind": "number", "form": kind, "raw": raw, "value": str(value)}, None
