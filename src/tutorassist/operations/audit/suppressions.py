"""Suppressions: findings a team has looked at and accepted, by stable key, each with its reason, in a committed
TOML file. A suppression that matches no finding is itself reported (info), so the file cannot rot."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from pathlib import Path

from tutorassist.operations.audit.findings import Finding, Level

DEFAULT_FILE = "db-audit-suppressions.toml"


class SuppressionError(ValueError):
    """The suppressions file cannot be read or an entry is malformed; the message names the entry."""


@dataclass(frozen=True)
class Suppression:
    key: str
    reason: str


def load(path: Path) -> list[Suppression]:
    """The `[[suppress]]` entries of a TOML file (a missing file means none)."""
    if not path.exists():
        return []
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise SuppressionError(f"{path}: not valid TOML: {exc}") from None
    unknown = set(data) - {"suppress"}
    if unknown:
        raise SuppressionError(f"{path}: unknown top-level key(s) {', '.join(sorted(unknown))}; expected [[suppress]]")
    entries = data.get("suppress", [])
    if not isinstance(entries, list):
        raise SuppressionError(f"{path}: 'suppress' must be an array of tables ([[suppress]])")
    result: list[Suppression] = []
    seen: set[str] = set()
    for number, entry in enumerate(entries, start=1):
        where = f"{path}: suppression #{number}"
        if not isinstance(entry, dict) or set(entry) != {"key", "reason"}:
            raise SuppressionError(f"{where} must have exactly the keys 'key' and 'reason'")
        key, reason = entry["key"], entry["reason"]
        if not isinstance(key, str) or not key.strip():
            raise SuppressionError(f"{where}: 'key' must be a non-empty string")
        if not isinstance(reason, str) or not reason.strip():
            raise SuppressionError(f"{where} ({key}): 'reason' must say why the finding is accepted")
        if key in seen:
            raise SuppressionError(f"{where}: key {key!r} is suppressed twice")
        seen.add(key)
        result.append(Suppression(key.strip(), reason.strip()))
    return result


def apply(findings: list[Finding], suppressions: list[Suppression]) -> tuple[list[Finding], list[Finding]]:
    """(findings still reported, findings suppressed); unmatched suppressions are added to the first as info."""
    by_key = {s.key: s for s in suppressions}
    kept = [f for f in findings if f.key not in by_key]
    suppressed = [f for f in findings if f.key in by_key]
    matched = {f.key for f in suppressed}
    for s in suppressions:
        if s.key not in matched:
            kept.append(Finding(
                Level.INFO, "suppressions", s.key,
                f"the suppression of {s.key} matches no finding (reason given: {s.reason})",
                f"remove the entry for {s.key} from the suppressions file",
                f"unused_suppression:{s.key}"))
    return kept, suppressed
