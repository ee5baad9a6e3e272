"""The API served on a loopback port as `tutorassist serve` runs it: the shared fixture (tests/api/conftest.py) and
tests that need their own server (trusted proxies, the access log, a database they may stop)."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

import uvicorn

from tutorassist.api.app import create_app
from tutorassist.config import parse_networks


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def serve(db_url: str, *, trusted_proxies: str = "", log_level: str = "warning") -> Iterator[str]:
    """The API on db_url as `tutorassist serve` runs it (the app, not uvicorn, judges X-Forwarded-*); yields its URL."""
    port = free_port()
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
