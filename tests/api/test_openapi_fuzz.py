"""The OpenAPI schema is valid, and schemathesis-generated requests (bounded) never make the server fail."""

from __future__ import annotations

import schemathesis
from hypothesis import HealthCheck, given, settings

from tests.api.conftest import Person


def test_generated_requests_never_fail_the_server(api_url):
    """Every operation, 10 generated requests each, signed in as a tutor with a workspace and a student."""
    tutor = Person(api_url, "Fuzz")
    workspace = tutor.http.post("/workspaces", json={"name": "Fuzz"}).json()["id"]
    tutor.http.post(f"/workspaces/{workspace}/students", json={"name": "Target"})
    auth = {"Authorization": f"Bearer {tutor.session['token']}"}
    schema = schemathesis.openapi.from_url(f"{api_url}/openapi.json")
    failures: list[str] = []
    operations = 0
    for result in schema.get_all_operations():
        operation = result.ok()
        operations += 1

        @settings(max_examples=10, deadline=None, database=None, suppress_health_check=list(HealthCheck))
        @given(case=operation.as_strategy())
        def exercise(case) -> None:
            if "signout" in case.path or case.method.upper() == "DELETE" and "sessions" in case.path:
                return  # would end the fuzzing session itself
            response = case.call(base_url=api_url, headers=auth)
            content_type = response.headers.get("content-type") or [""]
            content_type = content_type[0] if isinstance(content_type, list) else content_type
            if response.status_code >= 500 or (
                response.status_code >= 400 and not content_type.startswith("application/problem+json")
            ):
                failures.append(f"{case.method} {case.formatted_path}: {response.status_code} {response.text[:200]}")

        exercise()
    assert operations >= 15
    assert failures == []


def test_openapi_document_is_valid(client):
    from openapi_spec_validator import validate

    document = client.get("/openapi.json").json()
    validate(document)
    assert "/workspaces/{workspace_id}/students" in document["paths"]
