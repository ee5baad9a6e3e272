"""Job types: a name, the function that does the work, and how often it may be tried.

A domain registers its job types at import (`@job_type("GENERATE_QUESTIONS")`); the worker looks them up by the
`jobs.type` of the row it runs. A handler receives a JobContext and the row's payload and returns the result to store
in `jobs.result_json`. It must be safe to run again after a crash at any point: the worker may die mid-job and the job
is then run again from the start (see docs/jobs.md).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from tutorassist.jobs.context import JobContext

Handler = Callable[["JobContext", dict[str, Any]], "dict[str, Any] | None"]


class JobFailed(Exception):
    """The job cannot succeed (bad input, over budget, provider refused): fail now with this message, no retry."""


class RetryLater(Exception):
    """A transient failure (rate limit, timeout, provider 5xx): try again after `seconds`; counts as an attempt."""

    def __init__(self, message: str, seconds: float = 10.0) -> None:
        super().__init__(message)
        self.seconds = seconds


class Snooze(Exception):
    """Nothing is wrong, the job waits (e.g. for a provider batch): run it again after `seconds`; not an attempt."""

    def __init__(self, message: str, seconds: float = 60.0) -> None:
        super().__init__(message)
        self.seconds = seconds


class Cancelled(Exception):
    """The job saw that cancellation was requested and stopped between two units of work."""


@dataclass(frozen=True)
class JobType:
    name: str
    handler: Handler
    max_attempts: int
    description: str


_TYPES: dict[str, JobType] = {}


def job_type(name: str, *, max_attempts: int = 3, description: str = "") -> Callable[[Handler], Handler]:
    def register(handler: Handler) -> Handler:
        if name in _TYPES and _TYPES[name].handler is not handler:
            raise ValueError(f"job type {name} is registered twice")
        _TYPES[name] = JobType(name, handler, max_attempts, description or (handler.__doc__ or "").strip())
        return handler
    return register


def get(name: str) -> JobType:
    try:
        return _TYPES[name]
    except KeyError:
        raise JobFailed(f"unknown job type {name}") from None


def registered() -> dict[str, JobType]:
    return dict(_TYPES)
