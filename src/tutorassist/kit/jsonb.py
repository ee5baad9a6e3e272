"""JSONB contracts: shared field types, the registry of JSONB columns and their contracts, validation, and their docs.

Policy for every contract (repeated in docs/jsonb-contracts.md, which `kit.jsonb_docs` renders):

* Unknown keys are forbidden (`extra="forbid"`). The models validate what the application is about to write, so a
  misspelt or undocumented key fails at once instead of being stored and silently ignored, and adding a key means
  adding it to the contract (and so to the docs) first. JSON written by *newer* code may carry keys this code does not
  know; readers that must tolerate that pass `unknown_keys="ignore"`, which drops unknown keys (and, for settings,
  keys not used at that level) but still rejects every known key with a bad value. Checking stored rows uses the
  strict default, which reports unknown keys.
* Optional keys may be absent or `null` (both mean "not set"); writers omit them (`dump_jsonb`).
* A column whose database default is `'{}'` must accept `{}`, or the default would break its own contract.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from functools import cached_property
from types import MappingProxyType
from typing import Annotated, Any, Literal, TypeVar

from pydantic import (
    AfterValidator,
    AwareDatetime,
    BaseModel,
    BeforeValidator,
    Field,
    TypeAdapter,
    ValidationError,
)

T = TypeVar("T")

# --------------------------------------------------------------------------------------------- shared field types


def _iso_string_or_datetime(value: Any) -> Any:
    # Pydantic would read a bare number as a Unix timestamp; the contracts store ISO 8601 strings only.
    if isinstance(value, (int, float)):
        raise ValueError("must be an ISO 8601 date-time string with a UTC offset, e.g. 2025-12-31T10:00:00Z")
    return value


def _reject_duplicates(values: list[T]) -> list[T]:
    seen: list[T] = []
    for value in values:
        if value in seen:
            raise ValueError(f"duplicate item {value!r}")
        seen.append(value)
    return values


IsoDateTime = Annotated[AwareDatetime, BeforeValidator(_iso_string_or_datetime)]
"""An ISO 8601 / RFC 3339 date-time string that carries a UTC offset (`Z` or `+02:00`); naive times are rejected."""

NonEmptyStr = Annotated[str, Field(min_length=1)]
"""A string of at least one character."""

UniqueList = Annotated[list[T], AfterValidator(_reject_duplicates), Field(json_schema_extra={"uniqueItems": True})]
"""A JSON array without duplicate items."""

UnknownKeys = Literal["forbid", "ignore"]

IGNORABLE_ERROR_TYPES = frozenset({"extra_forbidden", "setting_not_at_level"})
"""Validation errors that `unknown_keys="ignore"` resolves by dropping the offending key."""


def dump_jsonb(value: BaseModel) -> dict[str, Any]:
    """The JSON object to store for a validated contract: JSON types only, unset optional keys omitted."""
    return value.model_dump(mode="json", exclude_none=True)


def _validator(contract: Any) -> Callable[..., Any]:
    if isinstance(contract, TypeAdapter):
        return contract.validate_python
    if isinstance(contract, type) and issubclass(contract, BaseModel):
        return contract.model_validate
    return TypeAdapter(contract).validate_python


def _delete_at(data: Any, loc: tuple[int | str, ...]) -> bool:
    """Delete the key at an error location; location parts that are union tags, not keys, are skipped."""
    node = data
    for part in loc[:-1]:
        if isinstance(node, dict) and isinstance(part, str) and part in node:
            node = node[part]
        elif isinstance(node, list) and isinstance(part, int) and 0 <= part < len(node):
            node = node[part]
    if loc and isinstance(node, dict) and loc[-1] in node:
        del node[loc[-1]]
        return True
    return False


def validate_contract(
    contract: Any, value: Any, *, context: Mapping[str, Any] | None = None, unknown_keys: UnknownKeys = "forbid"
) -> Any:
    """Validate `value` against a contract (a model class, a TypeAdapter or an annotated union type).

    With `unknown_keys="ignore"` unknown keys (and settings keys not used at the level in `context`) are dropped from
    a copy of `value` and validation is retried; any other error is raised as usual.
    """
    validate = _validator(contract)
    if unknown_keys == "forbid":
        return validate(value, context=context)
    data = copy.deepcopy(value)
    while True:
        try:
            return validate(data, context=context)
        except ValidationError as exc:
            locs = [error["loc"] for error in exc.errors() if error["type"] in IGNORABLE_ERROR_TYPES]
            if not locs or not all([_delete_at(data, loc) for loc in locs]):
                raise


# --------------------------------------------------------------------------------------------- registry


@dataclass(frozen=True)
class JsonbContract:
    """A documented JSON structure: its type, the models that make it up (for the docs) and what it is for."""

    name: str
    type: Any
    models: tuple[type[BaseModel], ...]
    """The models that make up the contract, documented in this order; the first is the main one."""
    purpose: str = ""
    """What the column is for, when the main model's docstring does not say it (several models)."""
    notes: tuple[str, ...] = ()

    @cached_property
    def adapter(self) -> TypeAdapter[Any]:
        return TypeAdapter(self.type)


@dataclass(frozen=True)
class JsonbColumn:
    """A JSONB column with a contract."""

    table: str
    column: str
    contract: JsonbContract
    db_default: str | None
    """The column's DEFAULT as SQL (e.g. `'{}'::jsonb`), None when it has none."""
    context: Mapping[str, Any] = field(default_factory=dict)
    """Validation context, e.g. the settings level of a settings column."""

    @property
    def default_value(self) -> Any:
        """The DEFAULT as a Python value, None when the column has no default."""
        if self.db_default is None:
            return None
        return json.loads(self.db_default.removesuffix("::jsonb").strip("'"))


_REGISTRY: dict[tuple[str, str], JsonbColumn] = {}


def register(*columns: JsonbColumn) -> None:
    """Declare the contract of JSONB columns. Each domain registers its own columns when its contracts module is
    imported, so this shared module never imports a domain; `tutorassist.contracts` imports every domain's. Registering
    the same column again with an equal entry is a no-op; with a different one it is an error."""
    for column in columns:
        key = (column.table, column.column)
        if key in _REGISTRY and _REGISTRY[key] != column:
            raise ValueError(f"{column.table}.{column.column} already has the contract {_REGISTRY[key].contract.name}")
        _REGISTRY[key] = column


def jsonb_registry() -> Mapping[tuple[str, str], JsonbColumn]:
    """Every registered JSONB column, keyed by (table, column), in documentation order (by table, then column).

    Only the domains imported so far have registered: import `tutorassist.contracts` to see all of them.
    """
    return MappingProxyType(dict(sorted(_REGISTRY.items())))


def jsonb_column(table: str, column: str) -> JsonbColumn:
    """The registry entry of a column; KeyError naming the known columns when it has no contract."""
    try:
        return jsonb_registry()[(table, column)]
    except KeyError:
        known = ", ".join(f"{t}.{c}" for t, c in jsonb_registry())
        raise KeyError(f"{table}.{column} has no JSONB contract; known: {known}") from None


def validate_jsonb(table: str, column: str, value: Any, *, unknown_keys: UnknownKeys = "forbid") -> Any:
    """Validate a JSONB value (a decoded object, or JSON text) against its column's contract; returns the model.

    Raises pydantic.ValidationError naming the offending field, KeyError for a column without a contract.
    """
    entry = jsonb_column(table, column)
    if isinstance(value, (str, bytes, bytearray)):
        value = json.loads(value)
    return validate_contract(entry.contract.adapter, value, context=entry.context, unknown_keys=unknown_keys)


def dump_column(table: str, column: str, value: Any) -> dict[str, Any]:
    """The JSON object to store in table.column: `value` validated against the column's contract and dumped by it
    (normalised types, unset optional keys omitted). Raises pydantic.ValidationError like validate_jsonb."""
    return dump_jsonb(validate_jsonb(table, column, value))
