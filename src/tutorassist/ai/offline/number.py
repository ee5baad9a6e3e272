"""Number templates: fraction arithmetic and percentages (of an amount, change, reverse). Values are exact
rationals; money and percentages are drawn so that the answer is a terminating decimal."""

from __future__ import annotations

import random

import sympy as sp

from tutorassist.ai.candidate import CasCheck, QuestionCandidate
from tutorassist.ai.offline.base import Template, candidate, decimal_text, plain, tex

_OPS = {"+": ("+", "+"), "-": ("-", "-"), "*": ("\\times", "*"), "/": ("\\div", "/")}


def _fraction(rng: random.Random, denominators: list[int]) -> sp.Rational:
    q = rng.choice(denominators)
    return sp.Rational(rng.randint(1, q - 1), q)


def _apply(op: str, a: sp.Expr, b: sp.Expr) -> sp.Expr:
    return {"+": a + b, "-": a - b, "*": a * b, "/": a / b}[op]


def fraction_arithmetic(rng: random.Random, difficulty: int) -> QuestionCandidate:
    while True:
        if difficulty == 1:
            q = rng.choice([3, 4, 5, 6, 7, 8, 9, 10, 12])
            a, b = sp.Rational(rng.randint(1, q - 1), q), sp.Rational(rng.randint(1, q - 1), q)
            ops = [rng.choice("+-")]
        elif difficulty == 2:
            a, b = _fraction(rng, [2, 3, 4, 5, 6, 8]), _fraction(rng, [3, 4, 5, 6, 7, 9, 10])
            ops = [rng.choice("+-")]
        elif difficulty == 3:
            a, b = _fraction(rng, [2, 3, 4, 5, 6, 7, 8, 9]), _fraction(rng, [2, 3, 4, 5, 6, 7, 8, 9, 10])
            ops = [rng.choice("*/")]
        else:
            a, b = _fraction(rng, [2, 3, 4, 5, 6]), _fraction(rng, [3, 4, 5, 7, 8])
            ops = [rng.choice("+-"), rng.choice("*/")]
        fractions = [a, b] if len(ops) == 1 else [a, b, _fraction(rng, [2, 3, 4, 5, 9])]
        # the operator precedence is the usual one: a ± b × c is a ± (b × c)
        value = _apply(ops[0], a, b) if len(ops) == 1 else _apply(ops[0], a, _apply(ops[1], b, fractions[2]))
        if value != 0:
            break
    shown = text = ""
    for i, f in enumerate(fractions):
        part = f"\\frac{{{f.p}}}{{{f.q}}}"
        shown += part if i == 0 else f" {_OPS[ops[i - 1]][0]} {part}"
        text += f"({f.p}/{f.q})" if i == 0 else f" {_OPS[ops[i - 1]][1]} ({f.p}/{f.q})"
    hints = {"+": "Write both fractions over a common denominator, then add the numerators.",
             "-": "Write both fractions over a common denominator, then subtract the numerators.",
             "*": "Multiply the numerators and multiply the denominators, then cancel.",
             "/": "Dividing by a fraction is multiplying by its reciprocal."}
    return candidate(
        prompt=f"Calculate ${shown}$. Give your answer as a fraction in its lowest terms.",
        spec={"type": "expression", "value": plain(value), "required_form": "lowest_terms"},
        hints=[hints[op] for op in dict.fromkeys(reversed(ops))] + ["Cancel common factors at the end."],
        solution=f"${shown} = {tex(value)}$",
        difficulty=difficulty, tags=["number", "fractions"],
        check=CasCheck(kind="evaluate", expression=text),
    )


def _money(value: sp.Expr) -> str:
    """An amount of money: whole, or with two decimals (`12.50`)."""
    text = decimal_text(value)
    return text + "0" if "." in text and len(text.split(".")[1]) == 1 else text


def percentage_of_amount(rng: random.Random, difficulty: int) -> QuestionCandidate:
    if difficulty == 1:
        percent, amount = sp.Integer(rng.choice([10, 20, 25, 50, 75])), 20 * rng.randint(1, 25)
    elif difficulty == 2:
        percent, amount = sp.Integer(rng.randint(1, 99)), 4 * rng.randint(3, 60)
    else:
        percent, amount = sp.Rational(rng.choice([25, 35, 75, 125, 175, 225]), 10), 8 * rng.randint(2, 60)
    value = percent / 100 * amount
    shown_percent = decimal_text(percent)
    return candidate(
        prompt=f"Find ${shown_percent}\\%$ of ${amount}$.",
        spec={"type": "number", "value": decimal_text(value)},
        hints=[f"${shown_percent}\\% = \\frac{{{shown_percent}}}{{100}}$.", f"Multiply by ${amount}$."],
        solution=f"$\\frac{{{shown_percent}}}{{100}} \\times {amount} = {decimal_text(value)}$",
        difficulty=difficulty, tags=["number", "percentages"],
        check=CasCheck(kind="evaluate", expression=f"{shown_percent}/100 * {amount}"),
    )


def percentage_change(rng: random.Random, difficulty: int) -> QuestionCandidate:
    percent = sp.Integer(rng.randint(1, 60)) if difficulty <= 3 else sp.Rational(rng.choice([25, 75, 125, 175]), 10)
    rising = difficulty == 2 or (difficulty == 4 and rng.random() < 0.5)
    old = 100 * rng.randint(1, 30) if difficulty <= 3 else 200 * rng.randint(1, 15)
    new = old * (1 + percent / 100) if rising else old * (1 - percent / 100)
    word = "increase" if rising else "decrease"
    value = (new - old) / old * 100 if rising else (old - new) / old * 100
    return candidate(
        prompt=f"A price changes from ${_money(old)}$ to ${_money(new)}$. What is the percentage {word}?",
        spec={"type": "number", "value": decimal_text(value)},
        hints=[f"Work out the {word}: the difference between the two prices.",
               "Divide it by the original price and multiply by $100$."],
        solution=(f"$\\frac{{{_money(abs(new - old))}}}{{{_money(old)}}} \\times 100 = {decimal_text(value)}$, "
                  f"a ${decimal_text(value)}\\%$ {word}."),
        difficulty=difficulty, tags=["number", "percentages", "percentage-change"],
        check=CasCheck(kind="evaluate", expression=(f"({_money(new)} - {_money(old)})/{_money(old)} * 100" if rising
                                                    else f"({_money(old)} - {_money(new)})/{_money(old)} * 100")),
        blooms="apply",
    )


def reverse_percentage(rng: random.Random, difficulty: int) -> QuestionCandidate:
    original = 100 * rng.randint(1, 20) if difficulty == 5 else 4 * rng.randint(5, 100)  # the price stays in cents
    changes = [(rng.randint(5, 45), rng.random() < 0.5)]
    if difficulty == 5:
        changes.append((rng.choice([5, 10, 15, 20, 25]), not changes[0][1]))
    elif difficulty == 3:
        changes = [(changes[0][0], True)]
    factor = sp.Integer(1)
    for percent, rising in changes:
        factor *= 1 + sp.Rational(percent, 100) * (1 if rising else -1)
    final = original * factor
    words = [f"{'increased' if rising else 'reduced'} by ${percent}\\%$" for percent, rising in changes]
    multipliers = [decimal_text(1 + sp.Rational(p, 100) * (1 if r else -1)) for p, r in changes]
    value = final / factor
    return candidate(
        prompt=f"A price was {' and then '.join(words)}. It is now ${_money(final)}$. What was the original price?",
        spec={"type": "number", "value": decimal_text(value)},
        hints=["Each change multiplies the price: " + ", ".join(f"$\\times {m}$" for m in multipliers) + ".",
               "Undo the changes: divide the new price by the multiplier" + ("s." if len(changes) > 1 else ".")],
        solution=f"${_money(final)} \\div " + " \\div ".join(multipliers) + f" = {decimal_text(value)}$",
        difficulty=difficulty, tags=["number", "percentages", "reverse-percentage"],
        check=CasCheck(kind="evaluate",
                       expression=f"{_money(final)} / (" + " * ".join(multipliers) + ")"),
        blooms="analyze",
    )


TEMPLATES = [
    Template("fraction_arithmetic", "Fraction arithmetic", ("fraction", "rational number", "number", "arithmetic"),
             (1, 2, 3, 4), fraction_arithmetic, "proper fractions; + or − with a common denominator (1) or not (2), "
             "× or ÷ (3), three fractions with precedence (4); never a zero result"),
    Template("percentage_of_amount", "Percentage of an amount", ("percent", "amount", "number"), (1, 2, 3),
             percentage_of_amount, "friendly percentages (1), any whole percentage (2), decimal percentages (3)"),
    Template("percentage_change", "Percentage change", ("percentage change", "percent", "number"), (2, 3, 4),
             percentage_change, "the original price and the percentage: an increase (2), a decrease (3), "
             "a decimal percentage either way (4)"),
    Template("reverse_percentage", "Reverse percentages", ("reverse percentage", "percent", "number"), (3, 4, 5),
             reverse_percentage, "the original price and the change(s): one increase (3), one change (4), "
             "two successive opposite changes (5)"),
]
