"""A generation request: what is asked (topic, material, difficulty mix, count, mode, provider), the items it
expands to (`item-0000`, ... with a difficulty each: the custom_id that guards each against a second insert), the
topic context the prompt is built from, and the estimate shown before anything is submitted."""

from __future__ import annotations

from typing import Literal
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field, model_validator
from sqlalchemy import text
from sqlalchemy.engine import Connection

from tutorassist.ai import prompts
from tutorassist.ai.pricing import OFFLINE_MODEL, Estimate, estimate_calls
from tutorassist.ai.providers import OFFLINE, OPENAI
from tutorassist.config import Settings, get_settings

CHUNK_SIZE = 5
"""Items per synchronous call: small enough that one bad answer costs little, large enough to share the prompt."""

Difficulty = Literal["1", "2", "3", "4", "5"]


class GenerationRequest(BaseModel):
    """What a tutor asks for. `difficulty_mix` weighs the difficulties ("1".."5"): `count` is split in proportion
    (largest remainder, ties to the easier difficulty), so {"1": 2, "3": 5} with count 7 asks for 2 and 5, with
    count 14 for 4 and 10; absent, every question is of difficulty 3. `provider` absent: openai when an API key is
    configured, else offline."""

    model_config = ConfigDict(extra="forbid")

    topic_id: UUID
    count: int = Field(ge=1, le=200, strict=True)
    difficulty_mix: dict[Difficulty, int] | None = Field(
        default=None, description='Relative weight of each difficulty, e.g. {"1": 2, "3": 5}; count is split in proportion')
    source_material_id: UUID | None = None
    material_page: int | None = Field(default=None, ge=1, le=100_000, strict=True)
    mode: Literal["sync", "batch"] = "sync"
    provider: Literal["offline", "openai"] | None = None

    @model_validator(mode="after")
    def _consistent(self) -> GenerationRequest:
        if self.difficulty_mix is not None and (any(n < 0 for n in self.difficulty_mix.values())
                                                or sum(self.difficulty_mix.values()) <= 0):
            raise ValueError("difficulty_mix weights must not be negative and must not all be 0")
        if self.material_page is not None and self.source_material_id is None:
            raise ValueError("material_page needs source_material_id")
        if self.mode == "batch" and self.provider == OFFLINE:
            raise ValueError("the offline provider has no batch mode; use mode sync")
        return self

    def mix(self) -> dict[str, int]:
        """Questions per difficulty, adding up to count."""
        return split(self.count, self.difficulty_mix or {"3": 1})

    def resolved_provider(self, settings: Settings | None = None) -> str:
        settings = settings or get_settings()
        return self.provider or (OPENAI if settings.ai_api_key else OFFLINE)


def split(count: int, weights: dict[str, int]) -> dict[str, int]:
    """`count` split in proportion to `weights` by largest remainder (ties to the easier difficulty)."""
    total = sum(weights.values())
    exact = {d: count * w / total for d, w in sorted(weights.items())}
    shares = {d: int(v) for d, v in exact.items()}
    for d in sorted(exact, key=lambda k: (-(exact[k] - shares[k]), k))[:count - sum(shares.values())]:
        shares[d] += 1
    return {d: n for d, n in shares.items() if n}


def items(mix: dict[str, int]) -> list[tuple[str, int]]:
    """(custom_id, difficulty) of every requested question, easiest first."""
    difficulties = [int(d) for d, n in sorted(mix.items()) for _ in range(n)]
    return [(f"item-{i:04d}", d) for i, d in enumerate(difficulties)]


def chunks(pending: list[tuple[str, int]], size: int = CHUNK_SIZE) -> list[list[tuple[str, int]]]:
    return [pending[i:i + size] for i in range(0, len(pending), size)]


def topic_context(conn: Connection, workspace_id: UUID, topic_id: UUID, material_id: UUID | None = None,
                  material_page: int | None = None) -> prompts.TopicContext | None:
    """The topic (and material excerpt) as the acting member sees them; None when either is not in the workspace."""
    topic = conn.execute(text("SELECT id, name, description, metadata FROM topics WHERE workspace_id = :w AND id = :t"),
                         {"w": workspace_id, "t": topic_id}).mappings().one_or_none()
    if topic is None:
        return None
    material_title = material_text = None
    if material_id is not None:
        material = conn.execute(text("SELECT title, content_text, metadata FROM source_materials "
                                     "WHERE workspace_id = :w AND id = :m"),
                                {"w": workspace_id, "m": material_id}).mappings().one_or_none()
        if material is None:
            return None
        material_title, material_text = material["title"], material["content_text"] or ""
        pages = (material["metadata"] or {}).get("pages")
        if material_page is not None and isinstance(pages, list) and material_page <= len(pages):
            start, end = pages[material_page - 1]
            material_text = material_text[start:end]
    objectives = (topic["metadata"] or {}).get("learning_objectives") or []
    return prompts.TopicContext(topic_id=topic["id"], name=topic["name"], description=topic["description"],
                                objectives=[str(o) for o in objectives], material_id=material_id,
                                material_title=material_title, material_text=material_text,
                                material_page=material_page)


def estimate(request: GenerationRequest, topic: prompts.TopicContext, settings: Settings | None = None) -> Estimate:
    """Tokens and US dollars the request is expected to use: one call per chunk (sync) or per item (batch, at the
    batch price); the offline generator costs nothing."""
    settings = settings or get_settings()
    wanted = items(request.mix())
    if request.resolved_provider(settings) == OFFLINE:
        return estimate_calls(OFFLINE_MODEL, [0] * len(chunks(wanted)), len(wanted), batch=False)
    groups = [[item] for item in wanted] if request.mode == "batch" else chunks(wanted)
    chars = [prompts.prompt_chars(topic, [d for _, d in group]) for group in groups]
    return estimate_calls(settings.ai_model, chars, len(wanted), batch=request.mode == "batch")
