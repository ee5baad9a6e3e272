"""Fixtures of the AI tests: the loopback provider, a workspace with a topic and material, engines (fake_provider.py),
and the API served on loopback with its people (tests/api/conftest.py)."""

from tests.ai.fake_provider import engines, fake, world  # noqa: F401
from tests.api.conftest import api_url, client, people, practice  # noqa: F401
