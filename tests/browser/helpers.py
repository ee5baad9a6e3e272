"""What the browser tests share: where Chromium and the artefacts are, signing a browser in through the sign-in form,
and `check_page` (an axe-core accessibility check plus a full-page screenshot of every main page visited)."""

from __future__ import annotations

import os
import re
from pathlib import Path

REPOSITORY = Path(__file__).resolve().parents[2]
ARTIFACTS = Path(os.environ.get("TUTORASSIST_ARTIFACTS") or REPOSITORY / "test-artifacts")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]
BLOCKING_IMPACTS = ("serious", "critical")

saved_screenshots: list[Path] = []


def chromium_path() -> Path:
    return Path(os.environ.get("TUTORASSIST_CHROMIUM") or "/usr/bin/chromium")


def sign_in(context, person, next_path: str | None = None):
    """A page of the context signed in as the person through the /signin form; returns it where sign-in landed."""
    page = context.new_page()
    page.goto("/signin" + (f"?next={next_path}" if next_path else ""))
    page.get_by_label("Email").fill(person.email)
    page.get_by_label("Password").fill(person.password)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(lambda url: "/signin" not in url)
    return page


def screenshot(page, name: str) -> Path:
    path = ARTIFACTS / "screenshots" / f"{re.sub(r'[^A-Za-z0-9_.-]+', '-', name)}.png"
    path.parent.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(path), full_page=True)
    saved_screenshots.append(path)
    return path


def blocking_violations(page) -> list[str]:
    """axe-core's serious and critical violations on the page, one line each (rule, impact, help, where)."""
    from axe_playwright_python.sync_playwright import Axe

    results = Axe().run(page)
    lines = []
    for violation in results.response["violations"]:
        if violation.get("impact") in BLOCKING_IMPACTS:
            targets = [" ".join(map(str, node.get("target", []))) for node in violation.get("nodes", [])][:5]
            lines.append(f"{violation['id']} ({violation['impact']}): {violation['help']} at {targets}")
    return lines


def check_page(page, name: str) -> None:
    """Save a full-page screenshot (first, so a failing page still leaves one) and fail on serious or critical axe
    violations, listing each."""
    screenshot(page, name)
    violations = blocking_violations(page)
    assert not violations, f"accessibility of {name} ({page.url}):\n" + "\n".join(violations)
