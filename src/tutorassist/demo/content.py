"""What the demo workspace contains: a topic tree and a few dozen questions with LaTeX, hints and solutions."""

from __future__ import annotations

from typing import Any

# Topic paths, parents first.
TOPICS: list[tuple[str, ...]] = [
    ("Number",), ("Number", "Fractions"), ("Number", "Percentages"),
    ("Algebra",), ("Algebra", "Linear equations"), ("Algebra", "Quadratics"), ("Algebra", "Inequalities"),
    ("Calculus",), ("Calculus", "Derivatives"),
]


def q(topic: tuple[str, ...], difficulty: int, prompt: str, spec: dict[str, Any], hints: list[str], solution: str,
      tags: list[str]) -> dict[str, Any]:
    return {"topic": topic, "difficulty": difficulty, "prompt_latex": prompt, "answer_type": spec["type"],
            "answer_spec": spec, "hints": hints, "solution_latex": solution, "tags": tags}


FRACTIONS, PERCENT = ("Number", "Fractions"), ("Number", "Percentages")
LINEAR, QUADRATIC, INEQ = ("Algebra", "Linear equations"), ("Algebra", "Quadratics"), ("Algebra", "Inequalities")
DERIV = ("Calculus", "Derivatives")

QUESTIONS: list[dict[str, Any]] = [
    q(FRACTIONS, 1, r"Compute $\frac{1}{2} + \frac{1}{3}$.", {"type": "expression", "value": r"\frac{5}{6}", "required_form": "lowest_terms"},
      ["Find a common denominator.", r"$\frac{3}{6} + \frac{2}{6}$"], r"$\frac{1}{2}+\frac{1}{3}=\frac{3}{6}+\frac{2}{6}=\frac{5}{6}$", ["fractions", "addition"]),
    q(FRACTIONS, 1, r"Compute $\frac{3}{4} - \frac{1}{8}$.", {"type": "expression", "value": r"\frac{5}{8}", "required_form": "lowest_terms"},
      ["Write both with denominator 8."], r"$\frac{6}{8}-\frac{1}{8}=\frac{5}{8}$", ["fractions", "subtraction"]),
    q(FRACTIONS, 2, r"Compute $\frac{2}{3} \times \frac{9}{10}$ in lowest terms.", {"type": "expression", "value": r"\frac{3}{5}", "required_form": "lowest_terms"},
      ["Multiply numerators and denominators.", "Cancel common factors."], r"$\frac{18}{30}=\frac{3}{5}$", ["fractions", "multiplication"]),
    q(FRACTIONS, 2, r"Compute $\frac{5}{6} \div \frac{10}{9}$.", {"type": "expression", "value": r"\frac{3}{4}", "required_form": "lowest_terms"},
      ["Dividing by a fraction is multiplying by its reciprocal."], r"$\frac{5}{6}\cdot\frac{9}{10}=\frac{45}{60}=\frac{3}{4}$", ["fractions", "division"]),
    q(FRACTIONS, 1, r"Write $0.375$ as a fraction in lowest terms.", {"type": "expression", "value": r"\frac{3}{8}", "required_form": "lowest_terms"},
      [r"$0.375 = \frac{375}{1000}$"], r"$\frac{375}{1000}=\frac{3}{8}$", ["fractions", "decimals"]),
    q(PERCENT, 1, r"What is $15\%$ of $80$?", {"type": "number", "value": "12"},
      [r"$15\% = 0.15$"], r"$0.15 \times 80 = 12$", ["percentages"]),
    q(PERCENT, 2, r"A price rises from $\$40$ to $\$50$. By what percentage did it rise?", {"type": "number", "value": "25"},
      ["Increase divided by the original price."], r"$\frac{10}{40} = 25\%$", ["percentages", "change"]),
    q(PERCENT, 3, r"After a $20\%$ discount a coat costs $\$96$. What was the original price?", {"type": "number", "value": "120"},
      [r"$96$ is $80\%$ of the original."], r"$96 / 0.8 = 120$", ["percentages", "reverse"]),
    q(PERCENT, 2, r"Give $\frac{7}{8}$ as a percentage to one decimal place.", {"type": "number", "value": "87.5", "decimal_places": 1},
      ["Divide 7 by 8, then multiply by 100."], r"$0.875 \times 100 = 87.5\%$", ["percentages", "rounding"]),
    q(LINEAR, 1, r"Solve $x + 7 = 12$.", {"type": "equation", "value": "x = 5", "variables": ["x"]},
      ["Subtract 7 from both sides."], r"$x = 12 - 7 = 5$", ["linear", "one-step"]),
    q(LINEAR, 1, r"Solve $3x = 21$.", {"type": "equation", "value": "x = 7", "variables": ["x"]},
      ["Divide both sides by 3."], r"$x = 7$", ["linear", "one-step"]),
    q(LINEAR, 2, r"Solve $2x - 5 = 9$.", {"type": "equation", "value": "x = 7", "variables": ["x"]},
      ["Add 5 to both sides.", "Then divide by 2."], r"$2x = 14 \Rightarrow x = 7$", ["linear", "two-step"]),
    q(LINEAR, 2, r"Solve $5(x - 2) = 3x + 4$.", {"type": "equation", "value": "x = 7", "variables": ["x"]},
      ["Expand the bracket.", r"$5x - 10 = 3x + 4$"], r"$2x = 14 \Rightarrow x = 7$", ["linear", "brackets"]),
    q(LINEAR, 3, r"Solve $\frac{x + 1}{3} = \frac{x - 1}{2}$.", {"type": "equation", "value": "x = 5", "variables": ["x"]},
      ["Multiply both sides by 6."], r"$2(x+1) = 3(x-1) \Rightarrow x = 5$", ["linear", "fractions"]),
    q(LINEAR, 3, r"Find the gradient of the line through $(1, 2)$ and $(4, 11)$.", {"type": "number", "value": "3"},
      [r"Gradient $= \frac{\Delta y}{\Delta x}$"], r"$\frac{11-2}{4-1} = 3$", ["linear", "gradient"]),
    q(LINEAR, 2, r"Simplify $3(x + 2) - 2(x - 1)$.", {"type": "expression", "value": "x + 8", "variables": ["x"], "required_form": "simplified"},
      ["Expand both brackets.", "Collect like terms."], r"$3x + 6 - 2x + 2 = x + 8$", ["algebra", "simplify"]),
    q(QUADRATIC, 2, r"Factorise $x^2 + 5x + 6$.", {"type": "expression", "value": "(x+2)(x+3)", "variables": ["x"], "required_form": "factored"},
      ["Find two numbers that multiply to 6 and add to 5."], r"$(x+2)(x+3)$", ["quadratics", "factorising"]),
    q(QUADRATIC, 2, r"Expand $(x - 4)(x + 1)$.", {"type": "expression", "value": "x^2 - 3x - 4", "variables": ["x"], "required_form": "expanded"},
      ["Multiply each term in the first bracket by each in the second."], r"$x^2 + x - 4x - 4 = x^2 - 3x - 4$", ["quadratics", "expanding"]),
    q(QUADRATIC, 3, r"Solve $x^2 - 5x + 6 = 0$. Give both solutions.", {"type": "set", "elements": ["2", "3"]},
      ["Factorise the left-hand side."], r"$(x-2)(x-3) = 0 \Rightarrow x \in \{2, 3\}$", ["quadratics", "solving"]),
    q(QUADRATIC, 3, r"Solve $x^2 = 49$.", {"type": "set", "elements": ["7", "-7"]},
      ["Remember the negative root."], r"$x = \pm 7$", ["quadratics", "solving"]),
    q(QUADRATIC, 4, r"Solve $2x^2 + 3x - 2 = 0$.", {"type": "set", "elements": [r"\frac{1}{2}", "-2"]},
      ["Use the quadratic formula or factorise: $(2x - 1)(x + 2)$."], r"$x = \frac{1}{2}$ or $x = -2$", ["quadratics", "solving"]),
    q(QUADRATIC, 4, r"Write $x^2 + 6x + 5$ in the form $(x + a)^2 + b$. Give $a$ and $b$ in that order.", {"type": "list", "elements": ["3", "-4"], "ordered": True},
      ["Half of 6 is 3.", r"$(x+3)^2 = x^2 + 6x + 9$"], r"$(x+3)^2 - 4$", ["quadratics", "completing-the-square"]),
    q(QUADRATIC, 3, r"How many real roots does $x^2 + 2x + 5 = 0$ have?",
      {"type": "multiple_choice", "choices": [{"id": "a", "latex": "0"}, {"id": "b", "latex": "1"}, {"id": "c", "latex": "2"}], "correct_ids": ["a"]},
      [r"Compute the discriminant $b^2 - 4ac$."], r"$4 - 20 = -16 < 0$: no real roots.", ["quadratics", "discriminant"]),
    q(INEQ, 2, r"Solve $2x + 3 > 11$.", {"type": "inequality", "value": "x > 4", "variables": ["x"]},
      ["Treat it like an equation, carefully."], r"$2x > 8 \Rightarrow x > 4$", ["inequalities", "linear"]),
    q(INEQ, 3, r"Solve $-3x \le 12$.", {"type": "inequality", "value": r"x \ge -4", "variables": ["x"]},
      ["Dividing by a negative number flips the inequality."], r"$x \ge -4$", ["inequalities", "negative"]),
    q(INEQ, 4, r"Solve $x^2 - 4 < 0$ and give the answer as an interval.", {"type": "interval", "value": "(-2, 2)"},
      ["Where is the parabola below the axis?"], r"$-2 < x < 2$", ["inequalities", "quadratic"]),
    q(DERIV, 2, r"Differentiate $f(x) = 3x^2 + 2x$.", {"type": "expression", "value": "6x + 2", "variables": ["x"]},
      [r"$\frac{d}{dx}x^n = n x^{n-1}$"], r"$f'(x) = 6x + 2$", ["calculus", "power-rule"]),
    q(DERIV, 3, r"Differentiate $f(x) = \sin(2x)$.", {"type": "expression", "value": r"2\cos(2x)", "variables": ["x"]},
      ["Use the chain rule."], r"$f'(x) = 2\cos(2x)$", ["calculus", "chain-rule"]),
    q(DERIV, 3, r"Find the gradient of $y = x^3$ at $x = 2$.", {"type": "number", "value": "12"},
      [r"$\frac{dy}{dx} = 3x^2$"], r"$3 \cdot 4 = 12$", ["calculus", "gradient"]),
    q(DERIV, 4, r"Differentiate $f(x) = x e^{x}$.", {"type": "expression", "value": "(x+1)e^x", "variables": ["x"]},
      ["Use the product rule."], r"$f'(x) = e^x + x e^x = (x+1)e^x$", ["calculus", "product-rule"]),
    q(DERIV, 5, r"Find the $x$-coordinate of the stationary point of $y = x^2 - 6x + 1$.", {"type": "number", "value": "3"},
      [r"Set $\frac{dy}{dx} = 0$."], r"$2x - 6 = 0 \Rightarrow x = 3$", ["calculus", "stationary-points"]),
    q(("Algebra",), 1, r"Which word names the number multiplying a variable, like $3$ in $3x$?",
      {"type": "text", "accepted_answers": ["coefficient"]}, ["It starts with a c."], "coefficient", ["vocabulary"]),
]
