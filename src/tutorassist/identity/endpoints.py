"""HTTP routes of the identity domain: parse, call one service function, shape the response."""

from __future__ import annotations

from uuid import UUID

from fastapi import APIRouter, Request, Response, status

from tutorassist.api.context import Context
from tutorassist.api.cookies import clear_session_cookies, set_session_cookies
from tutorassist.identity import schemas, service

router = APIRouter()


def _with_cookie(request: Request, response: Response, session: schemas.SessionOut, client: str) -> schemas.SessionOut:
    """Browsers get cookies (the session never in the body); API clients get the bearer token in the body."""
    return set_session_cookies(request, response, session) if client == "browser" else session


@router.post("/auth/signup", status_code=status.HTTP_201_CREATED, response_model=schemas.SessionOut, tags=["auth"])
def sign_up(body: schemas.SignUp, ctx: Context, request: Request, response: Response):
    """Create an account (optionally through an invite link addressed to its email) and sign in."""
    return _with_cookie(request, response, service.sign_up(ctx, body), body.client)


@router.post("/auth/signin", response_model=schemas.SessionOut, tags=["auth"],
             responses={401: {"description": "Wrong email or password"}, 429: {"description": "Too many failed sign-ins"}})
def sign_in(body: schemas.SignIn, ctx: Context, request: Request, response: Response):
    """Sign in with email and password: a bearer token for API clients; for browsers an HttpOnly session cookie and
    a ta_csrf cookie whose value must come back in X-CSRF-Token on state-changing requests."""
    return _with_cookie(request, response, service.sign_in(ctx, body), body.client)


@router.post("/auth/signout", status_code=status.HTTP_204_NO_CONTENT, tags=["auth"])
def sign_out(ctx: Context, response: Response) -> None:
    """End the current session."""
    service.sign_out(ctx)
    clear_session_cookies(response)


@router.get("/auth/sessions", response_model=list[schemas.AuthSessionOut], tags=["auth"])
def list_sessions(ctx: Context):
    """The signed-in user's sessions, newest first."""
    return service.list_sessions(ctx)


@router.delete("/auth/sessions/{session_id}", status_code=status.HTTP_204_NO_CONTENT, tags=["auth"])
def revoke_session(session_id: UUID, ctx: Context) -> None:
    """Revoke one of the signed-in user's sessions (sign out elsewhere)."""
    service.revoke_session(ctx, session_id)


@router.get("/me", response_model=schemas.Me, tags=["auth"])
def me(ctx: Context):
    """The signed-in user and their workspaces."""
    return service.me(ctx)


@router.post("/workspaces", status_code=status.HTTP_201_CREATED, response_model=schemas.WorkspaceOut, tags=["workspaces"])
def create_workspace(body: schemas.WorkspaceCreate, ctx: Context):
    """Create a workspace; the creator becomes its owner."""
    return service.create_workspace(ctx, body)


@router.get("/workspaces", response_model=list[schemas.WorkspaceOut], tags=["workspaces"])
def list_workspaces(ctx: Context):
    return service.list_workspaces(ctx)


@router.get("/workspaces/{workspace_id}", response_model=schemas.WorkspaceOut, tags=["workspaces"])
def get_workspace(workspace_id: UUID, ctx: Context):
    return service.get_workspace(ctx, workspace_id)


@router.patch("/workspaces/{workspace_id}", response_model=schemas.WorkspaceOut, tags=["workspaces"])
def update_workspace(workspace_id: UUID, body: schemas.WorkspaceUpdate, ctx: Context):
    """Rename, change the time zone or the workspace settings (owner only)."""
    return service.update_workspace(ctx, workspace_id, body)


@router.get("/workspaces/{workspace_id}/members", response_model=list[schemas.MemberOut], tags=["workspaces"])
def list_members(workspace_id: UUID, ctx: Context):
    return service.list_members(ctx, workspace_id)


@router.patch("/workspaces/{workspace_id}/members/{user_id}", response_model=schemas.MemberOut, tags=["workspaces"])
def update_member(workspace_id: UUID, user_id: UUID, body: schemas.MemberUpdate, ctx: Context):
    """Change a staff member's role between owner and tutor (owners only; one owner always remains)."""
    return service.update_member(ctx, workspace_id, user_id, body)


@router.delete("/workspaces/{workspace_id}/members/{user_id}", status_code=status.HTTP_204_NO_CONTENT, tags=["workspaces"])
def remove_member(workspace_id: UUID, user_id: UUID, ctx: Context) -> None:
    """Remove a member (owners), or leave the workspace yourself; the last owner cannot go."""
    service.remove_member(ctx, workspace_id, user_id)


@router.post("/workspaces/{workspace_id}/invites", status_code=status.HTTP_201_CREATED,
             response_model=schemas.InviteOut, tags=["invites"])
def issue_tutor_invite(workspace_id: UUID, body: schemas.TutorInviteCreate, ctx: Context):
    """Invite another tutor to the workspace (owners only): a single-use, expiring link."""
    return service.issue_tutor_invite(ctx, workspace_id, body)


@router.post("/workspaces/{workspace_id}/students", status_code=status.HTTP_201_CREATED,
             response_model=schemas.StudentOut, tags=["students"])
def create_student(workspace_id: UUID, body: schemas.StudentCreate, ctx: Context):
    """Add a student by name (and email) before they have an account."""
    return service.create_student(ctx, workspace_id, body)


@router.get("/workspaces/{workspace_id}/students", response_model=list[schemas.StudentOut], tags=["students"])
def list_students(workspace_id: UUID, ctx: Context, include_archived: bool = False):
    return service.list_students(ctx, workspace_id, include_archived)


@router.get("/workspaces/{workspace_id}/students/{student_id}", response_model=schemas.StudentOut, tags=["students"])
def get_student(workspace_id: UUID, student_id: UUID, ctx: Context):
    return service.get_student(ctx, workspace_id, student_id)


@router.patch("/workspaces/{workspace_id}/students/{student_id}", response_model=schemas.StudentOut, tags=["students"])
def update_student(workspace_id: UUID, student_id: UUID, body: schemas.StudentUpdate, ctx: Context):
    return service.update_student(ctx, workspace_id, student_id, body)


@router.post("/workspaces/{workspace_id}/students/{student_id}/invites", status_code=status.HTTP_201_CREATED,
             response_model=schemas.InviteOut, tags=["invites"])
def issue_invite(workspace_id: UUID, student_id: UUID, body: schemas.InviteCreate, ctx: Context):
    """A single-use, expiring invite link for the student (or a guardian); re-issuing revokes the previous one."""
    return service.issue_invite(ctx, workspace_id, student_id, body)


@router.delete("/workspaces/{workspace_id}/invites/{invite_id}", status_code=status.HTTP_204_NO_CONTENT, tags=["invites"])
def revoke_invite(workspace_id: UUID, invite_id: UUID, ctx: Context) -> None:
    service.revoke_invite(ctx, workspace_id, invite_id)


@router.get("/invites/{token}", response_model=schemas.InvitePreview, tags=["invites"])
def preview_invite(token: str, ctx: Context):
    """What an open invite link is for (no sign-in needed); a used, revoked or expired link is simply not found."""
    return service.preview_invite(ctx, token)


@router.post("/invites/{token}/accept", response_model=schemas.Membership, tags=["invites"])
def accept_invite(token: str, ctx: Context):
    """Join the workspace as the signed-in user, whose email must be the invited address (students are linked to
    their profile)."""
    return service.accept_invite(ctx, token)
