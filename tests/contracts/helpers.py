"""Assertions shared by the contract tests."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from pydantic import ValidationError


def error_report(validate: Callable[[Any], Any], value: Any) -> list[tuple[str, str]]:
    """The (dotted location, message) of every error raised by validating `value`; fails if it validates."""
    with pytest.raises(ValidationError) as info:
        validate(value)
    return [(".".join(str(part) for part in error["loc"]), error["msg"]) for error in info.value.errors()]


def assert_rejected(validate: Callable[[Any], Any], value: Any, field: str) -> None:
    """`value` is rejected and an error names `field`: its location ends with it, or its message mentions it."""
    report = error_report(validate, value)
    named = any(loc == field or loc.endswith("." + field) or field in msg for loc, msg in report)
    assert named, f"no error names {field!r}: {report}"
