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
    """What a tutor asks for. `difficulty_mix` counts questions per difficulty ("1".."5") and must add up to
    `count`; absent, every question is of difficulty 3. `provider` absent: openai when an API key is configured,
    else offline."""

    model_config = ConfigDict(extra="forbid")

    topic_id: UUID
    count: int = Field(ge=1, le=200, strict=True)
    difficulty_mix: dict[Difficulty, int] | None = Field(
        default=None, description='Questions per difficulty, e.g. {"1": 2, "3": 5}; must add up to count')
    source_material_id: UUID | None = None
    material_page: int | None = Field(default=None, ge=1, le=100_000, strict=True)
    mode: Literal["sync", "batch"] = "sync"
    provider: Literal["offline", "openai"] | None = None

    @model_validator(mode="after")
    def _mix_adds_up(self) -> GenerationRequest:
        if self.difficulty_mix is not None:
            if any(n < 0 for n in self.difficulty_mix.values()):
                raise ValueError("difficulty_mix counts must not be negative")
            if sum(self.difficulty_mix.values()) != self.count:
                raise ValueError(f"difficulty_mix adds up to {sum(self.difficulty_mix.values())}, not count "
                                 f"({self.count})")
        if self.material_page is not None and self.source_material_id is None:
            raise ValueError("material_page needs source_material_id")
        if self.mode == "batch" and self.provider == OFFLINE:
            raise ValueError("the offline provider has no batch mode; use mode sync")
        return self

    def mix(self) -> dict[str, int]:
        return {k: v for k, v in sorted((self.difficulty_mix or {"3": self.count}).items()) if v}

    def resolved_provider(self, settings: Settings | None = None) -> str:
        settings = settings or get_settings()
        return self.provider or (OPENAI if settings.ai_api_key else OFFLINE)


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
