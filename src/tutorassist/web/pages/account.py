"""Signing up (through an invite link or not), accepting an invite while signed in, and the user's own account:
their sign-in sessions (ending the ones on other devices) and their workspaces."""

from __future__ import annotations

from datetime import datetime, timezone
from urllib.parse import quote
from uuid import UUID

from fastapi import Request
from sqlalchemy.exc import DBAPIError
from starlette.responses import RedirectResponse, Response

from tutorassist.api.context import request_context
from tutorassist.api.cookies import set_session_cookies
from tutorassist.identity import schemas, service
from tutorassist.kit import problems
from tutorassist.kit.problems import Problem
from tutorassist.web.context import SignedIn, signed_in
from tutorassist.web.forms import Form, FormInput, parse, refuse
from tutorassist.web.pages.auth import anonymous_csrf
from tutorassist.web.routing import page_router
from tutorassist.web.templating import render

router = page_router()

BAD_INVITE = ("This invite link cannot be used: it may have expired, been used already, or been replaced by a newer "
              "link. Ask your tutor for a new one.")
MAX_TOKEN = 200  # SignUp.invite_token's limit: longer is never a token we issued


def _refusal(exc: DBAPIError) -> Problem:
    """A database refusal (the invite rules live in app.accept_invite and app.sign_up) as the Problem it means."""
    status, title, detail = problems.describe_database_error(exc)
    if status >= 500:
        raise exc
    return Problem(status, title, BAD_INVITE if status in (404, 410) else detail)


def _preview(request: Request, token: str | None) -> tuple[schemas.InvitePreview | None, str | None]:
    """The invite behind the token and None, or None and why it cannot be used."""
    if not token:
        return None, None
    if len(token) > MAX_TOKEN:
        return None, BAD_INVITE
    try:
        return service.preview_invite(request_context(request), token), None
    except Problem:
        return None, BAD_INVITE


def _signup_page(request: Request, form: Form, token: str | None, status: int = 200) -> Response:
    invite, invite_error = _preview(request, token)
    if invite is not None:
        form.values["email"] = invite.email  # the invite is for this address; the database checks it again
    if invite_error and status == 200:
        status = 404
    return render(request, "account/signup.html", status, page=None, form=form, invite=invite,
                  invite_error=invite_error, token=token or "", anonymous_csrf=anonymous_csrf(request), title="Create an account",
                  signin_next=f"/invite/{quote(token, safe='')}" if token else "/")


@router.get("/signup")
def sign_up_form(request: Request, invite: str | None = None) -> Response:
    return _signup_page(request, Form(), invite)


@router.post("/signup")
def sign_up(request: Request, form: FormInput) -> Response:
    token = form.values.get("invite_token") or None
    body = parse(schemas.SignUp, form, client="browser")
    status = 422
    if body is not None:
        try:
            session = service.sign_up(request_context(request), body)
        except Problem as problem:
            refuse(form, problem)
            status = problem.status
        except DBAPIError as exc:
            problem = _refusal(exc)
            if problem.detail and "account with this email" in problem.detail:
                form.errors["email"] = problem.detail
            else:
                refuse(form, problem)
            status = problem.status
        else:
            target = f"/w/{session.workspace_id}" if session.workspace_id else "/w"
            response = RedirectResponse(target, status_code=303)
            set_session_cookies(request, response, session)
            return response
    form.values.pop("password", None)  # never echoed back
    return _signup_page(request, form, token if isinstance(token, str) else None, status)


@router.get("/invite/{token}")
def invite(request: Request, token: str) -> Response:
    """Signed in: a page to join the invite's workspace; otherwise the sign-up form for the invite."""
    try:
        page = signed_in(request)
    except Problem:  # no session, or an ended one
        return RedirectResponse(f"/signup?invite={quote(token, safe='')}", status_code=303)
    preview, invite_error = _preview(request, token)
    if preview is None:
        raise Problem(404, "Not found", invite_error)
    return render(request, "account/accept.html", page=page, invite=preview, token=token, form=Form(),
                  title="Join workspace")


@router.post("/invite/{token}")
def accept_invite(request: Request, token: str, page: SignedIn) -> Response:
    if len(token) > MAX_TOKEN:
        raise Problem(404, "Not found", BAD_INVITE)
    try:
        membership = service.accept_invite(page.ctx, token)
    except DBAPIError as exc:
        problem = _refusal(exc)
        preview, _ = _preview(request, token)
        form = refuse(Form(), problem)
        return render(request, "account/accept.html", problem.status, invite=preview, token=token, form=form,
                      title="Join workspace")
    return RedirectResponse(f"/w/{membership.workspace_id}", status_code=303)


@router.get("/account")
def account(request: Request, page: SignedIn) -> Response:
    now = datetime.now(timezone.utc)
    sessions = [s for s in service.list_sessions(page.ctx) if s.revoked_at is None and s.expires_at > now]
    return render(request, "account/account.html", sessions=sessions, title="Your account")


@router.post("/account/sessions/{session_id}/revoke")
def revoke_session(request: Request, session_id: UUID, page: SignedIn) -> Response:
    service.revoke_session(page.ctx, session_id)
    return RedirectResponse("/account", status_code=303)
