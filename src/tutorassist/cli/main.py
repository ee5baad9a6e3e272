"""Entry point: `tutorassist --help` lists the commands and the configuration they read."""

from __future__ import annotations

import typer

from tutorassist.cli import ai, analytics, answers, db, embeddings, jobs, programs, workspace

app = typer.Typer(
    name="tutorassist",
    no_args_is_help=True,
    add_completion=False,
    help=(
        "TutorAssist: question bank, assignments, checked answers, spaced repetition and analytics on PostgreSQL.\n\n"
        "Configuration, from environment variables:\n\n"
        "DATABASE_URL: PostgreSQL >= 15 with pgvector, connecting as the schema owner (superuser or BYPASSRLS). "
        "Unset: an embedded PostgreSQL, started on demand and reused.\n\n"
        "TUTORASSIST_DATA_DIR: data directory of the embedded PostgreSQL "
        "(default /var/lib/tutorassist as root, else ~/.local/share/tutorassist).\n\n"
        "TUTORASSIST_HOST, TUTORASSIST_PORT: where `serve` listens (default 127.0.0.1:8000).\n\n"
        "TUTORASSIST_WORKERS: server processes of `serve` (default 0: one per CPU core).\n\n"
        "TUTORASSIST_TRUSTED_PROXIES: comma-separated addresses or CIDR networks of reverse proxies whose "
        "X-Forwarded-For and X-Forwarded-Proto `serve` believes (default: none).\n\n"
        "TUTORASSIST_CAS_TIMEOUT: seconds one answer check may take before it is stopped (default 1.0).\n\n"
        "TUTORASSIST_CAS_WORKERS, TUTORASSIST_CAS_WAIT: answer-checker processes per server process (default one per "
        "core) and seconds a check waits for a free one (default 5).\n\n"
        "TUTORASSIST_JOB_CONCURRENCY: jobs a worker runs at once (default 4). TUTORASSIST_JOB_HEARTBEAT, "
        "TUTORASSIST_JOB_STALLED_AFTER, TUTORASSIST_JOB_STALLED_CHECK: seconds between a worker's heartbeats (10), "
        "without one before its jobs are queued again (30), between two looks for such jobs (10).\n\n"
        "TUTORASSIST_SCHEDULE: changes to the periodic maintenance, `TYPE=cron;TYPE=off` (see docs/jobs.md).\n\n"
        "TUTORASSIST_AI_BASE_URL, TUTORASSIST_AI_API_KEY, TUTORASSIST_AI_MODEL, TUTORASSIST_AI_TEMPERATURE, "
        "TUTORASSIST_AI_TIMEOUT: the OpenAI-compatible provider of question generation (no key: offline templates).\n\n"
        "TUTORASSIST_EMBEDDING_PROVIDER (local or openai), TUTORASSIST_EMBEDDING_MODEL, _DIMENSIONS, _BASE_URL, "
        "_API_KEY, _TIMEOUT: question embeddings. TUTORASSIST_DUPLICATE_SIMILARITY: when a generated question is a "
        "near-duplicate (default 0.92).\n\n"
        "TUTORASSIST_RETENTION_ATTEMPTS_DAYS (730), _QUESTION_HISTORY_DAYS (365), _JOBS_DAYS (90), _AI_USAGE_DAYS (365), "
        "_AUDIT_HOT_YEARS (1), _AUDIT_YEARS (7), _BATCH (10000): the data retention policy (`db retention`, "
        "docs/retention.md)."
    ),
)
app.add_typer(db.app, name="db")
app.add_typer(programs.app, name="programs")
app.add_typer(answers.app, name="answers")
app.add_typer(jobs.app, name="jobs")
app.add_typer(ai.app, name="ai")
app.add_typer(embeddings.app, name="embeddings")
app.add_typer(workspace.app, name="workspace")
app.add_typer(analytics.app, name="analytics")
app.command()(jobs.worker)


@app.command()
def serve(
    host: str = typer.Option("127.0.0.1", envvar="TUTORASSIST_HOST", help="Address to listen on."),
    port: int = typer.Option(8000, envvar="TUTORASSIST_PORT", min=1, max=65535, help="Port to listen on."),
    with_demo: bool = typer.Option(False, "--demo", help="Fill the demo workspace first (see `tutorassist demo`)."),
    workers: int = typer.Option(0, "--workers", envvar="TUTORASSIST_WORKERS", min=0,
                                help="Server processes; 0 (the default) starts one per CPU core."),
    job_worker: bool = typer.Option(True, "--job-worker/--no-job-worker", envvar="TUTORASSIST_SERVE_JOB_WORKER",
                                    help="Also run a job worker in this process (on by default; turn it off when "
                                         "`tutorassist worker` runs elsewhere)."),
) -> None:
    """Migrate the database, then serve the web pages (sign in at /) and the HTTP API (OpenAPI docs at /docs, health at
    /healthz) on one port."""
    db.run_up()
    if with_demo:
        demo()
    import os

    import uvicorn

    from tutorassist.api.app import DATABASE_URL_VARIABLE, create_app
    from tutorassist.api.logs import uvicorn_log_config
    from tutorassist.db.connection import owner_url

    processes = workers or os.cpu_count() or 1
    if job_worker:
        from tutorassist.config import get_settings
        from tutorassist.jobs.worker import start_background_worker

        start_background_worker(owner_url(), get_settings())
    # proxy_headers off: the app itself believes X-Forwarded-* only from TUTORASSIST_TRUSTED_PROXIES.
    options = {"host": host, "port": port, "log_level": "info", "log_config": uvicorn_log_config(), "proxy_headers": False}
    if processes == 1:
        uvicorn.run(create_app(owner_url()), **options)
    else:  # each process builds its own app (and connection pool) from the URL resolved here once
        os.environ[DATABASE_URL_VARIABLE] = owner_url()
        _serve_processes(uvicorn.Config("tutorassist.api.app:app_from_environment", factory=True, workers=processes,
                                        **options))


def _serve_processes(config) -> None:  # noqa: ANN001 - uvicorn.Config
    """uvicorn's own multi-process mode, on a listening socket with TCP_NODELAY: uvicorn opens it without a protocol
    number, so asyncio does not set the option on accepted connections and every small response then waited for a
    delayed ACK (48 ms per request instead of 5, measured). Accepted sockets inherit the option on Linux."""
    import socket

    from uvicorn.supervisors import Multiprocess

    sock = config.bind_socket()
    if sock.family in (socket.AF_INET, socket.AF_INET6):
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    Multiprocess(config, sockets=[sock]).run()


@app.command()
def demo() -> None:
    """Fill a demo workspace (tutor, students, topics, questions, assignments, attempts); print how to sign in.

    Running it again changes nothing.
    """
    from rich.console import Console

    from tutorassist.db.connection import owner_url
    from tutorassist.demo.build import build

    db.run_up()
    console = Console()
    report = build(owner_url())
    if report.created:
        console.print(f"[green]demo workspace created[/green]: {report.questions} questions, {report.attempts} attempts")
    else:
        console.print("the demo workspace already exists")
    console.print("sign in on the pages (/signin) or through the API (POST /auth/signin, or /docs) with:")
    for email, password in report.accounts:
        console.print(f"  {email}  /  {password}")
    if report.pending_invite:
        console.print(f"Cleo has been invited but has not signed up: her invite link is /invite/{report.pending_invite} "
                      f"(the API's: /invites/{report.pending_invite})")


@app.command()
def up() -> None:
    """Start the database (embedded unless DATABASE_URL is set), migrate it to the newest revision, report its status."""
    db.run_up()


if __name__ == "__main__":  # pragma: no cover
    app()
