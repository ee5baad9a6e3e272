"""The API fixtures (uvicorn on loopback, signed-up people) for the analytics tests."""

from tests.api.conftest import api_url, client, people, practice  # noqa: F401
