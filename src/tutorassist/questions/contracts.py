"""JSONB contracts of the questions domain: generation metadata, topic metadata and answer specifications
(answer_specs.py), and their registration with the JSONB registry.

Every model forbids unknown keys (``extra="forbid"``): these models validate what the application is about to write,
and a misspelt key must fail loudly instead of being stored and silently ignored. Rows written by newer code (with
keys this code does not know yet) are read with ``tutorassist.kit.jsonb.validate_jsonb(..., unknown_keys="ignore")``;
see ``docs/jsonb-contracts.md``.
"""

from __future__ import annotations

import uuid
from typing import Annotated, Literal, Union

from pydantic import (
    BaseModel,
    ConfigDict,
    Discriminator,
    Field,
    StrictBool,
    StrictFloat,
    StrictInt,
    Tag,
    model_validator,
)

from tutorassist.kit.jsonb import IsoDateTime, JsonbColumn, JsonbContract, NonEmptyStr, UniqueList, register
from tutorassist.questions.answer_specs import (  # noqa: F401  (re-exported: the answer spec contract lives there)
    ANSWER_SPEC_MODELS,
    ANSWER_TYPES,
    AnswerSpec,
    AnswerType,
    Choice,
    EquationAnswer,
    ExpressionAnswer,
    InequalityAnswer,
    IntervalAnswer,
    ListAnswer,
    MultipleChoiceAnswer,
    NumberAnswer,
    SetAnswer,
    TextAnswer,
)

# --------------------------------------------------------------------------------------------- generation metadata

KNOWN_GENERATION_MODELS: tuple[str, ...] = ("gpt-4o", "gpt-4o-mini", "gpt-4-turbo")
"""The model names seed 6.2 lists. `model` is not restricted to them: providers keep adding models."""

BloomsLevel = Literal["remember", "understand", "apply", "analyze", "evaluate", "create"]
SkillType = Literal["procedural", "conceptual", "factual"]
CognitiveLoad = Literal["low", "medium", "high"]


class TokensUsed(BaseModel):
    """Token counts of the generation request; `total` must equal `input + output`."""

    model_config = ConfigDict(extra="forbid")

    input: Annotated[StrictInt, Field(ge=0)] = Field(description="Prompt (input) tokens.")
    output: Annotated[StrictInt, Field(ge=0)] = Field(description="Completion (output) tokens.")
    total: Annotated[StrictInt, Field(ge=0)] = Field(description="Total tokens; must equal input + output.")

    @model_validator(mode="after")
    def _total_is_sum(self) -> TokensUsed:
        if self.total != self.input + self.output:
            raise ValueError(f"total ({self.total}) must equal input + output ({self.input + self.output})")
        return self


class QualityChecks(BaseModel):
    """Automatic checks run on the generated question before it was stored."""

    model_config = ConfigDict(extra="forbid")

    latex_valid: StrictBool = Field(description="The prompt and solution LaTeX parsed and rendered.")
    answer_parseable: StrictBool = Field(description="The answer_spec parsed for its answer_type.")
    difficulty_appropriate: StrictBool = Field(description="The estimated difficulty matches the requested one.")


class SourceContext(BaseModel):
    """What the generator was given to work from."""

    model_config = ConfigDict(extra="forbid")

    material_id: uuid.UUID | None = Field(
        default=None, description="source_materials.id the question was generated from."
    )
    material_page: Annotated[StrictInt, Field(ge=1)] | None = Field(
        default=None, description="1-based page of the source material."
    )
    similar_questions: UniqueList[uuid.UUID] | None = Field(
        default=None, description="questions.id of existing questions shown to the model as examples or to avoid."
    )
    topic_context: str | None = Field(default=None, description="Free-text topic description included in the prompt.")


class Pedagogical(BaseModel):
    """Pedagogical classification the generator assigned to the question."""

    model_config = ConfigDict(extra="forbid")

    blooms_level: BloomsLevel = Field(description="Bloom's taxonomy level.")
    skill_type: SkillType = Field(description="Kind of knowledge exercised.")
    prerequisites: UniqueList[uuid.UUID] | None = Field(
        default=None, description="questions.id of questions that should be mastered first."
    )
    cognitive_load: CognitiveLoad | None = Field(default=None, description="Expected cognitive load.")


class QuestionGenerationMetadata(BaseModel):
    """How an AI-generated question was produced: model, prompt, cost, quality checks, source and pedagogy (seed 6.2).

    Written once, by the generator, when it stores the question. All seed-required fields are required here: a
    record missing them cannot answer the cost and quality questions the column exists for. Questions that were not
    generated keep the column default `{}` (see the column contract).
    """

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "model": "gpt-4o-mini",
                    "model_version": "2024-07-18",
                    "prompt_version": "v2.3.1",
                    "temperature": 0.7,
                    "generated_at": "2025-12-31T10:00:00Z",
                    "batch_id": "batch_abc123",
                    "job_id": "5b0e7c1e-8f5d-4c1a-9a59-0c1f7d8e2b6a",
                    "tokens_used": {"input": 150, "output": 320, "total": 470},
                    "generation_time_ms": 2340,
                    "cost_usd": 0.000215,
                    "validation_passed": True,
                    "auto_fixes_applied": ["latex_formatting"],
                    "quality_checks": {"latex_valid": True, "answer_parseable": True, "difficulty_appropriate": True},
                    "source_context": {
                        "material_id": "0d6f6a52-3f4e-4a55-8d0b-2b8e4f1f2c3d",
                        "material_page": 5,
                        "similar_questions": ["9c1b2d3e-4f50-4a6b-8c7d-8e9fa0b1c2d3"],
                        "topic_context": "Linear equations in one variable",
                    },
                    "pedagogical": {
                        "blooms_level": "apply",
                        "skill_type": "procedural",
                        "prerequisites": ["1a2b3c4d-5e6f-4a7b-8c9d-0e1f2a3b4c5d"],
                        "cognitive_load": "medium",
                    },
                }
            ]
        },
    )

    model: NonEmptyStr = Field(
        description=(
            "AI model that generated the question. Known values from the seed: "
            + ", ".join(f"`{m}`" for m in KNOWN_GENERATION_MODELS)
            + "; any other provider model name is accepted."
        )
    )
    model_version: NonEmptyStr | None = Field(default=None, description="Model snapshot, e.g. `2024-07-18`.")
    prompt_version: NonEmptyStr = Field(description="Version of the prompt template, e.g. `v2.3.1`.")
    temperature: Annotated[StrictFloat, Field(ge=0, le=2)] = Field(description="Sampling temperature.")
    generated_at: IsoDateTime = Field(description="When the provider returned the question (not the row's created_at).")
    batch_id: NonEmptyStr | None = Field(
        default=None,
        description=(
            "The AI provider's batch id (question_batches.openai_batch_id), e.g. `batch_abc123`; not the internal "
            "questions.batch_id uuid."
        ),
    )
    job_id: uuid.UUID = Field(description="jobs.id of the job that ran the generation.")
    tokens_used: TokensUsed = Field(description="Token counts of the request.")
    generation_time_ms: Annotated[StrictInt, Field(ge=0)] = Field(description="Wall time of the provider call in ms.")
    cost_usd: Annotated[StrictFloat, Field(ge=0)] | None = Field(default=None, description="Cost of the call in USD.")
    validation_passed: StrictBool = Field(description="The question passed the generator's validation.")
    auto_fixes_applied: list[NonEmptyStr] | None = Field(
        default=None, description="Codes of automatic fixes applied before storing, e.g. `latex_formatting`."
    )
    quality_checks: QualityChecks | None = Field(default=None, description="Results of the automatic quality checks.")
    source_context: SourceContext | None = Field(default=None, description="What the generator worked from.")
    pedagogical: Pedagogical | None = Field(default=None, description="Pedagogical classification.")


class LegacyGenerationMetadata(BaseModel):
    """Backfilled metadata of questions generated before the column existed (seed section 5.2, Action 6).

    Only the model (assumed) and the generation time (the row's created_at, as PostgreSQL's `jsonb_build_object`
    renders a timestamptz) are known; `legacy_migration` is always `true` and marks the record as incomplete, so
    analytics can leave it out of cost and quality figures.
    """

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {"model": "gpt-4o-mini", "generated_at": "2025-06-01T08:30:00.123456+00:00", "legacy_migration": True}
            ]
        },
    )

    model: NonEmptyStr = Field(description="AI model assumed to have generated the question.")
    generated_at: IsoDateTime = Field(description="The question's created_at, standing in for the generation time.")
    legacy_migration: Literal[True] = Field(description="Always true: a backfilled, incomplete record.")


class NoGenerationMetadata(BaseModel):
    """The column default `{}`: the question was not AI-generated (manual or imported)."""

    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{}]})


def _generation_variant(value: object) -> str | None:
    if isinstance(value, BaseModel):
        return {NoGenerationMetadata: "empty", LegacyGenerationMetadata: "legacy"}.get(type(value), "full")
    if not isinstance(value, dict):
        return None
    if not value:
        return "empty"
    if value.get("legacy_migration") is True:
        return "legacy"
    return "full"


GenerationMetadataColumn = Annotated[
    Union[
        Annotated[QuestionGenerationMetadata, Tag("full")],
        Annotated[LegacyGenerationMetadata, Tag("legacy")],
        Annotated[NoGenerationMetadata, Tag("empty")],
    ],
    Discriminator(_generation_variant),
]
"""What questions.generation_metadata may hold: full metadata, a legacy backfill (legacy_migration: true), or `{}`."""


# --------------------------------------------------------------------------------------------- topic metadata


class TopicCommonError(BaseModel):
    """A misconception students commonly show on the topic."""

    model_config = ConfigDict(extra="forbid")

    error: NonEmptyStr = Field(description="What students get wrong.")
    frequency: Annotated[StrictFloat, Field(ge=0, le=1)] = Field(
        description="Share of wrong answers on the topic that show this error, 0..1."
    )
    remedy: NonEmptyStr = Field(description="How to address it.")


class DifficultyDistribution(BaseModel):
    """Relative weights of easy, medium and hard questions; normalised by the reader, so they need not sum to 1."""

    model_config = ConfigDict(extra="forbid")

    easy: Annotated[StrictFloat, Field(ge=0)] = Field(description="Weight of easy questions (difficulty 1-2).")
    medium: Annotated[StrictFloat, Field(ge=0)] = Field(description="Weight of medium questions (difficulty 3).")
    hard: Annotated[StrictFloat, Field(ge=0)] = Field(description="Weight of hard questions (difficulty 4-5).")

    @model_validator(mode="after")
    def _not_all_zero(self) -> DifficultyDistribution:
        if self.easy + self.medium + self.hard <= 0:
            raise ValueError("at least one of easy, medium, hard must be positive")
        return self




class TopicMetadata(BaseModel):
    """Topic organisation, prerequisites, benchmarks and learning objectives (seed 6.2); every key is optional."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "subtopics": ["Solving ax + b = c", "Equations with brackets"],
                    "learning_objectives": ["Solve linear equations in one variable"],
                    "difficulty": 2,
                    "estimated_hours": 3,
                    "prerequisites": ["3f2a1b0c-9d8e-4f7a-8b6c-5d4e3f2a1b0c"],
                    "follows_topics": ["3f2a1b0c-9d8e-4f7a-8b6c-5d4e3f2a1b0c"],
                    "leads_to_topics": ["7e6d5c4b-3a29-4180-9f7e-6d5c4b3a2918"],
                    "curriculum_codes": ["CCSS.MATH.8.EE.C.7"],
                    "mastery_threshold": 0.8,
                    "success_benchmark": 0.75,
                    "common_errors": [
                        {
                            "error": "Sign error when moving a term",
                            "frequency": 0.3,
                            "remedy": "Do the same to both sides",
                        }
                    ],
                    "recommended_question_types": ["number", "equation"],
                    "recommended_difficulty_distribution": {"easy": 0.3, "medium": 0.5, "hard": 0.2},
                    "generated_from": "ai",
                    "source_program_id": "0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d",
                    "source_grade_level_id": "5e6f7a8b-9c0d-4e1f-8a2b-3c4d5e6f7a8b",
                }
            ]
        },
    )

    subtopics: list[NonEmptyStr] | None = Field(default=None, description="Names of the parts of the topic.")
    learning_objectives: list[NonEmptyStr] | None = Field(
        default=None, description="What a student should be able to do."
    )
    difficulty: Annotated[StrictInt, Field(ge=1, le=5)] | None = Field(
        default=None, description="Difficulty 1 (easiest) to 5, the same scale as questions.difficulty."
    )
    estimated_hours: Annotated[StrictFloat, Field(gt=0, le=1000)] | None = Field(
        default=None, description="Estimated learning time in hours."
    )
    prerequisites: UniqueList[uuid.UUID] | None = Field(
        default=None, description="topics.id of topics to master first."
    )
    follows_topics: UniqueList[uuid.UUID] | None = Field(
        default=None, description="topics.id of topics taught just before."
    )
    leads_to_topics: UniqueList[uuid.UUID] | None = Field(default=None, description="topics.id of topics taught next.")
    curriculum_codes: UniqueList[NonEmptyStr] | None = Field(
        default=None, description="Standards codes, e.g. `CCSS.MATH.8.F.1`."
    )
    mastery_threshold: Annotated[StrictFloat, Field(ge=0, le=1)] | None = Field(
        default=None, description="Accuracy 0..1 at which the topic counts as mastered (0.8 = 80%)."
    )
    success_benchmark: Annotated[StrictFloat, Field(ge=0, le=1)] | None = Field(
        default=None, description="Expected class-average accuracy 0..1."
    )
    common_errors: list[TopicCommonError] | None = Field(default=None, description="Common misconceptions.")
    recommended_question_types: UniqueList[AnswerType] | None = Field(
        default=None, description="Answer types that suit the topic (values of questions.answer_type)."
    )
    recommended_difficulty_distribution: DifficultyDistribution | None = Field(
        default=None, description="Recommended mix of difficulties."
    )
    generated_from: Literal["ai", "manual", "imported"] | None = Field(
        default=None, description="How the topic was created."
    )
    source_program_id: uuid.UUID | None = Field(default=None, description="study_programs.id it was derived from.")
    source_grade_level_id: uuid.UUID | None = Field(default=None, description="grade_levels.id it was derived from.")


# --------------------------------------------------------------------------------------------- registration

register(
    JsonbColumn("questions", "generation_metadata", JsonbContract(
        name="QuestionGenerationMetadata",
        type=GenerationMetadataColumn,
        purpose="AI generation context, cost tracking and quality metrics of a question (seed 6.2).",
        models=(QuestionGenerationMetadata, LegacyGenerationMetadata, NoGenerationMetadata),
        notes=(
            "The column holds one of three shapes, told apart by content: `{}` (the default: the question was not "
            "AI-generated), a legacy backfill (`legacy_migration: true`, written by seed Action 6 for questions "
            "generated before the column existed), or the full `QuestionGenerationMetadata`.",
            "Where the seed's 4.1 example and its 6.2 interface differ, the 6.2 interface wins: the 4.1 example is "
            'valid once its placeholders (`"uuid"`, `"uuid1"`) are real uuids, and its missing keys (`cost_usd`, '
            "`quality_checks`, `pedagogical.cognitive_load`) are optional in 6.2.",
            "`batch_id` is the AI provider's batch id (a string such as `batch_abc123`); the internal batch is the "
            "`questions.batch_id` column (a uuid of `question_batches`).",
        ),
    ), "'{}'::jsonb"),
    JsonbColumn("questions", "answer_spec", JsonbContract(
        name="AnswerSpec",
        type=AnswerSpec,
        purpose="What a correct answer to a question is, one shape per answer type, discriminated by `type`.",
        models=ANSWER_SPEC_MODELS,
        notes=(
            "`type` must equal the row's `questions.answer_type` (a cross-column rule the API enforces on every write; the "
            "database only checks that the value is an object). The column has no default, so `{}` is invalid.",
            "Values are LaTeX or plain text as typed by the tutor; numbers are decimal strings so that trailing "
            "zeros survive for significant-figure and decimal-place checks.",
            "The API also has the answer checker grade the spec's own correct answer before storing it, so a value "
            "the checker cannot parse (`x+*`) is refused when the question is written, not when a student answers.",
        ),
    ), None),
    JsonbColumn("topics", "metadata", JsonbContract(
        name="TopicMetadata",
        type=TopicMetadata,
        models=(TopicMetadata,),
        notes=(
            "The database keeps the topic ids consistent (migration 0013): `prerequisites`, `follows_topics` and "
            "`leads_to_topics` name other existing topics of the same workspace (stored lower-case), an active "
            "topic's prerequisites are active, a topic that remaining active topics name as a prerequisite cannot "
            "be deleted or archived, and a deleted topic is removed from others' `follows_topics` / "
            "`leads_to_topics`. Readers never count a prerequisite they cannot find as met.",
        ),
    ), "'{}'::jsonb"),
)
