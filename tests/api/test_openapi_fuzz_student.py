"""The OpenAPI fuzzing of test_openapi_fuzz.py as a student: a file of its own so that xdist (--dist loadfile) can run
it beside the tutor's run instead of after it (each takes about 70 s)."""

from __future__ import annotations

from tests.api.test_openapi_fuzz import fuzz_as


def test_every_check_every_phase_finds_no_failure_as_a_student(api_url, practice, tmp_path):
    fuzz_as("student", api_url, practice, tmp_path)
