"""`tutorassist ai ...`: estimate and start AI question generation, follow it, list and approve drafts, acting as a
staff member of the workspace (named by email) exactly as the API would."""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace
from uuid import UUID

import typer
from pydantic import ValidationError
from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table
from sqlalchemy import text

from tutorassist.api.context import Tx
from tutorassist.cli.db import _fails_cleanly
from tutorassist.db.connection import acting, app_engine, owner_engine, owner_url
from tutorassist.kit.problems import Problem

app = typer.Typer(no_args_is_help=True, help="AI question generation: estimate, generate, review drafts, approve. "
                  "Provider: TUTORASSIST_AI_BASE_URL, TUTORASSIST_AI_API_KEY, TUTORASSIST_AI_MODEL (no key: the "
                  "offline templates).")
console = Console()
err = Console(stderr=True)

WORKSPACE = typer.Option(..., "--workspace", "-w", help="Workspace id.")
AS = typer.Option(..., "--as", help="Email of the owner or tutor acting (the job runs in their name).")


def _fail(message: str, code: int = 1) -> typer.Exit:
    err.print(f"[red]error:[/red] {escape(message)}", highlight=False)
    return typer.Exit(code)


@contextmanager
def _member_tx(workspace: UUID, email: str) -> Iterator[Tx]:
    """One transaction acting as the member with this email in the workspace (row-level security applies)."""
    url = owner_url()
    engine = app_engine(url)
    try:
        owner = owner_engine(url)
        with owner.connect() as conn:
            member = conn.execute(text("SELECT u.id, m.role FROM users u JOIN workspace_members m ON m.user_id = u.id "
                                       "AND m.workspace_id = :w WHERE u.email = :e"), {"w": workspace, "e": email}).one_or_none()
        owner.dispose()
        if member is None:
            raise _fail(f"{email} is not a member of workspace {workspace}")
        with acting(engine, member.id, workspace) as conn:
            yield Tx(conn, member.id, workspace, member.role)
    except Problem as exc:
        raise _fail(exc.detail or exc.title) from None
    finally:
        engine.dispose()


def _body(topic: UUID, count: int, mix: str | None, material: UUID | None, page: int | None, mode: str,
          provider: str | None):  # noqa: ANN202
    from tutorassist.ai.schemas import GenerationBody

    weights = None
    if mix:
        try:
            weights = {d.strip(): int(n) for d, n in (part.split("=") for part in mix.split(","))}
        except ValueError:
            raise _fail("--mix takes DIFFICULTY=WEIGHT pairs, e.g. 1=2,3=5", 2) from None
    try:
        return GenerationBody.model_validate({"topic_id": topic, "count": count, "difficulty_mix": weights,
                                              "source_material_id": material, "material_page": page, "mode": mode,
                                              "provider": provider})
    except ValidationError as exc:
        first = exc.errors()[0]
        raise _fail(f"{'.'.join(map(str, first['loc']))}: {first['msg']}", 2) from None


def _show_estimate(estimate) -> None:  # noqa: ANN001 - EstimateOut
    table = Table("provider", "mode", "model", "calls", "tokens", "cost (USD)", "budget left (USD)")
    left = "-" if estimate.budget_usd is None else f"{estimate.budget_usd - estimate.spent_this_month_usd:.6f}"
    table.add_row(estimate.provider, estimate.mode, estimate.model, str(estimate.calls), str(estimate.tokens_total),
                  f"{estimate.cost_usd:.6f} ({estimate.pricing})", left)
    console.print(table)
    if not estimate.within_budget:
        err.print("[yellow]over the workspace's monthly AI budget[/yellow]")


_REQUEST_OPTIONS = {
    "topic": typer.Option(..., "--topic", "-t", help="Topic id."),
    "count": typer.Option(10, "--count", "-n", min=1, max=200, help="Questions to generate (1..200)."),
    "mix": typer.Option(None, "--mix", help="Difficulty weights, e.g. 1=2,3=5 (count is split in proportion); "
                                            "default: all of difficulty 3."),
    "material": typer.Option(None, "--material", help="Source material id whose text the questions are based on."),
    "page": typer.Option(None, "--page", min=1, help="Page of the material to use."),
    "mode": typer.Option("sync", "--mode", help="sync (calls now) or batch (the provider's Batch API)."),
    "provider": typer.Option(None, "--provider", help="offline or openai (default: openai when a key is set)."),
}


@app.command("estimate")
@_fails_cleanly
def estimate_cmd(workspace: UUID = WORKSPACE, as_: str = AS, topic: UUID = _REQUEST_OPTIONS["topic"],
                 count: int = _REQUEST_OPTIONS["count"], mix: str | None = _REQUEST_OPTIONS["mix"],
                 material: UUID | None = _REQUEST_OPTIONS["material"], page: int | None = _REQUEST_OPTIONS["page"],
                 mode: str = _REQUEST_OPTIONS["mode"], provider: str | None = _REQUEST_OPTIONS["provider"]) -> None:
    """What a generation would cost (tokens, US dollars) and whether it fits the monthly budget; starts nothing."""
    from tutorassist.ai import service

    body = _body(topic, count, mix, material, page, mode, provider)
    with _member_tx(workspace, as_) as tx:
        _show_estimate(service.estimate_in(tx, body))


@app.command("generate")
@_fails_cleanly
def generate_cmd(workspace: UUID = WORKSPACE, as_: str = AS, topic: UUID = _REQUEST_OPTIONS["topic"],
                 count: int = _REQUEST_OPTIONS["count"], mix: str | None = _REQUEST_OPTIONS["mix"],
                 material: UUID | None = _REQUEST_OPTIONS["material"], page: int | None = _REQUEST_OPTIONS["page"],
                 mode: str = _REQUEST_OPTIONS["mode"], provider: str | None = _REQUEST_OPTIONS["provider"],
                 run_here: bool = typer.Option(False, "--run-here", help="Run the job in this process (sync mode) "
                                               "instead of leaving it to a worker."),
                 follow: bool = typer.Option(True, "--follow/--no-follow", help="Show the job's progress until it "
                                             "ends (a worker runs it)."),
                 timeout: float = typer.Option(600, "--timeout", min=1, help="Seconds to follow before giving up.")) -> None:
    """Estimate, then start generating; accepted questions land as drafts (`tutorassist ai drafts`)."""
    from tutorassist.ai import service

    body = _body(topic, count, mix, material, page, mode, provider)
    with _member_tx(workspace, as_) as tx:
        started = service.start_in(tx, body)
        user_id = tx.user_id
    _show_estimate(started.estimate)
    console.print(f"job {started.job_id} ({started.job_type}), batch {started.batch_id}")
    if run_here:
        if mode != "sync":
            raise _fail("--run-here runs sync jobs only; a batch job waits for the provider (leave it to a worker)", 2)
        _run_here(workspace, user_id, started.job_id, started.job_type)
    elif follow:
        _follow(workspace, started.job_id, timeout)


class _Bar:
    def __init__(self, progress: Progress) -> None:
        self.progress, self.task = progress, progress.add_task("generating", total=None)

    def update(self, done: int, total: int | None, message: str | None) -> None:
        self.progress.update(self.task, completed=done, total=total, description=message or "generating")


def _progress() -> Progress:
    return Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                    console=console)


def _run_here(workspace: UUID, user_id: UUID, job_id: UUID, job_type: str) -> None:
    from tutorassist.ai import jobs
    from tutorassist.jobs.context import JobContext
    from tutorassist.jobs.registry import JobFailed, RetryLater

    url = owner_url()
    owner, engine = owner_engine(url), app_engine(url)
    try:
        with owner.connect() as conn:
            payload = conn.execute(text("SELECT payload_json FROM jobs WHERE id = :j"), {"j": job_id}).scalar()
        with _progress() as progress:
            bar = _Bar(progress)

            class _Shown(JobContext):
                def progress(self, done: int, total: int | None = None, message: str | None = None) -> None:
                    super().progress(done, total, message)
                    bar.update(done, total, message)

            ctx = _Shown(owner=owner, app=engine, workspace_id=workspace, job_id=job_id, user_id=user_id, attempt=1,
                         type=job_type)
            try:
                result = jobs.run_generate(replace(ctx), payload)
            except (JobFailed, RetryLater) as exc:
                raise _fail(f"generation stopped: {exc}") from None
        console.print(f"generated {result['generated']} of {result['requested']} "
                      f"(rejected: {result['rejected_by_reason'] or 'none'}), cost ${result['cost_usd']:.6f}")
    finally:
        owner.dispose()
        engine.dispose()


def _follow(workspace: UUID, job_id: UUID, timeout: float) -> None:
    owner = owner_engine(owner_url())
    deadline = time.monotonic() + timeout
    try:
        with _progress() as progress:
            bar = _Bar(progress)
            while True:
                with owner.connect() as conn:
                    job = conn.execute(text("SELECT status, progress_done, progress_total, progress_message, error_text "
                                            "FROM jobs WHERE workspace_id = :w AND id = :j"),
                                       {"w": workspace, "j": job_id}).one()
                bar.update(job.progress_done, job.progress_total, job.progress_message or job.status)
                if job.status in ("succeeded", "failed", "cancelled"):
                    break
                if time.monotonic() > deadline:
                    raise _fail(f"job {job_id} is still {job.status} after {timeout:.0f} s (is a worker running?)")
                time.sleep(0.5)
    finally:
        owner.dispose()
    if job.status != "succeeded":
        raise _fail(f"job {job_id} {job.status}: {job.error_text or ''}")


@app.command("drafts")
@_fails_cleanly
def drafts_cmd(workspace: UUID = WORKSPACE, as_: str = AS,
               batch: UUID | None = typer.Option(None, "--batch", help="Only the drafts of this batch."),
               limit: int = typer.Option(50, "--limit", min=1, max=200, help="Rows to show.")) -> None:
    """AI-generated drafts awaiting review, newest first, with their quality score."""
    from tutorassist.ai import service

    with _member_tx(workspace, as_) as tx:
        page = service.drafts_in(tx, batch, limit, None)
    if not page.items:
        console.print("no AI drafts awaiting review")
        return
    table = Table("id", "difficulty", "quality", "batch item", "prompt")
    for d in page.items:
        table.add_row(str(d.id), str(d.difficulty), f"{d.quality_score:.3f}" if d.quality_score is not None else "-",
                      escape(d.batch_custom_id or "-"), escape(d.prompt_latex[:70]))
    console.print(table)


@app.command("approve")
@_fails_cleanly
def approve_cmd(ids: list[UUID] = typer.Argument(..., help="Ids of AI-generated drafts to make active."),
                workspace: UUID = WORKSPACE, as_: str = AS) -> None:
    """Make AI-generated drafts active (all or nothing)."""
    from tutorassist.ai import service

    with _member_tx(workspace, as_) as tx:
        approved = service.approve_in(tx, ids)
    console.print(f"approved {len(approved.approved)} question(s)")
