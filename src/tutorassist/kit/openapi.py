"""The OpenAPI document tells the whole truth: how to sign in, every problem+json answer each operation can give,
and a 405 that names the methods the resource does support (`Allow`).

FastAPI documents only the success response and a 422 in its own shape; the errors our services and the database
raise are invisible to it. Rather than repeat `responses=` on every route, the rules below derive them from what an
operation is: signed in or public, inside a workspace or not, with path ids, writing or reading. Routes still add
what only they know (`responses=` on the decorator: 413, 415, 429, a specific description); those stay and get the
problem+json body too.
"""

from __future__ import annotations

import re
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response

from tutorassist.kit.problems import PROBLEM_JSON, problem_response

Operation = tuple[str, str]  # (METHOD, path template)

# Answered before anyone signs in: no 401 and no security requirement.
PUBLIC: frozenset[Operation] = frozenset({
    ("POST", "/auth/signup"), ("POST", "/auth/signin"), ("GET", "/invites/{token}"), ("GET", "/healthz"),
})

# Workspace operations every member may call (what they see is narrowed, never refused): no 403.
EVERY_MEMBER: frozenset[Operation] = frozenset({
    ("GET", "/workspaces/{workspace_id}"),
    ("GET", "/workspaces/{workspace_id}/students/{student_id}"),
    ("GET", "/workspaces/{workspace_id}/students/{student_id}/mastery"),
    ("GET", "/workspaces/{workspace_id}/questions"),
    ("GET", "/workspaces/{workspace_id}/questions/{question_id}"),
    ("POST", "/workspaces/{workspace_id}/questions/{question_id}/flags"),
    ("GET", "/workspaces/{workspace_id}/me/flags"),
    ("GET", "/workspaces/{workspace_id}/me/attempts"),
    ("GET", "/workspaces/{workspace_id}/attempts/{attempt_id}"),
    ("POST", "/workspaces/{workspace_id}/answers/preview"),
    ("GET", "/workspaces/{workspace_id}/topics"),
    ("GET", "/workspaces/{workspace_id}/topics/tree"),
    ("GET", "/workspaces/{workspace_id}/topics/{topic_id}"),
    ("GET", "/workspaces/{workspace_id}/assignments"),
    ("GET", "/workspaces/{workspace_id}/assignments/{assignment_id}"),
})

# Requests with a body or method that writes, yet nothing they do can collide with existing rows: no 409.
NEVER_CONFLICTING: frozenset[Operation] = frozenset({
    ("POST", "/auth/signin"), ("POST", "/auth/signout"), ("DELETE", "/auth/sessions/{session_id}"),
    ("POST", "/workspaces/{workspace_id}/answers/preview"),
})

# Operations that redeem an invite token: app.accept_invite raises TA403 when the invite was sent to another email
# address than the account's (a used, revoked or expired link is a 404 like one that never existed).
REDEEMS_INVITE: frozenset[Operation] = frozenset({("POST", "/auth/signup"), ("POST", "/invites/{token}/accept")})

WRITES = frozenset({"POST", "PUT", "PATCH", "DELETE"})
_HTTP_METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")

PROBLEM_SCHEMA: dict[str, Any] = {
    "title": "Problem",
    "description": "RFC 9457 problem details: every error the API answers has this shape.",
    "type": "object",
    "required": ["type", "title", "status"],
    "properties": {
        "type": {"type": "string", "description": "always about:blank: the status and title say it all"},
        "title": {"type": "string"},
        "status": {"type": "integer", "minimum": 400, "maximum": 599},
        "detail": {"type": "string", "description": "what went wrong, for a person"},
        "errors": {
            "type": "array",
            "description": "validation problems: each offending field with its message",
            "items": {
                "type": "object",
                "required": ["field", "message"],
                "properties": {"field": {"type": "string"}, "message": {"type": "string"}},
            },
        },
    },
    "additionalProperties": True,
}

_DESCRIPTIONS = {
    400: "The body cannot be parsed (malformed JSON or form data)",
    401: "Not signed in, or the session expired or was revoked",
    403: "Your role in the workspace does not allow this",
    404: "No such resource, or not one you can see (a workspace you are not a member of looks the same)",
    409: "Conflicts with the current state: a duplicate, a record still in use, or a change the rules refuse",
    422: "The request is invalid; `errors` names each offending field",
}
_INVITE_DESCRIPTIONS = {
    403: "The invite was sent to another email address: only an account with that address can accept it",
    404: "No open invite has this token (a used, revoked or expired link looks the same as one that never existed)",
}
_FASTAPI_DEFAULT_DESCRIPTIONS = {"Validation Error", "Successful Response"}



def security_schemes(session_cookie: str) -> dict[str, Any]:
    """The two ways to be signed in; session_cookie is the name of the cookie browser sign-in sets (the api owns
    it, and kit imports no api)."""
    return {
        "bearerToken": {"type": "http", "scheme": "bearer",
                        "description": "The token of POST /auth/signin or /auth/signup (`\"client\": \"api\"`)"},
        "sessionCookie": {"type": "apiKey", "in": "cookie", "name": session_cookie,
                          "description": "The cookie POST /auth/signin sets for `\"client\": \"browser\"`"},
    }


SIGNED_IN = [{"bearerToken": []}, {"sessionCookie": []}]


def error_statuses(method: str, path: str, declared: set[int], has_input: bool, has_body: bool) -> set[int]:
    """The 4xx statuses operation (method, path) can answer, besides those its route declares itself."""
    operation = (method, path)
    statuses = set(declared)
    if operation not in PUBLIC:
        statuses.add(401)
    if path.startswith("/workspaces/{workspace_id}") and operation not in EVERY_MEMBER:
        statuses.add(403)
    if "{" in path or operation in REDEEMS_INVITE:  # an unknown id, or an invite token that does not exist
        statuses.add(404)
    if (method in WRITES and operation not in NEVER_CONFLICTING) or operation in REDEEMS_INVITE:
        statuses.add(409)
    if operation in REDEEMS_INVITE:
        statuses.add(403)
    if has_input:
        statuses.add(422)
    if has_body:
        statuses.add(400)
    return {s for s in statuses if 400 <= s < 500}


def _problem_response(operation: Operation, status: int, existing: dict[str, Any] | None) -> dict[str, Any]:
    description = (existing or {}).get("description")
    if not description or description in _FASTAPI_DEFAULT_DESCRIPTIONS:
        described = _INVITE_DESCRIPTIONS if operation in REDEEMS_INVITE else {}
        description = described.get(status) or _DESCRIPTIONS.get(status, "The request was refused")
    response: dict[str, Any] = {
        "description": description,
        "content": {PROBLEM_JSON: {"schema": {"$ref": "#/components/schemas/Problem"}}},
    }
    if status == 401:
        response["headers"] = {"WWW-Authenticate": {"description": "Bearer", "schema": {"type": "string"}}}
    return response


def _forms_cannot_send_null(document: dict[str, Any], body: dict[str, Any]) -> None:
    """A form field is a string or absent: `X | None` fields of a multipart body are optional X, never null. Its
    text fields hold no NUL: refused by the endpoint, or as text PostgreSQL cannot hold (problems maps the driver's
    refusal to 422); a file part is bytes, not text."""
    schema = body.get("content", {}).get("multipart/form-data", {}).get("schema", {})
    ref = schema.get("$ref", "")
    if ref.startswith("#/components/schemas/"):
        schema = document["components"]["schemas"][ref.rsplit("/", 1)[1]]
    for name, prop in schema.get("properties", {}).items():
        alternatives = [a for a in prop.get("anyOf", []) if a != {"type": "null"}]
        if len(alternatives) == 1 and len(prop["anyOf"]) == 2:
            schema["properties"][name] = prop = {k: v for k, v in prop.items() if k != "anyOf"} | alternatives[0]
        if not {"contentMediaType", "contentEncoding"} & prop.keys():
            _no_nul(prop)


def _no_nul(schema: dict[str, Any]) -> None:
    if schema.get("type") == "string" and not {"pattern", "enum", "const", "format"} & schema.keys():
        schema["pattern"] = r"^[^\x00]*$"
    if isinstance(schema.get("items"), dict):
        _no_nul(schema["items"])
    for alternative in schema.get("anyOf", []):
        _no_nul(alternative)


def _query_strings_hold_no_nul(operation: dict[str, Any]) -> None:
    """Every string query parameter is refused with a NUL in it: by the endpoint, or as text PostgreSQL cannot hold
    (problems maps the driver's refusal to 422)."""
    for parameter in operation.get("parameters", []):
        if parameter.get("in") == "query":
            _no_nul(parameter.get("schema", {}))


def document_problems(document: dict[str, Any], session_cookie: str) -> dict[str, Any]:
    """document (from FastAPI) with security requirements (session_cookie: the browser session cookie's name) and
    every problem+json answer of each operation."""
    components = document.setdefault("components", {})
    schemas = components.setdefault("schemas", {})
    schemas["Problem"] = PROBLEM_SCHEMA
    # FastAPI's own 422 shape is never what we answer (problems.install reshapes it).
    for unused in ("HTTPValidationError", "ValidationError"):
        schemas.pop(unused, None)
    components["securitySchemes"] = security_schemes(session_cookie)
    for path, item in document.get("paths", {}).items():
        for method, operation in item.items():
            if method not in _HTTP_METHODS:
                continue
            responses = operation.setdefault("responses", {})
            declared = {int(code) for code in responses if code.isdigit()}
            has_input = bool(operation.get("parameters") or operation.get("requestBody"))
            if (method.upper(), path) not in PUBLIC:
                operation["security"] = SIGNED_IN
            if "requestBody" in operation:
                _forms_cannot_send_null(document, operation["requestBody"])
            _query_strings_hold_no_nul(operation)
            statuses = error_statuses(method.upper(), path, declared, has_input, "requestBody" in operation)
            for status in sorted(statuses):
                responses[str(status)] = _problem_response((method.upper(), path), status, responses.get(str(status)))
            if path == "/healthz" and "503" not in responses:
                responses["503"] = {"description": "The database is unreachable or not migrated to the newest revision",
                                    "content": {"application/json": {"schema": {"type": "object"}}}}
    return document


def _template_regex(template: str) -> re.Pattern[str]:
    return re.compile("^" + re.sub(r"\\\{[^}]+\\\}", "[^/]+", re.escape(template)) + "$")


def _templates_matching(app: FastAPI, path: str) -> dict[str, set[str]]:
    """Path templates that match path (whatever the method), with their methods: the documented operations, and
    the app's own undocumented routes (/docs, /openapi.json)."""
    templates: dict[str, set[str]] = {}
    for template, item in app.openapi().get("paths", {}).items():
        if _template_regex(template).match(path):
            templates[template] = {m.upper() for m in item if m in _HTTP_METHODS}
    for route in app.router.routes:
        template, methods = getattr(route, "path", None), getattr(route, "methods", None)
        if template and methods and _template_regex(template).match(path):
            templates.setdefault(template, set()).update(methods)
    for methods in templates.values():
        if "GET" in methods:
            methods.add("HEAD")  # Starlette answers HEAD wherever it answers GET
    return templates


def resource_methods(app: FastAPI, request: Request) -> tuple[str, list[str]] | None:
    """The resource request's path names (the most literal matching template: /questions/export, not
    /questions/{question_id}) and every method it answers; None when no route matches the path."""
    templates = _templates_matching(app, request.url.path)
    if not templates:
        return None
    template = min(templates, key=lambda t: (t.count("{"), t))
    order = {m.upper(): i for i, m in enumerate(_HTTP_METHODS)}
    return template, sorted(templates[template], key=lambda m: (order.get(m, 99), m))


def _method_not_allowed(request: Request, allowed: list[str]) -> JSONResponse:
    allow = ", ".join(allowed)
    return problem_response(405, "Method not allowed", f"{request.method} is not allowed here; use {allow}",
                            headers={"Allow": allow})


def install(app: FastAPI, *, session_cookie: str) -> None:
    """Serve the truthful document at /openapi.json (and /docs), and answer 405 with `Allow`. Call after
    problems.install: validation errors still go to its handler. session_cookie: the name of the browser session
    cookie, documented as a way to sign in."""
    generate = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            app.openapi_schema = document_problems(generate(), session_cookie)
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]

    # A status-keyed handler takes precedence over problems.install's HTTPException handler for this status only.
    async def method_not_allowed(request: Request, _exc: Exception) -> JSONResponse:
        resource = resource_methods(app, request)
        return _method_not_allowed(request, resource[1] if resource else [])

    app.add_exception_handler(405, method_not_allowed)

    # PATCH /questions/export is routed to PATCH /questions/{question_id} and fails as a malformed id; the
    # resource is the export, which answers GET only: that is a 405, not a 422.
    validation_problem = app.exception_handlers[RequestValidationError]

    async def validation_or_method_not_allowed(request: Request, exc: Exception) -> Response:
        resource = resource_methods(app, request)
        if resource and request.method not in resource[1]:
            return _method_not_allowed(request, resource[1])
        return await validation_problem(request, exc)

    app.add_exception_handler(RequestValidationError, validation_or_method_not_allowed)
