"""Study programs and grade levels: global reference data. Anyone signed in reads them through the API; operators
add them with `tutorassist programs` on the owner connection (the application role may only SELECT them)."""

from __future__ import annotations

import re
from uuid import UUID

import psycopg
from psycopg.rows import dict_row

from tutorassist.api.context import RequestContext
from tutorassist.kit.problems import Problem
from tutorassist.questions.programs import schemas

# Programs ordered by name, each with its grade levels (by sort_order, then name) nested: one query.
_PROGRAMS = """
SELECT p.id, p.code, p.name, p.description,
       coalesce((SELECT json_agg(json_build_object('id', g.id, 'code', g.code, 'name', g.name, 'sort_order', g.sort_order)
                                 ORDER BY g.sort_order, g.name, g.id)
                 FROM grade_levels g WHERE g.program_id = p.id), '[]'::json) AS grade_levels
FROM study_programs p
"""


def list_programs(ctx: RequestContext) -> list[schemas.ProgramOut]:
    with ctx.tx() as tx:
        return [schemas.ProgramOut(**r) for r in tx.all(_PROGRAMS + " ORDER BY p.name, p.code")]


def get_program(ctx: RequestContext, program_id: UUID) -> schemas.ProgramOut:
    with ctx.tx() as tx:
        row = tx.one(_PROGRAMS + " WHERE p.id = :p", p=program_id)
        if row is None:
            raise Problem(404, "Not found", "no such study program")
        return schemas.ProgramOut(**row)


# ---------------------------------------------------------------- operators (CLI, owner connection)
class ReferenceDataError(ValueError):
    """Bad operator input (unknown program, duplicate or malformed code); the message says what to fix."""


def _check_code(what: str, code: str) -> None:
    if not re.fullmatch(schemas.CODE_PATTERN, code):
        raise ReferenceDataError(f"invalid {what} code {code!r}: use 1 to 40 letters, digits, '_', '.' or '-'")


def _check_text(what: str, value: str | None) -> None:
    if value is not None and "\x00" in value:
        raise ReferenceDataError(f"the {what} must not contain NUL characters")


def _check_name(name: str) -> str:
    _check_text("name", name)
    name = name.strip()
    if not 1 <= len(name) <= 200:
        raise ReferenceDataError("the name must have 1 to 200 characters")
    return name


def _refused(exc: psycopg.Error) -> ReferenceDataError:
    """A database refusal of operator input (a CHECK, a length) as a message; anything else is not ours to explain."""
    return ReferenceDataError(f"refused by the database: {(exc.diag.message_primary or str(exc)).strip()}")


def operator_list(conn: psycopg.Connection) -> list[dict]:
    """Every program with its grade levels, as dicts (ids as uuid), ordered as in the API."""
    with conn.cursor(row_factory=dict_row) as cur:
        return cur.execute(_PROGRAMS + " ORDER BY p.name, p.code").fetchall()


def operator_add_program(conn: psycopg.Connection, code: str, name: str, description: str | None = None) -> UUID:
    _check_code("program", code)
    name = _check_name(name)
    _check_text("description", description)
    try:
        with conn.transaction():
            row = conn.execute(
                "INSERT INTO study_programs (code, name, description) VALUES (%s, %s, %s) ON CONFLICT (code) DO NOTHING "
                "RETURNING id", (code, name, (description or "").strip() or None)).fetchone()
    except (psycopg.errors.IntegrityError, psycopg.errors.DataError) as exc:
        raise _refused(exc) from None
    if row is None:
        raise ReferenceDataError(f"a study program with code {code!r} already exists")
    return row[0]


def operator_add_grade(conn: psycopg.Connection, program_code: str, code: str, name: str, sort_order: int = 0) -> UUID:
    _check_code("grade", code)
    name = _check_name(name)
    if not -2**31 <= sort_order < 2**31:
        raise ReferenceDataError("the sort order must fit in a 32-bit integer")
    _check_text("program code", program_code)
    try:
        with conn.transaction():
            program = conn.execute("SELECT id FROM study_programs WHERE code = %s", (program_code,)).fetchone()
            if program is None:
                raise ReferenceDataError(f"no study program with code {program_code!r} (see `tutorassist programs list`)")
            row = conn.execute(
                "INSERT INTO grade_levels (program_id, code, name, sort_order) VALUES (%s, %s, %s, %s) "
                "ON CONFLICT (program_id, code) DO NOTHING RETURNING id", (program[0], code, name, sort_order)).fetchone()
    except (psycopg.errors.IntegrityError, psycopg.errors.DataError) as exc:
        raise _refused(exc) from None
    if row is None:
        raise ReferenceDataError(f"program {program_code!r} already has a grade level with code {code!r}")
    return row[0]
