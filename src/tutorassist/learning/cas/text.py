"""Free-text answers, compared with the accepted answers after normalising both sides: Unicode NFKC, surrounding
whitespace stripped, inner whitespace collapsed to one space, trailing punctuation (. , ; : ! ?) stripped, and
casefolded unless case_sensitive."""

from __future__ import annotations

import re
import unicodedata

from tutorassist.learning.cas.verdict import Verdict, make


def normalize(text: str, case_sensitive: bool = False) -> str:
    text = unicodedata.normalize("NFKC", text)
    text = re.sub(r"\s+", " ", text).strip()
    text = re.sub(r"[\s.,;:!?]+$", "", text)
    return text if case_sensitive else text.casefold()


def check(spec: dict, answer: str) -> Verdict:
    case_sensitive = bool(spec.get("case_sensitive"))
    given = normalize(answer, case_sensitive)
    parsed = {"kind": "text", "normalized": given}
    if any(given == normalize(a, case_sensitive) for a in spec["accepted_answers"]):
        return make("correct", "correct", parsed=parsed)
    return make("incorrect", "incorrect", parsed=parsed)
