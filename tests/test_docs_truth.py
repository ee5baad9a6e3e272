"""The docs promise only what the code does: every command they name exists, every migration is in the architecture
note, and no doc promises a `db audit` or a job schedule that is not there."""

from __future__ import annotations

import re
from pathlib import Path

import typer.main

from tutorassist.cli.main import app
from tutorassist.db.migrate import script_directory

ROOT = Path(__file__).resolve().parents[1]
DOCS = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]


def _commands() -> set[str]:
    """Every command path of the CLI, e.g. 'db verify', 'answers check', 'serve'."""
    paths: set[str] = set()

    def walk(command, prefix: str) -> None:
        for name, sub in getattr(command, "commands", {}).items():
            path = f"{prefix} {name}".strip()
            paths.add(path)
            walk(sub, path)

    walk(typer.main.get_command(app), "")
    return paths


def test_every_command_the_docs_name_exists():
    commands = _commands()
    named = set()
    for doc in DOCS:
        for match in re.finditer(r"tutorassist ((?:[a-z][a-z-]*)(?: [a-z][a-z-]*)?)", doc.read_text()):
            words = match.group(1).split()
            # "tutorassist serve on ..." names `serve`; keep the longest prefix that is a command.
            name = " ".join(words) if " ".join(words) in commands else words[0]
            named.add((doc.name, name))
    missing = sorted((doc, name) for doc, name in named if name not in commands)
    assert missing == [], f"docs name commands that do not exist: {missing}"
    assert len(named) > 5  # the pattern really finds the commands


def test_the_architecture_note_lists_every_migration():
    text = (ROOT / "docs" / "architecture.md").read_text()
    revisions = [rev.revision for rev in script_directory().walk_revisions()]
    assert revisions and all(rev[:4] in text for rev in revisions), "docs/architecture.md misses a migration"


def test_no_doc_promises_what_is_not_built():
    commands = _commands()
    for doc in DOCS:
        text = doc.read_text()
        if "db audit" not in commands:
            assert "`db audit`" not in text and "the db audit" not in text, f"{doc.name} promises a db audit"
        assert "Refreshed concurrently by the REFRESH_MATERIALIZED_VIEWS job" not in text, doc.name
