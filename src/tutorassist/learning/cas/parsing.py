"""Student input -> a small syntax tree -> sympy.

The input is never handed to `sympy.sympify`/`parse_expr` (they call `eval`) nor to the ANTLR LaTeX parser: a
hand-written tokenizer and recursive-descent parser accept both plain text (`2(x+1)`, `x^2`, `1/2`, `x>=3`) and the
LaTeX a math keyboard produces (`\\frac{1}{2}`, `2\\left(x+1\\right)`, `x^{2}`, `\\sqrt{x}`, `\\cdot`, `\\le`), and
build a tuple tree. Only then is the tree size-checked (`check_size`: huge exponents and factorials are refused
before anything is evaluated) and turned into sympy objects, either evaluated or with `evaluate=False` (`raw`, for
form tests and for showing the student what was understood).

Tree nodes (tuples):
  ("num", Fraction, raw)            a literal; raw keeps the text ("2.50")
  ("sym", name)                     a variable
  ("const", "pi" | "E" | "oo")
  ("add", [(sign, node), ...])      sign is "+" or "-"
  ("mul", [(op, node), ...])        op is "*", "imp" (implicit) or "/"
  ("neg", node)   ("pow", base, exponent)   ("fact", node)
  ("call", name, [args])            sqrt, root (arg, n), abs, sin, ..., log (arg[, base])
  ("tuple", [nodes])                a parenthesised comma list, e.g. a point (1, 2)
  ("rel", [nodes], [ops])           a relation or chain, ops among = < > <= >=

Decisions: implicit multiplication binds like `*` and is read left to right, so `1/2x` is `x/2`; `-x^2` is `-(x^2)`;
a run of letters that is not a known name or a declared variable is a product of one-letter variables (`xy` = x*y);
`e` is Euler's number unless `e` is a declared variable; `log` is the natural logarithm (`\\log_{b}` sets a base);
decimals are exact rationals (0.1 is 1/10), never floats.
"""

from __future__ import annotations

import re
import unicodedata
from fractions import Fraction
from typing import Any

from tutorassist.learning.cas import limits


class ParseError(ValueError):
    """The input could not be understood; the message says what (student-facing)."""


Node = tuple

GREEK = {
    "alpha", "beta", "gamma", "delta", "epsilon", "varepsilon", "zeta", "eta", "theta", "vartheta", "iota", "kappa",
    "lambda", "mu", "nu", "xi", "rho", "sigma", "tau", "upsilon", "phi", "varphi", "chi", "psi", "omega",
    "Gamma", "Delta", "Theta", "Lambda", "Sigma", "Phi", "Psi", "Omega",
}
FUNCTIONS = {
    "sin", "cos", "tan", "sec", "csc", "cot", "arcsin", "arccos", "arctan", "asin", "acos", "atan",
    "sinh", "cosh", "tanh", "ln", "log", "exp", "sqrt", "abs",
}
_PLAIN_FUNC_PREFIXES = sorted((f for f in FUNCTIONS if f not in {"abs"}), key=len, reverse=True)
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
    |(?P<num>\d+(?:\.\d*)?|\.\d+)
    |(?P<cmd>\\[A-Za-z]+|\\[{}|])
    |(?P<id>[A-Za-z]+)
    |(?P<op><=|>=|\*\*|!=|[-+*/^!()\[\]{},=<>|_])
    """,
    re.X,
)


def normalize(text: str) -> str:
    """Unicode math symbols to ASCII/LaTeX, then NFKC (full-width digits and so on)."""
    text = _UNICODE_RE.sub(lambda m: _UNICODE[m.group(0)], text)
    return unicodedata.normalize("NFKC", text).strip()


def tokenize(text: str) -> list[tuple[str, Any]]:
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
        if kind == "op" and value == "**":
            value = "^"
        tokens.append((kind, value))
    return tokens


_RELOPS = {"=", "<", ">", "<=", ">=", "!="}
_ATOM_START_KINDS = {"num", "id", "greek", "func", "frac", "sqrt", "setopen", "const"}


class _Parser:
    def __init__(self, tokens: list[tuple[str, Any]], variables: set[str]):
        self.toks = tokens
        self.pos = 0
        self.variables = variables
        self.depth = 0
        self.abs_depth = 0

    # ----------------------------------------------------------------- helpers
    def peek(self, offset: int = 0) -> tuple[str, Any] | None:
        i = self.pos + offset
        return self.toks[i] if i < len(self.toks) else None

    def is_op(self, *values: str) -> bool:
        tok = self.peek()
        return tok is not None and tok[0] == "op" and tok[1] in values

    def next(self) -> tuple[str, Any]:
        tok = self.peek()
        if tok is None:
            raise ParseError("the answer ends too early (something is missing at the end)")
        self.pos += 1
        return tok

    def expect(self, value: str, opening: str) -> None:
        tok = self.peek()
        if tok is None or tok != ("op", value):
            raise ParseError(f"a '{opening}' is not closed (expected '{value}')")
        self.pos += 1

    def enter(self) -> None:
        self.depth += 1
        if self.depth > limits.MAX_PARSE_DEPTH:
            raise limits.TooComplex("nested too deeply")

    # ----------------------------------------------------------------- grammar
    def relation(self) -> Node:
        first = self.expr()
        items, ops = [first], []
        while self.peek() is not None and self.peek()[0] == "op" and self.peek()[1] in _RELOPS:
            op = self.next()[1]
            if op == "!=":
                raise ParseError("'≠' is not supported here")
            ops.append(op)
            items.append(self.expr())
        return first if not ops else ("rel", items, ops)

    def expr(self) -> Node:
        self.enter()
        terms = [("+", self.term())]
        while self.is_op("+", "-"):
            sign = self.next()[1]
            terms.append((sign, self.term()))
        self.depth -= 1
        return terms[0][1] if len(terms) == 1 else ("add", terms)

    def starts_atom(self) -> bool:
        tok = self.peek()
        if tok is None:
            return False
        if tok[0] in _ATOM_START_KINDS:
            return True
        if tok[0] == "op":
            return tok[1] in ("(", "{", "[") or (tok[1] == "|" and self.abs_depth == 0)
        return False

    def term(self) -> Node:
        factors = [("*", self.unary())]
        while True:
            if self.is_op("*", "/"):
                op = self.next()[1]
                factors.append((op, self.unary()))
            elif self.starts_atom():
                prev, tok = self.toks[self.pos - 1], self.peek()
                if prev[0] == "num" and tok[0] == "num":
                    raise ParseError(f"two numbers next to each other ('{prev[1]} {tok[1]}'): is an operator missing?")
                factors.append(("imp", self.power()))
            else:
                break
        return factors[0][1] if len(factors) == 1 else ("mul", factors)

    def unary(self) -> Node:
        self.enter()
        if self.is_op("-"):
            self.next()
            node: Node = ("neg", self.unary())
        elif self.is_op("+"):
            self.next()
            node = self.unary()
        else:
            node = self.power()
        self.depth -= 1
        return node

    def power(self) -> Node:
        base = self.postfix()
        if self.is_op("^"):
            self.next()
            self.enter()
            exponent = self.group() if self.is_op("{") else self.unary()
            self.depth -= 1
            while self.is_op("!"):
                self.next()
                exponent = ("fact", exponent)
            return ("pow", base, exponent)
        return base

    def postfix(self) -> Node:
        node = self.atom()
        while self.is_op("!"):
            self.next()
            node = ("fact", node)
        return node

    def group(self) -> Node:
        """A LaTeX argument: `{...}`, or a single token (`\\frac12`, `x^2`)."""
        if self.is_op("{"):
            self.next()
            node = self.relation()
            self.expect("}", "{")
            return node
        tok = self.peek()
        if tok is not None and tok[0] == "num" and "." not in tok[1] and len(tok[1]) > 1:
            self.toks[self.pos : self.pos + 1] = [("num", tok[1][0]), ("num", tok[1][1:])]
        return self.postfix()

    def subscript(self) -> str | None:
        if not self.is_op("_"):
            return None
        self.next()
        if self.is_op("{"):
            self.next()
            parts = []
            while not self.is_op("}"):
                tok = self.next()
                if tok[0] not in ("num", "id", "greek"):
                    raise ParseError("a subscript may only contain letters and digits")
                parts.append(str(tok[1]))
            self.next()
            return "".join(parts)
        tok = self.next()
        if tok[0] not in ("num", "id", "greek"):
            raise ParseError("a subscript may only contain letters and digits")
        return str(tok[1])

    def atom(self) -> Node:
        tok = self.next()
        kind, value = tok
        if kind == "num":
            if value.endswith("."):
                value = value[:-1]
            return ("num", Fraction(value), value)
        if kind == "const":
            return ("const", value)
        if kind == "op" and value in ("(", "["):
            closing = ")" if value == "(" else "]"
            self.enter()
            items = [self.relation()]
            while self.is_op(","):
                self.next()
                items.append(self.relation())
            self.expect(closing, value)
            self.depth -= 1
            return items[0] if len(items) == 1 else ("tuple", items)
        if kind == "op" and value == "{":
            self.enter()
            node = self.relation()
            self.expect("}", "{")
            self.depth -= 1
            return node
        if kind == "setopen":
            self.enter()
            node = self.relation()
            if self.peek() != ("setclose", None):
                raise ParseError("a '\\{' is not closed")
            self.next()
            self.depth -= 1
            return node
        if kind == "op" and value == "|":
            self.enter()
            self.abs_depth += 1
            node = self.expr()
            self.abs_depth -= 1
            self.expect("|", "|")
            self.depth -= 1
            return ("call", "abs", [node])
        if kind == "frac":
            num = self.group()
            den = self.group()
            return ("mul", [("*", num), ("/", den)])
        if kind == "sqrt":
            index = None
            if self.is_op("["):
                self.next()
                index = self.expr()
                self.expect("]", "[")
            arg = self.group()
            return ("call", "sqrt", [arg]) if index is None else ("call", "root", [arg, index])
        if kind == "func":
            return self.function(value)
        if kind == "greek":
            sub = self.subscript()
            return ("sym", value if sub is None else f"{value}_{sub}")
        if kind == "id":
            return self.identifier(value)
        if kind == "empty":
            raise ParseError("the empty set is not allowed here")
        if kind == "cup":
            raise ParseError("'∪' is only allowed between intervals")
        shown = {"setclose": "\\}"}.get(kind, value)
        raise ParseError(f"'{shown}' was not expected here")

    def function(self, name: str) -> Node:
        base = None
        if name == "log" and self.is_op("_"):
            self.next()
            base = self.group()
        power = None
        if self.is_op("^") and name not in ("sqrt", "abs"):
            self.next()
            power = self.group()
        if self.is_op("("):
            self.next()
            self.enter()
            arg = self.expr()
            self.expect(")", "(")
            self.depth -= 1
        elif self.is_op("{"):
            arg = self.group()
        elif self.starts_atom():
            arg = self.power()
        else:
            raise ParseError(f"'{name}' needs an argument")
        if name == "abs":
            node: Node = ("call", "abs", [arg])
        elif base is not None:
            node = ("call", "log", [arg, base])
        else:
            node = ("call", name, [arg])
        return node if power is None else ("pow", node, power)

    def identifier(self, name: str) -> Node:
        if name in self.variables:
            sub = self.subscript()
            return ("sym", name if sub is None else f"{name}_{sub}")
        if name in FUNCTIONS and (self.is_op("(") or self.is_op("^")):
            return self.function(name)
        if name == "pi":
            return ("const", "pi")
        if name in INFINITY_NAMES:
            return ("const", "oo")
        if len(name) > 1:
            for prefix in _PLAIN_FUNC_PREFIXES:
                if name.startswith(prefix) and name != prefix and name not in self.variables:
                    # "sinx" -> sin x ; split the rest into single letters
                    self.toks[self.pos - 1 : self.pos] = [("func", prefix)] + [("id", c) for c in name[len(prefix):]]
                    self.pos -= 1
                    return self.atom()
            if name in FUNCTIONS:
                self.toks[self.pos - 1 : self.pos] = [("func", name)]
                self.pos -= 1
                return self.atom()
            self.toks[self.pos - 1 : self.pos] = [("id", c) for c in name]
            self.pos -= 1
            return self.atom()
        sub = self.subscript()
        if sub is not None:
            return ("sym", f"{name}_{sub}")
        if name == "e" and "e" not in self.variables:
            return ("const", "E")
        return ("sym", name)


def parse(text: str, variables: list[str] | tuple[str, ...] | set[str] = ()) -> Node:
    """Parse one expression, relation or parenthesised tuple; raise ParseError or limits.TooComplex."""
    text = normalize(text)
    if not text:
        raise ParseError("the answer is empty")
    limits.check_nesting(text)
    names = {v.lstrip("\\") for v in variables}
    parser = _Parser(tokenize(text), names)
    node = parser.relation()
    if parser.peek() is not None:
        kind, value = parser.peek()
        shown = value if value is not None else {"setclose": "\\}", "setopen": "\\{", "cup": "∪"}.get(kind, kind)
        raise ParseError(f"'{shown}' was not expected here")
    check_size(node)
    return node


# --------------------------------------------------------------------------------------------- size guard


def _digits(value: Fraction) -> int:
    return max(len(str(abs(value.numerator))), len(str(value.denominator)))


def check_size(node: Node) -> Fraction | None:
    """Walk the tree before anything is evaluated: return the exact rational value of constant subtrees (None for
    anything symbolic or irrational) and raise limits.TooComplex for huge exponents, factorials or numbers."""
    kind = node[0]
    if kind == "num":
        if _digits(node[1]) > limits.MAX_DIGITS:
            raise limits.TooComplex("number too long")
        return node[1]
    if kind in ("sym", "const"):
        return None
    if kind == "neg":
        value = check_size(node[1])
        return None if value is None else -value
    if kind == "add":
        values = [check_size(child) for _, child in node[1]]
        if any(v is None for v in values):
            return None
        total = sum((v if s == "+" else -v for (s, _), v in zip(node[1], values)), Fraction(0))
        return total
    if kind == "mul":
        values = [check_size(child) for _, child in node[1]]
        if any(v is None for v in values):
            return None
        result = Fraction(1)
        for (op, _), v in zip(node[1], values):
            if op == "/":
                if v == 0:
                    return None
                result /= v
            else:
                result *= v
            if _digits(result) > limits.MAX_DIGITS:
                raise limits.TooComplex("number too large")
        return result
    if kind == "pow":
        base = check_size(node[1])
        exponent = check_size(node[2])
        if exponent is None:
            return None
        if abs(exponent) > limits.MAX_EXPONENT:
            if base is not None and base in (0, 1) and exponent > 0:
                return base
            raise limits.TooComplex("exponent too large")
        if base is None or exponent.denominator != 1:
            return None
        if base == 0 and exponent < 0:
            return None
        if base != 0 and abs(exponent) * _digits(base) > limits.MAX_DIGITS:
            raise limits.TooComplex("power too large")
        return base ** int(exponent)
    if kind == "fact":
        value = check_size(node[1])
        if value is None:
            return None
        if value.denominator != 1 or value < 0:
            return None
        if value > limits.MAX_FACTORIAL:
            raise limits.TooComplex("factorial too large")
        import math

        return Fraction(math.factorial(int(value)))
    if kind == "call":
        for arg in node[2]:
            check_size(arg)
        return None
    if kind == "tuple":
        for item in node[1]:
            check_size(item)
        return None
    if kind == "rel":
        for item in node[1]:
            check_size(item)
        return None
    raise ValueError(f"unknown node {kind}")


# --------------------------------------------------------------------------------------------- to sympy


def to_sympy(node: Node, evaluate: bool = True) -> Any:
    """The sympy object of a tree; `evaluate=False` keeps the structure as typed (decimals stay Floats)."""
    import sympy as sp

    ev = evaluate
    kind = node[0]
    if kind == "num":
        value, raw = node[1], node[2]
        if not ev and "." in raw:
            return sp.Float(raw, max(15, len(raw)))
        return sp.Rational(value.numerator, value.denominator)
    if kind == "sym":
        return sp.Symbol(node[1])
    if kind == "const":
        return {"pi": sp.pi, "E": sp.E, "oo": sp.oo}[node[1]]
    if kind == "neg":
        inner = to_sympy(node[1], ev)
        if not ev and inner.is_Number:
            return -inner
        return sp.Mul(sp.Integer(-1), inner, evaluate=ev)
    if kind == "add":
        terms = []
        for sign, child in node[1]:
            term = to_sympy(child, ev)
            if sign == "-":
                term = -term if (ev or term.is_Number) else sp.Mul(sp.Integer(-1), term, evaluate=False)
            terms.append(term)
        return sp.Add(*terms, evaluate=ev)
    if kind == "mul":
        factors = []
        for op, child in node[1]:
            factor = to_sympy(child, ev)
            if op == "/":
                factor = sp.Pow(factor, sp.Integer(-1), evaluate=ev)
            factors.append(factor)
        return sp.Mul(*factors, evaluate=ev)
    if kind == "pow":
        return sp.Pow(to_sympy(node[1], ev), to_sympy(node[2], ev), evaluate=ev)
    if kind == "fact":
        return sp.factorial(to_sympy(node[1], ev), evaluate=ev)
    if kind == "call":
        name, args = node[1], [to_sympy(a, ev) for a in node[2]]
        if name == "sqrt":
            return sp.Pow(args[0], sp.Rational(1, 2), evaluate=ev)
        if name == "root":
            return sp.Pow(args[0], sp.Pow(args[1], -1, evaluate=ev), evaluate=ev)
        if name == "abs":
            return sp.Abs(args[0], evaluate=ev)
        if name in ("ln", "log"):
            if len(args) == 2:
                return sp.Mul(sp.log(args[0], evaluate=ev), sp.Pow(sp.log(args[1], evaluate=ev), -1, evaluate=ev),
                              evaluate=ev)
            return sp.log(args[0], evaluate=ev)
        func = {
            "sin": sp.sin, "cos": sp.cos, "tan": sp.tan, "sec": sp.sec, "csc": sp.csc, "cot": sp.cot,
            "arcsin": sp.asin, "arccos": sp.acos, "arctan": sp.atan, "asin": sp.asin, "acos": sp.acos,
            "atan": sp.atan, "sinh": sp.sinh, "cosh": sp.cosh, "tanh": sp.tanh, "exp": sp.exp,
        }[name]
        return func(args[0], evaluate=ev)
    if kind == "tuple":
        return sp.Tuple(*[to_sympy(item, ev) for item in node[1]])
    if kind == "rel":
        raise ValueError("relations are converted by relations.py")
    raise ValueError(f"unknown node {kind}")




def _sym_latex(name: str) -> str:
    base, _, sub = name.partition("_")
    out = f"\\{base}" if base in GREEK else base
    return out + (f"_{{{sub}}}" if sub else "")


def _paren(text: str) -> str:
    return f"\\left({text}\\right)"


def latex_of(node: Node) -> str:
    """LaTeX of what was understood, with the structure as typed (`2\\left(x + 1\\right)`)."""
    kind = node[0]
    if kind == "num":
        return node[2]
    if kind == "sym":
        return _sym_latex(node[1])
    if kind == "const":
        return {"pi": "\\pi", "E": "e", "oo": "\\infty"}[node[1]]
    if kind == "neg":
        inner = latex_of(node[1])
        return "-" + (_paren(inner) if node[1][0] in ("add", "neg") else inner)
    if kind == "add":
        out = ""
        for i, (sign, child) in enumerate(node[1]):
            text = latex_of(child)
            if (child[0] == "neg" and i > 0) or (sign == "-" and child[0] == "add"):
                text = _paren(text)
            out += (text if sign == "+" else "-" + text) if i == 0 else f" {sign} {text}"
        return out
    if kind == "mul":
        out = ""
        for i, (op, child) in enumerate(node[1]):
            text = latex_of(child)
            if op == "/":
                out = f"\\frac{{{out}}}{{{text}}}"
                continue
            if child[0] == "add" or (i > 0 and child[0] == "neg"):
                text = _paren(text)
            if i == 0:
                out = text
            elif op == "*" or text[:1].isdigit() or text.startswith("-"):
                out += f" \\cdot {text}"
            else:
                out += f" {text}"
        return out
    if kind == "pow":
        base = latex_of(node[1])
        simple = node[1][0] in ("sym", "const") or (node[1][0] == "num" and node[1][1] >= 0)
        simple = simple or (node[1][0] == "call" and node[1][1] == "abs")
        if not simple:
            base = _paren(base)
        return f"{base}^{{{latex_of(node[2])}}}"
    if kind == "fact":
        inner = latex_of(node[1])
        return (inner if node[1][0] in ("num", "sym") else _paren(inner)) + "!"
    if kind == "call":
        name, args = node[1], [latex_of(a) for a in node[2]]
        if name == "sqrt":
            return f"\\sqrt{{{args[0]}}}"
        if name == "root":
            return f"\\sqrt[{args[1]}]{{{args[0]}}}"
        if name == "abs":
            return f"\\left|{args[0]}\\right|"
        if name == "log" and len(args) == 2:
            return f"\\log_{{{args[1]}}}{_paren(args[0])}"
        command = {"asin": "arcsin", "acos": "arccos", "atan": "arctan"}.get(name, name)
        return f"\\{command}{_paren(args[0])}"
    if kind == "tuple":
        return _paren(", ".join(latex_of(item) for item in node[1]))
    if kind == "rel":
        ops = {"=": "=", "<": "<", ">": ">", "<=": "\\le", ">=": "\\ge"}
        parts = [latex_of(node[1][0])]
        for op, item in zip(node[2], node[1][1:]):
            parts += [ops[op], latex_of(item)]
        return " ".join(parts)
    raise ValueError(f"unknown node {kind}")


def canon(node: Node) -> Any:
    """A canonical form up to commutativity/associativity (for `same_as_question`): `x+1` and `1+x` match,
    `x+x` and `2x` do not."""
    kind = node[0]
    if kind == "num":
        return ("num", node[1])
    if kind in ("sym", "const"):
        return node
    if kind == "neg":
        return ("neg", canon(node[1]))
    if kind == "add":
        terms = []
        for sign, child in node[1]:
            c = canon(child)
            if c[0] == "add" and sign == "+":
                terms.extend(c[1])
            else:
                terms.append((sign, c))
        return ("add", tuple(sorted(terms, key=repr)))
    if kind == "mul":
        factors = []
        for op, child in node[1]:
            op = "/" if op == "/" else "*"
            c = canon(child)
            if c[0] == "mul" and op == "*":
                factors.extend(c[1])
            else:
                factors.append((op, c))
        return ("mul", tuple(sorted(factors, key=repr)))
    if kind == "pow":
        return ("pow", canon(node[1]), canon(node[2]))
    if kind == "fact":
        return ("fact", canon(node[1]))
    if kind == "call":
        return ("call", node[1], tuple(canon(a) for a in node[2]))
    if kind == "tuple":
        return ("tuple", tuple(canon(i) for i in node[1]))
    if kind == "rel":
        return ("rel", tuple(canon(i) for i in node[1]), tuple(node[2]))
    return node


# --------------------------------------------------------------------------------------------- collections


_OPEN = {"(": ")", "[": "]", "{": "}"}


def split_top_level(text: str, separators: str = ",") -> list[str]:
    """Split on separators that are not inside (), [], {} (LaTeX `\\{ \\}` count as braces)."""
    parts, depth, current = [], 0, []
    i = 0
    while i < len(text):
        ch = text[i]
        if ch in "([{":
            depth += 1
        elif ch in ")]}":
            depth -= 1
        if ch in separators and depth == 0:
            parts.append("".join(current))
            current = []
        else:
            current.append(ch)
        i += 1
    parts.append("".join(current))
    return parts


_SET_WRAPPERS = [
    (re.compile(r"^\\left\s*\\\{(.*)\\right\s*\\\}$", re.S), 1),
    (re.compile(r"^\\\{(.*)\\\}$", re.S), 1),
    (re.compile(r"^\\lbrace(.*)\\rbrace$", re.S), 1),
    (re.compile(r"^\{(.*)\}$", re.S), 1),
]
_LIST_WRAPPERS = [
    (re.compile(r"^\\left\s*\[(.*)\\right\s*\]$", re.S), 1),
    (re.compile(r"^\\left\s*\((.*)\\right\s*\)$", re.S), 1),
    (re.compile(r"^\[(.*)\]$", re.S), 1),
    (re.compile(r"^\((.*)\)$", re.S), 1),
]
_EMPTY_SET = re.compile(r"^(\\emptyset|\\varnothing|\{\s*\}|\\\{\s*\\\}|\\left\s*\\\{\s*\\right\s*\\\}|∅)$")
_VAR_PREFIX = re.compile(r"^\s*[A-Za-z](?:_\{?[A-Za-z0-9]+\}?)?\s*=(?![=<>])\s*")


def _balanced(text: str) -> bool:
    depth = 0
    for ch in text:
        if ch in "([{":
            depth += 1
        elif ch in ")]}":
            depth -= 1
            if depth < 0:
                return False
    return depth == 0


def collection_items(text: str, kind: str) -> list[str]:
    """The element strings of a set (`{1, 2}`, `\\{1,2\\}`, `1, 2`, `x=1 or x=2`) or a list (`[1, 2]`, `(1, 2)`,
    `1, 2`); `x = ...` prefixes are dropped."""
    text = normalize(text)
    if _EMPTY_SET.match(text):
        return []
    wrappers = _SET_WRAPPERS if kind == "set" else _LIST_WRAPPERS
    for pattern, group in wrappers:
        m = pattern.match(text)
        if m and _balanced(m.group(group).replace("\\{", "{").replace("\\}", "}")):
            text = m.group(group)
            break
    if not text.strip():
        return []
    text = re.sub(r"\s+(?:or|and)\s+", ",", text)
    text = text.replace(";", ",")
    items = split_top_level(text.replace("\\{", "{").replace("\\}", "}"))
    return [_VAR_PREFIX.sub("", item).strip() for item in items]
