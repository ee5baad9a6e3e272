"""Reading policy expressions as PostgreSQL prints them (pg_get_expr): calls evaluated per row, always-true quals."""

from __future__ import annotations

import re

# A helper whose value is the same for every row: app.<function>(...) and current_setting(...). Called bare in a
# policy, it runs once per row and hides its value from the planner; wrapped as `(SELECT app.f())` it is an InitPlan
# computed once per statement.
_PER_STATEMENT_CALL = re.compile(r"\b(app\.[a-z_][a-z0-9_]*|current_setting)\s*\(", re.IGNORECASE)
_WRAPPED_BEFORE = re.compile(r"\(\s*select\s+$", re.IGNORECASE)
_ALWAYS_TRUE = {"true", "1=1"}


def unwrapped_calls(expression: str | None) -> list[str]:
    """The per-statement helpers an expression calls without wrapping the call in `(SELECT ...)`, in order."""
    if not expression:
        return []
    found = []
    for match in _PER_STATEMENT_CALL.finditer(expression):
        if not _WRAPPED_BEFORE.search(expression[: match.start()]):
            found.append(match.group(1).lower())
    return found


def always_true(expression: str | None) -> bool:
    """The expression admits every row: true or 1=1, however spaced or parenthesised."""
    if expression is None:
        return False
    normalized = re.sub(r"\s+", "", expression.lower())
    # Stripping one outer pair at a time is safe: only the bare constants are compared afterwards.
    while normalized.startswith("(") and normalized.endswith(")"):
        normalized = normalized[1:-1]
    return normalized in _ALWAYS_TRUE
