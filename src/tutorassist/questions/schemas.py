"""Request and response bodies of the questions API (CRUD, search, import/export)."""

from __future__ import annotations

import re
from datetime import datetime
from decimal import Decimal
from typing import Annotated, Any, Literal
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field, RootModel, StrictInt, field_validator

from tutorassist.kit.schemas import Strict, contract_schema, python_stripped
from tutorassist.questions.answer_specs import _INEQUALITY_SIGNS as INEQUALITY_SIGNS
from tutorassist.questions.contracts import ANSWER_SPEC_MODELS, ANSWER_TYPES, AnswerType, GenerationMetadataColumn

Status = Literal["draft", "active", "archived"]
Origin = Literal["manual", "ai_generated", "imported"]
WritableOrigin = Literal["manual", "imported"]

MAX_TAGS = 30
MAX_TAG_LENGTH = 50
MAX_HINTS = 20
MAX_LATEX = 20000
MAX_REFERENCES = 50

Difficulty = Annotated[StrictInt, Field(ge=1, le=5, description="1 (easiest) to 5")]
PromptLatex = Annotated[str, Field(min_length=1, max_length=MAX_LATEX, description="The question, LaTeX-in-Markdown")]
SolutionLatex = Annotated[str, Field(max_length=MAX_LATEX, description="Worked solution, LaTeX-in-Markdown")]
Hint = Annotated[str, Field(min_length=1, max_length=5000, json_schema_extra=python_stripped(1, 5000))]

# Whether the checker can grade a value is its grammar and limits, which no JSON Schema pattern states: said in words.
ANSWER_SPEC_DOC = (
    "AnswerSpec (docs/jsonb-contracts.md); its `type` must equal answer_type. The answer checker must also be able to "
    "grade the spec's own correct answer (`value`, each of `elements`, `correct_ids`, the first of `accepted_answers`): "
    "a value it cannot understand or check (a number too large or too small to check, an expression it cannot parse, "
    "one too complex to grade in time) is refused with 422 naming that part (`answer_spec.value`, "
    "`answer_spec.elements.2`) and the checker's reason"
)
CURRICULUM_DOC = "Curriculum alignment, a JSON object (codes, syllabus references)"


# normalise_tags strips with str.strip(), which also strips the separators \x1c-\x1f.
TagIn = Annotated[str, Field(json_schema_extra=python_stripped(1, MAX_TAG_LENGTH))]


def normalise_tags(values: list[str] | None) -> list[str] | None:
    """Trimmed, lower-case, duplicates dropped (first occurrence kept); at most 30 tags of at most 50 characters."""
    if values is None:
        return None
    tags: list[str] = []
    for position, value in enumerate(values):
        tag = value.strip().lower()
        if not tag:
            raise ValueError(f"tag {position} is empty")
        if len(tag) > MAX_TAG_LENGTH:
            raise ValueError(f"tag {position} is longer than {MAX_TAG_LENGTH} characters")
        if "\x00" in tag:
            raise ValueError("must not contain NUL characters")
        if tag not in tags:
            tags.append(tag)
    if len(tags) > MAX_TAGS:
        raise ValueError(f"at most {MAX_TAGS} tags")
    return tags


def _unique(values: list[UUID] | None) -> list[UUID] | None:
    return None if values is None else list(dict.fromkeys(values))


def _refuse_ai_generated(value: Any) -> Any:
    if value == "ai_generated":
        raise ValueError("ai_generated questions are created only by the AI generation pipeline")
    return value


class _QuestionFields(Strict):
    @field_validator("tags", mode="after", check_fields=False)
    @classmethod
    def _tags(cls, value: list[str] | None) -> list[str] | None:
        return normalise_tags(value)

    @field_validator("program_ids", "grade_level_ids", mode="after", check_fields=False)
    @classmethod
    def _ids(cls, value: list[UUID] | None) -> list[UUID] | None:
        return _unique(value)

    @field_validator("hints", mode="after", check_fields=False)
    @classmethod
    def _hints(cls, value: list[str] | None) -> list[str] | None:
        if value is not None and any(not hint.strip() for hint in value):
            raise ValueError("hints must not be empty")
        return value

    @field_validator("origin", mode="before", check_fields=False)
    @classmethod
    def _origin(cls, value: Any) -> Any:
        return _refuse_ai_generated(value)


def _spec_of_type(answer_type: str, model: type[BaseModel]) -> dict[str, Any]:
    spec = contract_schema(model)
    if answer_type == "inequality":  # its validator demands an inequality sign
        spec["properties"]["value"]["allOf"] = [{"pattern": INEQUALITY_SIGNS.pattern}]
    if answer_type == "multiple_choice":  # and exactly one correct choice unless allow_multiple
        spec["if"] = {"not": {"required": ["allow_multiple"], "properties": {"allow_multiple": {"const": True}}}}
        spec["then"] = {"properties": {"correct_ids": {"maxItems": 1}}}
    return {"properties": {"answer_type": {"const": answer_type}, "answer_spec": {"type": "object"} | spec}}


def answer_spec_matches_type(schema: dict[str, Any]) -> None:
    """answer_spec is the AnswerSpec of answer_type: one branch per answer type (docs/jsonb-contracts.md);
    the branches exclude each other by answer_type, so anyOf says it (and is far easier to generate for than oneOf)."""
    schema["anyOf"] = [_spec_of_type(t, m) for t, m in zip(ANSWER_TYPES, ANSWER_SPEC_MODELS, strict=True)]


def answer_spec_matches_type_when_both_given(schema: dict[str, Any]) -> None:
    """In an update, when answer_type and answer_spec are both given (one alone is checked against the stored one)."""
    given = {"required": ["answer_type", "answer_spec"],
             "properties": {"answer_type": {"not": {"type": "null"}}, "answer_spec": {"not": {"type": "null"}}}}
    schema["if"] = given
    schema["then"] = {"anyOf": [_spec_of_type(t, m) for t, m in zip(ANSWER_TYPES, ANSWER_SPEC_MODELS, strict=True)]}


class QuestionCreate(_QuestionFields):
    schema_rules = (answer_spec_matches_type,)
    prompt_latex: PromptLatex
    answer_type: AnswerType
    answer_spec: dict[str, Any] = Field(description=ANSWER_SPEC_DOC)
    hints: list[Hint] = Field(default_factory=list, max_length=MAX_HINTS, description="Hints in reveal order (LaTeX)")
    solution_latex: SolutionLatex | None = None
    difficulty: Difficulty = 3
    tags: list[TagIn] = Field(default_factory=list, max_length=200,
                            description="Trimmed, lower-cased and deduplicated; at most 30 tags of 50 characters")
    topic_id: UUID | None = Field(None, description="A topic of this workspace")
    program_ids: list[UUID] = Field(default_factory=list, max_length=MAX_REFERENCES, description="study_programs ids")
    grade_level_ids: list[UUID] = Field(default_factory=list, max_length=MAX_REFERENCES, description="grade_levels ids")
    curriculum: dict[str, Any] = Field(default_factory=dict, description=CURRICULUM_DOC)
    status: Status = "draft"
    origin: WritableOrigin = Field("manual", description="manual or imported (ai_generated only through the AI pipeline)")


class QuestionUpdate(_QuestionFields):
    """Any subset of the fields; program_ids and grade_level_ids replace the whole set. The origin cannot change."""

    schema_rules = (answer_spec_matches_type_when_both_given,)
    # The columns these write are NOT NULL: leaving a field out keeps it, null is refused (service.update_question).
    not_null = ("prompt_latex", "answer_type", "answer_spec", "hints", "difficulty", "tags", "program_ids",
                "grade_level_ids", "curriculum", "status", "hidden")

    prompt_latex: PromptLatex | None = None
    answer_type: AnswerType | None = None
    answer_spec: dict[str, Any] | None = Field(None, description=ANSWER_SPEC_DOC)
    hints: list[Hint] | None = Field(None, max_length=MAX_HINTS)
    solution_latex: SolutionLatex | None = None
    difficulty: Difficulty | None = None
    tags: list[TagIn] | None = Field(None, max_length=200)
    topic_id: UUID | None = None
    program_ids: list[UUID] | None = Field(None, max_length=MAX_REFERENCES)
    grade_level_ids: list[UUID] | None = Field(None, max_length=MAX_REFERENCES)
    curriculum: dict[str, Any] | None = Field(None, description=CURRICULUM_DOC)
    status: Status | None = Field(None, description="draft→active, draft→archived, active→archived, archived→active")
    hidden: bool | None = Field(None, description="false un-hides a question hidden by flags (sets hidden_at to null); "
                                                 "true hides it from students by hand")


class QuestionOut(BaseModel):
    """A question as staff see it: everything."""

    model_config = ConfigDict(extra="forbid")

    id: UUID
    topic_id: UUID | None
    prompt_latex: str
    prompt_text: str
    answer_type: AnswerType
    answer_spec: dict[str, Any]
    hints: list[str]
    solution_latex: str | None
    difficulty: int
    tags: list[str]
    curriculum: dict[str, Any]
    status: Status
    origin: Origin
    program_ids: list[UUID]
    grade_level_ids: list[UUID]
    quality_score: Decimal | None
    version: int
    times_attempted: int
    times_correct: int
    avg_time_seconds: Decimal | None
    created_by: UUID | None
    updated_by: UUID | None
    created_at: datetime
    updated_at: datetime
    hidden_at: datetime | None = Field(
        None, description="When open flags (or a tutor) hid the question from students; null when visible")


class ChoiceOut(BaseModel):
    id: str
    latex: str


class QuestionStudentOut(BaseModel):
    """A question as students and guardians see it: no answer, solution or hints (active questions only).

    Multiple-choice questions show their choices (not which are correct), so they can be answered.
    """

    model_config = ConfigDict(extra="forbid")

    id: UUID
    topic_id: UUID | None
    prompt_latex: str
    answer_type: AnswerType
    choices: list[ChoiceOut] | None = Field(None, description="Multiple choice only: the options, without the answer")
    allow_multiple: bool | None = Field(None, description="Multiple choice only: more than one option may be correct")
    difficulty: int
    tags: list[str]
    program_ids: list[UUID]
    grade_level_ids: list[UUID]
    version: int
    updated_at: datetime


class HistoryOut(BaseModel):
    id: int
    question_version: int
    change_type: Literal["created", "edited", "status_changed", "difficulty_changed"]
    changed_by: UUID | None
    changed_at: datetime
    old_values: dict[str, Any] | None
    new_values: dict[str, Any]


# ---------------------------------------------------------------- import / export

EXPORT_FORMAT = "tutorassist.questions.v1"
MAX_IMPORT_QUESTIONS = 5000
MAX_IMPORT_BYTES = 10 * 1024 * 1024

TopicName = Annotated[str, Field(min_length=1, max_length=200, json_schema_extra=python_stripped(1, 200))]


# A quality score is numeric(4, 3) from 0 to 1. Exports write it as text ("0.875", as pydantic dumps a Decimal); an
# import takes that text or a JSON number. Any text Decimal() parses (" 1e-1", "0.5000") would be more than the
# document can state, so the text form is the one exports write, and both forms are stated exactly.
QUALITY_SCORE_TEXT = r"^(?:0(?:\.[0-9]{1,3})?|1(?:\.0{1,3})?)$"


def _state_quality_score(schema: dict[str, Any]) -> None:
    schema.pop("type", None)
    schema["anyOf"] = [{"type": "number", "minimum": 0, "maximum": 1, "multipleOf": 0.001},
                       {"type": "string", "pattern": QUALITY_SCORE_TEXT}]


QualityScore = Annotated[Decimal, Field(ge=0, le=1, max_digits=4, decimal_places=3, json_schema_extra=_state_quality_score,
                                        description="0 to 1 with at most three decimals: a number, or text like \"0.875\"")]


def _generation_metadata_schema() -> dict[str, Any]:
    """The column's contract (full, legacy or `{}`), which the import validates each item's value against. Its
    variants exclude each other by their keys, so anyOf says it (and is far easier to generate for than oneOf)."""
    schema = contract_schema(RootModel[GenerationMetadataColumn])
    schema["anyOf"] = schema.pop("oneOf")
    return schema


_GENERATION_METADATA_SCHEMA = _generation_metadata_schema()


class TransferQuestion(_QuestionFields):
    """One question of an export document; also what an import accepts for each item."""

    schema_rules = (answer_spec_matches_type,)

    id: UUID | None = Field(None, description="The question's id where it was exported from; on import, an item whose "
                                              "id is a question of the importing workspace is skipped (not created)")
    topic_id: UUID | None = Field(None, description="Used on import if it is a topic of the importing workspace")
    topic_path: list[TopicName] | None = Field(
        None, max_length=20, description='Topic names from the root, e.g. ["Algebra", "Linear equations"]; missing '
                                         "topics are created on import")
    prompt_latex: PromptLatex
    answer_type: AnswerType
    answer_spec: dict[str, Any] = Field(description=ANSWER_SPEC_DOC)
    hints: list[Hint] = Field(default_factory=list, max_length=MAX_HINTS)
    solution_latex: SolutionLatex | None = None
    difficulty: Difficulty = 3
    tags: list[TagIn] = Field(default_factory=list, max_length=200)
    program_ids: list[UUID] = Field(default_factory=list, max_length=MAX_REFERENCES)
    grade_level_ids: list[UUID] = Field(default_factory=list, max_length=MAX_REFERENCES)
    curriculum: dict[str, Any] = Field(default_factory=dict, description=CURRICULUM_DOC)
    status: Status = "draft"
    origin: Origin | None = Field(None, description="Where it came from; ignored on import (imports are 'imported')")
    quality_score: QualityScore | None = None
    generation_metadata: dict[str, Any] = Field(
        default_factory=dict, description="QuestionGenerationMetadata (docs/jsonb-contracts.md); {} when not generated",
        json_schema_extra=lambda schema: schema.update(_GENERATION_METADATA_SCHEMA))
    batch_id: UUID | None = Field(None, description="The generation batch (question_batches.id); kept on import only "
                                                    "when that batch exists in the importing workspace")
    batch_custom_id: str | None = Field(None, max_length=200, description="The request's id inside the provider batch; "
                                                                          "kept on import together with batch_id")

    @field_validator("origin", mode="before", check_fields=False)
    @classmethod
    def _origin(cls, value: Any) -> Any:  # exports carry any origin; the import ignores it
        return value

    @field_validator("quality_score", mode="before")
    @classmethod
    def _quality_score_text(cls, value: Any) -> Any:
        if isinstance(value, str) and not re.fullmatch(QUALITY_SCORE_TEXT, value):
            raise ValueError('as text, a decimal from 0 to 1 with at most three decimals such as "0.875"')
        return value

    @field_validator("topic_path", mode="after")
    @classmethod
    def _path(cls, value: list[str] | None) -> list[str] | None:
        if value is not None and any(not name.strip() for name in value):
            raise ValueError("topic names must not be empty")
        return [name.strip() for name in value] if value is not None else None


class ExportDocument(BaseModel):
    """What `GET .../questions/export` answers (streamed); `POST .../questions/import` takes it back."""

    format: Literal["tutorassist.questions.v1"]
    exported_at: datetime
    questions: list[TransferQuestion]


class ImportDocument(Strict):
    """An import: `format` is required, `exported_at` optional; at most 5,000 questions and 10 MB."""

    format: Literal["tutorassist.questions.v1"]
    exported_at: datetime | None = None
    questions: list[TransferQuestion] = Field(max_length=MAX_IMPORT_QUESTIONS)


class SkippedItem(BaseModel):
    index: int = Field(description="Position of the item in the document")
    existing_id: UUID = Field(description="The question it duplicates (for a repeat inside the document: the question "
                                          "created for the earlier item)")
    reason: Literal["same_id", "same_content"] = Field(
        description="same_id: the item's id is a question of this workspace; same_content: a question of this "
                    "workspace (or an earlier item) has the same prompt_latex, answer_type and answer_spec")


class ImportResult(BaseModel):
    created_ids: list[UUID] = Field(description="Ids of the created questions, in document order")
    created_topic_ids: list[UUID] = Field(description="Topics created to resolve topic paths")
    skipped: list[SkippedItem] = Field(description="Items not created because they duplicate a question")
