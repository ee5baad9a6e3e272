"""Is a generated question right? `verify_candidate` is what the generation pipeline asks of every candidate, from
the offline templates or from a model, before it may be stored:

1. `latex_valid`: the prompt, every hint and the solution render: math delimiters (`$`, `$$`, `\\(`, `\\[`), braces,
   `\\left`/`\\right` and `\\begin`/`\\end` pair up, fractions and roots have their arguments, every command is one
   the renderer (tutorassist.questions.latex) knows, each formula converts to MathML, and the prompt has text.
2. `answer_parseable`: the answer specification is a valid AnswerSpec of the candidate's answer type, and the answer
   checker grades its own correct answer (the rule questions are created under: questions/spec_check.py).
3. `answer_verified` (False: shown wrong; None without a `cas_check`, when the CAS cannot decide, or, refused with a
   reason, when the check itself is unusable, too complex or out of time): the CasCheck is parsed with the
   checker's own parser (never `sympify`), recomputed with sympy (solve / evaluate / differentiate) and the stated
   answer compared with the checker's equivalence, so `x = 2`, `{2}` and `2` are the same answer to `2x + 3 = 7`.

The LaTeX checks live in ai/latex_check.py. The recomputation is the answer checker's
(tutorassist.learning.cas.recompute) and runs in the checker's worker pool under a time limit, like every sympy call
of the checker (learning/cas/limits.py): garbage from a model can neither hang nor crash the caller.
TUTORASSIST_CAS_INLINE=1 runs it in-process.

Never raises: a candidate that cannot be read gives `ok=False` and a reason in plain words.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import Any

from tutorassist.ai.latex_check import latex_problem
from tutorassist.learning.cas import limits
from tutorassist.learning.cas.recompute import recompute_payload

log = logging.getLogger("tutorassist.ai")

__all__ = ["Verification", "latex_problem", "verify_candidate"]


@dataclass(frozen=True)
class Verification:
    """ok: the candidate may be stored. reason: why not (plain words), or None. checks: latex_valid,
    answer_parseable, answer_verified (True/False, None when not computable)."""

    ok: bool
    reason: str | None
    checks: dict[str, bool | None] = field(default_factory=dict)


def verify_candidate(candidate: Any, *, timeout: float | None = None) -> Verification:
    """Check a QuestionCandidate (or a dict of one) as described in the module docstring."""
    checks: dict[str, bool | None] = {"latex_valid": None, "answer_parseable": None, "answer_verified": None}
    try:
        return _verify(candidate, timeout, checks)
    except Exception as exc:  # a defect here must reject the candidate, not stop the generation job
        log.warning("verify_candidate failed", exc_info=exc)
        return Verification(False, f"the candidate could not be checked ({type(exc).__name__})", checks)


def _verify(raw: Any, timeout: float | None, checks: dict[str, bool | None]) -> Verification:
    from pydantic import ValidationError

    from tutorassist.ai.candidate import QuestionCandidate

    try:
        candidate = raw if isinstance(raw, QuestionCandidate) else QuestionCandidate.model_validate(raw)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"]) or "candidate"
        return Verification(False, f"not a valid question candidate: {where}: {first['msg']}", checks)
    reasons: list[str] = []

    texts = [("the prompt", candidate.prompt_latex)]
    texts += [(f"hint {i}", hint) for i, hint in enumerate(candidate.hints, 1)]
    if candidate.solution_latex is not None:
        texts.append(("the solution", candidate.solution_latex))
    latex_reasons = [f"{what}: {problem}" for what, text in texts if (problem := latex_problem(text)) is not None]
    from tutorassist.questions.latex import latex_to_text

    if not latex_to_text(candidate.prompt_latex):
        latex_reasons.insert(0, "the prompt is empty")
    checks["latex_valid"] = not latex_reasons
    reasons += latex_reasons

    spec, spec_reason = _checked_spec(candidate.answer_type, candidate.answer_spec)
    checks["answer_parseable"] = spec_reason is None
    if spec_reason:
        reasons.append(spec_reason)

    if candidate.cas_check is not None and spec is not None:
        verified, reason = _recompute_limited(candidate.cas_check.model_dump(), spec, timeout)
        checks["answer_verified"] = verified
        if reason:
            reasons.append(reason)
    ok = not reasons and checks["latex_valid"] is True and checks["answer_parseable"] is True
    return Verification(ok, "; ".join(reasons) if reasons else None, checks)


# --------------------------------------------------------------------------------------------- answer specification


def _checked_spec(answer_type: str, raw: Any) -> tuple[dict | None, str | None]:
    """(the validated spec, None), or (None, why the checker cannot grade against it)."""
    from tutorassist.learning import cas
    from tutorassist.questions.spec_check import checker_errors

    try:
        spec = cas.validate_spec(raw)
    except cas.InvalidSpec as exc:
        return None, f"the answer specification is not valid ({exc})"
    if spec["type"] != answer_type:
        return None, f"the answer type {answer_type} does not match the specification's type {spec['type']}"
    errors = checker_errors(spec, "answer_spec")
    if errors:
        return None, "; ".join(f"{e['field']}: {e['message']}" for e in errors)
    return spec, None


# --------------------------------------------------------------------------------------------- recomputation


def _recompute_limited(check: dict, spec: dict, timeout: float | None) -> tuple[bool | None, str | None]:
    """(answer_verified, reason) from the checker's `recompute_payload`, run in its worker pool under the time
    limit (in-process with TUTORASSIST_CAS_INLINE=1)."""
    seconds = limits.DEFAULT_TIMEOUT * 2 if timeout is None else timeout
    try:
        result = limits.run_limited(recompute_payload, (check, spec), seconds)
    except limits.Timeout:
        return None, f"the answer could not be recomputed within {seconds:g} s"
    except limits.Busy:
        return None, "the answer could not be recomputed now (the CAS is busy); try again"
    except limits.TooComplex:
        return None, "the CAS check is too complex to compute"
    if result.get("fault"):
        log.warning("CAS recomputation fault on %r: %s", check, result["fault"])
    return result.get("verified"), result.get("reason")
