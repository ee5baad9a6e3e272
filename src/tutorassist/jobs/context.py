"""What a running job can do besides its own work: act in its workspace, report progress, notice cancellation."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from uuid import UUID

from sqlalchemy import text
from sqlalchemy.engine import Connection, Engine

from tutorassist.db.connection import APP_ROLE, set_acting
from tutorassist.jobs.registry import Cancelled, JobFailed


def act_for_member(conn: Connection, user_id: UUID | None, workspace_id: UUID) -> None:
    """Make the rest of conn's transaction act as the staff member who asked for a job (RLS applies); JobFailed,
    in words, when there is nobody to act for or they are no longer owner or tutor of the workspace."""
    if user_id is None:
        raise JobFailed("the job has no member to act for (the user who asked was deleted)")
    set_acting(conn, user_id, workspace_id)
    # Students and guardians act as a role that may not even ask the question: read the role first.
    staff = conn.execute(text("SELECT current_setting('role')")).scalar() == APP_ROLE and conn.execute(
        text("SELECT app.staff_workspace()")).scalar() is not None
    if not staff:
        raise JobFailed("the member who asked for this job is no longer staff of the workspace")


@dataclass
class JobContext:
    """One run of one `jobs` row. `owner` bypasses row-level security: use it only for the job's own bookkeeping
    and for work the platform does for the workspace; work done for a member goes through `acting()`."""

    owner: Engine
    app: Engine
    workspace_id: UUID
    job_id: UUID
    user_id: UUID | None
    attempt: int
    type: str

    @contextmanager
    def acting(self) -> Iterator[Connection]:
        """A transaction acting as the staff member who asked for the job, in its workspace (RLS applies)."""
        with self.app.begin() as conn:
            act_for_member(conn, self.user_id, self.workspace_id)
            yield conn

    def progress(self, done: int, total: int | None = None, message: str | None = None) -> None:
        with self.owner.begin() as conn:
            conn.execute(
                text("UPDATE jobs SET progress_done = :done, progress_total = coalesce(:total, progress_total), "
                     "progress_message = coalesce(:message, progress_message) WHERE workspace_id = :ws AND id = :id"),
                {"done": done, "total": total, "message": message, "ws": self.workspace_id, "id": self.job_id},
            )

    def cancel_requested(self) -> bool:
        with self.owner.connect() as conn:
            return bool(conn.execute(
                text("SELECT cancel_requested_at IS NOT NULL FROM jobs WHERE workspace_id = :ws AND id = :id"),
                {"ws": self.workspace_id, "id": self.job_id},
            ).scalar())

    def stop_if_cancelled(self) -> None:
        """Call between units of work: raises Cancelled when a tutor asked to cancel the job."""
        if self.cancel_requested():
            raise Cancelled("cancelled on request")

    def set_provider_batch(self, provider_batch_id: str) -> None:
        with self.owner.begin() as conn:
            conn.execute(text("UPDATE jobs SET openai_batch_id = :b WHERE workspace_id = :ws AND id = :id"),
                         {"b": provider_batch_id, "ws": self.workspace_id, "id": self.job_id})
