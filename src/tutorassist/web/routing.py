"""Routes of pages: every failure answers HTML (never problem+json, never a traceback), and a visitor who must sign
in is sent to the sign-in page with the page they wanted."""

from __future__ import annotations

import logging
from collections.abc import Callable
from urllib.parse import quote, urlsplit

from fastapi import APIRouter, Request
from fastapi.exceptions import RequestValidationError
from fastapi.routing import APIRoute
from sqlalchemy.exc import DBAPIError
from sqlalchemy.exc import TimeoutError as PoolTimeoutError
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.responses import RedirectResponse, Response

from tutorassist.kit import problems
from tutorassist.kit.problems import Problem
from tutorassist.web.templating import render

log = logging.getLogger("tutorassist.web")
TITLES = {400: "Bad request", 401: "Sign in", 403: "Not for you", 404: "Not found", 409: "Conflict",
          422: "Not accepted", 429: "Too many attempts", 500: "Something went wrong", 503: "Unavailable"}


def is_htmx(request: Request) -> bool:
    return request.headers.get("hx-request") == "true"


def sign_in_redirect(request: Request) -> Response:
    if is_htmx(request):
        target = urlsplit(request.headers.get("hx-current-url", "/")).path or "/"
    elif request.method == "GET":
        target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    else:
        target = "/"
    location = "/signin?next=" + quote(target, safe="/")
    if is_htmx(request):
        return Response(status_code=204, headers={"HX-Redirect": location})
    return RedirectResponse(location, status_code=303)


def error_page(request: Request, status: int, detail: str | None, title: str | None = None) -> Response:
    template = "_error_fragment.html" if is_htmx(request) else "error.html"
    response = render(request, template, status_code=status, status=status,
                      title=title or TITLES.get(status, "Error"), detail=detail)
    if is_htmx(request):  # htmx swaps only 2xx by default: put the message where the page shows errors
        response.headers["HX-Retarget"] = "#flash"
        response.headers["HX-Reswap"] = "innerHTML"
    return response


def _validation_status(exc: RequestValidationError) -> tuple[int, str]:
    errors = exc.errors()
    if any(e["loc"] and e["loc"][0] == "path" for e in errors):
        return 404, "no such page"
    return 422, "; ".join(f"{'.'.join(str(p) for p in e['loc'][1:]) or 'request'}: {e['msg']}" for e in errors)


class PageRoute(APIRoute):
    """An APIRoute whose failures become HTML pages (or htmx fragments)."""

    def get_route_handler(self) -> Callable:
        handler = super().get_route_handler()

        async def page_handler(request: Request) -> Response:
            try:
                return await handler(request)
            except Problem as exc:
                if exc.status == 401:
                    return sign_in_redirect(request)
                return error_page(request, exc.status, exc.detail or exc.title)
            except RequestValidationError as exc:
                return error_page(request, *_validation_status(exc))
            except StarletteHTTPException as exc:
                return error_page(request, exc.status_code, str(exc.detail))
            except DBAPIError as exc:
                status, title, detail = problems.describe_database_error(exc)
                return error_page(request, status, detail)
            except PoolTimeoutError:
                return error_page(request, *problems.UNAVAILABLE[::2])
            except Exception as exc:
                if problems.database_unavailable(exc):
                    return error_page(request, *problems.UNAVAILABLE[::2])
                log.exception("unexpected error on a page", exc_info=exc)
                return error_page(request, 500, "the request failed and changed nothing")

        return page_handler


def page_router() -> APIRouter:
    """The router of one area of pages: HTML failures, left out of the API's OpenAPI document."""
    return APIRouter(route_class=PageRoute, include_in_schema=False)
