"""`tutorassist db audit`: the database's health and safety checks, with suppressions and an exit code by level."""

from __future__ import annotations

import json
from collections import Counter
from enum import Enum
from pathlib import Path

import typer
from pydantic import ValidationError
from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from tutorassist.cli.db import app
from tutorassist.config import get_settings
from tutorassist.db.connection import DatabaseError, check_server, owner_url
from tutorassist.operations.audit.findings import Finding, Level
from tutorassist.operations.audit.registry import registered
from tutorassist.operations.audit.runner import AuditReport, run_audit
from tutorassist.operations.audit.suppressions import DEFAULT_FILE, SuppressionError

CANNOT_RUN = 3
"""Exit code when the audit could not run at all (unreachable database, unreadable suppressions file)."""

console = Console()
err = Console(stderr=True)
_COLOURS = {Level.ERROR: "red", Level.WARNING: "yellow", Level.INFO: "cyan"}


HELP = (
    "Audit the database: orphans (ids in JSONB and arrays too), JSONB against its contracts, row-level security, "
    "migrations, stale materialized views, indexes, SECURITY DEFINER exposure, search_path, extensions, bloat, "
    "vector indexes, primary keys (docs/database-audit.md lists every check).\n\n"
    "Every finding has a level (error, warning, info), category, object, detail, remediation and a stable key. A "
    "finding whose key is in the suppressions file is not reported; a suppression that matches nothing is reported "
    "as info.\n\n"
    "Exit code: 0 no finding or only info, 1 the worst is a warning, 2 the worst is an error, 3 the audit could not "
    "run (one line says why)."
)


class Format(str, Enum):
    text = "text"
    json = "json"


def _print_finding(finding: Finding) -> None:
    colour = _COLOURS[finding.level]
    console.print(f"[{colour}]{finding.level.label:7}[/{colour}] [bold]{escape(finding.category)}[/bold] "
                  f"{escape(finding.object)}: {escape(finding.detail)}", soft_wrap=True)
    console.print(f"        fix: {escape(finding.remediation)}", soft_wrap=True, style="dim")
    console.print(f"        key: {escape(finding.key)}", soft_wrap=True, style="dim")


def _print_text(report: AuditReport, verbose: bool) -> None:
    shown = report.findings if verbose else [f for f in report.findings if f.level > Level.INFO]
    for finding in shown:
        _print_finding(finding)
    if not verbose:
        # Info findings are facts, often many (every unused index of a fresh database): counted per kind.
        kinds = Counter(f.key.split(":", 1)[0] for f in report.findings if f.level is Level.INFO)
        for kind, count in sorted(kinds.items()):
            console.print(f"[cyan]info   [/cyan] {kind}: {count} (--verbose lists them)")
    counts = report.as_json()["counts"]
    console.print(f"{report.checks_run} checks: {counts['error']} error(s), {counts['warning']} warning(s), "
                  f"{counts['info']} info, {len(report.suppressed)} suppressed")


@app.command("audit", help=HELP)
def audit(
    output: Format = typer.Option(Format.text, "--format", help="text for people, json for tools."),
    suppressions: Path = typer.Option(
        Path(DEFAULT_FILE), "--suppressions",
        help="TOML file of accepted findings, \\[\\[suppress]] entries with key and reason (a missing file: none)."),
    verbose: bool = typer.Option(False, "--verbose", "-v", help="Text: list every info finding, not only their counts."),
) -> None:
    """The audit command; its help is HELP (paragraphs on one line each, so Rich wraps them whole)."""
    try:
        url = owner_url()
        check_server(url)
        total = len(registered())
        if output is Format.json:
            report = run_audit(url, suppressions=suppressions, schedule_overrides=get_settings().schedule)
            print(json.dumps(report.as_json(), indent=2))
        else:
            with Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                          console=err, transient=True) as progress:
                task = progress.add_task("auditing", total=total)

                def advance(check) -> None:
                    progress.update(task, advance=1, description=f"{check.category}: {check.name}")

                report = run_audit(url, suppressions=suppressions, schedule_overrides=get_settings().schedule,
                                   on_check=advance)
            _print_text(report, verbose)
    except (DatabaseError, SuppressionError) as exc:
        err.print(f"[red]error:[/red] {escape(str(exc))}")
        raise typer.Exit(CANNOT_RUN) from None
    except ValidationError as exc:
        problem = exc.errors()[0]
        where = ".".join(str(part) for part in problem["loc"]) or "configuration"
        err.print(f"[red]invalid configuration:[/red] {where}: {problem['msg'].removeprefix('Value error, ')}")
        raise typer.Exit(CANNOT_RUN) from None
    raise typer.Exit(report.exit_code)
