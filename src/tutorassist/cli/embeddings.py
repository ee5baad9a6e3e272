"""`tutorassist embeddings ...`: ask for embedding jobs as the operator (a worker runs them)."""

from __future__ import annotations

from uuid import UUID

import typer
from rich.console import Console

from tutorassist.cli.db import _fails_cleanly, _ready_url

app = typer.Typer(no_args_is_help=True, help="Ask for question-embedding jobs (run by `tutorassist worker`).")
console = Console()
err = Console(stderr=True)


@app.command()
@_fails_cleanly
def embed(
    workspace: UUID | None = typer.Option(None, help="Only this workspace (default: every workspace)."),
    reembed: bool = typer.Option(False, "--reembed", help="Re-embed every question with the configured model (after "
                                                          "changing TUTORASSIST_EMBEDDING_*), not only missing ones."),
) -> None:
    """Queue an EMBED_QUESTIONS job (questions without an embedding) or, with --reembed, a REEMBED_ALL job per
    workspace, acting for the workspace's owner; follow them with `tutorassist jobs list`."""
    from sqlalchemy import text

    from tutorassist.db.connection import owner_engine
    from tutorassist.embeddings.jobs import enqueue_missing
    from tutorassist.embeddings.similarity import configured_model

    engine = owner_engine(_ready_url())
    if reembed:
        with engine.begin() as conn:
            asked = conn.execute(text(
                "INSERT INTO jobs (workspace_id, type, created_by) SELECT id, 'REEMBED_ALL', owner_user_id "
                "FROM workspaces WHERE CAST(:w AS uuid) IS NULL OR id = :w RETURNING workspace_id, id"),
                {"w": workspace}).all()
    else:
        asked = enqueue_missing(engine, configured_model(), workspace)
    if workspace is not None and not asked:
        with engine.connect() as conn:
            if conn.execute(text("SELECT 1 FROM workspaces WHERE id = :w"), {"w": workspace}).first() is None:
                err.print(f"[red]error:[/red] no workspace {workspace}")
                raise typer.Exit(1)
    for ws, job in asked:
        console.print(f"workspace {ws}: job {job}")
    console.print(f"{len(asked)} job(s) queued" if asked else "nothing to embed (or a job is already under way)")
