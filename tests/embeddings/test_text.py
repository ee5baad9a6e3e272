"""What a question is embedded as: plain text of the prompt plus the answer type, and a stable SHA-256."""

from __future__ import annotations

import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tutorassist.embeddings.text import question_text, text_hash


@pytest.mark.parametrize("prompt, answer_type, expected", [
    (r"Solve $\frac{x+1}{2} = 3$", "number", "Solve (x+1)/2 = 3 (answer: number)"),
    (r"Area of a circle of radius $r$: \textbf{use} $\pi r^2$", "expression", "Area of a circle of radius r: use π r^2 (answer: expression)"),
    ("Which is larger?", "multiple_choice", "Which is larger? (answer: multiple choice)"),
])
def test_question_text(prompt, answer_type, expected):
    assert question_text(prompt, answer_type) == expected


def test_the_hash_changes_with_the_text_or_the_answer_type_and_only_then():
    base = text_hash(question_text("Solve $x + 1 = 3$", "number"))
    assert text_hash(question_text("Solve $x + 1 = 3$", "number")) == base
    assert text_hash(question_text("Solve $x + 2 = 3$", "number")) != base
    assert text_hash(question_text("Solve $x + 1 = 3$", "set")) != base


@given(prompt=st.text(max_size=300), answer_type=st.sampled_from(["number", "expression", "set", "multiple_choice"]))
def test_any_prompt_gives_a_text_and_a_hash_the_database_accepts(prompt, answer_type):
    body = question_text(prompt, answer_type)
    assert body.endswith(f"(answer: {answer_type.replace('_', ' ')})")
    assert re.fullmatch(r"[0-9a-f]{64}", text_hash(body))  # question_embeddings.text_hash's CHECK
