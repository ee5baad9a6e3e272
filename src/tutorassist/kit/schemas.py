"""Base classes for request bodies shared by every domain."""

from __future__ import annotations

from typing import Any, ClassVar

from pydantic import BaseModel, ConfigDict, field_validator


def _any_case(word: str) -> str:
    return "".join(f"[{c.lower()}{c.upper()}]" for c in word)


# email-validator refuses the special-use top-level domains of RFC 6761 (any case, with or without a final dot).
_SPECIAL_USE_DOMAINS = "|".join(_any_case(d) for d in ("arpa", "invalid", "local", "localhost", "onion", "test"))
NO_NUL = r"^[^\x00]*$"
DELIVERABLE_EMAIL = rf"^(?!.*\.(?:{_SPECIAL_USE_DOMAINS})\.?$)[^\x00]*$"


# What pydantic strips (Rust's str::trim: the Unicode White_Space property), spelled out because regex \s differs.
_SPACE = "\\t\\n\\x0b\\x0c\\r \\x85\\xa0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000"


def at_least_after_strip(length: int) -> str:
    """A pattern for strings without NUL that keep at least `length` characters once stripped."""
    if length <= 0:
        return NO_NUL
    space, kept = f"[{_SPACE}]*", f"[^{_SPACE}\\x00]"
    if length == 1:
        return rf"^{space}{kept}[^\x00]*$"
    return rf"^{space}{kept}[^\x00]{{{length - 2},}}{kept}{space}$"


def _state_string_rules(schema: dict[str, Any]) -> None:
    """Say in a property's JSON schema what Strict enforces on its strings: no NUL, and min_length counts after
    stripping (so at least one non-blank character), and that an email's domain is not special-use."""
    if schema.get("type") == "string" and not {"pattern", "enum", "const"} & schema.keys():
        if schema.get("format") == "email":
            schema["pattern"] = DELIVERABLE_EMAIL
        elif "format" not in schema:
            schema["pattern"] = at_least_after_strip(schema.get("minLength", 0))
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


class Strict(BaseModel):
    """A request body: unknown fields are refused, strings are stripped, NUL characters refused."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True, json_schema_extra=_state_strict_rules)
    # Fields of which the service demands at least one / exactly one (not null), stated in the JSON schema.
    give_any_of: ClassVar[tuple[str, ...]] = ()
    give_exactly_one_of: ClassVar[tuple[str, ...]] = ()

    @field_validator("*", mode="after")
    @classmethod
    def _no_nul(cls, value: Any) -> Any:
        # PostgreSQL text cannot hold NUL; refuse it here, naming the field, rather than fail in the database.
        if isinstance(value, str) and "\x00" in value:
            raise ValueError("must not contain NUL characters")
        if isinstance(value, list) and any(isinstance(v, str) and "\x00" in v for v in value):
            raise ValueError("must not contain NUL characters")
        return value
