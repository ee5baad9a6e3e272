"""Signing in and out, the start page, and the list of the user's workspaces."""

from __future__ import annotations

from fastapi import Request
from starlette.responses import RedirectResponse, Response

from tutorassist.api.context import request_context
from tutorassist.api.cookies import clear_session_cookies, set_session_cookies
from tutorassist.identity import schemas, service
from tutorassist.kit.problems import Problem
from tutorassist.web.context import SignedIn, csrf_for
from tutorassist.web.forms import Form, FormInput, submit
from tutorassist.web.routing import page_router
from tutorassist.web.templating import render

router = page_router()


def local_path(target: str | None, default: str = "/") -> str:
    """A redirect target of our own site only (never `//elsewhere` or `https://elsewhere`)."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return default
    return target


def anonymous_csrf(request: Request) -> str:
    """The CSRF value for a form shown to a visitor who may not be signed in: a stale session cookie still makes the
    guard check the form, so it must carry that cookie's value (empty without a cookie)."""
    return csrf_for(request_context(request))


@router.get("/")
def start(request: Request) -> Response:
    """Signed in: their only workspace, or the list; otherwise the sign-in page."""
    ctx = request_context(request)
    if not ctx.token:
        return RedirectResponse("/signin", status_code=303)
    try:
        me = service.me(ctx)
    except Problem:
        return RedirectResponse("/signin", status_code=303)
    if len(me.memberships) == 1:
        return RedirectResponse(f"/w/{me.memberships[0].workspace_id}", status_code=303)
    return RedirectResponse("/w", status_code=303)


@router.get("/signin")
def sign_in_form(request: Request, next: str | None = None) -> Response:
    return render(request, "auth/signin.html", page=None, form=Form(), next=local_path(next), title="Sign in",
                  anonymous_csrf=anonymous_csrf(request))


@router.post("/signin")
def sign_in(request: Request, form: FormInput) -> Response:
    target = local_path(form.values.pop("next", None))
    session, status = submit(form, schemas.SignIn, lambda body: service.sign_in(request_context(request), body),
                             client="browser")
    if session is not None:
        response = RedirectResponse(target, status_code=303)
        set_session_cookies(request, response, session)
        return response
    form.values.pop("password", None)  # never echoed back
    return render(request, "auth/signin.html", status, page=None, form=form, next=target, title="Sign in",
                  anonymous_csrf=anonymous_csrf(request))


@router.post("/signout")
def sign_out(request: Request) -> Response:
    ctx = request_context(request)
    if ctx.token:
        try:
            service.sign_out(ctx)
        except Problem:  # an expired session is signed out already
            pass
    response = RedirectResponse("/signin", status_code=303)
    clear_session_cookies(response)
    return response


@router.get("/w")
def workspaces(request: Request, page: SignedIn) -> Response:
    return render(request, "auth/workspaces.html", form=Form(), title="Workspaces")


@router.post("/w")
def create_workspace(request: Request, page: SignedIn, form: FormInput) -> Response:
    created, status = submit(form, schemas.WorkspaceCreate, lambda body: service.create_workspace(page.ctx, body))
    if created is not None:
        return RedirectResponse(f"/w/{created.id}", status_code=303)
    return render(request, "auth/workspaces.html", status, form=form, title="Workspaces")
