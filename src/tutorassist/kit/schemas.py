"""Base classes for request bodies shared by every domain."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any, ClassVar

from pydantic import BaseModel, ConfigDict, ValidationInfo, field_validator


def _any_case(word: str) -> str:
    return "".join(f"[{c.lower()}{c.upper()}]" for c in word)


# email-validator refuses the special-use top-level domains of RFC 6761 (any case, with or without a final dot).
_SPECIAL_USE_DOMAINS = "|".join(_any_case(d) for d in ("arpa", "invalid", "local", "localhost", "onion", "test"))
MAX_PATTERN_LENGTH = 100_000
_NO_NUL = r"^[^\x00]*$"
DELIVERABLE_EMAIL = rf"^(?!.*\.(?:{_SPECIAL_USE_DOMAINS})\.?$)[^\x00]*$"


# What pydantic strips (Rust's str::trim: the Unicode White_Space property), spelled out because regex \s differs;
# Python's str.strip() also strips the separators \x1c-\x1f.
PYDANTIC_SPACE = "\\t\\n\\x0b\\x0c\\r \\x85\\xa0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000"
PYTHON_SPACE = PYDANTIC_SPACE + "\\x1c-\\x1f"


def stripped_length(low: int, high: int | None, space: str = PYDANTIC_SPACE) -> str:
    """A pattern for strings without NUL that have low..high characters once stripped of `space`."""
    spaces, kept, any_ = f"[{space}]*", f"[^{space}\\x00]", "[^\\x00]"
    cores = []
    if low <= 1 and (high is None or high >= 1):
        cores.append(kept)
    if high is None or high >= 2:
        cores.append(f"{kept}{any_}{{{max(low - 2, 0)},{'' if high is None else high - 2}}}{kept}")
    optional = "?" if low <= 0 else ""
    return f"^{spaces}(?:{'|'.join(cores)}){optional}{spaces}$"


def python_stripped(low: int, high: int | None) -> Callable[[dict[str, Any]], None]:
    """json_schema_extra of a str field that a validator checks with str.strip(): its lengths count once stripped
    of Python's whitespace (the pattern says so; a raw maxLength would refuse what the validator accepts)."""

    def state(schema: dict[str, Any]) -> None:
        schema.pop("maxLength", None)
        schema["pattern"] = stripped_length(low, high, PYTHON_SPACE)

    return state


def _state_string_rules(schema: dict[str, Any]) -> None:
    """Say in a property's JSON schema what Strict enforces on its strings: no NUL, lengths that count once
    stripped, and an email domain that is not special-use."""
    if schema.get("type") == "string" and not {"pattern", "enum", "const"} & schema.keys():
        if schema.get("format") == "email":
            schema["pattern"] = DELIVERABLE_EMAIL
        elif "format" not in schema:
            # Lengths count once stripped: a longer raw string can be valid, so the pattern bounds it, not maxLength
            # (except for limits too large for a regex, where the raw length is the practical bound anyway).
            high = schema.get("maxLength")
            if high is not None and high <= MAX_PATTERN_LENGTH:
                del schema["maxLength"]
            else:
                high = None
            schema["pattern"] = stripped_length(schema.get("minLength", 0), high)
    if schema.get("type") == "array" and isinstance(schema.get("items"), dict):
        _state_string_rules(schema["items"])
    for alternative in schema.get("anyOf", []):
        _state_string_rules(alternative)


def _given(field: str) -> dict[str, Any]:
    return {"required": [field], "properties": {field: {"not": {"type": "null"}}}}


def _state_strict_rules(schema: dict[str, Any], model: type[Strict]) -> None:
    for prop in schema.get("properties", {}).values():
        _state_string_rules(prop)
    if model.give_any_of:
        schema["anyOf"] = [_given(field) for field in model.give_any_of]
    if model.give_exactly_one_of:
        schema["oneOf"] = [_given(field) for field in model.give_exactly_one_of]
    for field in model.not_null:
        prop = schema["properties"][field]
        alternatives = [a for a in prop.pop("anyOf") if a != {"type": "null"}]
        prop.update(alternatives[0] if len(alternatives) == 1 else {"anyOf": alternatives})
        if prop.get("default", 0) is None:
            del prop["default"]
    for rule in model.schema_rules:
        rule(schema)


_JSON_KIND = {bool: "boolean", int: "integer", float: "number", str: "string", list: "array", dict: "object",
              type(None): "null"}


def _json_types(schema: dict[str, Any]) -> set[str] | None:
    """The JSON types a property's schema allows; None when it does not say plainly (a $ref, an enum, anything)."""
    if isinstance(schema.get("type"), str):
        return {schema["type"]}
    if "anyOf" in schema:
        types: set[str] = set()
        for alternative in schema["anyOf"]:
            alternative_types = _json_types(alternative)
            if alternative_types is None:
                return None
            types |= alternative_types
        return types
    return None


@functools.cache
def _documented_json_types(model: type[BaseModel]) -> dict[str, set[str] | None]:
    return {name: _json_types(prop) for name, prop in model.model_json_schema()["properties"].items()}


class Strict(BaseModel):
    """A request body: unknown fields are refused, strings are stripped, NUL characters refused."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True, json_schema_extra=_state_strict_rules)
    # Fields of which the service demands at least one / exactly one (not null), stated in the JSON schema.
    give_any_of: ClassVar[tuple[str, ...]] = ()
    give_exactly_one_of: ClassVar[tuple[str, ...]] = ()
    # Optional fields the service refuses as an explicit null (None in Python only means "not sent").
    not_null: ClassVar[tuple[str, ...]] = ()
    # Further rules between fields, each stating itself in the model's JSON schema.
    schema_rules: ClassVar[tuple[Callable[[dict[str, Any]], None], ...]] = ()

    @field_validator("*", mode="before")
    @classmethod
    def _json_type_as_documented(cls, value: Any, info: ValidationInfo) -> Any:
        # Pydantic's lax mode would take true or "3" for an integer and "yes" for a boolean; the schema promises
        # the JSON type, so a JSON value of another type is refused (Python objects from our own code pass).
        allowed = _documented_json_types(cls).get(info.field_name or "")
        kind = _JSON_KIND.get(type(value))
        if allowed is None or kind is None or kind in allowed or (kind == "integer" and "number" in allowed):
            return value
        if kind == "number" and "integer" in allowed:
            return value  # 3.0 is an integer to JSON Schema; pydantic decides on the fraction
        raise ValueError(f"must be {' or '.join(sorted(allowed))}, not {kind}")

    @field_validator("*", mode="after")
    @classmethod
    def _no_nul(cls, value: Any) -> Any:
        # PostgreSQL text cannot hold NUL; refuse it here, naming the field, rather than fail in the database.
        if isinstance(value, str) and "\x00" in value:
            raise ValueError("must not contain NUL characters")
        if isinstance(value, list) and any(isinstance(v, str) and "\x00" in v for v in value):
            raise ValueError("must not contain NUL characters")
        return value


def contract_schema(model: type[BaseModel]) -> dict[str, Any]:
    """The JSON schema of a JSONB contract model with its $defs inlined, to state in a request field's schema what the
    service validates the field's value against (the field stays a plain dict in Python). Strings hold no NUL: a
    jsonb value cannot."""
    schema = model.model_json_schema()
    defs = schema.pop("$defs", {})

    def inline(node: Any) -> Any:
        if isinstance(node, dict):
            if "$ref" in node:
                return inline(defs[node["$ref"].rsplit("/", 1)[1]]) | {k: inline(v) for k, v in node.items() if k != "$ref"}
            node = {k: inline(v) for k, v in node.items() if k not in ("examples", "title")}
            if node.get("type") == "string" and not {"enum", "const", "format"} & node.keys():
                if "pattern" in node:
                    node["allOf"] = [*node.get("allOf", []), {"pattern": _NO_NUL}]
                else:
                    node["pattern"] = _NO_NUL
            return node
        if isinstance(node, list):
            return [inline(v) for v in node]
        return node

    # The field keeps its own type (object, or object or null) and description.
    return {k: v for k, v in inline(schema).items() if k not in ("type", "description")}
