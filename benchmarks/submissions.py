"""Attempt submission with concurrent clients through the API, against the bare-SQL ceiling of the same writes.

Each client is a different student of the largest workspace answering random active questions (right seven times
in ten, with the answers benchmarks.content derives from the answer specification). The ceiling replays the
statements one captured attempt ran (benchmarks/capture.py) from as many connections as clients, as the application
role, each replay a new attempt by that client's student at another question; it leaves out only what is not SQL
(parsing the request, checking the answer, building the response).
"""

from __future__ import annotations

import random
import threading
import time
import uuid
from collections import Counter
from dataclasses import dataclass
from typing import Any

import httpx

from benchmarks.capture import Statement, open_connection, replay
from benchmarks.content import correct_answer, wrong_answer
from benchmarks.measure import Latency, latency


@dataclass(frozen=True)
class Throughput:
    clients: int
    per_client: int
    api_per_second: float
    api: Latency
    api_failures: dict[str, int]  # why: "422 timeout" (status and answer_note or title) -> how many
    sql_per_second: float
    sql: Latency

    @property
    def failed(self) -> int:
        return sum(self.api_failures.values())


def _why(response: httpx.Response) -> str:
    try:
        body = response.json()
    except ValueError:
        body = {}
    return f"{response.status_code} {body.get('answer_note') or body.get('title') or response.reason_phrase}"


def _answer(spec: dict[str, Any], rng: random.Random) -> str:
    return correct_answer(spec) if rng.random() < 0.7 else wrong_answer(spec)


def template(subjects, headers: dict[str, str]) -> dict[str, Any]:  # noqa: ANN001 - run.Subjects (no import cycle)
    """The one attempt whose statements are captured: the first client's student at the first active question."""
    question_id, spec = subjects.questions[0]
    return {"workspace_id": subjects.workspace_id, "headers": headers, "student_user_id": subjects.students[0][0],
            "question_id": question_id,
            "body": {"question_id": question_id, "answer": correct_answer(spec), "time_spent_seconds": 40}}


def _concurrently(clients: int, work) -> float:  # noqa: ANN001 - work(index)
    threads = [threading.Thread(target=work, args=(i,)) for i in range(clients)]
    started = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return time.perf_counter() - started


def _mapping(pairs: list[tuple[str, str]]) -> dict[Any, Any]:
    mapping: dict[Any, Any] = {}
    for old, new in pairs:
        if old != new:
            mapping[old], mapping[uuid.UUID(old)] = new, uuid.UUID(new)
    return mapping


def through_api(base: str, subjects, student_headers: list[dict[str, str]], clients: int,  # noqa: ANN001
                per_client: int) -> tuple[float, Latency, dict[str, int]]:
    """(attempts per second, latency, failures by reason) of `clients` concurrent clients through the API."""
    questions = subjects.questions
    path = f"/workspaces/{subjects.workspace_id}/attempts"
    samples: list[float] = []
    failures: list[str] = []
    lock = threading.Lock()

    def client(index: int) -> None:
        rng = random.Random(index)
        mine = []
        with httpx.Client(base_url=base, timeout=120, headers=student_headers[index % len(student_headers)]) as http:
            for _ in range(per_client):
                question_id, spec = rng.choice(questions)
                body = {"question_id": question_id, "answer": _answer(spec, rng), "time_spent_seconds": rng.randint(5, 200)}
                started = time.perf_counter()
                response = http.post(path, json=body)
                mine.append(time.perf_counter() - started)
                if response.status_code != 201:
                    with lock:
                        failures.append(_why(response))
        with lock:
            samples.extend(mine)

    wall = _concurrently(clients, client)
    return (len(samples) - len(failures)) / wall, latency(samples), dict(Counter(failures))


def bare_sql(url: str, subjects, attempt_sql: list[Statement], captured: dict[str, Any], clients: int,  # noqa: ANN001
             per_client: int) -> tuple[float, Latency]:
    """(attempts per second, latency) of the captured attempt's statements replayed from `clients` connections."""
    questions = subjects.questions
    samples: list[float] = []
    errors: list[BaseException] = []
    lock = threading.Lock()
    # The captured attempt either created the student's review card or updated it; each replay must take the same
    # path (a card insert that meets an existing card writes nothing), so it answers a question in the same state.
    creates_card = any("INSERT INTO spaced_repetition" in st.sql for st in attempt_sql)
    with open_connection(url, rls=False) as conn:
        carded = {(str(r[0]), str(r[1])) for r in conn.execute(
            "SELECT student_user_id, question_id FROM spaced_repetition WHERE workspace_id = %s", (subjects.workspace_id,))}

    def client(index: int) -> None:
        rng = random.Random(1000 + index)
        student = subjects.students[index % len(subjects.students)][0]
        pool = [q for q, _ in questions if ((str(student), str(q)) in carded) != creates_card]
        rng.shuffle(pool)
        mine = []
        try:
            with open_connection(url, rls=True) as conn:
                for n in range(per_client):
                    if not pool:
                        break
                    question_id = pool.pop() if creates_card else pool[n % len(pool)]
                    mapping = _mapping([(captured["student_user_id"], student), (captured["question_id"], question_id)])
                    mine.append(replay(conn, attempt_sql, mapping, commit=True))
        except BaseException as exc:  # reported after the join: a thread cannot raise into the caller
            with lock:
                errors.append(exc)
        with lock:
            samples.extend(mine)

    wall = _concurrently(clients, client)
    if errors:
        raise errors[0]
    return len(samples) / wall, latency(samples)


def touched(before: dict[str, tuple[int, int, int]], after: dict[str, tuple[int, int, int]]
            ) -> dict[str, tuple[int, int, int]]:
    """Per table written between the snapshots: (rows inserted, rows updated, HOT updates)."""
    out = {}
    for table, (ins, upd, hot) in after.items():
        ins0, upd0, hot0 = before.get(table, (0, 0, 0))
        if ins - ins0 or upd - upd0:
            out[table] = (ins - ins0, upd - upd0, hot - hot0)
    return out
