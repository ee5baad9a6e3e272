"""`tutorassist db audit` as a user runs it: text and JSON, suppressions, the exit code by level, clean failures."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from tests.operations.conftest import REPO
from tutorassist.db.connection import connect


def audit(*args: str, url: str, cwd=None) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"} | {"DATABASE_URL": url, "COLUMNS": "200"}
    return subprocess.run([sys.executable, "-m", "tutorassist.cli.main", "db", "audit", *args], capture_output=True,
                          text=True, env=env, timeout=180, cwd=cwd)


def test_healthy_then_warning_then_error_and_suppressed(db_url, tmp_path):
    healthy = audit("--format", "json", url=db_url, cwd=REPO)
    assert healthy.returncode == 0, healthy.stderr
    body = json.loads(healthy.stdout)
    assert body["exit_code"] == 0 and body["counts"]["error"] == body["counts"]["warning"] == 0
    assert body["counts"]["info"] == len(body["findings"]) > 0

    with connect(db_url, autocommit=True) as conn:
        conn.execute("CREATE TABLE audit_fault_log (line text)")
    warned = audit(url=db_url, cwd=REPO)
    assert warned.returncode == 1, warned.stdout + warned.stderr
    assert "key: no_primary_key:public.audit_fault_log" in warned.stdout
    assert "0 error(s), 1 warning(s)" in warned.stdout

    (tmp_path / "db-audit-suppressions.toml").write_text((REPO / "db-audit-suppressions.toml").read_text() +
        '\n[[suppress]]\nkey = "no_primary_key:public.audit_fault_log"\nreason = "a scratch log table of this test"\n'
        '[[suppress]]\nkey = "rls_not_forced:public.gone"\nreason = "stale entry"\n')
    suppressed = audit("--format", "json", url=db_url, cwd=tmp_path)
    assert suppressed.returncode == 0, suppressed.stdout
    body = json.loads(suppressed.stdout)
    assert "no_primary_key:public.audit_fault_log" in [f["key"] for f in body["suppressed"]]
    assert {"key": "unused_suppression:rls_not_forced:public.gone", "level": "info"}.items() <= next(
        f for f in body["findings"] if f["key"].startswith("unused_suppression:")).items()

    with connect(db_url, autocommit=True) as conn:
        conn.execute("ALTER TABLE attempts NO FORCE ROW LEVEL SECURITY")
    failed = audit("--suppressions", str(tmp_path / "db-audit-suppressions.toml"), url=db_url)
    assert failed.returncode == 2
    assert "key: rls_not_forced:public.attempts" in failed.stdout and "1 error(s), 0 warning(s)" in failed.stdout


def test_verbose_lists_info_findings(db_url):
    short, verbose = audit(url=db_url, cwd=REPO), audit("--verbose", url=db_url, cwd=REPO)
    assert short.returncode == verbose.returncode == 0
    assert "unused_index: " in short.stdout and "key: unused_index:" not in short.stdout
    assert "key: unused_index:" in verbose.stdout


@pytest.mark.parametrize(("args", "url", "message"), [
    (("--suppressions", "{bad}"), None, "suppression #1 must have exactly the keys"),
    ((), "postgresql://nobody@/nodb?host=/nonexistent", "cannot connect to the database"),
    ((), "mysql://localhost/x", "DATABASE_URL must be a postgresql:// URL"),
    (("--format", "yaml"), None, "Invalid value for '--format'"),
])
def test_bad_input_fails_cleanly(db_url, tmp_path, args, url, message):
    bad = tmp_path / "bad.toml"
    bad.write_text('[[suppress]]\nkey = "x:y"\n')
    result = audit(*(a.format(bad=bad) for a in args), url=url or db_url, cwd=tmp_path)
    assert result.returncode in (2, 3) and message in result.stderr
    assert result.returncode == (2 if "--format" in args else 3)
    assert "Traceback" not in result.stderr and result.stdout == ""

