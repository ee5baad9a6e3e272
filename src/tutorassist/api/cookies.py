"""The browser's session cookies: set at sign-in and sign-up (API and pages alike), cleared at sign-out."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response

from tutorassist.api.clients import came_over_https
from tutorassist.api.context import SESSION_COOKIE
from tutorassist.api.csrf import CSRF_COOKIE, csrf_token_for
from tutorassist.identity import schemas


def set_session_cookies(request: Request, response: Response, session: schemas.SessionOut) -> schemas.SessionOut:
    """Browsers get the session only as an HttpOnly cookie (never in a body, where scripts could read it) and a
    readable CSRF cookie; returns the session as a browser may see it."""
    secure = came_over_https(request)
    csrf = csrf_token_for(session.token)
    response.set_cookie(SESSION_COOKIE, session.token, httponly=True, samesite="lax", secure=secure,
                        expires=session.expires_at)
    response.set_cookie(CSRF_COOKIE, csrf, httponly=False, samesite="lax", secure=secure, expires=session.expires_at)
    return session.model_copy(update={"token": None, "csrf_token": csrf})


def clear_session_cookies(response: Response) -> None:
    response.delete_cookie(SESSION_COOKIE, httponly=True, samesite="lax")
    response.delete_cookie(CSRF_COOKIE, samesite="lax")
