"""The text a question is embedded as, and its hash (a different hash means the stored embedding is stale)."""

from __future__ import annotations

import hashlib

from tutorassist.questions.latex import latex_to_text

MAX_QUERY_CHARS = 2000
"""Longest free text a similarity query may carry (a question prompt is far shorter; models truncate at ~256 tokens)."""


def question_text(prompt_latex: str, answer_type: str) -> str:
    """The prompt as plain text (LaTeX turned into words and symbols) followed by the kind of answer it expects.

    The answer type is part of the text so that "solve x^2 = 4" asking for a set and asking for a number are close but
    not identical; solutions, hints and answers are left out: two questions that ask the same thing are duplicates
    whatever their worked solutions say."""
    return f"{latex_to_text(prompt_latex)} (answer: {answer_type.replace('_', ' ')})"


def text_hash(text: str) -> str:
    """SHA-256 (hex) of the UTF-8 text: question_embeddings.text_hash."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()
