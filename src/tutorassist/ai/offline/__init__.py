"""The offline question generator: parametrised math templates whose answers sympy computes from the drawn
parameters, so they are right by construction (and `tutorassist.ai.verify` confirms each one with the checker).

    CATALOGUE_VERSION                  the catalogue's version (generation_metadata.model_version)
    TEMPLATES                          name -> Template (catalogue order: number, algebra, calculus)
    templates_for(topic_text)          the templates that fit a topic name/description, best first
    generate(topic_text, difficulties, seed)
                                       one QuestionCandidate per requested difficulty; the same call gives the same
                                       questions, and different items get different parameters
    syllabus(program, grade)           a built-in topic tree (TopicOutline) for a study program and grade level

No key, no network, no database: this is the default generator and what SYLLABUS_GENERATE uses offline. See
docs/ai-generation.md, "Offline generator".
"""

from __future__ import annotations

import random
import re

from tutorassist.ai.candidate import QuestionCandidate
from tutorassist.ai.offline import calculus, equations, expressions, number
from tutorassist.ai.offline.base import Template
from tutorassist.ai.offline.syllabus import TopicOutline, syllabus

__all__ = ["CATALOGUE_VERSION", "TEMPLATES", "Template", "TopicOutline", "generate", "syllabus", "templates_for"]

CATALOGUE_VERSION = "templates-2026.11"
"""Recorded as generation_metadata.model_version of offline questions: change it when a template changes what it
writes, so questions can be traced to the catalogue that made them."""

TEMPLATES: dict[str, Template] = {
    t.name: t for t in [*number.TEMPLATES, *expressions.TEMPLATES, *equations.TEMPLATES, *calculus.TEMPLATES]
}

_ATTEMPTS = 60
"""Draws per item before a repeated question is accepted (only a template with few parameter values repeats)."""


def _scores(topic_text: str) -> list[tuple[int, Template]]:
    """(score, template) for every template with a keyword in the text, best first, then in catalogue order. A
    keyword matches at the start of a word (`percent` in `Percentages`); a phrase weighs its number of words."""
    text = " " + re.sub(r"[^a-z0-9]+", " ", (topic_text or "").lower()) + " "
    scored = []
    for order, template in enumerate(TEMPLATES.values()):
        score = sum(len(k.split()) for k in template.keywords if f" {k}" in text)
        if score:
            scored.append((score, order, template))
    scored.sort(key=lambda item: (-item[0], item[1]))
    return [(score, template) for score, _, template in scored]


def templates_for(topic_text: str) -> list[Template]:
    """The templates that fit the topic, best first: those scoring at least half the best score. When no keyword
    matches, every template in catalogue order (simplest areas first)."""
    scored = _scores(topic_text)
    if not scored:
        return list(TEMPLATES.values())
    best = scored[0][0]
    return [template for score, template in scored if 2 * score >= best]


def _choose(topic_text: str, difficulty: int, uses: dict[str, int]) -> Template:
    """The least used template that fits the topic and produces `difficulty`; failing a close fit, a looser one
    (any keyword), failing that any template of that difficulty."""
    for pool in (templates_for(topic_text), [t for _, t in _scores(topic_text)], list(TEMPLATES.values())):
        fitting = [t for t in pool if difficulty in t.difficulties]
        if fitting:
            return min(fitting, key=lambda t: (uses.get(t.name, 0), fitting.index(t)))
    raise AssertionError(f"no template produces difficulty {difficulty}")  # every level 1..5 has templates


def generate(topic_text: str, difficulties: list[int], seed: int) -> list[QuestionCandidate]:
    """One candidate per entry of `difficulties` (each 1..5), spread across the templates that fit the topic.
    Deterministic: item i draws from a generator seeded with (seed, i, attempt), never from global state."""
    for difficulty in difficulties:
        if isinstance(difficulty, bool) or not isinstance(difficulty, int) or not 1 <= difficulty <= 5:
            raise ValueError(f"a difficulty is a whole number from 1 to 5, not {difficulty!r}")
    uses: dict[str, int] = {}
    seen: set[str] = set()
    out: list[QuestionCandidate] = []
    for index, difficulty in enumerate(difficulties):
        template = _choose(topic_text, difficulty, uses)
        uses[template.name] = uses.get(template.name, 0) + 1
        for attempt in range(_ATTEMPTS):
            item = template.generate(random.Random(f"{seed}:{index}:{attempt}"), difficulty)
            if item.prompt_latex not in seen:
                break
        seen.add(item.prompt_latex)
        out.append(item)
    return out
