"""On a phone-sized screen (375 × 800): every main page of a tutor and of a student fits the width (no sideways
scrolling of the document) and passes axe-core (no serious or critical violations: this sweep is what reaches every
main page, the end-to-end flow only those it passes through), the main navigation is reachable from the keyboard with
a visible focus, and signing in works with the keyboard alone.

The main pages are the mounted GET pages whose only path parameter is the workspace (found from the routers, so new
areas are covered when they arrive); each is saved as a screenshot (phone-*.png).
"""

from __future__ import annotations

import re
import uuid

import pytest

from tests.browser.helpers import blocking_violations, screenshot, sign_in
from tests.web.test_page_access import page_routes

PHONE = {"width": 375, "height": 800}
TABS_TO_REACH = 12


def main_pages(audiences: set[str]) -> list[str]:
    return sorted({r.path for r in page_routes("GET")
                   if r.params == ["workspace_id"] and not r.required_query and r.audience in audiences})


@pytest.fixture
def workspace(people):
    """A workspace with a topic, a question, a signed-up student, an assignment and an answer, through the API."""
    tutor = people("Tutor")
    ws = tutor.http.post("/workspaces", json={"name": "Phone practice"}).json()["id"]
    path = f"/workspaces/{ws}"
    topic = tutor.http.post(f"{path}/topics", json={"name": "Quadratic equations and their factorisation"}).json()["id"]
    question = tutor.http.post(f"{path}/questions", json={
        "prompt_latex": r"Factorise $x^2 + 5x + 6$ and then solve $x^2 + 5x + 6 = 0$ for $x$, giving both roots.",
        "answer_type": "expression", "answer_spec": {"type": "expression", "value": "(x+2)(x+3)"},
        "topic_id": topic, "status": "active"})
    assert question.status_code == 201, question.text
    email = f"student.{uuid.uuid4().hex[:6]}@example.com"
    profile = tutor.http.post(f"{path}/students", json={"name": "Sam Student-Longname", "email": email}).json()["id"]
    token = tutor.http.post(f"{path}/students/{profile}/invites", json={}).json()["token"]
    student = people("Sam Student-Longname", invite_token=token, email=email)
    assignment = tutor.http.post(f"{path}/assignments", json={
        "title": "Factorising practice before the end-of-term test", "student_profile_ids": [profile],
        "question_ids": [question.json()["id"]]})
    assert assignment.status_code == 201, assignment.text
    return tutor, student, ws


def _phone_page_problems(context, person, ws: str, audiences: set[str], label: str) -> tuple[list[str], object]:
    page = sign_in(context, person)
    problems = []
    for route in main_pages(audiences):
        url = route.replace("{workspace_id}", ws)
        probe = context.request.get(url, max_redirects=0)
        if probe.status != 200 or "text/html" not in probe.headers.get("content-type", "") \
                or "<html" not in probe.text()[:300].lower():
            continue  # a download, a redirect or an htmx fragment, not a page (statuses are test_page_access's)
        page.goto(url)
        scroll_width, inner_width = page.evaluate(
            "() => [document.documentElement.scrollWidth, window.innerWidth]")
        screenshot(page, f"phone-{label}-{re.sub(r'[^a-z0-9]+', '-', route.split('}', 1)[1]).strip('-') or 'home'}")
        if scroll_width > inner_width + 1:
            problems.append(f"{url}: {scroll_width}px wide in a {inner_width}px window")
        problems += [f"{url}: {violation}" for violation in blocking_violations(page)]
    return problems, page


def _tab_to(page, locator, limit: int = TABS_TO_REACH) -> bool:
    for _ in range(limit):
        page.keyboard.press("Tab")
        if locator.evaluate("el => el === document.activeElement"):
            return True
    return False


def _focus_is_visible(locator) -> bool:
    outline, width, shadow = locator.evaluate(
        "el => { const s = getComputedStyle(el); return [s.outlineStyle, s.outlineWidth, s.boxShadow]; }")
    return (outline != "none" and width not in ("0px", "")) or shadow != "none"


@pytest.mark.parametrize("who", ["tutor", "student"])
def test_main_pages_fit_a_phone_and_the_navigation_takes_the_keyboard(new_context, workspace, who):
    tutor, student, ws = workspace
    person, audiences = (tutor, {"staff", "member"}) if who == "tutor" else (student, {"learner", "member"})
    assert "/w/{workspace_id}" in main_pages(audiences)
    problems, page = _phone_page_problems(new_context(viewport=PHONE), person, ws, audiences, who)
    assert not problems, "pages wider than a phone or failing axe-core:\n" + "\n".join(problems)

    page.goto(f"/w/{ws}")
    first_link = page.get_by_role("navigation", name="Main").get_by_role("link").first
    assert _tab_to(page, first_link), f"Tab does not reach the main navigation within {TABS_TO_REACH} presses"
    assert _focus_is_visible(first_link), "the focused navigation link shows no focus outline"


def test_signing_in_with_the_keyboard_alone(new_context, people):
    person = people("Kim")
    page = new_context(viewport=PHONE).new_page()
    page.goto("/signin")
    assert _tab_to(page, page.get_by_label("Email")), "Tab does not reach the email field"
    page.keyboard.type(person.email)
    page.keyboard.press("Tab")
    page.keyboard.type(person.password)
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"/w$"))
    assert page.get_by_role("heading", level=1).inner_text() == "Your workspaces"
