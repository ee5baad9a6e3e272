"""The checks, grouped by category. A check is `fn(ctx: AuditContext) -> Iterable[Finding]` registered with
`@check("category")`; the runner calls every registered check, so a new check is one decorated function in a module
that `tutorassist.operations.audit.checks` imports."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from tutorassist.operations.audit.context import AuditContext
    from tutorassist.operations.audit.findings import Finding

CheckFn = Callable[["AuditContext"], Iterable["Finding"]]


@dataclass(frozen=True)
class Check:
    category: str
    name: str
    run: CheckFn
    description: str


_CHECKS: dict[str, Check] = {}


def check(category: str) -> Callable[[CheckFn], CheckFn]:
    """Register a check function under `category` (its name is the function's name)."""

    def register(fn: CheckFn) -> CheckFn:
        name = fn.__name__
        if name in _CHECKS and _CHECKS[name].run is not fn:
            raise ValueError(f"two audit checks are called {name}")
        _CHECKS[name] = Check(category, name, fn, (fn.__doc__ or "").strip().splitlines()[0])
        return fn

    return register


def registered() -> list[Check]:
    """Every registered check, by category then name."""
    import tutorassist.operations.audit.checks  # noqa: F401 - the import registers the checks

    return sorted(_CHECKS.values(), key=lambda c: (c.category, c.name))


def categories() -> list[str]:
    return sorted({c.category for c in registered()})
