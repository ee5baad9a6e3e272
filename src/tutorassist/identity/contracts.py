"""JSONB contracts of the identity domain: settings and their resolution assignment -> student -> workspace -> default.

workspaces.settings_json, student_profiles.settings_json and assignments.settings_json share one set of keys
(`WorkspaceSettings`, seed 2.4). Every key is optional at every level; `resolve_settings` picks, per key, the most
specific level that sets it and reports which level that was.

The model forbids unknown keys (``extra="forbid"``) so that what the application writes matches this contract;
`resolve_settings` reads stored rows and so ignores unknown keys by default (rows written by newer code).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Annotated, Any, Generic, Literal, TypeVar

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    StrictBool,
    StrictFloat,
    StrictInt,
    ValidationInfo,
    field_validator,
    model_validator,
)
from pydantic_core import PydanticCustomError

from tutorassist.kit.jsonb import JsonbColumn, JsonbContract, UnknownKeys, register, validate_contract

T = TypeVar("T")

SettingsLevel = Literal["assignment", "student", "workspace"]
SettingSource = Literal["assignment", "student", "workspace", "default"]

RESOLUTION_ORDER: tuple[SettingsLevel, ...] = ("assignment", "student", "workspace")
"""Most specific first: the first level that sets a key wins."""

SETTINGS_LEVEL_TABLES: dict[SettingsLevel, str] = {
    "workspace": "workspaces",
    "student": "student_profiles",
    "assignment": "assignments",
}
"""The table whose settings_json holds each level's settings."""

ShowSolutionAfter = Literal["never", "after_correct", "after_due", "immediately"]
SpacedRepetitionAlgorithm = Literal["sm2", "fsrs"]


def settings_context(level: SettingsLevel) -> dict[str, Any]:
    """Validation context for the settings of one level (keys not used at that level are rejected)."""
    return {"settings_level": level}


def _setting(description: str, *, default: Any, levels: tuple[SettingsLevel, ...] = RESOLUTION_ORDER) -> Any:
    return Field(
        default=None,
        description=description,
        json_schema_extra={"x-levels": list(levels), "x-builtin-default": default},
    )


class WorkspaceSettings(BaseModel):
    """Settings keys shared by workspaces, student profiles and assignments; every key is optional, `{}` is valid.

    Absent or null means "inherit from the next level". Validate with `settings_context(level)` to reject keys that
    are not used at that level.
    """

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "time_limit_minutes": 45,
                    "show_hints": True,
                    "max_hints": 3,
                    "allow_retries": True,
                    "max_attempts_per_question": 3,
                    "show_solution_after": "after_correct",
                    "spaced_repetition_algorithm": "fsrs",
                    "desired_retention": 0.9,
                    "daily_new_questions": 15,
                    "auto_hide_flag_threshold": 3,
                }
            ]
        },
    )

    time_limit_minutes: Annotated[StrictInt, Field(ge=0, le=1440)] | None = _setting(
        "Time limit of an assignment in minutes; 0 means untimed.", default=0
    )
    show_hints: StrictBool | None = _setting("Students may reveal a question's hints.", default=True)
    max_hints: Annotated[StrictInt, Field(ge=1, le=50)] | None = _setting(
        "Most hints a student may reveal per question; built-in: every hint the question has.", default=None
    )
    allow_retries: StrictBool | None = _setting(
        "Students may answer a question again after a wrong answer; false means one attempt.", default=True
    )
    max_attempts_per_question: Annotated[StrictInt, Field(ge=1, le=100)] | None = _setting(
        "Most attempts per question when retries are allowed; built-in: no cap. Must be 1 if allow_retries is "
        "false at the same level.",
        default=None,
    )
    show_solution_after: ShowSolutionAfter | None = _setting(
        "When the worked solution is shown: never, after a correct answer, after the due date, or immediately "
        "after any answer.",
        default="after_correct",
    )
    spaced_repetition_algorithm: SpacedRepetitionAlgorithm | None = _setting(
        "Scheduler for new review cards (spaced_repetition.algorithm).", default="sm2", levels=("student", "workspace")
    )
    desired_retention: Annotated[StrictFloat, Field(ge=0.7, le=0.99)] | None = _setting(
        "FSRS target probability of recall when a card is due.", default=0.9, levels=("student", "workspace")
    )
    daily_new_questions: Annotated[StrictInt, Field(ge=0, le=500)] | None = _setting(
        "New questions introduced into spaced repetition per student per day.",
        default=10,
        levels=("student", "workspace"),
    )
    auto_hide_flag_threshold: Annotated[StrictInt, Field(ge=1, le=100)] | None = _setting(
        "Open flags on a question at which it is hidden from students until a tutor triages it; built-in: never.",
        default=None,
        levels=("workspace",),
    )

    ai_monthly_budget_usd: Annotated[StrictFloat, Field(ge=0, le=1_000_000)] | None = _setting(
        "Most US dollars the workspace spends on AI provider calls per calendar month (UTC); generation that would "
        "exceed it is refused before it starts and stops between calls. Built-in: no limit.",
        default=None,
        levels=("workspace",),
    )

    @field_validator("*")
    @classmethod
    def _used_at_level(cls, value: Any, info: ValidationInfo) -> Any:
        level = (info.context or {}).get("settings_level")
        if value is None or level is None or info.field_name is None:
            return value
        levels = setting_levels(info.field_name)
        if level not in levels:
            raise PydanticCustomError(
                "setting_not_at_level",
                "{key} cannot be set at the {level} level (only at: {levels})",
                {"key": info.field_name, "level": level, "levels": ", ".join(levels)},
            )
        return value

    @model_validator(mode="after")
    def _retries_consistent(self) -> WorkspaceSettings:
        if self.allow_retries is False and self.max_attempts_per_question not in (None, 1):
            raise ValueError("max_attempts_per_question must be 1 or absent when allow_retries is false")
        return self


def setting_levels(key: str) -> tuple[SettingsLevel, ...]:
    """The levels at which a settings key may be set."""
    return tuple(WorkspaceSettings.model_fields[key].json_schema_extra["x-levels"])  # type: ignore[index]


def builtin_default(key: str) -> Any:
    """The value a settings key has when no level sets it."""
    return WorkspaceSettings.model_fields[key].json_schema_extra["x-builtin-default"]  # type: ignore[index]


class Resolved(BaseModel, Generic[T]):
    """A resolved setting and the level it came from."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    value: T = Field(description="The effective value.")
    source: SettingSource = Field(description="assignment, student or workspace (the level that set it), or default.")


class ResolvedSettings(BaseModel):
    """Every settings key with its effective value and where it came from."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    time_limit_minutes: Resolved[int]
    show_hints: Resolved[bool]
    max_hints: Resolved[int | None]
    allow_retries: Resolved[bool]
    max_attempts_per_question: Resolved[int | None]
    show_solution_after: Resolved[ShowSolutionAfter]
    spaced_repetition_algorithm: Resolved[SpacedRepetitionAlgorithm]
    desired_retention: Resolved[float]
    daily_new_questions: Resolved[int]
    auto_hide_flag_threshold: Resolved[int | None]
    ai_monthly_budget_usd: Resolved[float | None]

    def as_values(self) -> dict[str, Any]:
        """{key: value}."""
        return {key: getattr(self, key).value for key in type(self).model_fields}

    def as_sources(self) -> dict[str, SettingSource]:
        """{key: source}."""
        return {key: getattr(self, key).source for key in type(self).model_fields}

    @property
    def effective_max_attempts(self) -> int | None:
        """Attempts allowed per question, None for no cap: 1 when retries are off, whatever level set the cap."""
        return 1 if not self.allow_retries.value else self.max_attempts_per_question.value


def _settings_at(level: SettingsLevel, raw: Mapping[str, Any] | WorkspaceSettings | None, unknown_keys: UnknownKeys):
    if raw is None:
        return None
    if isinstance(raw, WorkspaceSettings):
        raw = raw.model_dump(exclude_unset=True)
    return validate_contract(WorkspaceSettings, dict(raw), context=settings_context(level), unknown_keys=unknown_keys)


def resolve_settings(
    assignment: Mapping[str, Any] | WorkspaceSettings | None,
    student: Mapping[str, Any] | WorkspaceSettings | None,
    workspace: Mapping[str, Any] | WorkspaceSettings | None,
    *,
    unknown_keys: UnknownKeys = "ignore",
) -> ResolvedSettings:
    """Per key: `assignment || student || workspace || built-in default`, reporting the level each value came from.

    A key counts as set at a level when it is present and not null, and the key is used at that level; `false` and
    `0` are values (unlike JavaScript `||`). Each level is validated (a known key with a bad value raises
    ValidationError); unknown keys and keys not used at a level are ignored unless `unknown_keys="forbid"`.
    None for a level means there is none (e.g. free practice has no assignment).
    """
    given = {
        "assignment": _settings_at("assignment", assignment, unknown_keys),
        "student": _settings_at("student", student, unknown_keys),
        "workspace": _settings_at("workspace", workspace, unknown_keys),
    }
    resolved: dict[str, dict[str, Any]] = {}
    for key in WorkspaceSettings.model_fields:
        for level in RESOLUTION_ORDER:
            settings = given[level]
            if settings is not None and level in setting_levels(key) and getattr(settings, key) is not None:
                resolved[key] = {"value": getattr(settings, key), "source": level}
                break
        else:
            resolved[key] = {"value": builtin_default(key), "source": "default"}
    return ResolvedSettings.model_validate(resolved)


_SETTINGS = JsonbContract(
    name="WorkspaceSettings",
    type=WorkspaceSettings,
    models=(WorkspaceSettings,),
    notes=(
        "Resolution (`tutorassist.identity.contracts.resolve_settings`), per key: the assignment's value, else "
        "the student's, else the workspace's, else the built-in default. A key is set at a level when it is "
        "present and not null; `false` and `0` are values and override (the seed's `||` is read as this, not "
        "as JavaScript truthiness, which would make `show_hints: false` fall through).",
        "Some keys only mean something at some levels (the Levels column): a key at another level is rejected "
        "on write and ignored when resolving.",
        "An override cannot reset a key to its built-in `null` (no cap): `null` means inherit. Set a large cap "
        "instead.",
    ),
)
register(*(JsonbColumn(table, "settings_json", _SETTINGS, "'{}'::jsonb", settings_context(level))
           for level, table in SETTINGS_LEVEL_TABLES.items()))
