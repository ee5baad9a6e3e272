"""Student input -> a small syntax tree -> sympy (the facade of tokens.py, grammar.py, sizes.py, render.py and
splitting.py).

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

from tutorassist.learning.cas.grammar import Node, parse
from tutorassist.learning.cas.render import canon, latex_of
from tutorassist.learning.cas.sizes import check_size, to_sympy
from tutorassist.learning.cas.splitting import collection_items, split_top_level
from tutorassist.learning.cas.tokens import FUNCTIONS, GREEK, INFINITY_NAMES, ParseError, normalize, tokenize

__all__ = [
    "FUNCTIONS", "GREEK", "INFINITY_NAMES", "Node", "ParseError", "canon", "check_size", "collection_items",
    "latex_of", "normalize", "parse", "split_top_level", "tokenize", "to_sympy",
]
