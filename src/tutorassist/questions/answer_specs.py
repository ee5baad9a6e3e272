"""JSONB contract of questions.answer_spec: what a correct answer is, one model per answer type.

Every model forbids unknown keys (``extra="forbid"``), like every contract (see ``docs/jsonb-contracts.md``). The
column is registered with the other questions contracts in ``tutorassist.questions.contracts``.
"""

from __future__ import annotations

import re
from typing import Annotated, Literal, Union, get_args

from pydantic import BaseModel, ConfigDict, Field, StrictBool, StrictFloat, StrictInt, field_validator, model_validator

from tutorassist.kit.jsonb import NonEmptyStr, UniqueList

AnswerType = Literal[
    "number", "expression", "equation", "inequality", "set", "list", "interval", "multiple_choice", "text"
]
ANSWER_TYPES: tuple[str, ...] = get_args(AnswerType)
"""The answer types of the questions.answer_type CHECK constraint, in its order."""


# --------------------------------------------------------------------------------------------- answer specifications

_DECIMAL = r"^[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?$"
_VARIABLE = r"^\\?[A-Za-z][A-Za-z0-9_]*$"
_INEQUALITY_SIGNS = re.compile(r"<|>|≤|≥|\\le|\\ge|\\lt|\\gt")

Variable = Annotated[str, Field(pattern=_VARIABLE, max_length=32)]
_VARIABLES = "Variables the answer may use, e.g. `x`, `\\theta`; empty means the checker infers them."


class NumberAnswer(BaseModel):
    """A numeric answer, compared numerically (never symbolically).

    `value` is a decimal *string* so the raw form is kept: `2.50` and `2.5` differ when significant figures or
    decimal places are checked. With no tolerance the answer must be numerically equal; with both tolerances an
    answer within either is accepted.
    """

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {"type": "number", "value": "2.50", "tolerance_abs": 0.005, "decimal_places": 2}
            ]
        },
    )

    type: Literal["number"] = Field(description="Discriminator: `number`.")
    value: Annotated[str, Field(pattern=_DECIMAL, max_length=100)] = Field(
        description=(
            "The correct value as a decimal string, e.g. `2.50`, `-0.125`, `6.02e23`; exact fractions use `expression`."
        )
    )
    tolerance_abs: Annotated[StrictFloat, Field(ge=0)] | None = Field(
        default=None, description="Accept |answer - value| <= tolerance_abs."
    )
    tolerance_rel: Annotated[StrictFloat, Field(ge=0)] | None = Field(
        default=None, description="Accept |answer - value| <= tolerance_rel * |value|."
    )
    significant_figures: Annotated[StrictInt, Field(ge=1, le=50)] | None = Field(
        default=None, description="The answer must be given to exactly this many significant figures."
    )
    decimal_places: Annotated[StrictInt, Field(ge=0, le=50)] | None = Field(
        default=None, description="The answer must be given to exactly this many decimal places."
    )


class ExpressionAnswer(BaseModel):
    """An algebraic expression, checked for equivalence (and optionally for form)."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {"type": "expression", "value": "(x-2)(x+3)", "required_form": "factored", "variables": ["x"]}
            ]
        },
    )

    type: Literal["expression"] = Field(description="Discriminator: `expression`.")
    value: NonEmptyStr = Field(description="The correct expression, LaTeX (`\\frac{x}{2}`) or plain (`x/2`).")
    required_form: Literal["factored", "expanded", "simplified", "single_fraction", "lowest_terms"] | None = Field(
        default=None, description="Form the answer must also be in; absent means any equivalent form."
    )
    variables: UniqueList[Variable] = Field(default_factory=list, description=_VARIABLES)


class EquationAnswer(BaseModel):
    """An equation, checked for equivalence as an equation (e.g. `2y = 4x + 2` matches `y = 2x + 1`)."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={"examples": [{"type": "equation", "value": "y = 2x + 1", "variables": ["x", "y"]}]},
    )

    type: Literal["equation"] = Field(description="Discriminator: `equation`.")
    value: Annotated[str, Field(min_length=3, pattern=r"=")] = Field(
        description="The correct equation, LaTeX or plain; must contain `=`."
    )
    variables: UniqueList[Variable] = Field(default_factory=list, description=_VARIABLES)


class InequalityAnswer(BaseModel):
    """An inequality (or a chain such as `-1 < x \\le 2`), checked for an equivalent solution set."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={"examples": [{"type": "inequality", "value": "x \\ge 3", "variables": ["x"]}]},
    )

    type: Literal["inequality"] = Field(description="Discriminator: `inequality`.")
    value: NonEmptyStr = Field(
        description="The correct inequality, LaTeX or plain; must contain <, >, ≤, ≥, \\le, \\ge, \\lt or \\gt."
    )
    variables: UniqueList[Variable] = Field(default_factory=list, description=_VARIABLES)

    @field_validator("value")
    @classmethod
    def _has_inequality_sign(cls, value: str) -> str:
        if not _INEQUALITY_SIGNS.search(value):
            raise ValueError("an inequality must contain <, >, ≤, ≥, \\le, \\ge, \\lt or \\gt")
        return value


class SetAnswer(BaseModel):
    """A set of values, order and repetition ignored; an empty list is the empty set."""

    model_config = ConfigDict(
        extra="forbid", json_schema_extra={"examples": [{"type": "set", "elements": ["-3", "2"]}]}
    )

    type: Literal["set"] = Field(description="Discriminator: `set`.")
    elements: UniqueList[NonEmptyStr] = Field(description="The elements, each an expression (LaTeX or plain).")



class ListAnswer(BaseModel):
    """A list of values, e.g. the terms of a sequence or coordinates."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={"examples": [{"type": "list", "elements": ["1", "1", "2", "3", "5"], "ordered": True}]},
    )

    type: Literal["list"] = Field(description="Discriminator: `list`.")
    elements: Annotated[list[NonEmptyStr], Field(min_length=1)] = Field(
        description="The elements, each an expression (LaTeX or plain)."
    )
    ordered: StrictBool = Field(default=True, description="Whether the order of the elements matters.")


class IntervalAnswer(BaseModel):
    """An interval or a union of intervals in interval notation."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={"examples": [{"type": "interval", "value": "(-\\infty, 1) \\cup [3, \\infty)"}]},
    )

    type: Literal["interval"] = Field(description="Discriminator: `interval`.")
    value: Annotated[str, Field(pattern=r"^\s*[\[(].*[\])]\s*$")] = Field(
        description="Interval notation, LaTeX or plain: `[1, 3)`, `(-\\infty, 2]`, unions with `\\cup` or `U`."
    )


class Choice(BaseModel):
    """One option of a multiple-choice question."""

    model_config = ConfigDict(extra="forbid")

    id: Annotated[str, Field(pattern=r"^[A-Za-z0-9_-]{1,32}$")] = Field(
        description="Stable id of the choice (kept when choices are shuffled), e.g. `a`."
    )
    latex: NonEmptyStr = Field(description="The choice as shown, LaTeX-in-Markdown.")


class MultipleChoiceAnswer(BaseModel):
    """A multiple-choice question: the choices and which of them are correct."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "type": "multiple_choice",
                    "choices": [
                        {"id": "a", "latex": "$x = 2$"},
                        {"id": "b", "latex": "$x = -2$"},
                        {"id": "c", "latex": "$x = 4$"},
                    ],
                    "correct_ids": ["a"],
                    "allow_multiple": False,
                    "shuffle": True,
                }
            ]
        },
    )

    type: Literal["multiple_choice"] = Field(description="Discriminator: `multiple_choice`.")
    choices: Annotated[list[Choice], Field(min_length=2)] = Field(description="The options, ids unique.")
    correct_ids: Annotated[UniqueList[str], Field(min_length=1)] = Field(
        description="Ids of the correct choices; exactly one unless allow_multiple."
    )
    allow_multiple: StrictBool = Field(default=False, description="The student selects every correct choice.")
    shuffle: StrictBool = Field(default=True, description="Show the choices in random order.")

    @model_validator(mode="after")
    def _consistent(self) -> MultipleChoiceAnswer:
        ids = [choice.id for choice in self.choices]
        if len(set(ids)) != len(ids):
            raise ValueError("choices: ids must be unique")
        unknown = [cid for cid in self.correct_ids if cid not in ids]
        if unknown:
            raise ValueError(f"correct_ids: {unknown} are not ids of choices")
        if not self.allow_multiple and len(self.correct_ids) != 1:
            raise ValueError("correct_ids: exactly one correct choice unless allow_multiple is true")
        return self


class TextAnswer(BaseModel):
    """A short free-text answer compared with a list of accepted answers (surrounding whitespace ignored)."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {"type": "text", "accepted_answers": ["Pythagoras", "Pythagoras of Samos"], "case_sensitive": False}
            ]
        },
    )

    type: Literal["text"] = Field(description="Discriminator: `text`.")
    accepted_answers: Annotated[list[NonEmptyStr], Field(min_length=1)] = Field(description="Every accepted answer.")
    case_sensitive: StrictBool = Field(default=False, description="Compare case-sensitively.")


ANSWER_SPEC_MODELS: tuple[type[BaseModel], ...] = (
    NumberAnswer,
    ExpressionAnswer,
    EquationAnswer,
    InequalityAnswer,
    SetAnswer,
    ListAnswer,
    IntervalAnswer,
    MultipleChoiceAnswer,
    TextAnswer,
)
"""One model per answer type, in the order of ANSWER_TYPES."""

AnswerSpec = Annotated[
    Union[
        NumberAnswer,
        ExpressionAnswer,
        EquationAnswer,
        InequalityAnswer,
        SetAnswer,
        ListAnswer,
        IntervalAnswer,
        MultipleChoiceAnswer,
        TextAnswer,
    ],
    Field(discriminator="type"),
]
"""questions.answer_spec: what a correct answer is, discriminated by `type` (which must equal questions.answer_type)."""
