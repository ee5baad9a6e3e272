"""The registry matches the schema; every contract's example and `{}` default validate; the docs are current."""

from __future__ import annotations

import ast
import copy
import re
import subprocess
import sys
from importlib import resources
from pathlib import Path

import pytest
from pydantic import ValidationError

import tutorassist.kit
from tests.contracts.helpers import assert_rejected
from tutorassist.kit.jsonb import (
    JsonbColumn,
    dump_jsonb,
    jsonb_column,
    jsonb_registry,
    register,
    validate_jsonb,
)
from tutorassist.kit.jsonb_docs import (
    REGENERATE_COMMAND,
    contract_example,
    render_contracts_markdown,
    write_contracts_markdown,
)
from tutorassist.learning.contracts import AttemptContext
from tutorassist.questions.contracts import (
    ANSWER_TYPES,
    MultipleChoiceAnswer,
    QuestionGenerationMetadata,
)

EXPECTED_COLUMNS = {
    ("questions", "generation_metadata"),
    ("questions", "answer_spec"),
    ("topics", "metadata"),
    ("attempts", "context_json"),
    ("sessions", "session_metadata"),
    ("workspaces", "settings_json"),
    ("student_profiles", "settings_json"),
    ("assignments", "settings_json"),
}
DOCS = Path(__file__).resolve().parents[2] / "docs" / "jsonb-contracts.md"


def schema_sql() -> str:
    sql_dir = resources.files("tutorassist") / "db" / "sql"
    files = sorted((f for f in sql_dir.iterdir() if f.name.endswith(".up.sql")), key=lambda f: f.name)
    return "\n".join(f.read_text() for f in files)


def jsonb_columns_in_sql() -> dict[tuple[str, str], str | None]:
    """(table, column) -> DEFAULT of every jsonb column the migrations create."""
    columns = {}
    for table, body in re.findall(r"CREATE TABLE (\w+) \((.*?)\n\);", schema_sql(), re.S):
        for column, rest in re.findall(r"^\s+(\w+) jsonb\b(.*)$", body, re.M):
            default = re.search(r"DEFAULT ('[^']*'::jsonb)", rest)
            columns[(table, column)] = default.group(1) if default else None
    return columns


def column_comments() -> dict[tuple[str, str], str]:
    return {
        (table, column): text.replace("''", "'")
        for table, column, text in re.findall(r"COMMENT ON COLUMN (\w+)\.(\w+) IS '((?:[^']|'')*)';", schema_sql())
    }


# --------------------------------------------------------------------------------------------- registry vs schema


def test_registry_covers_exactly_the_jsonb_columns_with_contracts():
    assert set(jsonb_registry()) == EXPECTED_COLUMNS


def test_kit_imports_no_domain():
    kit = Path(tutorassist.kit.__file__).parent
    for source in kit.glob("*.py"):
        for node in ast.walk(ast.parse(source.read_text(encoding="utf-8"))):
            names = [a.name for a in node.names] if isinstance(node, ast.Import) else \
                [node.module or ""] if isinstance(node, ast.ImportFrom) else []
            for name in names:
                assert not name.startswith("tutorassist.") or name.startswith("tutorassist.kit"), (source.name, name)


def test_each_domain_registers_its_own_columns():
    # A fresh interpreter: only what is imported there has registered.
    script = ("import sys, tutorassist.kit.jsonb as k; assert not k.jsonb_registry(); "
              "import tutorassist.questions.contracts; print(sorted(k.jsonb_registry()))")
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True).stdout
    assert out.strip() == str(sorted(("questions", c) for c in ("answer_spec", "generation_metadata")) + [("topics", "metadata")])
    with pytest.raises(ValueError, match="already has the contract"):
        register(JsonbColumn("topics", "metadata", jsonb_column("attempts", "context_json").contract, "'{}'::jsonb"))


def test_registered_columns_are_jsonb_with_the_declared_default():
    in_sql = jsonb_columns_in_sql()
    for key, entry in jsonb_registry().items():
        assert key in in_sql, f"{key} is not a jsonb column of the schema"
        assert in_sql[key] == entry.db_default, key


def test_every_column_whose_comment_names_a_contract_is_registered():
    names = {entry.contract.name for entry in jsonb_registry().values()}
    comments = column_comments()
    jsonb = jsonb_columns_in_sql()
    naming = {key for key, text in comments.items() if key in jsonb and any(name in text for name in names)}
    assert naming == EXPECTED_COLUMNS
    for key, entry in jsonb_registry().items():
        assert entry.contract.name in comments[key], key


def test_answer_types_match_the_check_constraint():
    check = re.search(r"answer_type text NOT NULL CHECK \(answer_type IN \(([^)]*)\)\)", schema_sql())
    assert tuple(re.findall(r"'(\w+)'", check.group(1))) == ANSWER_TYPES


def test_unknown_column_is_a_key_error_listing_the_known_ones():
    with pytest.raises(KeyError, match="questions.answer_spec"):
        jsonb_column("questions", "tags_json")


# --------------------------------------------------------------------------------------------- defaults and examples


@pytest.mark.parametrize("key", sorted(EXPECTED_COLUMNS), ids=".".join)
def test_the_column_default_satisfies_its_contract(key):
    entry = jsonb_registry()[key]
    if entry.default_value is None:
        assert_rejected(lambda v: validate_jsonb(*key, v), {}, "type")  # answer_spec: no default, {} is invalid
    else:
        assert entry.default_value == {}
        validate_jsonb(*key, entry.default_value)


EXAMPLES = [
    (key, model)
    for key, entry in jsonb_registry().items()
    if key[0] not in ("student_profiles", "assignments")  # same model; the example is workspace-level
    for model in entry.contract.models
]


@pytest.mark.parametrize(("key", "model"), EXAMPLES, ids=lambda x: x.__name__ if isinstance(x, type) else ".".join(x))
def test_documented_examples_validate_and_round_trip(key, model):
    example = contract_example(model)
    validated = validate_jsonb(*key, example)
    assert type(validated) is model
    stored = dump_jsonb(validated)
    assert validate_jsonb(*key, stored) == validated
    assert set(stored) == set(example)


def test_json_text_is_accepted():
    assert validate_jsonb("attempts", "context_json", '{"device_type": "desktop"}').device_type == "desktop"


# --------------------------------------------------------------------------------------------- unknown keys


def test_reading_rows_from_newer_code_can_ignore_unknown_keys():
    row = {"device_type": "desktop", "keyboard_layout": "de", "screen_size": {"width": 800, "height": 600, "dpr": 2}}
    with pytest.raises(ValidationError):
        validate_jsonb("attempts", "context_json", row)
    ctx = validate_jsonb("attempts", "context_json", row, unknown_keys="ignore")
    assert ctx == AttemptContext(device_type="desktop", screen_size={"width": 800, "height": 600})
    assert row["screen_size"]["dpr"] == 2  # the input is not changed


def test_ignoring_unknown_keys_works_inside_tagged_unions():
    choice_row = copy.deepcopy(contract_example(MultipleChoiceAnswer))
    choice_row["choices"][0]["image_url"] = "https://example.test/a.png"
    spec = validate_jsonb("questions", "answer_spec", choice_row, unknown_keys="ignore")
    assert isinstance(spec, MultipleChoiceAnswer)
    generation_row = {**contract_example(QuestionGenerationMetadata), "reasoning_tokens": 12}
    meta = validate_jsonb("questions", "generation_metadata", generation_row, unknown_keys="ignore")
    assert isinstance(meta, QuestionGenerationMetadata)


def test_ignoring_unknown_keys_still_rejects_bad_known_values():
    with pytest.raises(ValidationError, match="device_type"):
        validate_jsonb("attempts", "context_json", {"device_type": "watch", "new_key": 1}, unknown_keys="ignore")


def test_ignoring_drops_settings_not_used_at_the_level():
    settings = validate_jsonb("assignments", "settings_json", {"auto_hide_flag_threshold": 2}, unknown_keys="ignore")
    assert settings.model_fields_set == set()


# --------------------------------------------------------------------------------------------- docs


def test_committed_docs_match_the_models():
    expected = render_contracts_markdown()
    actual = DOCS.read_text(encoding="utf-8") if DOCS.exists() else ""
    assert actual == expected, f"docs/jsonb-contracts.md is stale; regenerate it with: {REGENERATE_COMMAND}"


def test_docs_cover_every_column_and_model():
    text = render_contracts_markdown()
    for entry in jsonb_registry().values():
        assert f"`{entry.table}.{entry.column}`" in text
        for model in entry.contract.models:
            assert model.__name__ in text


def test_write_contracts_markdown_writes_the_rendering(tmp_path):
    path = write_contracts_markdown(tmp_path / "docs" / "jsonb-contracts.md")
    assert path.read_text(encoding="utf-8") == render_contracts_markdown()
