"""Request and response bodies of the AI generation API."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, ClassVar, Literal
from uuid import UUID

from pydantic import BaseModel, Field, ValidationInfo, field_validator

from tutorassist.kit.schemas import Strict


def _page_needs_material(schema: dict[str, Any]) -> None:
    # A page (not null) only with a material (not null).
    schema["anyOf"] = [{"properties": {"material_page": {"type": "null"}}},
                       {"required": ["source_material_id"],
                        "properties": {"source_material_id": {"type": "string", "format": "uuid"}}}]


class GenerationBody(Strict):
    """Questions to generate for a topic of the workspace."""

    schema_rules: ClassVar = (_page_needs_material,)

    topic_id: UUID = Field(description="Topic of the workspace the questions are for")
    count: int = Field(ge=1, le=200, description="Questions to generate")
    difficulty_mix: dict[Literal["1", "2", "3", "4", "5"], Annotated[int, Field(ge=1, le=200)]] | None = Field(
        default=None, min_length=1,
        description='Relative weight of each difficulty 1..5, e.g. {"1": 2, "3": 5}: count is split in proportion '
                    "(largest remainder). Absent: every question of difficulty 3")
    source_material_id: UUID | None = Field(default=None, description="Source material of the workspace to base "
                                                                      "the questions on (its extracted text)")
    material_page: int | None = Field(default=None, ge=1, le=100_000,
                                      description="1-based page of the material to use (needs source_material_id)")
    mode: Literal["sync", "batch"] = Field(default="sync", description="sync: calls now, one per 5 questions; "
                                           "batch: the provider's Batch API (cheaper, within 24 h)")
    provider: Literal["offline", "openai"] | None = Field(
        default=None, description="offline templates, or the configured OpenAI-compatible provider; absent: openai "
                                  "when the server has an API key, else offline")

    @field_validator("material_page")
    @classmethod
    def _page_of_a_material(cls, value: int | None, info: ValidationInfo) -> int | None:
        if value is not None and info.data.get("source_material_id") is None:
            raise ValueError("a page needs source_material_id")
        return value


class EstimateOut(BaseModel):
    provider: str
    mode: str
    model: str
    calls: int
    tokens_input: int
    tokens_output: int
    tokens_total: int
    cost_usd: float = Field(description="Estimated cost in US dollars (batch price in batch mode)")
    pricing: str = Field(description="list | batch | batch_assumed_50_percent | unpriced | offline")
    difficulty_counts: dict[str, int] = Field(description="Questions per difficulty the request asks for")
    budget_usd: float | None = Field(description="The workspace's monthly AI budget; null: none")
    spent_this_month_usd: float
    within_budget: bool


class GenerationOut(BaseModel):
    job_id: UUID = Field(description="Follow it at GET /workspaces/{id}/jobs/{job_id}")
    batch_id: UUID = Field(description="question_batches id (GET /workspaces/{id}/ai/batches/{batch_id})")
    job_type: str
    estimate: EstimateOut


class DraftOut(BaseModel):
    id: UUID
    topic_id: UUID | None
    prompt_latex: str
    answer_type: str
    difficulty: int
    quality_score: float | None
    batch_id: UUID | None
    batch_custom_id: str | None
    model: str | None
    auto_fixes_applied: list[str]
    created_at: datetime


class DraftChecks(BaseModel):
    """What the pipeline checked before storing a draft (its generation_metadata), for a reviewer to read."""

    validation_passed: bool | None = Field(description="The draft passed the pipeline's validation")
    latex_valid: bool | None = Field(description="The prompt and solution LaTeX parsed and rendered")
    answer_parseable: bool | None = Field(description="The answer specification parsed for its answer type")
    difficulty_appropriate: bool | None = Field(description="The difficulty is the one asked for")
    similar_questions: int = Field(description="Workspace questions recorded as similar to it (similarity >= 0.5)")


class ApproveBody(Strict):
    ids: list[UUID] = Field(min_length=1, max_length=200, json_schema_extra={"uniqueItems": True},
                            description="AI-generated drafts of the workspace to make active")


class ApproveOut(BaseModel):
    approved: list[UUID]


class BatchOut(BaseModel):
    id: UUID
    job_id: UUID | None
    status: str
    mode: str
    provider: str | None
    model: str | None
    openai_batch_id: str | None
    total_requested: int
    total_generated: int
    total_failed: int
    rejected_by_reason: dict[str, int]
    total_tokens: int | None
    total_cost_usd: float | None
    estimated_cost_usd: float | None
    error_text: str | None
    created_at: datetime
    completed_at: datetime | None
