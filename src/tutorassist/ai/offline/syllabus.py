"""A built-in topic tree for a study program and grade level, used by SYLLABUS_GENERATE when no AI provider is
configured. The program and grade are read as a level from 1 (early secondary) to 5 (final-year calculus); each
topic of the catalogue below has the level it is first taught at, and each leaf names the templates that write its
questions. Known programs (the seeded GCSE, A-Level, IB, AP and Common Core ones) set the level from their grade;
any other program gets the same tree by grade number (`Year 10`, `Grade 8`, `10`)."""

from __future__ import annotations

import re
from typing import NamedTuple


class TopicOutline(NamedTuple):
    name: str
    description: str
    children: list[TopicOutline]
    templates: list[str]
    """Names of the offline templates that write this topic's questions (empty for a parent topic)."""


# (area, area description, [(topic, description, first level, templates)])
_CATALOGUE = [
    ("Number", "Working with fractions, percentages and powers.", [
        ("Fractions", "Adding, subtracting, multiplying and dividing fractions.", 1, ["fraction_arithmetic"]),
        ("Percentages", "Percentages of amounts and percentage change.", 1,
         ["percentage_of_amount", "percentage_change"]),
        ("Reverse percentages", "Finding the original amount before a percentage change.", 3,
         ["reverse_percentage"]),
        ("Indices", "The laws of indices, including negative and fractional indices.", 1, ["index_laws"]),
    ]),
    ("Algebra", "Manipulating expressions and solving equations and inequalities.", [
        ("Expanding brackets", "Multiplying out single and double brackets.", 1, ["expand_brackets"]),
        ("Linear equations", "Solving linear equations, including brackets and fractions.", 1,
         ["linear_equation", "linear_equation_brackets"]),
        ("Linear inequalities", "Solving linear inequalities.", 2, ["linear_inequality"]),
        ("Factorising quadratics", "Factorising quadratic expressions.", 2, ["factorise_quadratic"]),
        ("Quadratic equations", "Solving quadratic equations by factorising and by the formula.", 2,
         ["quadratic_factorisable", "quadratic_formula"]),
        ("Simultaneous equations", "Solving a pair of linear simultaneous equations.", 2, ["simultaneous_linear"]),
    ]),
    ("Calculus", "Differentiation and its rules.", [
        ("Differentiation", "Differentiating powers of x and polynomials.", 4, ["derivative_polynomial"]),
        ("The chain rule", "Differentiating composite functions.", 4, ["derivative_chain_rule"]),
        ("The product rule", "Differentiating products of functions.", 5, ["derivative_product_rule"]),
    ]),
]

_TEMPLATE_LEVEL = {"quadratic_formula": 3}
"""Templates of a topic that start later than the topic itself."""

_GRADE_WORDS = {"hl": 5, "sl": 4, "y13": 5, "y12": 4, "as": 4, "higher": 3, "foundation": 2}


def _level_of_number(number: int, uk_year: bool) -> int:
    """Year 7-13 (England) or Grade 6-12 (US and most others) as a level 1..5."""
    if uk_year:
        number -= 1
    return 1 if number <= 7 else 2 if number == 8 else 3 if number <= 10 else 4 if number == 11 else 5


def level(program: str, grade: str) -> int:
    """The level (1..5) of a program and grade; the middle level 3 when neither says anything."""
    program_text, grade_text = (program or "").lower(), (grade or "").lower()
    words = re.findall(r"[a-z0-9]+", grade_text)
    for word in _GRADE_WORDS:  # in order: `Higher Level (HL)` is IB HL, not the GCSE Higher tier
        if word in words:
            return _GRADE_WORDS[word]
    number = re.search(r"\d+", grade_text)
    if number:
        return _level_of_number(int(number.group()), uk_year="year" in grade_text or "gcse" in program_text
                                or "level" in program_text)
    if "calc" in program_text:
        return 5
    if "a-level" in program_text or "a level" in program_text or "ib" in program_text.split():
        return 4
    if "precalc" in program_text:
        return 4
    return 3


def syllabus(program: str, grade: str) -> list[TopicOutline]:
    """The topic tree for `program` at `grade`: areas (Number, Algebra, Calculus) with the topics taught up to that
    level. A calculus program (AP Calculus) leads with Calculus."""
    at = level(program, grade)
    areas = []
    for area, description, topics in _CATALOGUE:
        children = [
            TopicOutline(name, text, [], [t for t in templates if _TEMPLATE_LEVEL.get(t, first) <= at])
            for name, text, first, templates in topics if first <= at
        ]
        if children:
            areas.append(TopicOutline(area, description, children, []))
    if "calc" in (program or "").lower() and "precalc" not in (program or "").lower():
        areas.sort(key=lambda outline: outline.name != "Calculus")
    return areas
