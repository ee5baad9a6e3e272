"""Assertions shared by the API tests."""

from __future__ import annotations

import httpx

PROBLEM = "application/problem+json"


def problem(response: httpx.Response, status: int) -> dict:
    """The response is a problem+json document with this status; returns its body."""
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith(PROBLEM)
    body = response.json()
    assert body["status"] == status and body["title"]
    return body


def fields(body: dict) -> set[str]:
    """The fields a validation problem names."""
    return {e["field"] for e in body.get("errors", [])}
