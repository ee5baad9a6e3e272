"""Cross-site request forgery protection for cookie-authenticated requests (double submit, bound to the session).

At browser sign-in the server sets, beside the HttpOnly session cookie, a readable `ta_csrf` cookie whose value is
derived from the session token. A state-changing request (anything but GET, HEAD, OPTIONS) that authenticates by the
session cookie must send that value back in the `X-CSRF-Token` header or, from an HTML form, a `csrf_token` field. A
cross-site page can make the browser send the cookies but cannot read them, so it cannot send the value. Requests with
`Authorization: Bearer` are exempt: a browser never adds that header by itself.
"""

from __future__ import annotations

import hashlib
import hmac

from starlette.requests import Request

from tutorassist.api.context import SESSION_COOKIE
from tutorassist.kit.problems import Problem

CSRF_COOKIE = "ta_csrf"
CSRF_HEADER = "X-CSRF-Token"
CSRF_FIELD = "csrf_token"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
_FORMS = ("application/x-www-form-urlencoded", "multipart/form-data")


def csrf_token_for(session_token: str) -> str:
    """The value the session's requests must echo; it cannot be turned back into the session token."""
    return hashlib.sha256(b"ta-csrf:" + session_token.encode()).hexdigest()


async def csrf_guard(request: Request) -> None:
    """A dependency of every route: refuses a cookie-authenticated unsafe request without the matching token."""
    if request.method in SAFE_METHODS or request.headers.get("authorization", "").lower().startswith("bearer "):
        return
    session_token = request.cookies.get(SESSION_COOKIE)
    if not session_token:
        return
    sent = request.headers.get(CSRF_HEADER)
    if sent is None and request.headers.get("content-type", "").startswith(_FORMS):
        try:
            field = (await request.form()).get(CSRF_FIELD)
        except Exception:  # a malformed form carries no token; the route reports the body itself
            field = None
        sent = field if isinstance(field, str) else None
    if not sent or not hmac.compare_digest(sent, csrf_token_for(session_token)):
        raise Problem(403, "Forbidden", f"a request authenticated by the session cookie must send the {CSRF_COOKIE} "
                                        f"cookie's value in the {CSRF_HEADER} header (or a {CSRF_FIELD} form field)")
