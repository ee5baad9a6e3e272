"""An API server of a test's own, when a test needs what the shared fixture does not set: trusted proxies, the access
log, or a database it may stop."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

import uvicorn

from tests.api.conftest import _free_port
from tutorassist.api.app import create_app
from tutorassist.config import parse_networks


@contextmanager
def serve(db_url: str, *, trusted_proxies: str = "", log_level: str = "warning") -> Iterator[str]:
    """The API on db_url as `tutorassist serve` runs it (the app, not uvicorn, judges X-Forwarded-*); yields its URL."""
    port = _free_port()
    app = create_app(db_url, trusted_proxies=parse_networks(trusted_proxies))
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level=log_level, proxy_headers=False))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 15
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("the API did not start")
        time.sleep(0.02)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)
