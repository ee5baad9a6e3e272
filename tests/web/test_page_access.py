"""Every page of every web area holds the API's roles and tenancy, found by enumerating the routers (so a new page
cannot be forgotten): a visitor who is not signed in is sent to sign in, a member of another workspace is told the
workspace does not exist (404), the role a page is for sees it, and the other role is refused (403). Every form
(POST) refuses an outsider with 404 and a request without the CSRF value with 403, and neither changes anything.

The values of path parameters come from one "world" built through the API; a page whose path names a parameter the
world has no value for fails the test, so the world grows with the pages.
"""

from __future__ import annotations

import json
import re
import uuid
from dataclasses import dataclass, field
from urllib.parse import quote

from fastapi.routing import APIRoute

from tests.web.conftest import text_of
from tutorassist.web import context
from tutorassist.web.app import AREAS

# The names a page's path parameters may have (the web foundation's rule): each is an id the world has a value for.
PATH_PARAMETERS = ("workspace_id", "student_id", "topic_id", "question_id", "assignment_id", "flag_id", "attempt_id",
                   "feedback_id", "job_id", "batch_id", "material_id", "session_id", "invite_id")
SKIPPED_PREFIXES = ("/signin", "/signup", "/invite/", "/static")
AUDIENCES = ((context.staff, "staff"), (context.learner, "learner"), (context.member, "member"),
             (context.signed_in, "signed in"))
# Dummy form fields a page might read: values that would change something if a refused request got through.
FORM_DATA = {"name": "Changed by a refused request", "title": "Changed", "body": "Changed", "text": "Changed",
             "status": "archived", "reason": "typo", "answer": "2", "note": "Changed", "archived": "true",
             "prompt_latex": "Changed", "display_name": "Changed"}


@dataclass
class PageRoute:
    path: str
    method: str
    audience: str
    required_query: list[str] = field(default_factory=list)

    @property
    def params(self) -> list[str]:
        return re.findall(r"{(\w+)(?::\w+)?}", self.path)

    def url(self, values: dict[str, str]) -> str:
        return re.sub(r"{(\w+)(?::\w+)?}", lambda m: values[m.group(1)], self.path)


def _dependency_calls(dependant) -> set:
    calls = set()
    for sub in dependant.dependencies:
        calls.add(sub.call)
        calls |= _dependency_calls(sub)
    return calls


def _required_query(dependant) -> list[str]:
    names = [p.name for p in dependant.query_params if p.field_info.is_required()]
    for sub in dependant.dependencies:
        names += _required_query(sub)
    return names


def _walk(routes, prefix: str = "", inherited: frozenset = frozenset()):
    """(path, route, dependencies of the includes above it) of every APIRoute, through included routers (FastAPI
    keeps an included router as one lazy entry, so an area that includes a sub-module's router hides its pages)."""
    for route in routes:
        included = getattr(route, "original_router", None)
        if included is not None:
            context = route.include_context
            calls = inherited | {d.dependency for d in context.dependencies}
            yield from _walk(included.routes, prefix + context.prefix, calls)
        elif isinstance(route, APIRoute):
            yield prefix + route.path, route, inherited


def page_routes(method: str) -> list[PageRoute]:
    routes = []
    for area in AREAS:
        for path, route, inherited in _walk(area.router.routes):
            if method not in route.methods or path.startswith(SKIPPED_PREFIXES):
                continue
            calls = _dependency_calls(route.dependant) | inherited
            audience = next((name for fn, name in AUDIENCES if fn in calls), "public")
            routes.append(PageRoute(path, method, audience, _required_query(route.dependant)))
    return routes


def unfilled(route: PageRoute, values: dict[str, str]) -> str | None:
    """Why the route's path cannot be filled from the world's values, if it cannot."""
    foreign = [name for name in route.params if name not in PATH_PARAMETERS]
    if foreign:
        return (f"{route.method} {route.path}: path parameters {foreign} are not among the names pages use "
                f"({', '.join(PATH_PARAMETERS)}); name ids so, and make each action its own route")
    missing = [name for name in route.params if name not in values]
    if missing:
        return f"{route.method} {route.path}: the world has no value for {missing}; build one in World"
    return None


class World:
    """A workspace with one of everything a page can name, built through the API as its users would."""

    def __init__(self, practice, people):
        self.practice = practice
        tutor, student, ws = practice.tutor.http, practice.student.http, practice.workspace_id

        def made(response, status: int = 201) -> dict:
            assert response.status_code == status, response.text
            return response.json()

        topic = made(tutor.post(practice.path("/topics"), json={"name": "Algebra"}))["id"]
        question = made(tutor.post(practice.path("/questions"), json={
            "prompt_latex": "Solve $2x + 3 = 7$ for $x$.", "answer_type": "number", "topic_id": topic,
            "answer_spec": {"type": "number", "value": "2"}, "status": "active"}))["id"]
        assignment = made(tutor.post(practice.path("/assignments"), json={
            "title": "Homework", "student_profile_ids": [practice.student_profile_id], "question_ids": [question]}))[0]["id"]
        attempt = made(student.post(practice.path("/attempts"), json={
            "question_id": question, "answer": "2", "assignment_id": assignment}))["id"]
        flag = made(student.post(practice.path(f"/questions/{question}/flags"),
                                 json={"reason": "other", "comment": "Is x a whole number?"}))["id"]
        feedback = made(tutor.post(practice.path(f"/attempts/{attempt}/feedback"), json={"body": "Well done"}))["id"]
        material = made(tutor.post(practice.path("/materials/text"),
                                   json={"title": "Notes", "content_text": "Linear equations: ax + b = c."}))["id"]
        generation = made(tutor.post(practice.path("/ai/generations"), json={
            "topic_id": topic, "count": 2, "difficulty_mix": {"1": 1, "2": 1}, "provider": "offline"}), 202)
        guardian_email = f"parent.{uuid.uuid4().hex[:6]}@example.com"
        guardian_invite = made(tutor.post(practice.path(f"/students/{practice.student_profile_id}/invites"),
                                          json={"role": "guardian", "email": guardian_email}))
        self.guardian = people("Parent", invite_token=guardian_invite["token"], email=guardian_email)
        # A pending invite (of a student who has not signed up) for the pages that show or revoke one.
        pending = made(tutor.post(practice.path("/students"),
                                  json={"name": "Pending", "email": f"pending.{uuid.uuid4().hex[:6]}@example.com"}))
        invite = made(tutor.post(practice.path(f"/students/{pending['id']}/invites"), json={}))["id"]
        session = next(s for s in made(tutor.get("/auth/sessions"), 200) if s["current"])["id"]
        self.values = {
            "workspace_id": ws, "student_id": practice.student_profile_id, "topic_id": topic, "question_id": question,
            "assignment_id": assignment, "flag_id": flag, "attempt_id": attempt, "feedback_id": feedback,
            "job_id": generation["job_id"], "batch_id": generation["batch_id"], "material_id": material,
            "session_id": session, "invite_id": invite,
        }

    def fingerprint(self) -> str:
        """What the tutor reads of the workspace through the API: any change a page could make shows here."""
        tutor, p = self.practice.tutor.http, self.practice.path
        reads = {
            "workspace": p(), "members": p("/members"), "students": p("/students"), "topics": p("/topics"),
            "questions": p("/questions"), "assignments": p("/assignments"), "attempts": p("/attempts"),
            "attempt": p(f"/attempts/{self.values['attempt_id']}"), "open flags": p("/flags"),
            "materials": p("/materials"), "drafts": p("/ai/drafts"), "jobs": p("/jobs"),
            "batch": p(f"/ai/batches/{self.values['batch_id']}"), "me": "/me",
        }
        seen = {}
        for label, path in reads.items():
            response = tutor.get(path)
            assert response.status_code == 200, f"{label}: {response.text}"
            seen[label] = response.json()
        return json.dumps(seen, sort_keys=True, default=str)


def test_the_routers_have_pages_of_each_audience():
    """The enumeration sees the foundation's pages, so an empty list cannot pass the tests below by accident."""
    audiences = {(r.path, r.audience) for r in page_routes("GET")}
    assert ("/w/{workspace_id}", "member") in audiences and ("/w", "signed in") in audiences
    assert {r.path for r in page_routes("POST")} >= {"/w", "/signout"}


def test_every_page_answers_each_viewer_by_role_and_workspace(practice, people, visitor, browser_of):
    world = World(practice, people)
    viewers = {"anonymous": visitor(), "outsider": browser_of(practice.outsider), "tutor": browser_of(practice.tutor),
               "student": browser_of(practice.student), "guardian": browser_of(world.guardian)}
    workspace_home = f"/w/{practice.workspace_id}"
    failures: list[str] = []

    def expect(route: PageRoute, viewer: str, url: str, allowed: set[int], location: str | None = None) -> None:
        response = viewers[viewer].get(url)
        if response.status_code not in allowed:
            failures.append(f"GET {url} ({route.audience} page) as {viewer}: {response.status_code}, expected "
                            f"{sorted(allowed)}: {text_of(response)[:160]}")
        elif location is not None and response.status_code in (302, 303, 307):
            if not response.headers["location"].startswith(location):
                failures.append(f"GET {url} as {viewer}: redirected to {response.headers['location']}, not {location}")

    routes = page_routes("GET")
    for route in routes:
        missing = unfilled(route, world.values)
        if missing:
            failures.append(missing)
            continue
        url = route.url(world.values)
        in_workspace = route.path.startswith("/w/{workspace_id}")
        if in_workspace and route.audience in ("public", "signed in"):
            failures.append(f"{route.path}: a workspace page must take Staff, Learner or Member (it takes "
                            f"{route.audience})")
            continue
        # The right viewer sees the page (or is sent on within the workspace, e.g. practice → the next question);
        # a page that needs query parameters refuses their absence with a 4xx page, never a 5xx.
        seen = {200, 303} if not route.required_query else {400, 422}
        if route.audience == "public":
            expect(route, "anonymous", url, {200, 303})
            continue
        expect(route, "anonymous", url, {303},
               "/signin" if not in_workspace else "/signin?next=" + quote(url, safe="/"))
        if route.audience == "signed in":
            expect(route, "tutor", url, seen)
            expect(route, "outsider", url, seen)
            continue
        expect(route, "outsider", url, {404})
        if route.audience == "staff":
            expect(route, "tutor", url, seen, workspace_home)
            expect(route, "student", url, {403})
            expect(route, "guardian", url, {403})
        elif route.audience == "learner":
            expect(route, "student", url, seen, workspace_home)
            expect(route, "guardian", url, seen | {403}, workspace_home)  # some learner pages are the student's only
            expect(route, "tutor", url, {403})
        else:  # member
            for viewer in ("tutor", "student", "guardian"):
                expect(route, viewer, url, seen, workspace_home)
    assert not failures, f"{len(failures)} of {len(routes)} pages answered wrongly:\n" + "\n".join(failures)


def test_every_form_refuses_outsiders_and_requests_without_the_csrf_value(practice, people, visitor, browser_of):
    world = World(practice, people)
    outsider, tutor = browser_of(practice.outsider), browser_of(practice.tutor)
    before = world.fingerprint()
    values = world.values
    failures: list[str] = []
    routes = page_routes("POST")
    for route in routes:
        missing = unfilled(route, values)
        if missing:
            failures.append(missing)
            continue
        url = route.url(values)
        if route.path.startswith("/w/{workspace_id}") or route.params:
            # The outsider's own valid CSRF value: only the workspace (or the id of another's row) refuses them.
            response = outsider.post(url, FORM_DATA)
            if response.status_code != 404:
                failures.append(f"POST {url} as an outsider: {response.status_code}, expected 404: "
                                f"{text_of(response)[:160]}")
        response = tutor.post(url, FORM_DATA, csrf=False)
        if response.status_code != 403:
            failures.append(f"POST {url} without the CSRF value: {response.status_code}, expected 403")
    assert not failures, f"{len(failures)} of {len(routes)} forms answered wrongly:\n" + "\n".join(failures)
    assert world.fingerprint() == before, "a refused request changed the workspace"
    assert tutor.get("/w").status_code == 200, "a refused sign-out still signed the tutor out"

