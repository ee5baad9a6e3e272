"""A real HTTP server speaking OpenAI's POST /v1/embeddings on a loopback port, for testing the openai provider.

`script` is a list of behaviours consumed one per request (then `default`): "ok", "429" (with Retry-After: 7), "500",
"malformed" (200 with a body that is not JSON), "slow" (answers after `slow_seconds`), "401". Vectors are
deterministic per text: the same text always gets the same unit vector, different texts nearly orthogonal ones."""

from __future__ import annotations

import hashlib
import json
import math
import threading
import time
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


def vector_for(text: str, dimensions: int) -> list[float]:
    seed = hashlib.sha256(text.encode()).digest()
    values, counter = [], 0
    while len(values) < dimensions:
        block = hashlib.sha256(seed + counter.to_bytes(4, "big")).digest()
        values.extend((b - 127.5) / 127.5 for b in block)
        counter += 1
    values = values[:dimensions]
    norm = math.sqrt(sum(v * v for v in values))
    return [v / norm for v in values]


@dataclass
class ProviderServer:
    url: str = ""
    script: list[str] = field(default_factory=list)
    default: str = "ok"
    slow_seconds: float = 3.0
    native_dimensions: int = 1536
    requests: list[dict] = field(default_factory=list)


@contextmanager
def provider_server(**kwargs):
    state = ProviderServer(**kwargs)

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args):  # keep the test output clean
            pass

        def _send(self, status: int, body: bytes, headers: dict[str, str] | None = None) -> None:
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            for k, v in (headers or {}).items():
                self.send_header(k, v)
            self.end_headers()
            self.wfile.write(body)

        def do_POST(self):
            length = int(self.headers.get("Content-Length", "0"))
            request = json.loads(self.rfile.read(length) or b"{}")
            state.requests.append({"path": self.path, "body": request, "auth": self.headers.get("Authorization")})
            behaviour = state.script.pop(0) if state.script else state.default
            if self.path != "/v1/embeddings":
                return self._send(404, b'{"error": {"message": "no such route"}}')
            if behaviour == "429":
                return self._send(429, b'{"error": {"message": "Rate limit reached", "type": "rate_limit"}}',
                                  {"Retry-After": "7"})
            if behaviour == "500":
                return self._send(500, b'{"error": {"message": "The server had an error"}}')
            if behaviour == "401":
                return self._send(401, b'{"error": {"message": "Incorrect API key provided"}}')
            if behaviour == "malformed":
                return self._send(200, b'{"object": "list", "data": [{"embedding": [0.1, ')
            if behaviour == "slow":
                time.sleep(state.slow_seconds)
            inputs = request["input"] if isinstance(request["input"], list) else [request["input"]]
            dims = request.get("dimensions") or state.native_dimensions
            body = {
                "object": "list", "model": request["model"],
                "data": [{"object": "embedding", "index": i, "embedding": vector_for(t, dims)} for i, t in enumerate(inputs)],
                "usage": {"prompt_tokens": sum(len(t.split()) for t in inputs), "total_tokens": sum(len(t.split()) for t in inputs)},
            }
            try:
                self._send(200, json.dumps(body).encode())
            except (BrokenPipeError, ConnectionResetError):  # the client gave up waiting (timeout test)
                pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    state.url = f"http://127.0.0.1:{server.server_address[1]}/v1"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield state
    finally:
        server.shutdown()
        server.server_close()
