"""The local model really loads from the installed package (no network) and ranks related questions together."""

from __future__ import annotations

import numpy as np

from tests.embeddings.conftest import QUESTIONS
from tutorassist.embeddings import providers
from tutorassist.embeddings.text import question_text


def cosine(a, b) -> float:
    a, b = np.asarray(a), np.asarray(b)
    return float(a @ b / (np.linalg.norm(a) * np.linalg.norm(b)))


def test_local_model_loads_and_ranks_a_related_question_above_an_unrelated_one():
    model = providers.local()
    query, related, unrelated = model.embed([
        question_text("Solve for $x$: $3x + 5 = 20$.", "number"),
        question_text("Find $x$ if $7x - 4 = 2x + 11$.", "number"),
        question_text("Find the area of a circle with radius $7$ cm.", "number"),
    ])
    assert len(query) == model.dimensions == 384
    assert abs(np.linalg.norm(query) - 1) < 1e-4  # unit vectors: cosine = dot product
    assert cosine(query, related) > cosine(query, unrelated) + 0.1


def test_local_model_puts_most_same_topic_questions_first():
    texts, topics = [], []
    for topic, prompts in QUESTIONS.items():
        for prompt in prompts:
            texts.append(question_text(prompt, "number"))
            topics.append(topic)
    vectors = np.asarray(providers.local().embed(texts))
    sims = vectors @ vectors.T
    hits = 0
    for i in range(len(texts)):
        nearest = [j for j in np.argsort(-sims[i]) if j != i][0]
        hits += topics[nearest] == topics[i]
    assert hits >= 10, f"only {hits} of {len(texts)} questions have a same-topic nearest neighbour"


def test_the_model_is_loaded_once_per_process():
    providers.local().embed(["x + 1 = 2"])
    first = providers._encoder()
    providers.local().embed(["y + 2 = 3"])
    assert providers._encoder() is first
