"""Question text to HTML with MathML: what is rendered, and that no input can inject markup (hypothesis)."""

from __future__ import annotations

from html.parser import HTMLParser

from hypothesis import given, settings
from hypothesis import strategies as st

from tutorassist.web.rendering import inline_text, math, rich_text

ALLOWED_TAGS = {"p", "br", "strong", "em", "code", "math", "mrow", "mi", "mn", "mo", "ms", "mtext", "mspace", "mfrac",
                "msqrt", "mroot", "mstyle", "merror", "mpadded", "mphantom", "mfenced", "menclose", "msub", "msup",
                "msubsup", "munder", "mover", "munderover", "mmultiscripts", "mprescripts", "none", "mtable", "mtr",
                "mtd", "mlabeledtr", "semantics", "annotation"}


class _Tags(HTMLParser):
    def __init__(self):
        super().__init__()
        self.tags: list[tuple[str, list[tuple[str, str | None]]]] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, attrs))


def tags_of(html: str) -> list[tuple[str, list[tuple[str, str | None]]]]:
    parser = _Tags()
    parser.feed(html)
    return parser.tags


def test_math_becomes_mathml_and_markdown_is_kept():
    html = str(rich_text("Solve $\\frac{1}{2}x = 3$ for **x**.\n\nThen $$x^2$$ and `code`."))
    assert html.count("<p>") == 2
    assert "<mfrac>" in html and 'display="block"' in html
    assert "<strong>x</strong>" in html and "<code>code</code>" in html


def test_delimiters_of_every_kind():
    for source in ("$x^2$", "\\(x^2\\)", "$$x^2$$", "\\[x^2\\]"):
        assert "<msup>" in str(inline_text(source)), source


def test_unreadable_math_shows_its_source():
    html = str(math("\\frac{"))
    assert html.startswith('<code class="math-source">') and "\\frac{" in html


def test_text_inside_math_cannot_carry_markup():
    # latex2mathml copies \text{...} through unescaped: the sanitiser must refuse it.
    html = str(rich_text("$\\text{<script>alert(1)</script>}$ and <img src=x onerror=alert(1)>"))
    assert "<script" not in html and "<img" not in html
    assert "&lt;script&gt;" in html and "&lt;img" in html


TOKENS = st.sampled_from(["$", "$$", "\\(", "\\)", "\\[", "\\]", "\\text{", "\\frac", "{", "}", "^", "_", "<", ">",
                          "&", '"', "'", "script", "img", "onerror=", "javascript:", "**", "*", "`", "\n", "\n\n",
                          "x", "2", " ", "\\", "\\mathrm{", "<math>", "</math>", "<mi>", "href=", "style="])


@settings(max_examples=400, deadline=None)
@given(st.lists(TOKENS, max_size=30).map("".join))
def test_no_input_renders_markup_outside_the_allowed_set(source):
    for html in (str(rich_text(source)), str(inline_text(source))):
        for tag, attrs in tags_of(html):
            assert tag in ALLOWED_TAGS, (source, html)
            for name, _value in attrs:
                assert name in {"xmlns", "display", "class", "mathvariant", "stretchy", "fence", "separator", "lspace",
                                "rspace", "columnalign", "rowspacing", "columnspacing", "accent", "accentunder",
                                "form", "minsize", "maxsize", "movablelimits", "symmetric", "linethickness", "width",
                                "height", "depth", "displaystyle", "scriptlevel", "notation", "open", "close",
                                "separators", "largeop", "mathsize", "frame", "framespacing", "rowalign",
                                "columnlines", "rowlines"}, (source, html)
