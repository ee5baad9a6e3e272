"""The API keeps its own contract: schemathesis with every check and every phase (examples, coverage, fuzzing,
stateful), signed in as a tutor and as a student, finds no failure.

Schemathesis runs as its own process (its command line is the tool's documented interface) against the API served
on loopback by the `api_url` fixture, bounded in time. The only exclusions, each justified:
- the operations of EXCLUDED_PATHS;
- the refusals of schema-valid requests that depend on data, time or state, listed one by one in
  tests/api/openapi_exclusions.py (which replaces the built-in positive_data_acceptance check with one that lets
  exactly those through).
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

HOOKS = Path(__file__).with_name("openapi_exclusions.py")
SCHEMATHESIS = Path(sys.executable).with_name("schemathesis")
SECONDS_PER_ROLE = 70

EXCLUDED_PATHS = {
    # POST /auth/signout and DELETE /auth/sessions/{id} (their only operations) end the very session the run is
    # signed in with, after which every request is a 401; tests/api/test_identity.py covers both.
    "/auth/signout",
    "/auth/sessions/{session_id}",
}

PHASES = "examples,coverage,fuzzing,stateful"


def _config(path: Path, workspace_id: str, student_profile_id: str) -> Path:
    """Most generated requests aim at the signed-in user's real workspace and student, so that role checks, not
    404s, answer them; the rest stay random (schemathesis draws from the dictionary with this probability)."""
    path.write_text(f"""
[dictionaries.workspaces]
values = ["{workspace_id}"]

[dictionaries.students]
values = ["{student_profile_id}"]

[parameters]
"path.workspace_id" = {{ dictionary = "workspaces", probability = 0.8 }}
"path.student_id" = {{ dictionary = "students", probability = 0.5 }}
""")
    return path


def run_schemathesis(api_url: str, token: str, config: Path, report_dir: Path) -> subprocess.CompletedProcess[str]:
    exclusions = [arg for path in sorted(EXCLUDED_PATHS) for arg in ("--exclude-path", path)]
    command = [
        str(SCHEMATHESIS), "--config-file", str(config), "--no-color", "run", f"{api_url}/openapi.json",
        "--checks", "all", "--exclude-checks", "positive_data_acceptance",
        "--phases", PHASES, "--max-time", str(SECONDS_PER_ROLE), "--max-examples", "5", "--workers", "1",
        "--header", f"Authorization: Bearer {token}", "--report", "junit", "--report-dir", str(report_dir),
        *exclusions,
    ]
    env = os.environ | {"SCHEMATHESIS_HOOKS": str(HOOKS)}
    # In its own directory: schemathesis keeps a cache and replays stored failures from the working directory.
    return subprocess.run(command, capture_output=True, text=True, env=env, timeout=SECONDS_PER_ROLE * 3,
                          cwd=config.parent)


@pytest.mark.parametrize("role", ["tutor", "student"])
def test_every_check_every_phase_finds_no_failure(api_url, practice, role, tmp_path):
    person = getattr(practice, role)
    config = _config(tmp_path / "schemathesis.toml", practice.workspace_id, practice.student_profile_id)
    result = run_schemathesis(api_url, person.session["token"], config, tmp_path / "report")
    output = result.stdout + result.stderr
    for phase in ("Coverage", "Fuzzing", "Stateful"):
        assert f"{phase} (in" in output, f"the {phase} phase did not run:\n{output[-3000:]}"
    assert result.returncode == 0, output[-20000:]


def test_openapi_document_is_valid(client):
    from openapi_spec_validator import validate

    document = client.get("/openapi.json").json()
    validate(document)
    assert "/workspaces/{workspace_id}/students" in document["paths"]
