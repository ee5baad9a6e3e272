"""Multiple-choice answers: the answer is the id of the chosen option, or comma-separated ids (allow_multiple).

Ids match exactly, or case-insensitively when that is unambiguous. An unknown id is `unknown_choice` (invalid: the
student meant something the question does not offer); several ids for a single-answer question are
`too_many_choices` (invalid). With allow_multiple the selection must be exactly the correct set: a strict subset of it
is `missing_choices`, any wrong option `wrong_choice`. No partial credit.
"""

from __future__ import annotations

import re

from tutorassist.learning.cas.verdict import Verdict, invalid, make


def check(spec: dict, answer: str) -> Verdict:
    ids = [choice["id"] for choice in spec["choices"]]
    lower: dict[str, list[str]] = {}
    for cid in ids:
        lower.setdefault(cid.casefold(), []).append(cid)
    chosen: list[str] = []
    for part in (p for p in re.split(r"[,;\s]+", answer.strip()) if p):
        if part in ids:
            cid = part
        elif len(lower.get(part.casefold(), [])) == 1:
            cid = lower[part.casefold()][0]
        else:
            return invalid("unknown_choice", f"'{part[:40]}' is not one of the choices.")
        if cid not in chosen:
            chosen.append(cid)
    parsed = {"kind": "multiple_choice", "ids": chosen}
    correct = set(spec["correct_ids"])
    if not spec.get("allow_multiple") and len(chosen) > 1:
        return invalid("too_many_choices")
    if set(chosen) == correct:
        return make("correct", "correct", parsed=parsed)
    if set(chosen) < correct:
        return make("incorrect", "missing_choices", parsed=parsed)
    return make("incorrect", "wrong_choice", parsed=parsed)
