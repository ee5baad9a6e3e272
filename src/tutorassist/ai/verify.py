"""Is a generated question right? `verify_candidate` is what the generation pipeline asks of every candidate, from
the offline templates or from a model, before it may be stored:

1. `latex_valid`: the prompt, every hint and the solution render: math delimiters (`$`, `$$`, `\\(`, `\\[`), braces,
   `\\left`/`\\right` and `\\begin`/`\\end` pair up, fractions and roots have their arguments, every command is one
   the renderer (tutorassist.questions.latex) knows, each formula converts to MathML, and the prompt has text.
2. `answer_parseable`: the answer specification is a valid AnswerSpec of the candidate's answer type, and the answer
   checker grades its own correct answer (the rule questions are created under: questions/spec_check.py).
3. `answer_verified` (None without a `cas_check`, or when the CAS cannot compute it): the CasCheck is parsed with the
   checker's own parser (never `sympify`), recomputed with sympy (solve / evaluate / differentiate) and the stated
   answer compared with the checker's equivalence, so `x = 2`, `{2}` and `2` are the same answer to `2x + 3 = 7`.

The recomputation runs in a worker process under a time limit, like every sympy call of the answer checker
(tutorassist.learning.cas.limits): garbage from a model can neither hang nor crash the caller. The checker's pool
only runs the checker's own functions (learning/cas/worker.py), so this module keeps one worker of its own that
speaks the same protocol (`python -m tutorassist.ai.verify`); TUTORASSIST_CAS_INLINE=1 runs it in-process.

Never raises: a candidate that cannot be read gives `ok=False` and a reason in plain words.
"""

from __future__ import annotations

import atexit
import json
import logging
import os
import queue
import re
import subprocess
import sys
import threading
from dataclasses import dataclass, field
from typing import Any

from tutorassist.learning.cas import limits

log = logging.getLogger("tutorassist.ai")

__all__ = ["Verification", "latex_problem", "recompute", "verify_candidate"]


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


# --------------------------------------------------------------------------------------------- LaTeX


def _known_commands() -> set[str]:
    from tutorassist.questions import latex

    functions = {"sin", "cos", "tan", "sec", "csc", "cot", "arcsin", "arccos", "arctan", "sinh", "cosh", "tanh",
                 "coth", "log", "ln", "lg", "exp", "lim", "max", "min", "sup", "inf", "det", "gcd", "deg", "arg",
                 "mod", "bmod", "pmod", "Pr", "dim", "ker"}
    other = {"sqrt", "textcolor", "not", "overset", "underset", "stackrel", "xrightarrow", "lbrace", "rbrace",
             "colon", "ell", "hbar", "limits", "binom", "over", "hat", "checkmark", "dagger", "Re", "Im", "aleph",
             "varnothing", "lVert", "rVert", "lbrack", "rbrack", "cr", "nonumber", "notag", "triangleq", "cong",
             "simeq", "ll", "gg", "uparrow", "downarrow", "mapsto", "longrightarrow", "Longrightarrow", "pounds",
             "euro", "dollar", "S", "P", "bullet", "star", "ast", "ominus", "oplus", "otimes", "wedge", "vee", "top",
             "bot", "emph", "operatorname", "choose", "vdots", "ddots", "because", "therefore", "square",
             "leqslant", "geqslant", "iint", "iiint", "gets", "cline", "textdegree"}
    return (set(latex.GREEK) | set(latex.SYMBOLS) | latex.SPACES | latex.KEEP_ARGUMENT | latex.DROP_ARGUMENT
            | latex.FRACTIONS | latex.BINOMIALS | functions | other
            | {"var" + g for g in ("epsilon", "theta", "pi", "rho", "sigma", "phi")})


_KNOWN: set[str] | None = None
_COMMAND = re.compile(r"\\([A-Za-z]+)|\\(.)", re.S)
_ARGUMENTS = {"frac": 2, "dfrac": 2, "tfrac": 2, "cfrac": 2, "binom": 2, "dbinom": 2, "tbinom": 2, "sqrt": 1,
              "textcolor": 2, "overset": 2, "underset": 2, "stackrel": 2}
_OPENERS = {"$$": "$$", "$": "$", "\\(": "\\)", "\\[": "\\]"}


def latex_problem(text: str) -> str | None:
    """Why `text` (LaTeX-in-Markdown) does not render, in words; None when it does."""
    global _KNOWN
    if not isinstance(text, str):
        return "not text"
    if _KNOWN is None:
        _KNOWN = _known_commands()
    segments, problem = _math_segments(text)
    if problem:
        return problem
    depth = 0
    for match in re.finditer(r"\\.|[{}]", text, re.S):
        token = match.group()
        depth += 1 if token == "{" else -1 if token == "}" else 0
        if depth < 0:
            return "a closing brace } has no opening brace"
    if depth:
        return "an opening brace { is never closed"
    for segment in segments:
        problem = _formula_problem(segment)
        if problem:
            return problem
    return None


def _math_segments(text: str) -> tuple[list[str], str | None]:
    """The formulas between math delimiters, or a problem when a delimiter is not closed."""
    segments, i, n = [], 0, len(text)
    while i < n:
        if text.startswith("\\\\", i) or (text[i] == "\\" and i + 1 < n and text[i + 1] in "$%{}&#_"):
            i += 2
            continue
        opener = next((o for o in _OPENERS if text.startswith(o, i)), None)
        if opener is None:
            if text.startswith(("\\)", "\\]"), i):
                return [], f"{text[i:i + 2]} closes a formula that was never opened"
            i += 1
            continue
        closer, start = _OPENERS[opener], i + len(opener)
        j = start
        while j < n:
            if text[j] == "\\" and j + 1 < n and (text[j + 1] in "$\\" or closer.startswith("\\")):
                if text.startswith(closer, j):
                    break
                j += 2
                continue
            if text.startswith(closer, j):
                break
            j += 1
        else:
            return [], f"the formula opened by {opener} is never closed"
        segments.append(text[start:j])
        i = j + len(closer)
    return segments, None


def _formula_problem(formula: str) -> str | None:
    shown = formula.strip()[:60]
    if not formula.strip():
        return "an empty formula"
    if formula.count("\\left") - formula.count("\\leftarrow") - formula.count("\\leftrightarrow") != (
        formula.count("\\right") - formula.count("\\rightarrow")
    ):
        return f"\\left and \\right do not pair up in ${shown}$"
    environments: list[str] = []
    for match in _COMMAND.finditer(formula):
        name = match.group(1)
        if name is None:
            continue
        if name in ("begin", "end"):
            env = re.match(r"\s*\{([A-Za-z*]+)\}", formula[match.end():])
            if env is None:
                return f"\\{name} without an environment name in ${shown}$"
            if name == "begin":
                environments.append(env.group(1))
            elif not environments or environments.pop() != env.group(1):
                return f"\\end{{{env.group(1)}}} does not close the open environment in ${shown}$"
            continue
        if name not in _KNOWN:  # type: ignore[operator]
            return f"unknown command \\{name} in ${shown}$"
        wanted = _ARGUMENTS.get(name, 0)
        if wanted and _count_arguments(formula, match.end(), wanted) < wanted:
            return f"\\{name} needs {wanted} argument{'s' if wanted > 1 else ''} in ${shown}$"
    if environments:
        return f"\\begin{{{environments[-1]}}} is never ended in ${shown}$"
    if re.search(r"[\^_]\s*(?:$|[}^_])", formula):
        return f"a superscript or subscript is missing in ${shown}$"
    try:
        from latex2mathml.converter import convert

        convert(formula)
    except Exception as exc:
        return f"${shown}$ does not render ({type(exc).__name__})"
    return None


def _count_arguments(formula: str, at: int, wanted: int) -> int:
    """How many of `wanted` arguments follow position `at` (an optional [..] is skipped)."""
    i, n, found = at, len(formula), 0
    while found < wanted:
        while i < n and formula[i] in " \t\n":
            i += 1
        if i < n and formula[i] == "[" and found == 0:
            close = formula.find("]", i)
            if close == -1:
                return found
            i = close + 1
            continue
        if i >= n or formula[i] in "}&":
            return found
        if formula[i] == "{":
            depth, i = 1, i + 1
            while i < n and depth:
                depth += {"{": 1, "}": -1}.get(formula[i], 0)
                i += 2 if formula[i] == "\\" else 1
        elif formula[i] == "\\":
            command = re.match(r"\\(?:[A-Za-z]+|.)", formula[i:], re.S)
            i += len(command.group()) if command else 1
        else:
            i += 1
        found += 1
    return found


# --------------------------------------------------------------------------------------------- recomputation


def _recompute_limited(check: dict, spec: dict, timeout: float | None) -> tuple[bool | None, str | None]:
    """(answer_verified, reason) from `recompute` run under the time limit."""
    seconds = limits.DEFAULT_TIMEOUT * 2 if timeout is None else timeout
    try:
        if os.environ.get("TUTORASSIST_CAS_INLINE") == "1":
            result = recompute(check, spec)
        else:
            result = _POOL.run((check, spec), seconds)
    except limits.Timeout:
        return None, f"the answer could not be recomputed within {seconds:g} s"
    except limits.Busy:
        return None, "the answer could not be recomputed now (the CAS is busy); try again"
    except limits.TooComplex:
        return False, "the CAS check is too complex to compute"
    if result.get("fault"):
        log.warning("CAS recomputation fault on %r: %s", check, result["fault"])
    return result.get("verified"), result.get("reason")


class _Unusable(Exception):
    """The CasCheck itself is wrong (unparseable, the wrong shape): the candidate fails with this message."""


class _NotComputable(Exception):
    """The CAS cannot decide (no closed form, an answer type it cannot compare): answer_verified is None."""


def recompute(check: dict, spec: dict) -> dict[str, Any]:
    """{"verified": True/False/None, "reason": str | None}. Runs in the verification worker; plain data in and out."""
    try:
        return _recompute(check, spec)
    except _Unusable as exc:
        return {"verified": False, "reason": str(exc)}
    except _NotComputable as exc:
        return {"verified": None, "reason": None, "note": str(exc)}
    except (limits.TooComplex, limits.TooLong, RecursionError, MemoryError, OverflowError):
        return {"verified": False, "reason": "the CAS check is too complex to compute"}
    except Exception as exc:  # a sympy failure on a legal input: not computable, and logged by the caller
        return {"verified": None, "reason": None, "fault": f"{type(exc).__name__}: {exc}"[:500]}


def _parse(text: str, variables: list[str], what: str) -> Any:
    from tutorassist.learning.cas import parsing

    limits.check_length(text)
    limits.check_nesting(text)
    try:
        node = parsing.parse(text, variables)
    except parsing.ParseError as exc:
        raise _Unusable(f"{what} {text!r} could not be parsed: {exc}") from None
    parsing.check_size(node)
    return node


def _value(node: Any, what: str) -> Any:
    from tutorassist.learning.cas.expressions import DivisionByZero, evaluate

    try:
        return evaluate(node)
    except DivisionByZero:
        raise _Unusable(f"{what} divides by zero") from None


def _shown(value: Any) -> str:
    return str(value).replace("**", "^")


def _stated_values(spec: dict, variables: list[str]) -> list[Any]:
    """The values a spec states as the answer (one for a number or expression, several for a set or list)."""
    import sympy as sp

    kind = spec["type"]
    if kind == "number":
        from fractions import Fraction

        exact = Fraction(spec["value"])  # the contract allows only decimal strings here
        return [sp.Rational(exact.numerator, exact.denominator)]
    if kind == "expression":
        from tutorassist.learning.cas.expressions import parse_expression

        return [_value(parse_expression(spec["value"], variables), "the stated answer")]
    if kind == "equation":
        node = _parse(spec["value"], variables, "the stated answer")
        (left, right) = node[1]
        if left[0] == "sym" or right[0] == "sym":
            return [_value(right if left[0] == "sym" else left, "the stated answer")]
        raise _NotComputable("an equation that is not `variable = value`")
    if kind in ("set", "list"):
        from tutorassist.learning.cas import parsing

        values = []
        for element in spec["elements"]:
            item = parsing.collection_items(element, kind)
            node = _parse(item[0] if len(item) == 1 else element, variables, "the stated answer")
            if node[0] == "rel":
                if node[2] != ["="] or node[1][0][0] != "sym":
                    raise _NotComputable("an element that is a relation")
                node = node[1][1]
            values.append(_value(node, "the stated answer"))
        return values
    if kind == "multiple_choice":
        chosen = [c["latex"] for c in spec["choices"] if c["id"] in spec["correct_ids"]]
        return _stated_values({"type": "set", "elements": [c.strip().strip("$").strip() for c in chosen]}, variables)
    raise _NotComputable(f"a {kind} answer cannot be compared with a computed value")


def _tolerance(spec: dict, stated: Any) -> Any:
    """How far a number answer may be from the computed value (0: exactly equal)."""
    import sympy as sp

    if spec["type"] != "number":
        return 0
    allowed = [sp.Float(spec.get("tolerance_abs") or 0), sp.Float(spec.get("tolerance_rel") or 0) * abs(stated)]
    if spec.get("decimal_places") is not None:
        allowed.append(sp.Rational(1, 2) * sp.Rational(10) ** -spec["decimal_places"])
    if spec.get("significant_figures") is not None and stated != 0:
        magnitude = sp.floor(sp.log(abs(stated), 10))
        allowed.append(sp.Rational(1, 2) * sp.Rational(10) ** (magnitude - spec["significant_figures"] + 1))
    return max(allowed)


def _same(stated: Any, computed: Any, tolerance: Any = 0) -> bool:
    from tutorassist.learning.cas.equivalence import equivalent

    if tolerance:
        difference = (stated - computed).evalf(30)
        return bool(difference.is_number and abs(difference) <= tolerance)
    return equivalent(stated, computed)


def _as_set_text(variables: list[str], solutions: list[Any]) -> str:
    if not solutions:
        return "no real solution"
    return " or ".join(f"{variables[0]} = {_shown(s)}" for s in solutions)


def _recompute(check: dict, spec: dict) -> dict[str, Any]:
    import sympy as sp

    from tutorassist.learning.cas import parsing
    from tutorassist.questions.spec_check import own_answer

    kind, text, variables = check["kind"], check["expression"], list(check.get("variables") or [])
    variables = [name.lstrip("\\") for name in variables]  # `\theta` is the parser's symbol `theta`
    parts = [p.strip() for p in parsing.split_top_level(text, ";") if p.strip()]
    if not parts:
        raise _Unusable("the CAS check has no expression")
    nodes = [_parse(part, variables, "the CAS check") for part in parts]
    stated_text = own_answer(spec) if spec["type"] != "multiple_choice" else " and ".join(
        c["latex"] for c in spec["choices"] if c["id"] in spec["correct_ids"])

    def result(ok: bool, message: str) -> dict[str, Any]:
        return {"verified": ok, "reason": None if ok else message}

    if kind in ("evaluate", "differentiate"):
        if len(nodes) != 1 or nodes[0][0] == "rel":
            raise _Unusable(f"to {kind}, the CAS check must be one expression, not {text!r}")
        value = _value(nodes[0], "the CAS check")
        stated = _stated_values(spec, variables)
        if len(stated) != 1:
            return result(False, f"the stated answer {stated_text} is not a single value")
        if kind == "evaluate":
            computed = value
            wrong = f"the stated answer {stated_text} is not the value of {text} ({_shown(computed)})"
        else:
            names = variables[:1] or sorted(str(s) for s in value.free_symbols)
            if len(names) != 1:
                raise _Unusable("the CAS check must name the variable to differentiate with respect to")
            computed = sp.diff(value, sp.Symbol(names[0]))
            wrong = (f"the stated answer {stated_text} is not the derivative of {text} with respect to {names[0]} "
                     f"({_shown(computed)})")
        return result(_same(stated[0], computed, _tolerance(spec, stated[0])), wrong)

    if any(node[0] != "rel" for node in nodes):
        raise _Unusable(f"to solve, the CAS check must be equations or inequalities, not {text!r}")
    names = variables or sorted({str(s) for node in nodes for side in node[1] for s in _value(side, "the CAS check").free_symbols})
    symbols = [sp.Symbol(name) for name in names]
    if any(op != "=" for node in nodes for op in node[2]):
        return _solve_inequality(nodes, symbols, spec, text, stated_text)
    equations = [_value(node[1][0], "the CAS check") - _value(node[1][1], "the CAS check") for node in nodes]
    if len(equations) == 1 and len(symbols) == 1:
        solutions = sp.solveset(equations[0], symbols[0], domain=sp.S.Reals)
        if solutions != sp.S.EmptySet and not isinstance(solutions, sp.FiniteSet):
            raise _NotComputable("the equation has no finite set of real solutions in closed form")
        computed = sorted(solutions, key=sp.default_sort_key) if solutions != sp.S.EmptySet else []
        stated = _stated_values(spec, variables)
        missing = [c for c in computed if not any(_same(s, c) for s in stated)]
        extra = [s for s in stated if not any(_same(s, c) for c in computed)]
        if not missing and not extra:
            return result(True, "")
        verb = "misses a solution of" if not extra else "does not solve"
        return result(False, f"the stated answer {stated_text} {verb} {text} ({_as_set_text(names, computed)})")
    found = sp.solve(equations, symbols, dict=True)
    if len(found) != 1 or set(found[0]) != set(symbols):
        raise _NotComputable("the system has no unique solution")
    computed = [found[0][s] for s in symbols]
    stated = _stated_values(spec, variables)
    if spec["type"] == "list" and spec.get("ordered", True):
        ok = len(stated) == len(computed) and all(_same(s, c) for s, c in zip(stated, computed))
    else:
        ok = len(stated) == len(computed) and all(any(_same(s, c) for s in stated) for c in computed)
    expected = ", ".join(f"{n} = {_shown(c)}" for n, c in zip(names, computed))
    return result(ok, f"the stated answer {stated_text} does not solve {text} ({expected})")


def _solve_inequality(nodes: list, symbols: list, spec: dict, text: str, stated_text: str) -> dict[str, Any]:
    import sympy as sp
    from sympy.solvers.inequalities import solve_univariate_inequality

    from tutorassist.learning.cas import collections

    if len(nodes) != 1 or len(symbols) != 1 or "=" in nodes[0][2]:
        raise _Unusable("to solve an inequality, the CAS check must be one inequality in one variable")
    relations = {"<": sp.Lt, ">": sp.Gt, "<=": sp.Le, ">=": sp.Ge}

    def solution_set(node: Any) -> Any:
        result = sp.S.Reals
        for op, left, right in zip(node[2], node[1], node[1][1:]):
            relation = relations[op](_value(left, "the inequality"), _value(right, "the inequality"))
            result = sp.Intersection(result, solve_univariate_inequality(relation, symbols[0], relational=False))
        return result

    computed = solution_set(nodes[0])
    if spec["type"] == "inequality":
        stated_node = _parse(spec["value"], [str(symbols[0])], "the stated answer")
        if stated_node[0] != "rel" or "=" in stated_node[2]:
            raise _Unusable(f"the stated answer {stated_text} is not an inequality")
        stated = solution_set(stated_node)
    elif spec["type"] == "interval":
        stated = sp.Union(*[sp.Interval(lo, hi, not lc, not hc)
                            for lo, hi, lc, hc, _ in collections.parse_intervals(spec["value"])])
    else:
        raise _NotComputable(f"a {spec['type']} answer cannot be compared with the solution of an inequality")
    ok = computed == stated or sp.Complement(computed, stated) == sp.Complement(stated, computed) == sp.S.EmptySet
    return {"verified": bool(ok), "reason": None if ok else
            f"the stated answer {stated_text} does not solve {text} ({_set_text(computed, str(symbols[0]))})"}


def _set_text(solutions: Any, name: str) -> str:
    """`x > 4`, `-2 < x <= 3`, `no real solution`, or sympy's words for anything else."""
    import sympy as sp

    if solutions == sp.S.EmptySet:
        return "no real solution"
    if solutions == sp.S.Reals:
        return f"every real {name}"
    if isinstance(solutions, sp.Interval):
        low, high = solutions.start, solutions.end
        left = "" if low == -sp.oo else f"{_shown(low)} {'<' if solutions.left_open else '<='} "
        right = "" if high == sp.oo else f" {'<' if solutions.right_open else '<='} {_shown(high)}"
        if not left:
            return f"{name}{right}"
        if not right:
            return f"{name} {'>' if solutions.left_open else '>='} {_shown(low)}"
        return f"{left}{name}{right}"
    return _shown(solutions)


class _Worker(limits._Worker):
    """The answer checker's worker protocol (JSON lines, `ready` first), running this module instead."""

    def __init__(self) -> None:
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "tutorassist.ai.verify"],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
            text=True, encoding="utf-8", bufsize=1, start_new_session=True,
        )
        self.replies: queue.Queue[str | None] = queue.Queue()
        self.ready = False
        threading.Thread(target=self._read, daemon=True, name="tutorassist-verify-reader").start()


class _Pool:
    """One persistent worker; callers take turns (waiting up to the checker's wait, then Busy). A worker that
    times out or dies is killed and the next call starts a new one."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._idle: _Worker | None = None
        self._pid = os.getpid()

    def run(self, args: tuple, timeout: float) -> dict[str, Any]:
        if not self._lock.acquire(timeout=limits.configured_wait()):
            raise limits.Busy()
        try:
            if self._pid != os.getpid():  # forked: the pipes belong to the parent
                self._idle, self._pid = None, os.getpid()
            worker, self._idle = self._idle or _Worker(), None
            try:
                result = worker.call("recompute", args, timeout)
            except limits.WorkerDied:
                worker.kill()
                raise limits.TooComplex() from None
            except BaseException:
                worker.kill()
                raise
            self._idle = worker
            return result if isinstance(result, dict) else {"verified": None, "fault": "no result"}
        finally:
            self._lock.release()

    def shutdown(self) -> None:
        worker, self._idle = self._idle, None
        if worker is not None:
            worker.kill()


_POOL = _Pool()
atexit.register(_POOL.shutdown)


def _serve() -> None:
    """The worker's loop: {"func": "recompute", "args": [check, spec]} lines in, {"result"} lines out."""
    try:
        import resource

        cap = 2 * 1024**3
        soft, hard = resource.getrlimit(resource.RLIMIT_AS)
        if soft == resource.RLIM_INFINITY or soft > cap:
            resource.setrlimit(resource.RLIMIT_AS, (cap, hard))
    except Exception:  # not available on this platform
        pass
    sys.set_int_max_str_digits(0)  # numbers are size-checked before sympy sees them, as in the checker's worker
    import sympy  # noqa: F401  (the first call must not pay the import)

    out = sys.stdout
    out.write(json.dumps({"ready": True}) + "\n")
    out.flush()
    for line in sys.stdin:
        try:
            message = json.loads(line)
            if message.get("func") != "recompute":
                raise ValueError(f"unknown function {message.get('func')!r}")
            reply = {"result": recompute(*message["args"])}
        except MemoryError:
            reply = {"result": {"verified": False, "reason": "the CAS check is too complex to compute"}}
        except Exception as exc:
            reply = {"error": f"{type(exc).__name__}: {exc}"}
        out.write(json.dumps(reply) + "\n")
        out.flush()


if __name__ == "__main__":
    _serve()
