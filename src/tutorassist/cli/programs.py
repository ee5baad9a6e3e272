"""`tutorassist programs ...`: the global study programs and grade levels (reference data), as the schema owner."""

from __future__ import annotations

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from tutorassist.cli.db import _fails_cleanly
from tutorassist.db.connection import connect, owner_url
from tutorassist.questions.programs import service
from tutorassist.questions.programs.service import ReferenceDataError

app = typer.Typer(no_args_is_help=True, help="List and add study programs and their grade levels (global reference data).")
console = Console()
err = Console(stderr=True)


def _refuse(exc: ReferenceDataError) -> typer.Exit:
    err.print(f"[red]error:[/red] {escape(str(exc))}", highlight=False)
    return typer.Exit(2)


@app.command("list")
@_fails_cleanly
def list_cmd() -> None:
    """Every study program with its grade levels."""
    with connect(owner_url()) as conn:
        programs = service.operator_list(conn)
    if not programs:
        console.print("no study programs yet: add one with `tutorassist programs add CODE NAME`")
        return
    table = Table("code", "name", "grade levels (code: name)", show_lines=False)
    for p in programs:
        grades = ", ".join(f"{g['code']}: {g['name']}" for g in p["grade_levels"]) or "-"
        table.add_row(escape(p["code"]), escape(p["name"]), escape(grades))
    console.print(table, soft_wrap=True)


@app.command("add")
@_fails_cleanly
def add_cmd(
    code: str = typer.Argument(..., help="Short stable code, e.g. IB-MAA (letters, digits, '_', '.', '-'; up to 40)."),
    name: str = typer.Argument(..., help="Display name."),
    description: str | None = typer.Option(None, "--description", help="Free-text description."),
) -> None:
    """Add a study program."""
    try:
        with connect(owner_url()) as conn:
            service.operator_add_program(conn, code, name, description)
    except ReferenceDataError as exc:
        raise _refuse(exc) from None
    console.print(f"added study program {code}")


@app.command("add-grade")
@_fails_cleanly
def add_grade_cmd(
    program_code: str = typer.Argument(..., help="Code of the study program."),
    grade_code: str = typer.Argument(..., help="Code of the grade level, unique within the program, e.g. Y10."),
    name: str = typer.Argument(..., help="Display name."),
    sort_order: int = typer.Option(0, "--sort-order", help="Position among the program's grade levels, ascending."),
) -> None:
    """Add a grade level to a study program."""
    try:
        with connect(owner_url()) as conn:
            service.operator_add_grade(conn, program_code, grade_code, name, sort_order)
    except ReferenceDataError as exc:
        raise _refuse(exc) from None
    console.print(f"added grade level {grade_code} to {program_code}")


if __name__ == "__main__":  # pragma: no cover - normally run as `tutorassist programs`
    app()
