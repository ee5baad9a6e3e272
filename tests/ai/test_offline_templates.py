"""Every offline template, many seeds, every difficulty it supports: the candidate passes `verify_candidate`
(LaTeX renders, the checker grades the spec, the CAS recomputes the same answer), and a student who types the stated
answer is graded correct by the answer checker, on the same path a submitted attempt takes."""

from __future__ import annotations

import random

import pytest

from tutorassist.ai.candidate import QuestionCandidate
from tutorassist.ai.offline import TEMPLATES
from tutorassist.ai.verify import verify_candidate
from tutorassist.learning import cas
from tutorassist.questions.spec_check import own_answer

SEEDS = range(20)
"""Seeds per (template, difficulty): about 1,000 candidates, each verified and graded (~25 s). A sweep of 200 more
seeds (10,000 candidates) found no failure when this was written."""

CASES = [(name, difficulty) for name, template in TEMPLATES.items() for difficulty in template.difficulties]


def test_the_catalogue_covers_the_issue_and_every_difficulty() -> None:
    assert len(TEMPLATES) >= 12
    for needed in ("linear_equation", "quadratic_factorisable", "simultaneous_linear", "fraction_arithmetic",
                   "percentage_change", "index_laws", "derivative_polynomial", "expand_brackets",
                   "factorise_quadratic"):
        assert needed in TEMPLATES
    assert {d for t in TEMPLATES.values() for d in t.difficulties} == {1, 2, 3, 4, 5}
    for name, template in TEMPLATES.items():
        assert template.name == name and template.keywords and template.varies
        assert set(template.difficulties) <= {1, 2, 3, 4, 5}


@pytest.mark.parametrize("name, difficulty", CASES, ids=[f"{n}-{d}" for n, d in CASES])
def test_every_seed_is_verified_and_graded_correct(name: str, difficulty: int) -> None:
    template = TEMPLATES[name]
    prompts = set()
    for seed in SEEDS:
        item = template.generate(random.Random(seed), difficulty)
        assert isinstance(item, QuestionCandidate)
        assert item.difficulty == difficulty and item.cas_check is not None
        assert 1 <= len(item.hints) <= 3 and item.solution_latex and item.tags
        assert item.blooms_level and item.skill_type and item.cognitive_load
        result = verify_candidate(item)
        assert result.ok, f"seed {seed}: {result.reason}\n{item.prompt_latex}\n{item.answer_spec}"
        assert result.checks == {"latex_valid": True, "answer_parseable": True, "answer_verified": True}
        verdict = cas.check(item.answer_spec, own_answer(item.answer_spec))
        assert verdict.verdict == "correct", (seed, item.answer_spec, verdict)
        prompts.add(item.prompt_latex)
    assert len(prompts) >= len(SEEDS) // 2, "the parameters hardly vary"


def test_a_student_typing_the_answer_another_way_is_correct_too() -> None:
    """The spec is not just self-consistent: ordinary other spellings of the same answer are accepted."""
    item = TEMPLATES["linear_equation"].generate(random.Random(1), 2)
    root = item.answer_spec["value"].split("=")[1].strip()
    assert cas.check(item.answer_spec, f"{root} = x").verdict == "correct"
    assert cas.check(item.answer_spec, f"2x = 2*({root})").verdict == "correct"
    quadratic = TEMPLATES["quadratic_factorisable"].generate(random.Random(1), 2)
    reversed_roots = ", ".join(reversed(quadratic.answer_spec["elements"]))
    assert cas.check(quadratic.answer_spec, reversed_roots).verdict == "correct"
    system = TEMPLATES["simultaneous_linear"].generate(random.Random(1), 4)
    solution_x, solution_y = system.answer_spec["elements"]
    assert cas.check(system.answer_spec, f"x = {solution_x}, y = {solution_y}").verdict == "correct"
    assert cas.check(system.answer_spec, f"({solution_x}, {solution_y})").verdict == "correct"


def test_an_unsupported_difficulty_is_refused() -> None:
    with pytest.raises(ValueError, match="produces difficulties"):
        TEMPLATES["linear_equation"].generate(random.Random(0), 5)
