"""HTTP routes of jobs: follow, cancel and retry the background work of a workspace (staff)."""

from __future__ import annotations

from uuid import UUID

from fastapi import APIRouter, Query

from tutorassist.api.context import Context
from tutorassist.jobs import schemas, service
from tutorassist.kit.pagination import DEFAULT_LIMIT, MAX_LIMIT, Page

router = APIRouter(tags=["jobs"])

_BASE = "/workspaces/{workspace_id}/jobs"


@router.get(_BASE, response_model=Page[schemas.JobOut])
def list_jobs(workspace_id: UUID, ctx: Context, status: schemas.Status | None = None,
              type: str | None = Query(None, pattern=r"^[A-Z][A-Z0-9_]{2,63}$", description="e.g. GENERATE_QUESTIONS"),
              limit: int = Query(DEFAULT_LIMIT, ge=1, le=MAX_LIMIT), cursor: str | None = Query(None, max_length=500)):
    """The workspace's jobs, newest first (staff)."""
    return service.list_jobs(ctx, workspace_id, status, type, limit, cursor)


@router.get(_BASE + "/{job_id}", response_model=schemas.JobOut)
def get_job(workspace_id: UUID, job_id: UUID, ctx: Context):
    """One job: status, progress, result or error, cost (staff). Poll it to follow a job."""
    return service.get_job(ctx, workspace_id, job_id)


@router.post(_BASE + "/{job_id}/cancel", response_model=schemas.JobAction,
             responses={409: {"description": "The job has already ended"}})
def cancel_job(workspace_id: UUID, job_id: UUID, ctx: Context):
    """Cancel a queued job at once, or ask a running one to stop between two units of work; what it already made
    (e.g. questions stored) stays (staff)."""
    return service.act(ctx, workspace_id, job_id, "cancel")


@router.post(_BASE + "/{job_id}/retry", response_model=schemas.JobAction,
             responses={409: {"description": "The job is not failed or cancelled"}})
def retry_job(workspace_id: UUID, job_id: UUID, ctx: Context):
    """Run a failed or cancelled job again from the start; work it already finished is not repeated (staff)."""
    return service.act(ctx, workspace_id, job_id, "retry")
