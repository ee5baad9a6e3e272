"""`tutorassist jobs ...` and `tutorassist worker`: run and manage background jobs as the operator."""

from __future__ import annotations

import time
from uuid import UUID

import typer
from rich.console import Console
from rich.progress import BarColumn, Progress, TaskProgressColumn, TextColumn, TimeElapsedColumn
from rich.table import Table

from tutorassist.cli.db import _fails_cleanly, _ready_url
from tutorassist.db.connection import owner_engine

app = typer.Typer(no_args_is_help=True, help="List, follow, cancel and retry background jobs (as the operator: every "
                                            "workspace; members use the API).")
console = Console()
err = Console(stderr=True)

STATUSES = ("queued", "running", "succeeded", "failed", "cancelled")


def _engine():
    return owner_engine(_ready_url())


def _job_or_exit(conn, job_id: UUID):  # noqa: ANN001, ANN202
    from tutorassist.jobs import service

    row = service.find(conn, None, job_id)
    if row is None:
        err.print(f"[red]error:[/red] no job {job_id}")
        raise typer.Exit(1)
    return row


@app.command("list")
@_fails_cleanly
def list_jobs(
    workspace: UUID | None = typer.Option(None, help="Only this workspace's jobs."),
    status: str | None = typer.Option(None, help="Only jobs in this status: " + ", ".join(STATUSES) + "."),
    type_: str | None = typer.Option(None, "--type", help="Only jobs of this type, e.g. GENERATE_QUESTIONS."),
    limit: int = typer.Option(30, min=1, max=1000, help="How many, newest first."),
    system: bool = typer.Option(False, "--system", help="Show runs of the periodic maintenance instead."),
) -> None:
    """Jobs, newest first (or, with --system, the maintenance runs)."""
    from sqlalchemy import text

    from tutorassist.jobs import service

    if status is not None and status not in STATUSES:
        err.print(f"[red]error:[/red] --status must be one of {', '.join(STATUSES)}")
        raise typer.Exit(1)
    with _engine().connect() as conn:
        if system:
            rows = conn.execute(text("SELECT id, type, status, started_at, finished_at, coalesce(error_text, "
                                     "result_json::text) AS outcome FROM system_jobs ORDER BY started_at DESC LIMIT :n"),
                                {"n": limit}).mappings().all()
            table = Table("run", "type", "status", "started", "finished", "outcome")
            for r in rows:
                table.add_row(str(r["id"])[:8], r["type"], r["status"], f"{r['started_at']:%Y-%m-%d %H:%M:%S}",
                              f"{r['finished_at']:%H:%M:%S}" if r["finished_at"] else "", (r["outcome"] or "")[:60])
        else:
            rows = service.recent(conn, workspace, status, type_, limit)
            table = Table("job", "workspace", "type", "status", "progress", "attempts", "cost $", "created")
            for r in rows:
                total = f"/{r['progress_total']}" if r["progress_total"] is not None else ""
                table.add_row(str(r["id"]), str(r["workspace_id"])[:8], r["type"], r["status"],
                              f"{r['progress_done']}{total}", f"{r['attempts']}/{r['max_attempts']}",
                              f"{r['cost_usd']:.4f}", f"{r['created_at']:%Y-%m-%d %H:%M:%S}")
    console.print(table if rows else "no jobs")


@app.command()
@_fails_cleanly
def show(job_id: UUID = typer.Argument(..., help="The job's id."),
         follow: bool = typer.Option(False, "--follow", "-f", help="Show a progress bar until the job ends.")) -> None:
    """One job: status, progress, result or error, cost."""
    from tutorassist.jobs import service

    engine = _engine()
    with engine.connect() as conn:
        row = _job_or_exit(conn, job_id)
    if follow and row["status"] in ("queued", "running"):
        row = _follow(engine, job_id)
    job = service.view(row)
    for key, value in job.model_dump(mode="json").items():
        if value not in (None, {}, []):
            console.print(f"[bold]{key}[/bold]: {value}")
    if job.status == "failed":
        raise typer.Exit(1)


def _follow(engine, job_id: UUID):  # noqa: ANN001, ANN202
    from tutorassist.jobs import service

    columns = (TextColumn("{task.description}"), BarColumn(), TaskProgressColumn(), TimeElapsedColumn())
    with Progress(*columns, console=console) as progress:
        bar = progress.add_task("queued", total=None)
        while True:
            with engine.connect() as conn:
                row = service.find(conn, None, job_id)
            progress.update(bar, completed=row["progress_done"], total=row["progress_total"],
                            description=f"{row['status']}: {row['progress_message'] or ''}"[:60])
            if row["status"] not in ("queued", "running"):
                return row
            time.sleep(0.5)


def _act(job_id: UUID, action: str) -> None:
    from tutorassist.jobs import service

    engine = _engine()
    with engine.begin() as conn:
        row = _job_or_exit(conn, job_id)
        outcome = (service.cancel if action == "cancel" else service.retry)(conn, row["workspace_id"], job_id)
    if not outcome.startswith("refused:"):
        console.print(f"{job_id}: {outcome}")
        return
    err.print(f"[red]error:[/red] {service.refusal(action, outcome)}")
    raise typer.Exit(1)


@app.command()
@_fails_cleanly
def cancel(job_id: UUID = typer.Argument(..., help="The job's id.")) -> None:
    """Cancel a queued job, or ask a running one to stop between two units of work."""
    _act(job_id, "cancel")


@app.command()
@_fails_cleanly
def retry(job_id: UUID = typer.Argument(..., help="The job's id.")) -> None:
    """Run a failed or cancelled job again from the start (work it finished is not repeated)."""
    _act(job_id, "retry")


@_fails_cleanly
def worker(concurrency: int = typer.Option(0, "--concurrency", min=0, max=64,
                                           help="Jobs run at once; 0: TUTORASSIST_JOB_CONCURRENCY (default 4).")) -> None:
    """Run a worker: takes queued jobs and the periodic maintenance until stopped (Ctrl-C or SIGTERM finish the jobs
    in hand first). Run as many as you like, on as many machines as reach the database."""
    from tutorassist.config import get_settings
    from tutorassist.jobs.periodic import ScheduleError
    from tutorassist.jobs.worker import run_worker

    url = _ready_url()
    try:
        run_worker(url, get_settings(), concurrency or None)
    except ScheduleError as exc:
        err.print(f"[red]error:[/red] {exc}")
        raise typer.Exit(2) from None
