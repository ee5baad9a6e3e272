"""LaTeX-in-Markdown to plain text, for `questions.prompt_text` (which feeds the full-text search vector).

Small and forgiving on purpose: it never raises, whatever it is given (unbalanced braces, stray backslashes, deep
nesting), and it is not a renderer. What it does:

* math delimiters (`$`, `$$`, `\\(`, `\\)`, `\\[`, `\\]`) and environment markers (`\\begin{..}`, `\\end{..}`) vanish;
  `&` and `\\\\` become spaces;
* `\\frac{a}{b}` (and `\\dfrac`, `\\tfrac`) becomes `a/b`, with parentheses around parts longer than one token:
  `\\frac{x+1}{2}` is `(x+1)/2`; `\\sqrt{x}` is `√(x)`, `\\sqrt[3]{x}` is `∛(x)` (other roots `root(n, x)`);
* superscripts and subscripts keep their marker: `x^2`, `x^(n+1)`, `a_1`, `a_(ij)`;
* text and font commands keep their content (`\\text{km}` is `km`, `\\mathbf{v}` is `v`);
* Greek letters and common symbols become Unicode (`\\pi` is `π`, `\\le` is `≤`, `\\times` is `×`); named functions
  keep their name (`\\sin` is `sin`); any other command keeps its name without the backslash;
* escaped characters stay (`\\$` is `$`, `\\%` is `%`); braces go; Markdown emphasis markers (`**`, `__`, backticks)
  and heading hashes go; whitespace is collapsed.
"""

from __future__ import annotations

import re

GREEK = {
    "alpha": "α", "beta": "β", "gamma": "γ", "delta": "δ", "epsilon": "ε", "varepsilon": "ε", "zeta": "ζ",
    "eta": "η", "theta": "θ", "vartheta": "θ", "iota": "ι", "kappa": "κ", "lambda": "λ", "mu": "μ", "nu": "ν",
    "xi": "ξ", "pi": "π", "varpi": "π", "rho": "ρ", "varrho": "ρ", "sigma": "σ", "varsigma": "ς", "tau": "τ",
    "upsilon": "υ", "phi": "φ", "varphi": "φ", "chi": "χ", "psi": "ψ", "omega": "ω",
    "Gamma": "Γ", "Delta": "Δ", "Theta": "Θ", "Lambda": "Λ", "Xi": "Ξ", "Pi": "Π", "Sigma": "Σ", "Upsilon": "Υ",
    "Phi": "Φ", "Psi": "Ψ", "Omega": "Ω",
}
SYMBOLS = {
    "times": "×", "cdot": "·", "div": "÷", "pm": "±", "mp": "∓", "le": "≤", "leq": "≤", "ge": "≥", "geq": "≥",
    "lt": "<", "gt": ">", "ne": "≠", "neq": "≠", "approx": "≈", "equiv": "≡", "sim": "~", "propto": "∝",
    "infty": "∞", "to": "→", "rightarrow": "→", "leftarrow": "←", "Rightarrow": "⇒", "Leftarrow": "⇐",
    "iff": "⇔", "implies": "⇒", "Leftrightarrow": "⇔", "in": "∈", "notin": "∉", "subset": "⊂", "subseteq": "⊆",
    "supset": "⊃", "cup": "∪", "cap": "∩", "emptyset": "∅", "varnothing": "∅", "forall": "∀", "exists": "∃",
    "sum": "Σ", "prod": "Π", "int": "∫", "oint": "∮", "partial": "∂", "nabla": "∇", "degree": "°", "circ": "∘",
    "angle": "∠", "perp": "⊥", "parallel": "∥", "triangle": "△", "ldots": "…", "cdots": "…", "dots": "…",
    "neg": "¬", "land": "∧", "lor": "∨", "prime": "′", "langle": "⟨", "rangle": "⟩",
    "lfloor": "⌊", "rfloor": "⌋", "lceil": "⌈", "rceil": "⌉", "mid": "|", "vert": "|", "lvert": "|", "rvert": "|",
    "Vert": "‖", "setminus": "∖", "backslash": "\\", "percent": "%",
}
SPACES = {"quad", "qquad", "enspace", "thinspace", "medspace", "thickspace", "space", "newline", "par", "hline",
          "noindent", "displaystyle", "textstyle", "scriptstyle", "left", "right", "big", "Big", "bigg", "Bigg",
          "bigl", "bigr", "Bigl", "Bigr", "middle", "limits", "nolimits", "centering", "item", "hfill", "vfill"}
KEEP_ARGUMENT = {"text", "textbf", "textit", "textrm", "textsf", "texttt", "textup", "emph", "mathrm", "mathbf",
                 "mathit", "mathsf", "mathtt", "mathbb", "mathcal", "mathscr", "mathfrak", "boldsymbol", "bm", "operatorname",
                 "underline", "overline", "hat", "bar", "vec", "tilde", "dot", "ddot", "widehat", "widetilde",
                 "overrightarrow", "mbox", "hbox", "fbox", "boxed", "underbrace", "overbrace", "cancel", "phantom",
                 "textnormal", "mathnormal", "pmb", "displaylimits"}
DROP_ARGUMENT = {"label", "ref", "eqref", "cite", "color", "vspace", "hspace", "tag", "begin", "end"}
FRACTIONS = {"frac", "dfrac", "tfrac", "cfrac"}
BINOMIALS = {"binom", "dbinom", "tbinom"}
ESCAPED = {"$": "$", "%": "%", "&": "&", "#": "#", "_": "_", "{": "{", "}": "}", "|": "‖", "\\": " "}
SPACING_PUNCTUATION = {",", ";", ":", "!", " ", "(", ")", "[", "]", "/", ">", "<"}

MAX_DEPTH = 40
"""Groups nested deeper than this are flattened (braces dropped) instead of parsed, so nesting cannot exhaust the stack."""

_COMMAND = re.compile(r"[A-Za-z]+")
_PLAIN = re.compile(r"[^\\{}$^_&~]+")
_WHITESPACE = re.compile(r"\s+")
_MARKDOWN = re.compile(r"\*\*|__|`+|^\s{0,3}#{1,6}\s", re.MULTILINE)
_SIMPLE = re.compile(r"^[\w.′°]+$")
_SPACE_BEFORE_PUNCTUATION = re.compile(r"\s+([.,;:!?])(?=\s|$)")


def latex_to_text(source: str) -> str:
    """Plain text of a LaTeX-in-Markdown string (see the module docstring); never raises on any str."""
    if not source:
        return ""
    parser = _Parser(_MARKDOWN.sub(" ", source))
    text = _WHITESPACE.sub(" ", parser.sequence(0, stop=None)).strip()
    return _SPACE_BEFORE_PUNCTUATION.sub(r"\1", text)


def _wrap(text: str) -> str:
    text = text.strip()
    return text if _SIMPLE.match(text) else f"({text})"


class _Parser:
    def __init__(self, text: str) -> None:
        self.s = text
        self.i = 0

    def sequence(self, depth: int, stop: str | None) -> str:
        out: list[str] = []
        s = self.s
        while self.i < len(s):
            c = s[self.i]
            if c == stop:
                self.i += 1
                return "".join(out)
            if c == "\\":
                out.append(self.command(depth))
            elif c == "{":
                self.i += 1
                out.append(self.group(depth))
            elif c == "}":  # unbalanced: ignore
                self.i += 1
            elif c == "$":
                self.i += 1
                out.append(" ")
            elif c in "^_":
                self.i += 1
                argument = self.argument(depth).strip()
                if argument in ("∘", "′", "°"):  # 90^\circ, f^\prime
                    out.append("°" if argument == "∘" else argument)
                else:
                    out.append(c + (_wrap(argument) if argument else ""))
            elif c in "&~":
                self.i += 1
                out.append(" ")
            else:
                plain = _PLAIN.match(s, self.i)
                if plain is None or (stop is not None and stop in plain.group()):
                    out.append(c)
                    self.i += 1
                else:
                    out.append(plain.group())
                    self.i = plain.end()
        return "".join(out)

    def group(self, depth: int) -> str:
        """After an opening brace: its content up to the matching brace."""
        if depth >= MAX_DEPTH:  # flatten the rest of this group without recursing
            level, start = 1, self.i
            while self.i < len(self.s) and level:
                level += {"{": 1, "}": -1}.get(self.s[self.i], 0)
                self.i += 1
            inner = self.s[start:self.i - 1 if level == 0 else self.i]
            return re.sub(r"\\([A-Za-z]+)", r" \1 ", inner).replace("{", "").replace("}", "").replace("\\", " ")
        return self.sequence(depth + 1, stop="}")

    def argument(self, depth: int) -> str:
        """One argument of a command: a braced group, a command, or a single character."""
        s = self.s
        while self.i < len(s) and s[self.i] in " \t\n":
            self.i += 1
        if self.i >= len(s):
            return ""
        c = s[self.i]
        if c == "{":
            self.i += 1
            return self.group(depth)
        if c == "\\":
            return self.command(depth + 1)
        if c == "}":
            return ""
        self.i += 1
        return c

    def optional(self, depth: int) -> str | None:
        """An optional [..] argument, if one follows."""
        if self.i < len(self.s) and self.s[self.i] == "[":
            end = self.s.find("]", self.i)
            if end != -1:
                inner = self.s[self.i + 1:end]
                self.i = end + 1
                return _Parser(inner).sequence(min(depth + 1, MAX_DEPTH), stop=None) if depth < MAX_DEPTH else inner
        return None

    def command(self, depth: int) -> str:
        """At a backslash: the command's rendering."""
        s = self.s
        self.i += 1
        if self.i >= len(s):
            return ""
        match = _COMMAND.match(s, self.i)
        if not match:  # a one-character command: escapes, spacing, \( \) \[ \]
            c = s[self.i]
            self.i += 1
            if c in ESCAPED:
                return ESCAPED[c]
            if c in SPACING_PUNCTUATION:
                return " "
            return c
        name = match.group()
        self.i = match.end()
        if name in GREEK:
            return GREEK[name]
        if name in SYMBOLS:
            return self.word(SYMBOLS[name])
        if name in SPACES:
            return " "
        if depth >= MAX_DEPTH:  # too deep to take arguments: keep the name, parse what follows as plain text
            return self.word(name)
        if name in FRACTIONS:
            top, bottom = self.argument(depth), self.argument(depth)
            return f" {_wrap(top)}/{_wrap(bottom)} "
        if name in BINOMIALS:
            top, bottom = self.argument(depth), self.argument(depth)
            return f" C({top.strip()}, {bottom.strip()}) "
        if name == "sqrt":
            index = self.optional(depth)
            radicand = self.argument(depth).strip()
            if index is None or index.strip() == "2":
                return f"√({radicand})"
            if index.strip() == "3":
                return f"∛({radicand})"
            return f"root({index.strip()}, {radicand})"
        if name in KEEP_ARGUMENT:
            return f"{self.argument(depth)}"
        if name == "textcolor":
            self.argument(depth)
            return self.argument(depth)
        if name in DROP_ARGUMENT:
            self.argument(depth)
            return " "
        return self.word(name)

    def word(self, word: str) -> str:
        """A command's word, spaced from its neighbours but not from a following sub- or superscript."""
        return f" {word}" + ("" if self.s.startswith(("_", "^"), self.i) else " ")
