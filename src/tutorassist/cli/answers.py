"""`tutorassist answers ...`: check answers against answer specifications, without a database.

    tutorassist answers check --spec '{"type": "expression", "value": "2x+2"}' --answer '2(x+1)'
    tutorassist answers check --file answers.jsonl

Each verdict is printed as one JSON line. With --file, every line is {"spec": ..., "answer": ...} (optionally
"question_expression"); a bad line (bad JSON, missing keys, invalid spec) is reported on stderr naming its line
number, the other lines are still checked (and printed in order, the bad line printing nothing), and the exit code is
2 if any line was bad. An unexpected error while checking or printing one line (a fault of the checker, not of the
line) prints {"line": N, "error": "..."} in that line's place and the batch goes on; the exit code is then 1 (2 if a
line was also bad). Exit code 2 also for an invalid --spec; no tracebacks.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any, Optional

import typer

app = typer.Typer(no_args_is_help=True, help="Check answers against answer specifications (no database needed).")


@app.callback()
def _group() -> None:
    """Check answers against answer specifications (no database needed)."""


def _fail(message: str) -> None:
    typer.echo(f"error: {message}", err=True)


class _BadLine(ValueError):
    """The input itself is wrong (not the checker)."""


def _report_error(number: int, exc: Exception) -> None:
    message = f"{type(exc).__name__}: {exc}"
    typer.echo(json.dumps({"line": number, "error": message}))  # ASCII-escaped: it must always be writable
    _fail(f"line {number}: unexpected error: {message}")


def _check_one(spec: Any, answer: Any, question_expression: Any) -> dict:
    from tutorassist.learning.cas import check

    if not isinstance(answer, str):
        raise _BadLine('"answer" must be a string')
    if question_expression is not None and not isinstance(question_expression, str):
        raise _BadLine('"question_expression" must be a string')
    return check(spec, answer, question_expression=question_expression).to_dict()


@app.command("check")
def check_cmd(
    spec: Optional[str] = typer.Option(None, "--spec", help="The answer specification as JSON."),
    answer: Optional[str] = typer.Option(None, "--answer", help="The student's answer."),
    question_expression: Optional[str] = typer.Option(
        None, "--question-expression", help="Expression answers: the expression the question asks to transform."
    ),
    file: Optional[Path] = typer.Option(
        None, "--file", help='JSON lines of {"spec": ..., "answer": ...[, "question_expression": ...]}; "-" = stdin. A line that '
        'fails unexpectedly prints {"line": N, "error": ...} and the rest go on (exit 1; exit 2 for bad lines).'
    ),
) -> None:
    """Print one JSON verdict line per answer."""
    from tutorassist.learning.cas import InvalidSpec

    if file is not None:
        if spec is not None or answer is not None:
            _fail("use either --file or --spec/--answer")
            raise typer.Exit(2)
        try:
            lines = sys.stdin.read().splitlines() if str(file) == "-" else file.read_text(encoding="utf-8").splitlines()
        except OSError as exc:
            _fail(f"cannot read {file}: {exc.strerror}")
            raise typer.Exit(2) from None
        bad = errored = 0
        for number, line in enumerate(lines, start=1):
            if not line.strip():
                continue
            try:
                item = json.loads(line)
                if not isinstance(item, dict) or "spec" not in item or "answer" not in item:
                    raise _BadLine('expected an object with "spec" and "answer"')
                unknown = set(item) - {"spec", "answer", "question_expression"}
                if unknown:
                    raise _BadLine(f"unknown keys {sorted(unknown)}")
                verdict = _check_one(item["spec"], item["answer"], item.get("question_expression"))
            except json.JSONDecodeError as exc:
                bad += 1
                _fail(f"line {number}: not valid JSON ({exc.msg})")
                continue
            except (InvalidSpec, _BadLine) as exc:
                bad += 1
                _fail(f"line {number}: {exc}")
                continue
            except Exception as exc:  # a fault of the checker: report it in this line's place and go on
                errored += 1
                _report_error(number, exc)
                continue
            try:
                typer.echo(json.dumps(verdict, ensure_ascii=False))
            except Exception as exc:  # e.g. a lone surrogate in the answer cannot be written as UTF-8
                errored += 1
                _report_error(number, exc)
        if bad:
            _fail(f"{bad} bad line{'s' if bad != 1 else ''}")
        if errored:
            _fail(f"{errored} line{'s' if errored != 1 else ''} could not be checked")
        if bad or errored:
            raise typer.Exit(2 if bad else 1)
        return
    if spec is None or answer is None:
        _fail("give --spec and --answer, or --file")
        raise typer.Exit(2)
    try:
        spec_value = json.loads(spec)
    except json.JSONDecodeError as exc:
        _fail(f"--spec is not valid JSON ({exc.msg})")
        raise typer.Exit(2) from None
    try:
        verdict = _check_one(spec_value, answer, question_expression)
    except (InvalidSpec, _BadLine) as exc:
        _fail(str(exc))
        raise typer.Exit(2) from None
    except Exception as exc:  # a fault of the checker: one message, no traceback
        _fail(f"the answer could not be checked: {type(exc).__name__}: {exc}")
        raise typer.Exit(1) from None
    try:
        typer.echo(json.dumps(verdict, ensure_ascii=False))
    except Exception as exc:  # e.g. a lone surrogate in the answer cannot be written as UTF-8
        _fail(f"the verdict could not be written: {type(exc).__name__}: {exc}")
        raise typer.Exit(1) from None


if __name__ == "__main__":  # pragma: no cover
    app()
