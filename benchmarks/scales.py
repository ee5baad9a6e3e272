"""The three scales. L is the yardstick of issue 7 (500 workspaces, 10K students, 100K questions, 10M attempts)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Scale:
    name: str
    workspaces: int
    students: int
    questions: int
    attempts: int
    # Workspace sizes fall off as 1/(rank + SKEW_OFFSET): at L the largest holds about 2.7% of everything (~270K
    # attempts), like the busiest tutoring business among many small ones.
    assignments_per_student: int = 12
    items_per_assignment: int = 8

    @property
    def database(self) -> str:
        return f"tutorassist_bench_{self.name.lower()}"


SKEW_OFFSET = 9

SCALES: dict[str, Scale] = {
    "S": Scale("S", workspaces=4, students=40, questions=400, attempts=8_000, assignments_per_student=4),
    "M": Scale("M", workspaces=50, students=1_000, questions=10_000, attempts=1_000_000),
    "L": Scale("L", workspaces=500, students=10_000, questions=100_000, attempts=10_000_000),
}


def workspace_shares(count: int) -> list[float]:
    """The fraction of students, questions and attempts each workspace gets, largest first (sums to 1)."""
    weights = [1.0 / (rank + SKEW_OFFSET) for rank in range(count)]
    total = sum(weights)
    return [w / total for w in weights]
