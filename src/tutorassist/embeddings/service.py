"""Embedding questions: only those whose text or model (name, version) changed since their stored embedding.

Each batch is embedded and written in its own transaction with an upsert keyed by (workspace, question, model), so a
run killed at any point and started again redoes at most one batch and never duplicates a row; a second run over
unchanged questions embeds nothing."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass
from uuid import UUID

from sqlalchemy import text
from sqlalchemy.engine import Connection

from tutorassist.embeddings.providers import Provider, ProviderRefused
from tutorassist.embeddings.text import question_text, text_hash

BATCH_SIZE = 64
Transaction = Callable[[], AbstractContextManager[Connection]]


class ModelNotRegistered(ProviderRefused):
    """The model has no row in embedding_models (and so no index): a migration must register it first."""


@dataclass(frozen=True)
class Pending:
    question_id: UUID
    text: str
    hash: str


@dataclass
class EmbedResult:
    embedded: int = 0
    up_to_date: int = 0

    def as_json(self) -> dict[str, int]:
        return {"embedded": self.embedded, "up_to_date": self.up_to_date}


def check_model(conn: Connection, provider: Provider) -> int:
    """The model's registered dimensions; ModelNotRegistered or ProviderRefused when the provider's do not fit."""
    declared = conn.execute(text("SELECT dimensions FROM embedding_models WHERE name = :m"),
                            {"m": provider.model}).scalar()
    if declared is None:
        raise ModelNotRegistered(
            f"the embedding model {provider.model} is not registered: a migration must call "
            f"app.ensure_embedding_index('{provider.model}', <dimensions>, '{provider.kind}') first (docs/embeddings.md)")
    if provider.dimensions and provider.dimensions != declared:
        raise ProviderRefused(f"the embedding model {provider.model} is registered with {declared} dimensions, but the "
                              f"provider is configured for {provider.dimensions}")
    return declared


def stale_questions(conn: Connection, workspace_id: UUID, provider: Provider,
                    question_ids: Sequence[UUID] | None = None) -> tuple[list[Pending], int]:
    """Questions of the workspace (or those of `question_ids` in it) whose embedding by the provider's model is
    missing or was made from another text or model version; and how many are up to date."""
    rows = conn.execute(text(
        "SELECT q.id, q.prompt_latex, q.answer_type, e.text_hash, e.model_version "
        "FROM questions q LEFT JOIN question_embeddings e ON e.workspace_id = q.workspace_id "
        "AND e.question_id = q.id AND e.embedding_model = :m "
        "WHERE q.workspace_id = :w AND (CAST(:ids AS uuid[]) IS NULL OR q.id = ANY(CAST(:ids AS uuid[]))) "
        "ORDER BY q.id"), {"m": provider.model, "w": workspace_id,
                           "ids": None if question_ids is None else [str(i) for i in question_ids]}).all()
    pending, current = [], 0
    for row in rows:
        body = question_text(row.prompt_latex, row.answer_type)
        digest = text_hash(body)
        if row.text_hash == digest and row.model_version == provider.version:
            current += 1
        else:
            pending.append(Pending(row.id, body, digest))
    return pending, current


def store(conn: Connection, workspace_id: UUID, provider: Provider, batch: Sequence[Pending],
          vectors: Sequence[Sequence[float]], elapsed_ms: int) -> None:
    """Upsert one batch's embeddings; each row records its share of the batch's time."""
    each = max(elapsed_ms // max(len(batch), 1), 0)
    conn.execute(text(
        "INSERT INTO question_embeddings (workspace_id, question_id, embedding_model, model_version, text_hash, "
        "embedding, generated_at, generation_time_ms) "
        "SELECT :w, x.id, :m, :v, x.hash, CAST(x.vec AS extensions.vector), now(), :ms "
        "FROM unnest(CAST(:ids AS uuid[]), CAST(:hashes AS text[]), CAST(:vecs AS text[])) AS x(id, hash, vec) "
        "ON CONFLICT (workspace_id, question_id, embedding_model) DO UPDATE SET model_version = EXCLUDED.model_version, "
        "text_hash = EXCLUDED.text_hash, embedding = EXCLUDED.embedding, generated_at = EXCLUDED.generated_at, "
        "generation_time_ms = EXCLUDED.generation_time_ms"),
        {"w": workspace_id, "m": provider.model, "v": provider.version, "ms": each,
         "ids": [str(p.question_id) for p in batch], "hashes": [p.hash for p in batch],
         "vecs": [vector_literal(v) for v in vectors]})


def vector_literal(vector: Sequence[float]) -> str:
    return "[" + ",".join(repr(float(x)) for x in vector) + "]"


def batches(items: Sequence[Pending], size: int) -> Iterator[Sequence[Pending]]:
    for start in range(0, len(items), size):
        yield items[start:start + size]


def embed_questions(transaction: Transaction, workspace_id: UUID, provider: Provider,
                    question_ids: Sequence[UUID] | None = None, *, batch_size: int | None = None,
                    progress: Callable[[int, int], None] | None = None,
                    between_batches: Callable[[], None] | None = None) -> EmbedResult:
    """Embed the workspace's missing or stale question embeddings (all, or those of `question_ids`) in batches.

    `transaction()` opens a transaction acting in the workspace; one is used to find the work and one per batch.
    `progress(done, total)` is called after each batch, `between_batches()` before each (e.g. to stop when cancelled).
    """
    with transaction() as conn:
        check_model(conn, provider)
        pending, current = stale_questions(conn, workspace_id, provider, question_ids)
    result = EmbedResult(up_to_date=current)
    total = len(pending)
    if progress:
        progress(0, total)
    for batch in batches(pending, batch_size or BATCH_SIZE):
        if between_batches:
            between_batches()
        started = time.perf_counter()
        vectors = provider.embed([p.text for p in batch])
        elapsed = int((time.perf_counter() - started) * 1000)
        with transaction() as conn:
            store(conn, workspace_id, provider, batch, vectors, elapsed)
        result.embedded += len(batch)
        if progress:
            progress(result.embedded, total)
    return result


def embed_one(conn: Connection, workspace_id: UUID, provider: Provider, question_id: UUID) -> bool:
    """Embed one question in the caller's transaction if its embedding is missing or stale; whether it did."""
    check_model(conn, provider)
    pending, _ = stale_questions(conn, workspace_id, provider, [question_id])
    if not pending:
        return False
    started = time.perf_counter()
    vectors = provider.embed([p.text for p in pending])
    store(conn, workspace_id, provider, pending, vectors, int((time.perf_counter() - started) * 1000))
    return True
