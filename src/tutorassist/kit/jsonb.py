"""JSONB contracts: shared field types, the registry of JSONB columns and their contracts, validation, and their docs.

Policy for every contract (repeated in docs/jsonb-contracts.md, which `render_contracts_markdown` generates):

* Unknown keys are forbidden (`extra="forbid"`). The models validate what the application is about to write, so a
  misspelt or undocumented key fails at once instead of being stored and silently ignored, and adding a key means
  adding it to the contract (and so to the docs) first. JSON written by *newer* code may carry keys this code does not
  know; readers that must tolerate that pass `unknown_keys="ignore"`, which drops unknown keys (and, for settings,
  keys not used at that level) but still rejects every known key with a bad value. The `db audit` uses the strict
  default and reports unknown keys.
* Optional keys may be absent or `null` (both mean "not set"); writers omit them (`dump_jsonb`).
* A column whose database default is `'{}'` must accept `{}`, or the default would break its own contract.
"""

from __future__ import annotations

import copy
import inspect
import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
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


# --------------------------------------------------------------------------------------------- docs

DOCS_PATH = Path(__file__).resolve().parents[3] / "docs" / "jsonb-contracts.md"
REGENERATE_COMMAND = "python -m tutorassist.contracts"

_INTRO = """\
# JSONB contracts

<!-- Generated from the Pydantic models by tutorassist.kit.jsonb.render_contracts_markdown(); do not edit by hand.
     Regenerate: {command} -->

Every JSONB column whose structure matters has a contract: a Pydantic v2 model that the application validates
before writing (`tutorassist.kit.jsonb.validate_jsonb(table, column, value)`) and that the `db audit` checks stored
rows against. The column comments in the schema point here.

Rules shared by every contract:

- **Unknown keys are rejected.** The contracts validate what the application is about to write, so a misspelt or
  undocumented key fails at once instead of being stored and silently ignored; adding a key means adding it to the
  contract, and so to this page, first. Rows written by newer code may carry keys older code does not know: readers
  that must tolerate them call `validate_jsonb(..., unknown_keys="ignore")`, which drops unknown keys but still
  rejects a known key with a bad value.
- **Optional keys may be absent or `null`**; both mean "not set". Writers omit them (`dump_jsonb`).
- **Columns that default to `'{{}}'` accept `{{}}`**, or the default would break its own contract.
- Date-times are ISO 8601 strings with a UTC offset (`2025-12-31T10:00:00Z`); naive times and numbers are rejected.
- Ids are uuid strings; integers and booleans must be JSON integers and booleans (`"5"`, and `1` for `true`, are
  rejected).

| Column | Database default | Contract |
|---|---|---|
{columns}
"""


def _cell(text: Any) -> str:
    return str(text).replace("\n", " ").replace("|", "\\|")


def _num(value: Any) -> str:
    return json.dumps(value)


def _unwrap(schema: dict[str, Any]) -> tuple[dict[str, Any], bool]:
    """The non-null part of a property schema, and whether null is allowed."""
    if "anyOf" in schema:
        options = [s for s in schema["anyOf"] if s.get("type") != "null"]
        nullable = len(options) < len(schema["anyOf"])
        if len(options) == 1:
            return options[0], nullable
        return {"anyOf": options}, nullable
    if "allOf" in schema and len(schema["allOf"]) == 1:
        return schema["allOf"][0], False
    return schema, False


def _type_name(schema: dict[str, Any]) -> str:
    if "$ref" in schema:
        return "object"
    if "const" in schema:
        return f"`{json.dumps(schema['const'])}`"
    if "enum" in schema:
        return "one of " + ", ".join(f"`{json.dumps(v)}`" for v in schema["enum"])
    if "anyOf" in schema:
        return " or ".join(_type_name(_unwrap(s)[0]) for s in schema["anyOf"])
    kind = schema.get("type")
    if kind == "array":
        items = schema.get("items", {})
        return "array of objects" if "$ref" in items else f"array of {_type_name(items)}"
    if kind == "string" and schema.get("format") == "uuid":
        return "string (uuid)"
    if kind == "string" and schema.get("format") == "date-time":
        return "string (date-time with offset)"
    return kind or "any"


def _constraints(schema: dict[str, Any], prefix: str = "") -> list[str]:
    out = []
    bounds = (("minimum", "≥ {}"), ("exclusiveMinimum", "> {}"), ("maximum", "≤ {}"), ("exclusiveMaximum", "< {}"))
    for key, text in bounds:
        if key in schema:
            out.append(prefix + text.format(_num(schema[key])))
    if schema.get("minLength") == 1:
        out.append(prefix + "non-empty")
    elif "minLength" in schema:
        out.append(prefix + f"length ≥ {schema['minLength']}")
    if "maxLength" in schema:
        out.append(prefix + f"length ≤ {schema['maxLength']}")
    if "pattern" in schema:
        out.append(prefix + f"pattern `{schema['pattern']}`")
    if "minItems" in schema:
        out.append(f"at least {schema['minItems']} item{'s' if schema['minItems'] != 1 else ''}")
    if "maxItems" in schema:
        out.append(f"at most {schema['maxItems']} items")
    if schema.get("uniqueItems"):
        out.append("no duplicates")
    if schema.get("type") == "array" and "items" in schema and "$ref" not in schema["items"]:
        out += _constraints(_unwrap(schema["items"])[0], "each ")
    return out


def _field_rows(schema: dict[str, Any], defs: dict[str, Any], prefix: str = "") -> list[dict[str, str]]:
    rows = []
    required = set(schema.get("required", []))
    for name, prop in schema.get("properties", {}).items():
        inner, _ = _unwrap(prop)
        constraints = _constraints(inner)
        if prop.get("default") is not None:
            constraints.append(f"default `{json.dumps(prop['default'])}`")
        rows.append(
            {
                "field": f"`{prefix}{name}`",
                "type": _type_name(inner),
                "required": "yes" if name in required else "no",
                "constraints": "; ".join(constraints),
                "description": prop.get("description", ""),
                "levels": ", ".join(prop.get("x-levels", [])),
                "builtin": f"`{json.dumps(prop['x-builtin-default'])}`" if "x-builtin-default" in prop else "",
            }
        )
        ref = inner.get("$ref") or (inner.get("items", {}).get("$ref") if inner.get("type") == "array" else None)
        if ref:
            nested = defs[ref.rsplit("/", 1)[1]]
            rows += _field_rows(nested, defs, f"{prefix}{name}{'[]' if inner.get('type') == 'array' else ''}.")
    return rows


def contract_example(model: type[BaseModel]) -> Any:
    """The documented example of a contract model (the first of `json_schema_extra["examples"]`)."""
    return model.model_config["json_schema_extra"]["examples"][0]  # type: ignore[index]


def _model_section(model: type[BaseModel], heading: str | None) -> list[str]:
    schema = model.model_json_schema(mode="validation")
    defs = schema.get("$defs", {})
    lines = [heading, ""] if heading else []
    lines += [inspect.cleandoc(model.__doc__ or ""), ""]
    rows = _field_rows(schema, defs)
    if rows:
        columns = [("field", "Field"), ("type", "Type"), ("required", "Required")]
        if any(row["levels"] for row in rows):
            columns += [("levels", "Levels"), ("builtin", "Built-in default")]
        columns += [("constraints", "Constraints"), ("description", "Description")]
        lines.append("| " + " | ".join(title for _, title in columns) + " |")
        lines.append("|" + "---|" * len(columns))
        lines += ["| " + " | ".join(_cell(row[key]) for key, _ in columns) + " |" for row in rows]
        lines.append("")
    else:
        lines += ["No fields.", ""]
    lines += ["Example:", "", "```json", json.dumps(contract_example(model), indent=2, ensure_ascii=False), "```", ""]
    return lines


def render_contracts_markdown() -> str:
    """docs/jsonb-contracts.md, rendered from the contract models and the registry."""
    registry = list(jsonb_registry().values())
    contracts: list[JsonbContract] = []
    for entry in registry:
        if entry.contract not in contracts:
            contracts.append(entry.contract)
    column_rows = "\n".join(
        f"| `{e.table}.{e.column}` | {f'`{e.db_default}`' if e.db_default else 'none'} | "
        f"[{e.contract.name}](#{e.contract.name.lower()}) |"
        for e in registry
    )
    lines = [_INTRO.format(command=REGENERATE_COMMAND, columns=column_rows)]
    for contract in contracts:
        used_by = [e for e in registry if e.contract is contract]
        lines += [f"## {contract.name}", ""]
        lines += [
            "Used by: "
            + ", ".join(
                f"`{e.table}.{e.column}`"
                + (f" (level `{e.context['settings_level']}`)" if "settings_level" in e.context else "")
                for e in used_by
            )
            + ".",
            "",
        ]
        if contract.purpose:
            lines += [contract.purpose, ""]
        lines += [f"- {note}" for note in contract.notes]
        if contract.notes:
            lines.append("")
        for model in contract.models:
            lines += _model_section(model, f"### {model.__name__}" if len(contract.models) > 1 else None)
    return "\n".join(lines).rstrip("\n") + "\n"


def write_contracts_markdown(path: Path | str | None = None) -> Path:
    """Write the rendered contracts to docs/jsonb-contracts.md (or `path`); returns the path written."""
    target = Path(path) if path is not None else DOCS_PATH
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(render_contracts_markdown(), encoding="utf-8")
    return target
