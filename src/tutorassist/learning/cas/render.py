"""Trees shown and compared as typed: `latex_of` (what was understood) and `canon` (equal up to the order of terms
and factors, for `same_as_question`)."""

from __future__ import annotations

from typing import Any

from tutorassist.learning.cas.tokens import GREEK

Node = tuple

def _sym_latex(name: str) -> str:
    base, _, sub = name.partition("_")
    out = f"\\{base}" if base in GREEK else base
    return out + (f"_{{{sub}}}" if sub else "")


_LATEX_FUNCTIONS = {
    "sin", "cos", "tan", "sec", "csc", "cot", "sinh", "cosh", "tanh", "coth", "ln", "log", "exp",
}
_SHOWN_AS = {"asin": "arcsin", "acos": "arccos", "atan": "arctan", "asinh": "arsinh", "acosh": "arcosh",
             "atanh": "artanh", "acot": "arccot", "asec": "arcsec", "acsc": "arccsc", "acoth": "arcoth"}


def _function_latex(name: str) -> str:
    shown = _SHOWN_AS.get(name, name)
    return f"\\{shown}" if shown in _LATEX_FUNCTIONS or shown in ("arcsin", "arccos", "arctan") else (
        f"\\operatorname{{{shown}}}"
    )


def _paren(text: str) -> str:
    return f"\\left({text}\\right)"


def latex_of(node: Node) -> str:
    """LaTeX of what was understood, with the structure as typed (`2\\left(x + 1\\right)`)."""
    kind = node[0]
    if kind == "num":
        mantissa, e, exponent = node[2].lower().partition("e")
        return f"{mantissa} \\times 10^{{{int(exponent)}}}" if e else node[2]
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
        return f"{_function_latex(name)}{_paren(args[0])}"
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
