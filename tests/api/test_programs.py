"""Study programs and grade levels: seeded by migration 0007, read over HTTP, added by operators with the CLI."""

from __future__ import annotations

import os
import subprocess
import sys
import uuid

from tests import factories
from tests.api.helpers import problem
from tutorassist.db import migrate

SEEDED = {"IB-MAA", "IB-MAI", "AP-CALC-AB", "AP-CALC-BC", "AP-PRECALC", "GCSE-MATHS", "A-LEVEL-MATHS", "CCSS-MATH"}


def _command() -> list[str]:
    """`tutorassist programs` once cli/main.py registers it, else the sub-app on its own (same commands)."""
    from tutorassist.cli.main import app

    if any(group.name == "programs" for group in app.registered_groups):
        return [sys.executable, "-m", "tutorassist.cli.main", "programs"]
    return [sys.executable, "-m", "tutorassist.cli.programs"]


def cli(*args: str, db_url: str) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"} | {"DATABASE_URL": db_url, "COLUMNS": "200"}
    return subprocess.run([*_command(), *args], capture_output=True, text=True, env=env, timeout=120)


def test_seeded_programs_are_readable_by_anyone_signed_in(practice, client):
    programs = practice.student.http.get("/programs").json()
    assert SEEDED <= {p["code"] for p in programs}
    assert [p["name"] for p in programs] == sorted(p["name"] for p in programs)
    by_code = {p["code"]: p for p in programs}
    assert [g["code"] for g in by_code["IB-MAA"]["grade_levels"]] == ["SL", "HL"]
    assert [g["code"] for g in by_code["CCSS-MATH"]["grade_levels"]] == [f"G{n}" for n in range(6, 13)]  # by sort_order
    assert [g["code"] for g in by_code["GCSE-MATHS"]["grade_levels"]] == ["FOUNDATION", "HIGHER"]
    assert by_code["AP-CALC-BC"]["grade_levels"] == []
    one = practice.outsider.http.get(f"/programs/{by_code['A-LEVEL-MATHS']['id']}").json()
    assert one == by_code["A-LEVEL-MATHS"] and [g["name"] for g in one["grade_levels"]] == ["Year 12 (AS)", "Year 13"]
    problem(practice.tutor.http.get(f"/programs/{uuid.uuid4()}"), 404)
    problem(practice.tutor.http.get("/programs/not-a-uuid"), 422)
    problem(client.get("/programs"), 401)
    # Nobody writes reference data through the API.
    problem(practice.tutor.http.post("/programs", json={"code": "X", "name": "X"}), 405)
    problem(practice.tutor.http.delete(f"/programs/{by_code['IB-MAA']['id']}"), 405)


def test_cli_lists_and_adds_programs_and_grades(db_url, practice, monkeypatch):
    # Through the real command (subprocesses: slow to start, so few of them) ...
    added = cli("add", "EDX-MATH", "Edexcel International Maths", "--description", "International GCSE", db_url=db_url)
    assert added.returncode == 0 and "added study program EDX-MATH" in added.stdout, added.stderr
    duplicate = cli("add", "EDX-MATH", "Again", db_url=db_url)
    assert duplicate.returncode == 2 and "already exists" in duplicate.stderr
    assert "Traceback" not in duplicate.stdout + duplicate.stderr
    # ... and in-process for the other cases (the same Typer app, on this test's database).
    from typer.testing import CliRunner

    from tutorassist.cli import programs as programs_cli

    monkeypatch.setattr(programs_cli, "owner_url", lambda: db_url)
    runner = CliRunner()
    grade = runner.invoke(programs_cli.app, ["add-grade", "EDX-MATH", "Y11", "Year 11", "--sort-order", "11"])
    assert grade.exit_code == 0, grade.output
    refusals = [
        (("add", "bad code!", "Name"), "invalid program code"),
        (("add", "OK-CODE", "   "), "name"),
        (("add", "OK-CODE", "x" * 201), "name"),
        (("add-grade", "NOPE", "Y1", "Year 1"), "no study program with code 'NOPE'"),
        (("add-grade", "EDX-MATH", "Y11", "Again"), "already has a grade level"),
        (("add-grade", "EDX-MATH", "Y 12", "Year 12"), "invalid grade code"),
        (("add-grade", "EDX-MATH", "Y12", "Year 12", "--sort-order", str(2**31)), "sort order"),
    ]
    for args, message in refusals:
        result = runner.invoke(programs_cli.app, list(args))
        assert result.exit_code == 2 and message in result.output, (args, result.output)
        assert isinstance(result.exception, SystemExit), result.exception  # a clean exit, no traceback
    listed = cli("list", db_url=db_url)
    assert listed.returncode == 0 and "EDX-MATH" in listed.stdout and "Y11: Year 11" in listed.stdout and "IB-MAA" in listed.stdout
    program = next(p for p in practice.tutor.http.get("/programs").json() if p["code"] == "EDX-MATH")
    assert program["description"] == "International GCSE"
    assert [(g["code"], g["sort_order"]) for g in program["grade_levels"]] == [("Y11", 11)]
    assert "OK-CODE" not in [p["code"] for p in practice.tutor.http.get("/programs").json()]


def test_reference_data_migration_down_keeps_what_is_used_or_not_its_own(db_url, owner):
    tenant = factories.tenant(owner, "A")
    used = owner.execute("SELECT id FROM study_programs WHERE code = 'IB-MAI'").fetchone()[0]
    used_grade = owner.execute("SELECT g.id FROM grade_levels g JOIN study_programs p ON p.id = g.program_id "
                               "WHERE p.code = 'IB-MAA' AND g.code = 'HL'").fetchone()[0]
    owner.execute("INSERT INTO question_programs (workspace_id, question_id, program_id) VALUES (%s, %s, %s)",
                  (tenant.workspace_id, tenant.question_id, used))
    owner.execute("INSERT INTO question_grade_levels (workspace_id, question_id, grade_level_id) VALUES (%s, %s, %s)",
                  (tenant.workspace_id, tenant.question_id, used_grade))
    # An operator's grade under a seeded program, and an operator's program.
    owner.execute("INSERT INTO grade_levels (program_id, code, name) SELECT id, 'EXTRA', 'Extra' FROM study_programs "
                  "WHERE code = 'GCSE-MATHS'")
    owner.execute("INSERT INTO study_programs (code, name) VALUES ('OPS-1', 'Operator program')")
    before = {row[0] for row in owner.execute("SELECT code FROM study_programs")} - SEEDED  # the factories' and ours
    migrate.downgrade(db_url, "0006_identity")
    left = {row[0] for row in owner.execute("SELECT code FROM study_programs")}
    grades = {tuple(row) for row in owner.execute(
        "SELECT p.code, g.code FROM grade_levels g JOIN study_programs p ON p.id = g.program_id WHERE p.code = ANY(%s)",
        (list(SEEDED),))}
    # IB-MAI is tagged on a question, IB-MAA's HL too, GCSE-MATHS has an operator's grade: they stay; the rest goes.
    assert left == before | {"IB-MAI", "IB-MAA", "GCSE-MATHS"} and "OPS-1" in left
    assert grades == {("IB-MAA", "HL"), ("GCSE-MATHS", "EXTRA")}
    migrate.upgrade(db_url)  # up again: the rest comes back, nothing is duplicated
    assert owner.execute("SELECT count(*) FROM study_programs WHERE code = ANY(%s)", (list(SEEDED),)).fetchone()[0] == len(SEEDED)
    assert owner.execute("SELECT count(*) FROM grade_levels g JOIN study_programs p ON p.id = g.program_id "
                         "WHERE p.code = 'IB-MAA'").fetchone()[0] == 2
