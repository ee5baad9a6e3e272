"""docs/jsonb-contracts.md, rendered from the registered contracts (`tutorassist.kit.jsonb`).

Only registered columns are documented: run `python -m tutorassist.contracts`, which imports every domain first.
"""

from __future__ import annotations

import inspect
import json
from pathlib import Path
from typing import Any

from pydantic import BaseModel

from tutorassist.kit.jsonb import JsonbContract, jsonb_registry

# --------------------------------------------------------------------------------------------- docs

DOCS_PATH = Path(__file__).resolve().parents[3] / "docs" / "jsonb-contracts.md"
REGENERATE_COMMAND = "python -m tutorassist.contracts"

_INTRO = """\
# JSONB contracts

<!-- Generated from the Pydantic models by tutorassist.kit.jsonb_docs.render_contracts_markdown(); do not edit by hand.
     Regenerate: {command} -->

Every JSONB column whose structure matters has a contract: a Pydantic v2 model that the application validates
before writing (`tutorassist.kit.jsonb.validate_jsonb(table, column, value)`); stored rows can be checked against the
same models. The column comments in the schema point here.

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
