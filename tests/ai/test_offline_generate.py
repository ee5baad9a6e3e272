"""The offline generator's public API: topic matching, seeded and spread generation, bad input, the built-in
syllabus tree; with property tests over arbitrary topics, difficulty lists and seeds."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tutorassist.ai.offline import TEMPLATES, TopicOutline, generate, syllabus, templates_for
from tutorassist.ai.offline.syllabus import level
from tutorassist.ai.verify import verify_candidate


@pytest.mark.parametrize("topic, first", [
    ("Quadratic equations", {"quadratic_factorisable", "quadratic_formula"}),
    ("Algebra > Quadratics: solving by the quadratic formula", {"quadratic_formula"}),
    ("Percentages", {"percentage_of_amount", "percentage_change", "reverse_percentage"}),
    ("Reverse percentages", {"reverse_percentage"}),
    ("Fractions", {"fraction_arithmetic"}),
    ("Laws of indices", {"index_laws"}),
    ("Simultaneous equations", {"simultaneous_linear"}),
    ("Solving linear inequalities", {"linear_inequality"}),
    ("Factorizing quadratics", {"factorise_quadratic", "quadratic_factorisable"}),
    ("Expanding double brackets", {"expand_brackets"}),
    ("Differentiation", {"derivative_polynomial", "derivative_chain_rule", "derivative_product_rule"}),
    ("The chain rule", {"derivative_chain_rule"}),
])
def test_templates_for_ranks_the_closest_templates_first(topic: str, first: set[str]) -> None:
    ranked = [t.name for t in templates_for(topic)]
    assert set(ranked[:len(first)]) == first, ranked


@pytest.mark.parametrize("topic", ["Poetry of the Romantics", "", "   ", "¿¡ 数学 !?"])
def test_an_unmatched_topic_falls_back_to_every_template_in_catalogue_order(topic: str) -> None:
    assert [t.name for t in templates_for(topic)] == list(TEMPLATES)


def test_the_same_call_gives_the_same_questions_and_another_seed_others() -> None:
    difficulties = [1, 2, 3, 3, 4, 5]
    first = [c.model_dump() for c in generate("Algebra", difficulties, seed=42)]
    assert first == [c.model_dump() for c in generate("Algebra", difficulties, seed=42)]
    other = [c.model_dump() for c in generate("Algebra", difficulties, seed=43)]
    assert [c["prompt_latex"] for c in other] != [c["prompt_latex"] for c in first]
    assert [c["difficulty"] for c in first] == difficulties


def test_items_of_one_call_get_different_parameters() -> None:
    items = generate("Linear equations", [2] * 12, seed=7)
    assert len({c.prompt_latex for c in items}) == 12


def test_items_spread_across_the_matching_templates_and_stay_on_topic() -> None:
    items = generate("Percentages", [3, 3, 3], seed=1)
    assert {tuple(c.tags) for c in items} == {
        ("number", "percentages"), ("number", "percentages", "percentage-change"),
        ("number", "percentages", "reverse-percentage")}
    for item in generate("Quadratic equations", [2, 3, 4, 4, 5, 5], seed=3):
        assert "quadratics" in item.tags


def test_a_difficulty_the_topic_lacks_comes_from_the_nearest_fitting_template() -> None:
    (item,) = generate("Fractions", [5], seed=0)
    assert item.difficulty == 5 and verify_candidate(item).ok
    (item,) = generate("Differentiation", [1], seed=0)
    assert "differentiation" in item.tags


@pytest.mark.parametrize("difficulties", [[0], [6], [3, -1], ["3"], [True], [2.0], [None]])
def test_bad_difficulties_are_refused_with_a_clear_error(difficulties: list) -> None:
    with pytest.raises(ValueError, match="whole number from 1 to 5"):
        generate("Algebra", difficulties, seed=1)


def test_no_difficulties_give_no_questions() -> None:
    assert generate("Algebra", [], seed=1) == []


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(topic=st.text(max_size=40), difficulties=st.lists(st.integers(1, 5), max_size=4),
       seed=st.integers(-(2**63), 2**63))
def test_any_topic_and_seed_give_verified_questions_deterministically(topic: str, difficulties: list[int],
                                                                        seed: int) -> None:
    items = generate(topic, difficulties, seed)
    assert [c.difficulty for c in items] == difficulties
    assert [c.model_dump() for c in generate(topic, difficulties, seed)] == [c.model_dump() for c in items]
    for item in items:
        result = verify_candidate(item)
        assert result.ok, (result.reason, item.prompt_latex, item.answer_spec)


# --------------------------------------------------------------------------------------------- syllabus


def _leaves(tree: list[TopicOutline]) -> list[TopicOutline]:
    return [leaf for area in tree for leaf in area.children]


@pytest.mark.parametrize("program, grade, expected", [
    ("GCSE Mathematics", "Foundation tier", 2), ("GCSE Mathematics", "Higher tier", 3),
    ("GCSE Mathematics", "Year 10", 3), ("A-Level Mathematics", "Year 12 (AS)", 4),
    ("A-Level Mathematics", "Year 13", 5), ("IB Mathematics: Analysis and Approaches", "Higher Level (HL)", 5),
    ("Common Core Mathematics", "Grade 6", 1), ("Common Core Mathematics", "Grade 8", 2),
    ("AP Calculus AB", "", 5), ("Home schooling", "", 3), ("", "10", 3), ("Anything", "Grade 12", 5),
])
def test_program_and_grade_read_as_a_level(program: str, grade: str, expected: int) -> None:
    assert level(program, grade) == expected


def test_gcse_year_10_is_number_and_algebra_without_calculus() -> None:
    tree = syllabus("GCSE Mathematics", "Year 10")
    assert [area.name for area in tree] == ["Number", "Algebra"]
    names = {leaf.name for leaf in _leaves(tree)}
    assert {"Fractions", "Percentages", "Quadratic equations", "Simultaneous equations"} <= names
    quadratics = next(leaf for leaf in _leaves(tree) if leaf.name == "Quadratic equations")
    assert quadratics.templates == ["quadratic_factorisable", "quadratic_formula"]


def test_a_level_year_13_reaches_the_product_rule_and_ap_calculus_leads_with_calculus() -> None:
    assert "The product rule" in {leaf.name for leaf in _leaves(syllabus("A-Level Mathematics", "Year 13"))}
    assert syllabus("AP Calculus AB", "Grade 12")[0].name == "Calculus"


def test_an_unknown_program_gets_the_generic_tree_by_grade() -> None:
    early = syllabus("Our own course", "Grade 6")
    assert "Calculus" not in {area.name for area in early}
    assert "Quadratic equations" not in {leaf.name for leaf in _leaves(early)}
    late = syllabus("Our own course", "Grade 12")
    assert {area.name for area in late} == {"Number", "Algebra", "Calculus"}


@pytest.mark.parametrize("program, grade", [("GCSE Mathematics", "Foundation tier"), ("A-Level Mathematics", "Y13"),
                                            ("CCSS", "Grade 7"), ("", "")])
def test_every_leaf_names_real_templates_that_its_own_name_finds(program: str, grade: str) -> None:
    tree = syllabus(program, grade)
    assert tree and all(isinstance(area, TopicOutline) and area.description and area.children for area in tree)
    for leaf in _leaves(tree):
        assert leaf.templates and leaf.children == [] and leaf.description
        assert set(leaf.templates) <= set(TEMPLATES)
        assert set(leaf.templates) <= {t.name for t in templates_for(f"{leaf.name}. {leaf.description}")}


def test_the_top_level_reaches_every_template() -> None:
    reached = {name for leaf in _leaves(syllabus("A-Level Mathematics", "Year 13")) for name in leaf.templates}
    assert reached == set(TEMPLATES)
