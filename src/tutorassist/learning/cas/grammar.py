"""The recursive-descent parser: tokens -> a tuple tree (see parsing.py for the node shapes and decisions)."""

from __future__ import annotations

from fractions import Fraction
from typing import Any

from tutorassist.learning.cas import limits
from tutorassist.learning.cas.sizes import check_size
from tutorassist.learning.cas.tokens import (
    FUNCTION_ALIASES,
    FUNCTIONS,
    INFINITY_NAMES,
    PLAIN_FUNC_PREFIXES,
    ParseError,
    normalize,
    tokenize,
)

Node = tuple

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
        if tok is not None and tok[0] == "num" and tok[1].isdigit() and len(tok[1]) > 1:
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
            return _number(value)
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
        name = FUNCTION_ALIASES.get(name, name)
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
        if len(name) > 1 and self.is_op("(") and not (self.variables and set(name) <= self.variables):
            product = "·".join(name)
            raise ParseError(
                f"'{name}' is not a function we know; for a product of variables write {product}·(...) with an "
                "explicit multiplication sign"
            )
        if name == "pi":
            return ("const", "pi")
        if name in INFINITY_NAMES:
            return ("const", "oo")
        if len(name) > 1:
            for prefix in PLAIN_FUNC_PREFIXES:
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
    parser = _Parser(tokenize(text, scientific=not names & {"e", "E"}), names)
    node = parser.relation()
    if parser.peek() is not None:
        kind, value = parser.peek()
        shown = value if value is not None else {"setclose": "\\}", "setopen": "\\{", "cup": "∪"}.get(kind, kind)
        raise ParseError(f"'{shown}' was not expected here")
    _refuse_inner_tuples(node, top=True)
    check_size(node)
    return node


def _number(text: str) -> Node:
    """A literal; scientific notation is bounded like a power of ten (exponent at most limits.MAX_EXPONENT)."""
    exponent = text.lower().partition("e")[2]
    if exponent and abs(int(exponent)) > limits.MAX_EXPONENT:
        raise limits.TooComplex("exponent too large")
    text = text.removesuffix(".")
    return ("num", Fraction(text), text)


def _refuse_inner_tuples(node: Node, top: bool) -> None:
    """A comma list is a point or a list only as the whole answer (or inside one): `2(1,5)` (a decimal comma),
    `(1,2)+1` or `sin((1,2))` cannot be computed with."""
    kind = node[0]
    if kind == "tuple":
        if not top:
            raise ParseError(
                "a list of values in brackets such as (1, 5) cannot be used in a calculation"
                " (write decimals with a point: 1.5)"
            )
        for item in node[1]:
            _refuse_inner_tuples(item, top=True)
        return
    for child in _children(node):
        _refuse_inner_tuples(child, top=False)


def _children(node: Node) -> list[Node]:
    kind = node[0]
    if kind in ("add", "mul"):
        return [c for _, c in node[1]]
    if kind in ("neg", "fact"):
        return [node[1]]
    if kind == "pow":
        return [node[1], node[2]]
    if kind == "call":
        return list(node[2])
    if kind in ("tuple", "rel"):
        return list(node[1])
    return []

