"""From a provider's raw candidates to questions that may be stored: safe auto-fixes (recorded), validation, the
verifier (LaTeX, answer checker, CAS), near-duplicates, and a quality score.

Auto-fix codes (recorded in generation_metadata.auto_fixes_applied):

* `latex_formatting`: `$$...$$` becomes `\\[...\\]`, `\\dfrac` becomes `\\frac`, stray whitespace is trimmed;
* `difficulty_clamped`: a difficulty outside 1..5 is brought into range;
* `tags_normalised`: tags lower-cased, trimmed, spaces as hyphens, duplicates and empty ones dropped.

Reject reasons (counted in the job result and question_batches.item_outcomes, never stored): `schema_mismatch`
(not a QuestionCandidate), `latex_invalid`, `answer_spec_invalid`, `answer_wrong` (the CAS disagrees),
`cas_check_unusable`, `near_duplicate` (of a workspace question), `duplicate_in_job`, and for whole calls
`malformed_response`, `missing_from_response`, `provider_error`, `not_returned` (a batch ended first), `over_budget`.

Quality score, 0..1: 1.0, minus 0.05 per auto-fix, minus 0.2 when the answer could not be verified by computation
(no cas_check), minus 0.1 when the difficulty is not the one asked for, minus 0.25 x the similarity to the closest
workspace question (below the duplicate threshold).
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any
from uuid import UUID

from pydantic import ValidationError
from sqlalchemy import text
from sqlalchemy.engine import Connection

from tutorassist.ai.candidate import QuestionCandidate
from tutorassist.ai.verify import verify_candidate
from tutorassist.questions.latex import latex_to_text

SimilarFn = Callable[[Connection, UUID, "Checked"], Sequence[tuple[UUID, float]]]
log = logging.getLogger("tutorassist.ai")
SIMILAR_SHOWN = 0.5  # similarities from here on are recorded as source_context.similar_questions


def trigram_similar(conn: Connection, workspace_id: UUID, checked: Checked) -> list[tuple[UUID, float]]:
    """The workspace's questions whose prompt text is most similar by trigrams (pg_trgm), best first: a SimilarFn
    that needs no embedding model (the jobs use ai.similar.EmbeddingSimilar)."""
    prompt_text = checked.prompt_text
    rows = conn.execute(text(
        "SELECT id, extensions.similarity(prompt_text, :t) AS s FROM questions "
        "WHERE workspace_id = :w AND prompt_text OPERATOR(extensions.%) :t ORDER BY s DESC, id LIMIT 5"),
        {"w": workspace_id, "t": prompt_text}).all()
    return [(r.id, float(r.s)) for r in rows]


def _fix_latex(value: str) -> str:
    """Display math as \\[...\\], \\frac for \\dfrac, tidy whitespace; applied until nothing changes, since one
    rewrite can line up `$$` pairs for the next (a property test found `$$\\[$$...$$`). It ends: every rewrite
    removes `$` signs or shortens the text."""
    while (fixed := _fix_latex_once(value)) != value:
        value = fixed
    return value


def _fix_latex_once(value: str) -> str:
    value = re.sub(r"\$\$(.+?)\$\$", lambda m: "\\[" + m.group(1).strip() + "\\]", value, flags=re.S)
    value = value.replace("\\dfrac", "\\frac")
    value = re.sub(r"[ \t]+\n", "\n", value)
    value = re.sub(r"\n{3,}", "\n\n", value)
    return re.sub(r"[ \t]{2,}", " ", value).strip()


def auto_fix(raw: dict[str, Any]) -> tuple[dict[str, Any], list[str]]:
    """The candidate with the safe fixes applied, and the codes of those that changed something."""
    fixed, fixes = dict(raw), []
    changed = False
    for key in ("prompt_latex", "solution_latex"):
        if isinstance(fixed.get(key), str):
            new = _fix_latex(fixed[key])
            changed |= new != fixed[key]
            fixed[key] = new
    if isinstance(fixed.get("hints"), list):
        hints = [_fix_latex(h) if isinstance(h, str) else h for h in fixed["hints"]]
        changed |= hints != fixed["hints"]
        fixed["hints"] = hints
    if changed:
        fixes.append("latex_formatting")
    difficulty = fixed.get("difficulty")
    if isinstance(difficulty, int) and not isinstance(difficulty, bool) and not 1 <= difficulty <= 5:
        fixed["difficulty"] = min(max(difficulty, 1), 5)
        fixes.append("difficulty_clamped")
    if isinstance(fixed.get("tags"), list) and all(isinstance(t, str) for t in fixed["tags"]):
        tags = list(dict.fromkeys(t for t in (re.sub(r"\s+", "-", t.strip().lower()) for t in fixed["tags"]) if t))
        if tags != fixed["tags"]:
            fixed["tags"] = tags
            fixes.append("tags_normalised")
    return fixed, fixes


@dataclass
class Checked:
    """A candidate that passed every check but the duplicate ones (which need the database)."""

    candidate: QuestionCandidate
    auto_fixes: list[str]
    checks: dict[str, Any]
    requested_difficulty: int
    prompt_text: str = ""
    similar: list[tuple[UUID, float]] = field(default_factory=list)

    @property
    def quality_score(self) -> float:
        score = 1.0 - 0.05 * len(self.auto_fixes)
        if not self.checks.get("answer_verified"):
            score -= 0.2
        if self.candidate.difficulty != self.requested_difficulty:
            score -= 0.1
        if self.similar:
            score -= 0.25 * max(s for _, s in self.similar)
        return round(min(max(score, 0.0), 1.0), 3)


def reject_code(checks: dict[str, bool | None]) -> str:
    """The reject reason counted for a candidate the verifier refused (its words go to the log): the first check
    that failed; a CAS check that could not be used or run is `cas_check_unusable`."""
    if checks.get("latex_valid") is False:
        return "latex_invalid"
    if checks.get("answer_parseable") is False:
        return "answer_spec_invalid"
    if checks.get("answer_verified") is False:
        return "answer_wrong"
    return "cas_check_unusable"


def check_candidate(raw: Any, requested_difficulty: int) -> Checked | str:
    """Fix, validate and verify one raw candidate: a Checked, or the reject reason."""
    if not isinstance(raw, dict):
        return "schema_mismatch"
    fixed, fixes = auto_fix(raw)
    try:
        candidate = QuestionCandidate.model_validate(fixed)
    except ValidationError:
        return "schema_mismatch"
    verification = verify_candidate(candidate)
    if not verification.ok:
        log.info("candidate rejected: %s", verification.reason)
        return reject_code(verification.checks)
    return Checked(candidate, fixes, dict(verification.checks), requested_difficulty,
                   prompt_text=latex_to_text(candidate.prompt_latex))


def normalised(prompt_text: str) -> str:
    return re.sub(r"\s+", " ", prompt_text.lower()).strip()


_NUMBER = re.compile(r"\d+(?:\.\d+)?")


def math_signature(prompt_text: str) -> tuple[str, ...]:
    """The numbers of a prompt, in order: two questions worded alike are the same exercise only when they are about
    the same numbers (`Solve x + 4 = -8` and `Solve x + 10 = 2` differ; `Solve 2x + 3 = 7` and `Find x when
    2x + 3 = 7` do not)."""
    return tuple(_NUMBER.findall(prompt_text))


def duplicate_reason(conn: Connection, workspace_id: UUID, checked: Checked, seen: set[str],
                     similar_fn: SimilarFn, threshold: float) -> str | None:
    """near_duplicate / duplicate_in_job, or None (then checked.similar holds the close ones).

    Close in wording (similarity at or above the threshold) and about the same numbers makes a near-duplicate:
    generated math questions share their wording by design and differ in their numbers."""
    key = normalised(checked.prompt_text)
    if key in seen:
        return "duplicate_in_job"
    similar = [(qid, s) for qid, s in similar_fn(conn, workspace_id, checked)]
    close = [qid for qid, s in similar if s >= threshold]
    if close:
        signature = math_signature(checked.prompt_text)
        texts = conn.execute(text("SELECT prompt_text FROM questions WHERE workspace_id = :w AND id = ANY(:ids)"),
                             {"w": workspace_id, "ids": close}).scalars()
        if any(math_signature(other) == signature for other in texts):
            return "near_duplicate"
    seen.add(key)
    checked.similar = [(qid, s) for qid, s in similar if s >= SIMILAR_SHOWN]
    return None
