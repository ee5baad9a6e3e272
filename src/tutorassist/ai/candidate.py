"""A question as a generator proposes it, before the validation pipeline decides whether it may be stored."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from tutorassist.questions.answer_specs import AnswerType
from tutorassist.questions.contracts import BloomsLevel, CognitiveLoad, SkillType


class CasCheck(BaseModel):
    """What the answer checker's CAS can recompute to confirm the stated answer.

    `solve`: the answer is the solution set of `equation` (or system, `;`-separated) for `variables`.
    `evaluate`: the answer equals the value of `expression` (numbers, fractions, percentages, indices).
    `differentiate`: the answer is d/d`variables[0]` of `expression`.
    """

    model_config = ConfigDict(extra="forbid")

    kind: Literal["solve", "evaluate", "differentiate"]
    expression: str = Field(description="Plain-text (checker grammar) expression or equation(s), `;`-separated")
    variables: list[str] = Field(default_factory=list)


class QuestionCandidate(BaseModel):
    """One generated question: content, the answer specification, a difficulty and a pedagogical label."""

    model_config = ConfigDict(extra="forbid")

    prompt_latex: str
    answer_type: AnswerType
    answer_spec: dict[str, Any]
    hints: list[str] = Field(default_factory=list)
    solution_latex: str | None = None
    difficulty: int = Field(ge=1, le=5)
    tags: list[str] = Field(default_factory=list)
    blooms_level: BloomsLevel | None = None
    skill_type: SkillType | None = None
    cognitive_load: CognitiveLoad | None = None
    cas_check: CasCheck | None = Field(
        default=None, description="How to verify the answer by computation; None when the question is not computable"
    )
