"""The tokenizer of student input: unicode math symbols to ASCII/LaTeX (`normalize`), then a token list
(`tokenize`). The names it knows (functions, Greek letters, LaTeX commands) live here too."""

from __future__ import annotations

import re
import unicodedata
from typing import Any


class ParseError(ValueError):
    """The input could not be understood; the message says what (student-facing)."""


GREEK = {
    "alpha", "beta", "gamma", "delta", "epsilon", "varepsilon", "zeta", "eta", "theta", "vartheta", "iota", "kappa",
    "lambda", "mu", "nu", "xi", "rho", "sigma", "tau", "upsilon", "phi", "varphi", "chi", "psi", "omega",
    "Gamma", "Delta", "Theta", "Lambda", "Sigma", "Phi", "Psi", "Omega",
}
FUNCTION_ALIASES = {
    "cosec": "csc", "arcsin": "asin", "arccos": "acos", "arctan": "atan", "arccot": "acot", "arcsec": "asec",
    "arccsc": "acsc", "arcosec": "acsc", "arccosec": "acsc",
    "arsinh": "asinh", "arcsinh": "asinh", "arcosh": "acosh", "arccosh": "acosh", "artanh": "atanh",
    "arctanh": "atanh", "arcoth": "acoth", "arccoth": "acoth",
}
"""Other spellings of a function, by its canonical name (the sympy one)."""
FUNCTIONS = {
    "sin", "cos", "tan", "sec", "csc", "cot", "asin", "acos", "atan", "acot", "asec", "acsc",
    "sinh", "cosh", "tanh", "coth", "sech", "csch", "asinh", "acosh", "atanh", "acoth",
    "ln", "log", "exp", "sqrt", "abs",
} | set(FUNCTION_ALIASES)
PLAIN_FUNC_PREFIXES = sorted((f for f in FUNCTIONS if f not in {"abs"}), key=len, reverse=True)
INFINITY_NAMES = {"oo", "inf", "infty", "infinity"}

_LATEX_OPS = {
    "\\cdot": "*", "\\times": "*", "\\ast": "*", "\\div": "/",
    "\\le": "<=", "\\leq": "<=", "\\leqslant": "<=", "\\ge": ">=", "\\geq": ">=", "\\geqslant": ">=",
    "\\lt": "<", "\\gt": ">", "\\ne": "!=", "\\neq": "!=",
    "\\lvert": "|", "\\rvert": "|", "\\vert": "|", "\\mid": "|", "\\|": "|",
}
_UNICODE = {
    "\u2212": "-", "\u2013": "-", "\u2014": "-", "\u00d7": "*", "\u00b7": "*", "\u22c5": "*", "\u2219": "*",
    "\u00f7": "/", "\u2215": "/", "\u2264": "<=", "\u2265": ">=", "\u2a7d": "<=", "\u2a7e": ">=", "\u2260": "!=",
    "\u03c0": "\\pi ", "\u221e": "\\infty ", "\u221a": "\\sqrt ", "\u00b2": "^2", "\u00b3": "^3",
    "\u222a": " \\cup ", "\u2205": "\\emptyset ", "\u00a0": " ", "\u2009": " ", "\u202f": " ",
}
_UNICODE_RE = re.compile("|".join(re.escape(k) for k in _UNICODE))

_TOKEN_RE = re.compile(
    r"""
     (?P<ws>\s+|\\[,;:!\ ]|~|\\quad|\\qquad)
    |(?P<wrap>\\(?:operatorname|mathrm|textrm|text|mathit|mathbf)\s*\{\s*(?P<wrapped>[A-Za-z]*)\s*\})
    |(?P<num>(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?P<exponent>[eE][+-]?[0-9]+)?)
    |(?P<cmd>\\[A-Za-z]+|\\[{}|])
    |(?P<id>[A-Za-z]+)
    |(?P<op><=|>=|\*\*|!=|[-+*/^!()\[\]{},=<>|_])
    """,
    re.X,
)


def _ascii_digit(ch: str) -> str:
    value = unicodedata.decimal(ch, None)
    return ch if value is None else str(value)


_OTHER_DIGITS = re.compile(r"[^\x00-\x7f]")


def normalize(text: str) -> str:
    """Unicode math symbols to ASCII/LaTeX, then NFKC (full-width digits and so on); digits of any script become
    ASCII digits."""
    text = _UNICODE_RE.sub(lambda m: _UNICODE[m.group(0)], text)
    text = unicodedata.normalize("NFKC", text)
    return _OTHER_DIGITS.sub(lambda m: _ascii_digit(m.group(0)), text).strip()


def tokenize(text: str, scientific: bool = True) -> list[tuple[str, Any]]:
    """Tokens of normalized text. With `scientific`, `6.02e23` is one number; without (when `e` is a declared
    variable) it is 6.02, e, 23."""
    tokens: list[tuple[str, Any]] = []
    pos = 0
    skip_dot = False
    while pos < len(text):
        if skip_dot and text[pos] == ".":
            pos += 1
            skip_dot = False
            continue
        m = _TOKEN_RE.match(text, pos)
        if not m:
            raise ParseError(f"the character '{text[pos]}' was not understood")
        pos = m.end()
        kind = m.lastgroup
        if kind in ("ws", "wrapped"):
            continue
        if kind == "wrap":
            name = m.group("wrapped")
            if name:
                tokens.append(("func", name) if name in FUNCTIONS else ("id", name))
            continue
        value = m.group(kind)
        if kind == "cmd":
            name = value[1:]
            if name in ("left", "right", "bigl", "bigr", "Bigl", "Bigr", "big", "Big"):
                skip_dot = True
                continue
            skip_dot = False
            if value in _LATEX_OPS:
                tokens.append(("op", _LATEX_OPS[value]))
            elif name in ("frac", "dfrac", "tfrac"):
                tokens.append(("frac", None))
            elif name == "sqrt":
                tokens.append(("sqrt", None))
            elif name == "pi":
                tokens.append(("const", "pi"))
            elif name == "infty":
                tokens.append(("const", "oo"))
            elif name in GREEK:
                tokens.append(("greek", name))
            elif name in FUNCTIONS:
                tokens.append(("func", name))
            elif value in ("\\{", "\\lbrace"):
                tokens.append(("setopen", None))
            elif value in ("\\}", "\\rbrace"):
                tokens.append(("setclose", None))
            elif name == "lbrace":
                tokens.append(("setopen", None))
            elif name == "rbrace":
                tokens.append(("setclose", None))
            elif name == "cup":
                tokens.append(("cup", None))
            elif name in ("emptyset", "varnothing"):
                tokens.append(("empty", None))
            else:
                raise ParseError(f"the command {value} was not understood")
            continue
        skip_dot = False
        if kind == "num" and m.group("exponent") and not scientific:
            pos = m.start("exponent")
            value = text[m.start() : pos]
        if kind == "op" and value == "**":
            value = "^"
        tokens.append((kind, value))
    return tokens

