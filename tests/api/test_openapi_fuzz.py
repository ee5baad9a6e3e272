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
import re
import subprocess
import sys
from pathlib import Path

HOOKS = Path(__file__).with_name("openapi_exclusions.py")
SCHEMATHESIS = Path(sys.executable).with_name("schemathesis")
# Seconds per role for examples and coverage, for fuzzing, and for stateful scenarios. A student is refused most
# operations at the role check, so fewer seconds reach as far.
SECONDS_FOR_CASES = {"tutor": 32, "student": 28}
SECONDS_FOR_FUZZING = {"tutor": 20, "student": 15}
SECONDS_FOR_SCENARIOS = {"tutor": 15, "student": 10}

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


SEED = "20261129"


def run_schemathesis(api_url: str, token: str, config: Path, phases: str, seconds: int) -> str:
    """Schemathesis's output; fails the test unless every check passed."""
    exclusions = [arg for path in sorted(EXCLUDED_PATHS) for arg in ("--exclude-path", path)]
    command = [
        str(SCHEMATHESIS), "--config-file", str(config), "--no-color", "run", f"{api_url}/openapi.json",
        "--checks", "all", "--exclude-checks", "positive_data_acceptance",
        "--phases", phases, "--max-time", str(seconds), "--max-examples", "5", "--workers", "1",
        # A fixed seed: CI replays the same generated requests (the time limit may cut the sequence shorter).
        "--seed", SEED,
        "--header", f"Authorization: Bearer {token}", *exclusions,
    ]
    env = os.environ | {"SCHEMATHESIS_HOOKS": str(HOOKS)}
    # In the test's own directory: schemathesis keeps a cache there and first replays the failures it stored.
    result = subprocess.run(command, capture_output=True, text=True, env=env, timeout=seconds * 3, cwd=config.parent)
    output = result.stdout + result.stderr
    assert result.returncode == 0, output[-20000:]
    return output


def test_every_check_every_phase_finds_no_failure_as_a_tutor(api_url, practice, tmp_path):
    fuzz_as("tutor", api_url, practice, tmp_path)


def fuzz_as(role: str, api_url: str, practice, tmp_path) -> None:
    """Every schemathesis phase as this member of the practice workspace (the student's run is
    test_openapi_fuzz_student.py: in a file of its own, so the two runs can go to different test processes)."""
    token = getattr(practice, role).session["token"]
    config = _config(tmp_path / "schemathesis.toml", practice.workspace_id, practice.student_profile_id)
    # Fuzzing and stateful testing get budgets of their own: with 100+ operations the coverage phase alone would
    # spend a shared one on this machine, and the later phases would never run.
    output = run_schemathesis(api_url, token, config, "examples,coverage", SECONDS_FOR_CASES[role])
    assert re.search(r"Coverage \(in [0-9.]+s\)\s+✅\s+[1-9]", output), f"Coverage tested nothing:\n{output[-3000:]}"
    output = run_schemathesis(api_url, token, config, "fuzzing", SECONDS_FOR_FUZZING[role])
    assert re.search(r"Fuzzing \(in [0-9.]+s\)\s+✅\s+[1-9]", output), f"Fuzzing tested nothing:\n{output[-3000:]}"
    output = run_schemathesis(api_url, token, config, "stateful", SECONDS_FOR_SCENARIOS[role])
    scenarios = re.search(r"Scenarios:\s+([0-9]+)", output)
    assert scenarios and int(scenarios.group(1)) > 0, f"no stateful scenario ran:\n{output[-3000:]}"


def test_openapi_document_is_valid(client):
    from openapi_spec_validator import validate

    document = client.get("/openapi.json").json()
    validate(document)
    assert "/workspaces/{workspace_id}/students" in document["paths"]
