"""Does a text (LaTeX in Markdown) render? `latex_problem` names the first structural fault in words: math delimiters
(`$`, `$$`, `\\(`, `\\[`) that do not close, unbalanced braces, `\\left`/`\\right` or `\\begin`/`\\end` that do not
pair, a fraction or root without its arguments, an empty superscript, a command the renderer
(tutorassist.questions.latex) does not know, a formula that does not convert to MathML. Used by
`tutorassist.ai.verify` on every generated question's prompt, hints and solution.
"""

from __future__ import annotations

import re

__all__ = ["latex_problem"]


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
