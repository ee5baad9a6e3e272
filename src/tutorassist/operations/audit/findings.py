"""What the audit reports: findings with a level, and the exit code the worst of them gives."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from enum import IntEnum
from typing import Any


class Level(IntEnum):
    """How bad a finding is; the order is the exit code's order."""

    INFO = 0
    WARNING = 1
    ERROR = 2

    @property
    def label(self) -> str:
        return self.name.lower()


@dataclass(frozen=True)
class Finding:
    """One problem (or fact worth knowing) the audit found.

    `key` is stable between runs (no counts, no timestamps, no oids): suppressions name it.
    """

    level: Level
    category: str
    object: str
    detail: str
    remediation: str
    key: str

    def as_json(self) -> dict[str, Any]:
        data = asdict(self)
        data["level"] = self.level.label
        return data


def exit_code(findings: list[Finding]) -> int:
    """0 without findings or with info only, 1 when the worst is a warning, 2 when it is an error."""
    return max((int(finding.level) for finding in findings), default=0)
