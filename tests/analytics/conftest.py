"""The API served on loopback with its people (tests/api/conftest.py), for the analytics endpoints."""

from tests.api.conftest import api_url, client, people, practice  # noqa: F401
