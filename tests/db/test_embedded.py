"""The embedded server starts on demand, is reused, and really stops."""

from __future__ import annotations

import json
import shutil
import tempfile
from pathlib import Path

import psycopg

from tutorassist.db import embedded


def test_start_reuse_and_stop_even_with_stale_handles():
    data_dir = Path(tempfile.mkdtemp(prefix="tutorassist-embedded-"))
    try:
        url = embedded.start(data_dir)
        assert embedded.start(data_dir) == url  # reused, not started twice
        with psycopg.connect(url) as conn:
            assert conn.execute("SELECT current_database()").fetchone()[0] == "tutorassist"
        # A process that used the server and was killed leaves its pid behind; stopping must not be fooled by it.
        handles = data_dir / "pgdata" / ".handle_pids.json"
        handles.write_text(json.dumps([999999]))
        assert embedded.stop(data_dir) is True
        assert not (data_dir / "pgdata" / "postmaster.pid").exists()
        assert embedded.stop(data_dir) is False
    finally:
        embedded.stop(data_dir)
        shutil.rmtree(data_dir, ignore_errors=True)


def test_start_after_stop_in_the_same_process_starts_again():
    data_dir = Path(tempfile.mkdtemp(prefix="tutorassist-embedded-"))
    try:
        embedded.start(data_dir)
        embedded.stop(data_dir)
        url = embedded.start(data_dir)
        with psycopg.connect(url) as conn:
            assert conn.execute("SELECT 1").fetchone()[0] == 1
    finally:
        embedded.stop(data_dir)
        shutil.rmtree(data_dir, ignore_errors=True)
