"""The offline provider: the template catalogue (tutorassist.ai.offline), no network, no key, no cost."""

from __future__ import annotations

import time

from tutorassist.ai import offline
from tutorassist.ai.pricing import OFFLINE_MODEL
from tutorassist.ai.prompts import TopicContext
from tutorassist.ai.providers import CallResult

PROMPT_VERSION = "templates"


def generate(topic: TopicContext, difficulties: list[int], seed: int) -> CallResult:
    started = time.perf_counter()
    text = " ".join(filter(None, [topic.name, topic.description, *topic.objectives]))
    candidates = offline.generate(text, difficulties, seed)
    return CallResult(
        model=OFFLINE_MODEL, model_version=offline.CATALOGUE_VERSION,
        candidates=[c.model_dump(mode="json") for c in candidates],
        duration_ms=int((time.perf_counter() - started) * 1000), pricing="offline", prompt_version=PROMPT_VERSION,
    )
