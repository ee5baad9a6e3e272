"""Question text (Markdown with LaTeX math) as safe HTML with MathML, rendered on the server.

Math between `$…$`, `$$…$$`, `\\(…\\)` or `\\[…\\]` becomes MathML (latex2mathml); a formula it cannot read is shown
as its source in `<code>`, so a page never fails on a bad formula. The Markdown kept is what questions use: paragraphs,
line breaks, `**bold**`, `*italic*` and `` `code` ``; everything else is escaped text.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

from latex2mathml.converter import convert as latex_to_mathml
from markupsafe import Markup, escape

_MATH = re.compile(r"\$\$(.+?)\$\$|\\\[(.+?)\\\]|\$(.+?)\$|\\\((.+?)\\\)", re.S)
_INLINE = [
    (re.compile(r"\*\*(.+?)\*\*", re.S), "strong"),
    (re.compile(r"(?<![*\w])\*(?!\s)(.+?)(?<!\s)\*(?!\w)", re.S), "em"),
    (re.compile(r"`([^`]+)`"), "code"),
]


_MATHML = "http://www.w3.org/1998/Math/MathML"
ET.register_namespace("", _MATHML)
_ELEMENTS = frozenset(
    "math mrow mi mn mo ms mtext mspace mfrac msqrt mroot mstyle merror mpadded mphantom mfenced menclose msub msup "
    "msubsup munder mover munderover mmultiscripts mprescripts none mtable mtr mtd mlabeledtr semantics annotation".split())
_ATTRIBUTES = frozenset(
    "display mathvariant stretchy fence separator lspace rspace columnalign columnlines rowlines rowspacing "
    "columnspacing accent accentunder form minsize maxsize movablelimits symmetric linethickness width height depth "
    "displaystyle scriptlevel notation open close separators largeop mathsize frame framespacing rowalign".split())


def _safe_mathml(rendered: str) -> str | None:
    """The MathML rebuilt from its parse with only MathML elements and presentation attributes, or None.

    latex2mathml copies `\\text{…}` through unescaped, so its output is never trusted as it comes."""
    try:
        root = ET.fromstring(rendered)
    except ET.ParseError:
        return None
    for element in root.iter():
        namespace, _, name = element.tag.rpartition("}")
        if namespace.lstrip("{") != _MATHML or name not in _ELEMENTS:
            return None
        if any(attribute not in _ATTRIBUTES for attribute in element.attrib):
            return None
    return ET.tostring(root, encoding="unicode", short_empty_elements=False)


def math(latex: str, *, display: bool = False) -> Markup:
    """One formula as MathML (or its escaped source when it cannot be read)."""
    try:
        rendered = _safe_mathml(latex_to_mathml(latex, display="block" if display else "inline"))
    except Exception:  # latex2mathml raises many kinds of errors on malformed input; the source is the fallback
        rendered = None
    if rendered is None:
        return Markup('<code class="math-source">{}</code>').format(latex)
    return Markup(rendered)


def _text(chunk: str) -> str:
    html = str(escape(chunk))
    for pattern, tag in _INLINE:
        html = pattern.sub(lambda m, t=tag: f"<{t}>{m.group(1)}</{t}>", html)
    return html.replace("\n", "<br>\n")


def _paragraph(source: str) -> str:
    out, last = [], 0
    for m in _MATH.finditer(source):
        out.append(_text(source[last:m.start()]))
        display = m.group(1) is not None or m.group(2) is not None
        latex = next(g for g in m.groups() if g is not None)
        out.append(str(math(latex.strip(), display=display)))
        last = m.end()
    out.append(_text(source[last:]))
    return "".join(out)


def rich_text(source: str | None) -> Markup:
    """Markdown with LaTeX math as HTML paragraphs."""
    if not source:
        return Markup("")
    paragraphs = [p for p in re.split(r"\n\s*\n", source.strip()) if p.strip()]
    return Markup("".join(f"<p>{_paragraph(p.strip())}</p>" for p in paragraphs))


def inline_text(source: str | None) -> Markup:
    """Markdown with LaTeX math in one line (table cells, titles): no paragraphs."""
    return Markup(_paragraph(source.strip())) if source else Markup("")
