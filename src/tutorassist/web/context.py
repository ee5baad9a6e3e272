"""Who is looking at a page: the signed-in user, their workspaces, and their role in the workspace of the URL.

Pages depend on `SignedIn`, `Member`, `Staff` or `Learner`. A visitor who is not signed in is sent to the sign-in page;
a workspace the user is not a member of does not exist for them (404), and a page for another role answers 403.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated
from uuid import UUID

from fastapi import Depends, Request

from tutorassist.api.context import STAFF, RequestContext, request_context
from tutorassist.api.csrf import csrf_token_for
from tutorassist.identity import schemas as identity_schemas
from tutorassist.identity import service as identity
from tutorassist.kit.problems import Problem


@dataclass
class Page:
    """The request's view of its viewer; templates read it as `page`."""

    ctx: RequestContext
    me: identity_schemas.Me
    csrf: str
    workspace: identity_schemas.Membership | None = None

    @property
    def workspace_id(self) -> UUID:
        assert self.workspace is not None
        return self.workspace.workspace_id

    @property
    def role(self) -> str | None:
        return self.workspace.role if self.workspace else None

    @property
    def is_staff(self) -> bool:
        return self.role in STAFF

    @property
    def base(self) -> str:
        """The URL prefix of the current workspace's pages."""
        return f"/w/{self.workspace_id}"


def csrf_for(ctx: RequestContext) -> str:
    return csrf_token_for(ctx.token) if ctx.token else ""


def signed_in(request: Request) -> Page:
    ctx = request_context(request)
    if not ctx.token:
        raise Problem(401, "Unauthorized", "sign in first")
    page = Page(ctx=ctx, me=identity.me(ctx), csrf=csrf_for(ctx))
    request.state.page = page
    return page


def member(workspace_id: UUID, page: Annotated[Page, Depends(signed_in)]) -> Page:
    page.workspace = next((m for m in page.me.memberships if m.workspace_id == workspace_id), None)
    if page.workspace is None:
        raise Problem(404, "Not found", "no such workspace")
    return page


def staff(page: Annotated[Page, Depends(member)]) -> Page:
    if not page.is_staff:
        raise Problem(403, "Forbidden", "this page is for the workspace's tutors")
    return page


def learner(page: Annotated[Page, Depends(member)]) -> Page:
    """A student or a guardian (their student's pages)."""
    if page.role not in ("student", "guardian"):
        raise Problem(403, "Forbidden", "this page is for students and guardians")
    return page


SignedIn = Annotated[Page, Depends(signed_in)]
Member = Annotated[Page, Depends(member)]
Staff = Annotated[Page, Depends(staff)]
Learner = Annotated[Page, Depends(learner)]
