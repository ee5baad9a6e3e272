"""A real HTTP server on loopback speaking the parts of the OpenAI protocol generation uses: chat completions with
structured output, files, batches. Each test scripts it: queue responses for the next chat calls (`script`), or
let it answer from `answer` (a function of the requested difficulties); finish a batch with `finish_batch`."""

from __future__ import annotations

import json
import re
import threading
import time
from collections.abc import Callable
from email.parser import BytesParser
from email.policy import HTTP
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

MODEL_SNAPSHOT = "gpt-4o-mini-2024-07-18"


def linear_question(n: int, difficulty: int, *, wrong: bool = False) -> dict[str, Any]:
    """A linear equation with a right (or, asked for, wrong) answer; prompts differ in words as well as numbers,
    as a model's do."""
    subjects = ["apples", "tickets", "marbles", "stamps", "pencils", "coins", "books", "shells", "cards", "beads",
                "plants", "kites", "chairs", "boats", "lamps", "drums", "bells", "rings", "hats", "maps"]
    a, x = 2 + n % 7, 3 + n
    b = 5 + 2 * n
    c = a * x + b
    answer = x + 1 if wrong else x
    return {
        "prompt_latex": f"A box holds some {subjects[n % len(subjects)]} in {a} equal rows plus {b} extra, "
                        f"{c} in all ({n}). Solve $${a}x + {b} = {c}$$ for $x$.",
        "answer_type": "number", "answer_spec": {"type": "number", "value": str(answer)},
        "hints": [f"Subtract {b}  from both sides."], "solution_latex": f"$x = {answer}$",
        "difficulty": difficulty, "tags": ["Linear Equations", " algebra "], "blooms_level": "apply",
        "skill_type": "procedural",
        "cas_check": {"kind": "solve", "expression": f"{a}*x + {b} = {c}", "variables": ["x"]},
    }


def completion(content: str, prompt_tokens: int = 400, completion_tokens: int = 300) -> dict[str, Any]:
    return {"id": "chatcmpl-fake", "object": "chat.completion", "created": int(time.time()), "model": MODEL_SNAPSHOT,
            "choices": [{"index": 0, "message": {"role": "assistant", "content": content}, "finish_reason": "stop"}],
            "usage": {"prompt_tokens": prompt_tokens, "completion_tokens": completion_tokens,
                      "total_tokens": prompt_tokens + completion_tokens}}


def difficulties_of(request: dict[str, Any]) -> list[int]:
    user = request["messages"][-1]["content"]
    return [int(d) for d in re.findall(r"^\d+\. difficulty (\d) of 5", user, flags=re.M)]


class Reply:
    def __init__(self, status: int = 200, body: Any = None, headers: dict[str, str] | None = None,
                 delay: float = 0.0) -> None:
        self.status, self.body, self.headers, self.delay = status, body, headers or {}, delay


class FakeProvider:
    def __init__(self) -> None:
        self.script: list[Reply] = []
        self.counter = 0
        self.wrong = False
        self.answer: Callable[[list[int]], list[dict]] = self._good
        self.chat_requests: list[dict[str, Any]] = []
        self.files: dict[str, bytes] = {}
        self.batches: dict[str, dict[str, Any]] = {}
        self.lock = threading.Lock()
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}/v1"

    def _good(self, difficulties: list[int]) -> list[dict]:
        out = []
        for d in difficulties:
            with self.lock:
                self.counter += 1
                n = self.counter
            out.append(linear_question(n, d, wrong=self.wrong))
        return out

    def chat_reply(self, request: dict[str, Any]) -> Reply:
        self.chat_requests.append(request)
        if self.script:
            return self.script.pop(0)
        questions = self.answer(difficulties_of(request))
        return Reply(200, completion(json.dumps({"questions": questions})))

    # ------------------------------------------------------------ batches
    def finish_batch(self, batch_id: str, status: str = "completed", done: int | None = None) -> None:
        """End a batch: the first `done` requests (all by default) answered, the rest never (expired, failed)."""
        batch = self.batches[batch_id]
        lines = [json.loads(line) for line in self.files[batch["input_file_id"]].decode().splitlines() if line]
        done = len(lines) if done is None else done
        output = []
        for line in lines[:done]:
            reply = self.chat_reply(line["body"])
            output.append({"id": f"resp-{line['custom_id']}", "custom_id": line["custom_id"],
                           "response": {"status_code": reply.status, "request_id": "req", "body": reply.body},
                           "error": None})
        file_id = f"file-out-{batch_id}"
        self.files[file_id] = "".join(json.dumps(o) + "\n" for o in output).encode()
        batch.update(status=status, output_file_id=file_id if output else None,
                     request_counts={"total": len(lines), "completed": done, "failed": 0})

    def _handler(self):  # noqa: ANN202
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):  # noqa: ANN002
                pass

            def _send(self, reply: Reply) -> None:
                if reply.delay:
                    time.sleep(reply.delay)
                data = reply.body if isinstance(reply.body, bytes) else json.dumps(reply.body).encode()
                try:
                    self.send_response(reply.status)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(data)))
                    for k, v in reply.headers.items():
                        self.send_header(k, v)
                    self.end_headers()
                    self.wfile.write(data)
                except (BrokenPipeError, ConnectionResetError):
                    pass

            def _body(self) -> bytes:
                return self.rfile.read(int(self.headers.get("Content-Length") or 0))

            def do_POST(self) -> None:
                raw = self._body()
                if self.path == "/v1/chat/completions":
                    return self._send(fake.chat_reply(json.loads(raw)))
                if self.path == "/v1/files":
                    message = BytesParser(policy=HTTP).parsebytes(
                        f"Content-Type: {self.headers['Content-Type']}\r\n\r\n".encode() + raw)
                    part = next(p for p in message.iter_parts() if p.get_param("name", header="content-disposition") == "file")
                    file_id = f"file-{len(fake.files) + 1}"
                    fake.files[file_id] = part.get_payload(decode=True)
                    return self._send(Reply(200, {"id": file_id, "object": "file", "bytes": len(fake.files[file_id]),
                                                  "created_at": int(time.time()), "filename": "input.jsonl",
                                                  "purpose": "batch", "status": "processed"}))
                if self.path == "/v1/batches":
                    body = json.loads(raw)
                    batch_id = f"batch_{len(fake.batches) + 1}"
                    fake.batches[batch_id] = {
                        "id": batch_id, "object": "batch", "endpoint": body["endpoint"],
                        "input_file_id": body["input_file_id"], "completion_window": body["completion_window"],
                        "status": "validating", "created_at": int(time.time()), "metadata": body.get("metadata"),
                        "output_file_id": None, "error_file_id": None}
                    return self._send(Reply(200, fake.batches[batch_id]))
                self._send(Reply(404, {"error": {"message": "no such route"}}))

            def do_GET(self) -> None:
                if self.path.startswith("/v1/batches/"):
                    batch = fake.batches.get(self.path.rsplit("/", 1)[1])
                    return self._send(Reply(200, batch) if batch else Reply(404, {"error": {"message": "no batch"}}))
                if self.path.startswith("/v1/batches"):
                    return self._send(Reply(200, {"object": "list", "data": list(fake.batches.values()),
                                                  "has_more": False}))
                match = re.fullmatch(r"/v1/files/([^/]+)/content", self.path)
                if match and match.group(1) in fake.files:
                    return self._send(Reply(200, fake.files[match.group(1)]))
                self._send(Reply(404, {"error": {"message": "not found"}}))

        return Handler

    def __enter__(self) -> FakeProvider:
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:  # noqa: ANN002
        self.server.shutdown()
        self.server.server_close()


# ---------------------------------------------------------------- fixtures and helpers shared by the AI tests
import uuid  # noqa: E402

import pytest  # noqa: E402
from sqlalchemy import text  # noqa: E402

from tests import factories  # noqa: E402


class World:
    """A workspace with its owner (the tutor who asks), a topic and a two-page source material."""

    def __init__(self, owner_conn) -> None:  # noqa: ANN001 - psycopg connection
        self.tutor_id = factories.user(owner_conn, "Tutor")
        self.workspace_id = factories.workspace(owner_conn, self.tutor_id)
        self.topic_id = owner_conn.execute(
            "INSERT INTO topics (workspace_id, name, description, metadata) VALUES (%s, 'Linear equations', "
            "'Equations of the first degree', %s) RETURNING id",
            (self.workspace_id, json.dumps({"learning_objectives": ["Solve ax + b = c"]}))).fetchone()[0]
        page_one, page_two = "Page one: balancing equations.", "Page two: unknowns on both sides."
        self.material_id = owner_conn.execute(
            "INSERT INTO source_materials (workspace_id, topic_id, title, kind, content_text, metadata) "
            "VALUES (%s, %s, 'Notes', 'text', %s, %s) RETURNING id",
            (self.workspace_id, self.topic_id, page_one + "\n\n" + page_two,
             json.dumps({"pages": [[0, len(page_one)], [len(page_one) + 2, len(page_one) + 2 + len(page_two)]]}))
        ).fetchone()[0]
        self.other_tutor = factories.user(owner_conn, "Other")
        self.other_workspace = factories.workspace(owner_conn, self.other_tutor, "Elsewhere")


@pytest.fixture
def fake():
    with FakeProvider() as provider:
        yield provider


@pytest.fixture
def world(owner) -> World:
    return World(owner)


@pytest.fixture
def engines(db_url):
    from tutorassist.db.connection import app_engine, owner_engine

    owner_e, app_e = owner_engine(db_url), app_engine(db_url)
    yield owner_e, app_e
    owner_e.dispose()
    app_e.dispose()


def settings_for(fake: FakeProvider | None, **overrides: Any):  # noqa: ANN201
    from tutorassist.config import Settings

    values = {"ai_base_url": fake.url if fake else None, "ai_api_key": "test-key" if fake else None,
              "ai_timeout": 5.0} | overrides
    return Settings(**values)


def job_context(engines, world: World, job_type: str, payload: dict[str, Any], user_id=None):  # noqa: ANN001, ANN201
    """A real jobs row (inserted as the owner, as the worker finds it) and the JobContext the worker builds on it."""
    from tutorassist.jobs.context import JobContext

    owner_e, app_e = engines
    user_id = user_id or world.tutor_id
    with owner_e.begin() as conn:
        job_id = conn.execute(text("INSERT INTO jobs (workspace_id, type, payload_json, created_by) "
                                   "VALUES (:w, :t, CAST(:p AS jsonb), :u) RETURNING id"),
                              {"w": world.workspace_id, "t": job_type, "p": json.dumps(payload), "u": user_id}).scalar()
    return JobContext(owner=owner_e, app=app_e, workspace_id=world.workspace_id, job_id=job_id, user_id=user_id,
                      attempt=1, type=job_type)


def rerun(ctx):  # noqa: ANN001, ANN201
    """The same job run again from the start (as after a worker died), with a new attempt number."""
    from dataclasses import replace

    return replace(ctx, attempt=ctx.attempt + 1)


def counts(owner_conn, workspace_id: uuid.UUID) -> dict[str, Any]:  # noqa: ANN001
    row = owner_conn.execute(
        "SELECT (SELECT count(*) FROM questions WHERE workspace_id = %s AND origin = 'ai_generated'), "
        "(SELECT count(*) FROM ai_usage_log WHERE workspace_id = %s), "
        "(SELECT coalesce(sum(cost_usd), 0) FROM ai_usage_log WHERE workspace_id = %s)",
        (workspace_id, workspace_id, workspace_id)).fetchone()
    return {"questions": row[0], "usage_rows": row[1], "cost": row[2]}
