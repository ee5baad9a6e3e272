"""Browser tests: `tutorassist serve` started as the product runs (a subprocess of the venv's own script) on a private
copy of the test template database, driven by Debian's headless Chromium through Playwright.

One server per test process (per xdist worker) and one browser per test module: starting them costs seconds, a page
load milliseconds. Each test gets fresh browser contexts (their own cookies), and its own people signed up through the API,
so tests never see each other's sessions. Screenshots of the pages checked go to test-artifacts/screenshots/ (or
$TUTORASSIST_ARTIFACTS/screenshots/); the run's summary says where.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import pytest

from tests.api.served import free_port
from tests.browser.helpers import ARTIFACTS, CHROMIUM_ARGS, chromium_path, saved_screenshots
from tests.conftest import create_database, drop_database

SERVER_START_SECONDS = 90  # the first start imports sympy and starts the answer-checker process
server_start_seconds: list[float] = []  # measured, for the run's summary


def _tail(log_path: Path, lines: int = 40) -> str:
    try:
        return "\n".join(log_path.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return "(no server log)"


@pytest.fixture(scope="session")
def site(request, pg_server: str, template_db: str) -> Iterator[str]:
    """The URL of `tutorassist serve` on its own database (the template is migrated, so serve's migration is a no-op)."""
    db_url = create_database(pg_server, template_db)
    port = free_port()
    script = Path(sys.executable).with_name("tutorassist")
    env = os.environ | {
        "DATABASE_URL": db_url,
        # No background job worker: these tests start no jobs, and the periodic maintenance would only compete for
        # the CPU with the pages under test.
        "TUTORASSIST_SERVE_JOB_WORKER": "false",
        "TUTORASSIST_CAS_WORKERS": "1",
    }
    log_file = tempfile.NamedTemporaryFile(prefix="tutorassist-serve-", suffix=".log", delete=False)
    log_path = Path(log_file.name)
    process = subprocess.Popen(
        [str(script), "serve", "--host", "127.0.0.1", "--port", str(port), "--workers", "1"],
        stdout=log_file, stderr=subprocess.STDOUT, env=env,
    )
    url = f"http://127.0.0.1:{port}"
    started = time.monotonic()
    try:
        _wait_until_healthy(process, url, log_path)
        server_start_seconds.append(time.monotonic() - started)
        yield url
    finally:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=5)
        log_file.close()
        if request.session.testsfailed:
            sys.stderr.write(f"\n--- tutorassist serve, last lines of {log_path} ---\n{_tail(log_path)}\n")
        else:
            log_path.unlink(missing_ok=True)
        drop_database(pg_server, db_url)


def _wait_until_healthy(process: subprocess.Popen, url: str, log_path: Path) -> None:
    deadline = time.monotonic() + SERVER_START_SECONDS
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"`tutorassist serve` exited with {process.returncode} before it was healthy:\n{_tail(log_path)}")
        try:
            if httpx.get(f"{url}/healthz", timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    pytest.fail(f"`tutorassist serve` was not healthy within {SERVER_START_SECONDS} s:\n{_tail(log_path)}")


@pytest.fixture(scope="module")
def chromium():
    """Headless Chromium (Debian's; Playwright cannot download its own here). Missing is a failure, never a skip.

    One per test module, not per session: while Playwright's sync API is open it leaves its asyncio loop marked as
    running in the thread, and a later test of the same worker calling asyncio.run() then fails (seen with
    tests/learning/test_cas_pool.py). Launching costs about a second.
    """
    from playwright.sync_api import expect, sync_playwright

    path = chromium_path()
    if not (path.is_file() and os.access(path, os.X_OK)):
        pytest.fail(f"Chromium is missing at {path}: run `make browser` (or set TUTORASSIST_CHROMIUM)", pytrace=False)
    # Two test processes, their servers and browsers share two cores in CI: wait longer than Playwright's 5 s.
    expect.set_options(timeout=10_000)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(path), args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()


@pytest.fixture
def new_context(chromium, site) -> Iterator[Callable]:
    """Makes browser contexts (a fresh cookie jar each) on the site; all closed after the test."""
    made = []

    def make(**options):
        context = chromium.new_context(base_url=site, **options)
        context.set_default_timeout(10_000)
        made.append(context)
        return context

    yield make
    for context in made:
        context.close()


@pytest.fixture
def people(site):
    """Signs people up through the API (as tests/api/conftest.py does), each with a bearer-token client."""
    from tests.api.conftest import Person

    made = []

    def make(name: str, **kwargs):
        made.append(Person(site, name, **kwargs))
        return made[-1]

    yield make
    for person in made:
        person.http.close()


def pytest_terminal_summary(terminalreporter) -> None:
    if server_start_seconds:
        terminalreporter.write_line(f"browser tests: `tutorassist serve` was healthy after {server_start_seconds[0]:.1f} s")
    if saved_screenshots:
        terminalreporter.write_line(f"browser tests: {len(saved_screenshots)} screenshots in {ARTIFACTS / 'screenshots'}")
