"""Question generators behind one interface: `offline` (templates, the default, no key) and `openai` (any
OpenAI-compatible endpoint through the official SDK).

A call returns a `CallResult`: the raw candidates (dicts, validated later by the pipeline, so a malformed one is
rejected and counted, not fatal), the model, token counts, cost and duration. A failed call raises:

* `ProviderBusy` (429 with its Retry-After, 5xx, timeout, connection refused): transient, the job retries later;
* `ProviderRefused` (401, 403, 400, 404, ...): a configuration or request problem no retry fixes; the job fails with
  the provider's message.

Both carry the failed call's `CallResult` so its usage is logged. A model answer that is not JSON or not of the
schema is not an exception: `CallResult.malformed` says why, and the items it was for are rejected.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

OFFLINE = "offline"
OPENAI = "openai"
PROVIDERS = (OFFLINE, OPENAI)


@dataclass
class CallResult:
    model: str
    model_version: str | None = None
    candidates: list[dict[str, Any]] = field(default_factory=list)
    tokens_input: int = 0
    tokens_output: int = 0
    cost_usd: Decimal = Decimal(0)
    pricing: str = "list"
    duration_ms: int = 0
    temperature: float = 0.0
    prompt_version: str = ""
    malformed: str | None = None  # why the model's answer could not be read as candidates
    error: str | None = None  # why the call failed (set on the results carried by exceptions)

    @property
    def success(self) -> bool:
        return self.error is None and self.malformed is None

    def usage_metadata(self) -> dict[str, Any]:
        meta: dict[str, Any] = {"prompt_version": self.prompt_version, "temperature": self.temperature,
                                "pricing": self.pricing}
        if self.model_version:
            meta["model_version"] = self.model_version
        return meta


class ProviderError(Exception):
    def __init__(self, message: str, result: CallResult) -> None:
        super().__init__(message)
        self.result = result


class ProviderBusy(ProviderError):
    """Transient: try again after `retry_after` seconds."""

    def __init__(self, message: str, result: CallResult, retry_after: float) -> None:
        super().__init__(message, result)
        self.retry_after = retry_after


class ProviderRefused(ProviderError):
    """Permanent: the provider refused the request (credentials, model, request shape)."""
