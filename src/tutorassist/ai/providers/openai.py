"""Any OpenAI-compatible endpoint, through the official `openai` SDK: chat completions with structured output for
synchronous generation, and the Batch API (JSONL upload, batch creation, polling, result download).

The SDK's own retries are off (`max_retries=0`): a retry is the job's business (RetryLater honours Retry-After), and
every call the provider saw must be logged once.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass
from typing import Any

import openai

from tutorassist.ai.pricing import call_cost
from tutorassist.ai.prompts import PROMPT_VERSION, TopicContext, messages, response_format
from tutorassist.ai.providers import CallResult, ProviderBusy, ProviderRefused
from tutorassist.config import Settings, get_settings

DEFAULT_RETRY_SECONDS = 30.0
BATCH_ENDPOINT = "/v1/chat/completions"


def client(settings: Settings | None = None) -> openai.OpenAI:
    settings = settings or get_settings()
    return openai.OpenAI(base_url=settings.ai_base_url, api_key=settings.ai_api_key or "not-set",
                         timeout=settings.ai_timeout, max_retries=0)


def request_body(settings: Settings, topic: TopicContext, difficulties: list[int]) -> dict[str, Any]:
    return {"model": settings.ai_model, "temperature": settings.ai_temperature,
            "messages": messages(topic, difficulties), "response_format": response_format()}


def read_completion(body: dict[str, Any], result: CallResult) -> CallResult:
    """Fill `result` from a chat completion (a response or a batch output line's body): usage, model, candidates
    or why they could not be read."""
    usage = body.get("usage") or {}
    result.tokens_input = int(usage.get("prompt_tokens") or 0)
    result.tokens_output = int(usage.get("completion_tokens") or 0)
    if body.get("model") and body["model"] != result.model:
        result.model_version = body["model"]
    try:
        content = body["choices"][0]["message"]["content"]
    except (KeyError, IndexError, TypeError):
        result.malformed = "the response has no message content"
        return result
    # Only the envelope is checked here: each candidate is auto-fixed and validated by the pipeline, so one bad
    # question rejects that item, not the whole call.
    try:
        answer = json.loads(content)
    except (TypeError, ValueError) as exc:
        result.malformed = f"the model's answer is not JSON: {exc}"[:500]
        return result
    if not isinstance(answer, dict) or not isinstance(answer.get("questions"), list):
        result.malformed = "the model's answer is not of the schema: no list of questions"
        return result
    result.candidates = answer["questions"]
    return result


def _priced(result: CallResult, *, batch: bool = False) -> CallResult:
    price = call_cost(result.model, result.tokens_input, result.tokens_output, batch=batch)
    result.cost_usd, result.pricing = price.usd, price.source
    return result


def _retry_after(exc: openai.APIStatusError) -> float:
    value = exc.response.headers.get("retry-after")
    try:
        return max(float(value), 1.0) if value is not None else DEFAULT_RETRY_SECONDS
    except ValueError:
        return DEFAULT_RETRY_SECONDS


def _failure(exc: Exception, result: CallResult) -> Exception:
    """The provider's failure as ProviderBusy (retry) or ProviderRefused (fail the job), carrying the logged call."""
    if isinstance(exc, openai.APITimeoutError):
        result.error = "the provider did not answer in time"
        return ProviderBusy(result.error, result, DEFAULT_RETRY_SECONDS)
    if isinstance(exc, openai.APIConnectionError):
        result.error = f"the provider could not be reached: {exc}"
        return ProviderBusy(result.error, result, DEFAULT_RETRY_SECONDS)
    if isinstance(exc, openai.APIStatusError):
        body = exc.body if isinstance(exc.body, dict) else {}
        said = body.get("message") or (body.get("error") or {}).get("message") if body else None
        message = f"provider answered {exc.status_code}: {said or exc.response.reason_phrase or 'no reason given'}"[:500]
        result.error = message
        if exc.status_code == 429 or exc.status_code >= 500:
            return ProviderBusy(message, result, _retry_after(exc))
        return ProviderRefused(message, result)
    result.error = f"provider call failed: {exc}"[:500]
    return ProviderBusy(result.error, result, DEFAULT_RETRY_SECONDS)


def generate(topic: TopicContext, difficulties: list[int], settings: Settings | None = None) -> CallResult:
    settings = settings or get_settings()
    result = CallResult(model=settings.ai_model, temperature=settings.ai_temperature, prompt_version=PROMPT_VERSION)
    started = time.perf_counter()
    try:
        response = client(settings).chat.completions.create(**request_body(settings, topic, difficulties))
    except openai.OpenAIError as exc:
        result.duration_ms = int((time.perf_counter() - started) * 1000)
        raise _failure(exc, result) from exc
    result.duration_ms = int((time.perf_counter() - started) * 1000)
    return _priced(read_completion(response.model_dump(mode="json"), result))


# ---------------------------------------------------------------- Batch API
@dataclass(frozen=True)
class BatchState:
    id: str
    status: str  # validating | in_progress | finalizing | completed | failed | expired | cancelling | cancelled
    output_file_id: str | None
    error_file_id: str | None

    @property
    def finished(self) -> bool:
        return self.status in ("completed", "failed", "expired", "cancelled")


def _state(batch: Any) -> BatchState:
    return BatchState(batch.id, batch.status, batch.output_file_id, batch.error_file_id)


def _call(settings: Settings | None, fn, *args, **kwargs):  # noqa: ANN001, ANN202 - SDK calls of several shapes
    try:
        return fn(*args, **kwargs)
    except openai.OpenAIError as exc:
        raise _failure(exc, CallResult(model=(settings or get_settings()).ai_model)) from exc


def find_batch(job_id: str, settings: Settings | None = None) -> BatchState | None:
    """A batch this job already submitted (metadata.tutorassist_job_id), so a worker that died between creating the
    batch and recording it does not submit and pay for a second one."""
    for batch in _call(settings, client(settings).batches.list, limit=100):
        if (batch.metadata or {}).get("tutorassist_job_id") == job_id:
            return _state(batch)
    return None


def submit_batch(job_id: str, lines: list[dict[str, Any]], settings: Settings | None = None) -> BatchState:
    api = client(settings)
    data = "".join(json.dumps(line) + "\n" for line in lines).encode()
    uploaded = _call(settings, api.files.create, file=(f"tutorassist-{job_id}.jsonl", data), purpose="batch")
    batch = _call(settings, api.batches.create, input_file_id=uploaded.id, endpoint=BATCH_ENDPOINT, completion_window="24h",
                  metadata={"tutorassist_job_id": job_id})
    return _state(batch)


def retrieve_batch(batch_id: str, settings: Settings | None = None) -> BatchState:
    return _state(_call(settings, client(settings).batches.retrieve, batch_id))


def download_lines(file_id: str | None, settings: Settings | None = None) -> list[dict[str, Any]]:
    if not file_id:
        return []
    text = _call(settings, client(settings).files.content, file_id).text
    lines = []
    for raw in text.splitlines():
        if raw.strip():
            try:
                lines.append(json.loads(raw))
            except ValueError:
                continue  # a line that is not JSON names no custom_id: its item is counted as not returned
    return lines


def batch_line_result(line: dict[str, Any], settings: Settings) -> CallResult:
    """One output (or error) line of a batch as a call: priced at the batch price."""
    result = CallResult(model=settings.ai_model, temperature=settings.ai_temperature, prompt_version=PROMPT_VERSION)
    response = line.get("response") or {}
    if line.get("error") or response.get("status_code", 200) >= 400:
        error = line.get("error") or (response.get("body") or {}).get("error") or {}
        result.error = f"provider refused the request: {error.get('message') or error or 'no reason given'}"[:500]
        return result
    return _priced(read_completion(response.get("body") or {}, result), batch=True)


def syllabus(program: str, grade: str, settings: Settings | None = None) -> CallResult:
    """The topic tree the model proposes; `candidates` holds the raw top-level topics (malformed: see `malformed`)."""
    from tutorassist.ai.prompts import SYLLABUS_PROMPT_VERSION, syllabus_messages, syllabus_response_format

    settings = settings or get_settings()
    result = CallResult(model=settings.ai_model, temperature=settings.ai_temperature,
                        prompt_version=SYLLABUS_PROMPT_VERSION)
    started = time.perf_counter()
    try:
        response = client(settings).chat.completions.create(
            model=settings.ai_model, temperature=settings.ai_temperature,
            messages=syllabus_messages(program, grade), response_format=syllabus_response_format())
    except openai.OpenAIError as exc:
        result.duration_ms = int((time.perf_counter() - started) * 1000)
        raise _failure(exc, result) from exc
    result.duration_ms = int((time.perf_counter() - started) * 1000)
    body = response.model_dump(mode="json")
    usage = body.get("usage") or {}
    result.tokens_input, result.tokens_output = int(usage.get("prompt_tokens") or 0), int(usage.get("completion_tokens") or 0)
    if body.get("model") and body["model"] != result.model:
        result.model_version = body["model"]
    try:
        answer = json.loads(body["choices"][0]["message"]["content"])
        result.candidates = answer["topics"] if isinstance(answer, dict) and isinstance(answer.get("topics"), list) else []
        if not result.candidates:
            result.malformed = "the model's answer is not of the schema: no list of topics"
    except (KeyError, IndexError, TypeError, ValueError) as exc:
        result.malformed = f"the model's answer is not JSON: {exc}"[:500]
    return _priced(result)
