"""Is a generated question sound? Its LaTeX renders, its answer specification is one the answer checker grades, and
where the question says how to compute its answer (`cas_check`), the CAS agrees with the stated answer.

Placeholder of this branch with the interface the real verifier keeps (`verify_candidate`, `Verification`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

import sympy
from pydantic import ValidationError
from sympy.parsing.sympy_parser import convert_xor, implicit_multiplication_application, parse_expr, standard_transformations

from tutorassist.ai.candidate import CasCheck, QuestionCandidate
from tutorassist.learning import cas
from tutorassist.questions import spec_check
from tutorassist.questions.contracts import ANSWER_SPEC_MODELS, ANSWER_TYPES


@dataclass(frozen=True)
class Verification:
    """ok: the candidate may be stored; reason: why not (a short code); checks: latex_valid, answer_parseable,
    answer_verified (None when the question is not computable)."""

    ok: bool
    reason: str | None
    checks: dict[str, Any] = field(default_factory=dict)


_TRANSFORMS = standard_transformations + (implicit_multiplication_application, convert_xor)
_DELIMITER_PAIRS = ((r"\(", r"\)"), (r"\[", r"\]"), (r"\begin{", r"\end{"), (r"\left", r"\right"))


def latex_renders(source: str) -> bool:
    """Balanced braces, math delimiters and environments: what a renderer needs to lay the text out at all."""
    depth = 0
    for match in re.finditer(r"\\.|[{}]", source):
        token = match.group()
        depth += {"{": 1, "}": -1}.get(token, 0)
        if depth < 0:
            return False
    if depth != 0:
        return False
    if len(re.findall(r"(?<!\\)\$", source)) % 2:
        return False
    return all(source.count(opening) == source.count(closing) for opening, closing in _DELIMITER_PAIRS)


def _parse(text: str, names: list[str]) -> sympy.Expr:
    symbols = {name: sympy.Symbol(name) for name in names}
    return parse_expr(text, local_dict=symbols, transformations=_TRANSFORMS, evaluate=True)


def _computed_answer(check: CasCheck, spec: dict[str, Any]) -> str | None:
    """The answer the CAS computes, written as a student would answer `spec`; None when it cannot compute one."""
    names = check.variables or ["x"]
    if check.kind == "evaluate":
        return str(sympy.nsimplify(_parse(check.expression, names))).replace("**", "^")
    if check.kind == "differentiate":
        return str(sympy.diff(_parse(check.expression, names), sympy.Symbol(names[0]))).replace("**", "^")
    equations = []
    for part in check.expression.split(";"):
        if part.count("=") != 1:
            return None
        left, right = part.split("=")
        equations.append(sympy.Eq(_parse(left, names), _parse(right, names)))
    solutions = sympy.solve(equations, [sympy.Symbol(n) for n in names], dict=True)
    if not solutions:
        return None
    values = [str(s[sympy.Symbol(names[0])]).replace("**", "^") for s in solutions if sympy.Symbol(names[0]) in s]
    if spec["type"] in ("set", "list") and len(names) == 1:
        return "{" + ", ".join(values) + "}" if spec["type"] == "set" else "[" + ", ".join(values) + "]"
    if spec["type"] == "list":  # a system: the values in the order of the variables
        return "[" + ", ".join(str(solutions[0][sympy.Symbol(n)]) for n in names) + "]"
    return values[0] if len(values) == 1 else None


def verify_candidate(candidate: QuestionCandidate, timeout: float | None = None) -> Verification:
    texts = [candidate.prompt_latex, *(candidate.hints or []), candidate.solution_latex or ""]
    checks: dict[str, Any] = {"latex_valid": all(latex_renders(t) for t in texts), "answer_parseable": False,
                              "answer_verified": None}
    if not checks["latex_valid"]:
        return Verification(False, "latex_invalid", checks)
    try:
        model = ANSWER_SPEC_MODELS[ANSWER_TYPES.index(candidate.answer_type)]
        spec = model.model_validate(candidate.answer_spec).model_dump(mode="json", exclude_none=True)
    except (ValidationError, ValueError):
        return Verification(False, "answer_spec_invalid", checks)
    if spec["type"] != candidate.answer_type or spec_check.checker_errors(spec, "answer_spec"):
        return Verification(False, "answer_spec_invalid", checks)
    checks["answer_parseable"] = True
    if candidate.cas_check is None:
        return Verification(True, None, checks)
    try:
        computed = _computed_answer(candidate.cas_check, spec)
    except (sympy.SympifyError, SyntaxError, TypeError, ValueError, NotImplementedError, AttributeError):
        computed = None
    if computed is None:
        return Verification(False, "cas_check_unusable", checks)
    verdict = cas.check(spec, computed, timeout=timeout)
    checks["answer_verified"] = verdict.verdict == "correct"
    if not checks["answer_verified"]:
        return Verification(False, "answer_wrong", checks)
    return Verification(True, None, checks)
