"""latex_to_text: plain text of LaTeX-in-Markdown prompts, for full-text search. Pure unit tests."""

from __future__ import annotations

import pytest

from tutorassist.questions.latex import latex_to_text


@pytest.mark.parametrize("source, text", [
    ("Solve $2x + 3 = 7$ for $x$.", "Solve 2x + 3 = 7 for x."),
    (r"$$\frac{x+1}{2} = \sqrt{x^{2}+1}$$", "(x+1)/2 = √(x^2+1)"),
    (r"\(\dfrac{a}{b}\) and \[\sqrt[3]{27}\]", "a/b and ∛(27)"),
    (r"\sqrt[n]{x}", "root(n, x)"),
    (r"$x^{n+1}$, $a_{ij}$, $a_1$", "x^(n+1), a_ij, a_1"),
    (r"\text{Speed in } \mathrm{km}/\mathrm{h}", "Speed in km/h"),
    (r"Angle $90^\circ$ and $f \circ g$", "Angle 90° and f ∘ g"),
    (r"$\alpha \le \beta \neq \pi$, $\Delta x$", "α ≤ β ≠ π, Δ x"),
    (r"$3 \times 4 \cdot 5 \div 6 \pm 1$", "3 × 4 · 5 ÷ 6 ± 1"),
    (r"$\sin x + \log_2 y$", "sin x + log_2 y"),
    (r"Costs \$5 (50\% off) in \{set\} \#1 a\_b", "Costs $5 (50% off) in {set} #1 a_b"),
    (r"$\left( \frac{1}{2} \right)^2$", "( 1/2 )^2"),
    (r"\begin{pmatrix} 1 & 2 \\ 3 & 4 \end{pmatrix}", "1 2 3 4"),
    (r"$\binom{5}{2}$", "C(5, 2)"),
    (r"$x \in \mathbb{R}$", "x ∈ R"),
    (r"\textcolor{red}{hot} \label{eq:1}stuff", "hot stuff"),
    ("**Bold** and `code`\n\n# Heading", "Bold and code Heading"),
    (r"$\unknowncommand{x}$", "unknowncommand x"),
    ("", ""),
    ("   \n\t ", ""),
])
def test_renders_plain_text(source, text):
    assert latex_to_text(source) == text


@pytest.mark.parametrize("source", [
    "{" * 20000, "}" * 20000, "{{{}" * 5000, "\\" * 20000, "$" * 20000, "^" * 20000, "_{" * 10000,
    r"\frac" * 4000, r"\sqrt" * 4000, r"\sqrt[" * 3000, r"\sqrt[{" * 3000, r"\sqrt[\sqrt[" * 2000,
    r"\frac{" * 4000 + "x", r"\text{" * 5000, "x^{" * 6000, r"\begin{" * 3000, "\x00 \ud800 \U0001F600",
])
def test_never_raises_and_terminates_on_hostile_input(source):
    result = latex_to_text(source)
    assert isinstance(result, str) and len(result) <= 4 * len(source) + 10


def test_deep_nesting_keeps_the_content():
    assert latex_to_text("{" * 1000 + "deep" + "}" * 1000) == "deep"
    assert "x" in latex_to_text(r"\frac{" * 200 + "x" + "}{2}" * 200)
