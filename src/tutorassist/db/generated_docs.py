"""The docs generated from a database migrated to head: which files, and whether the committed ones are stale."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import psycopg

from tutorassist.db import dictionary, erd

GENERATED: dict[Path, Callable[[psycopg.Connection], str]] = {
    dictionary.DICTIONARY_PATH: dictionary.render,
    erd.ERD_PATH: erd.render,
}


def stale(conn: psycopg.Connection) -> list[Path]:
    """The generated docs whose committed text differs from what this database renders (missing ones included)."""
    return [path for path, render in GENERATED.items() if not path.exists() or path.read_text() != render(conn)]


def write_all(conn: psycopg.Connection) -> list[Path]:
    """Render every generated doc from this database and write the ones that changed; returns those."""
    written = []
    for path, render in GENERATED.items():
        text = render(conn)
        if not path.exists() or path.read_text() != text:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text)
            written.append(path)
    return written
