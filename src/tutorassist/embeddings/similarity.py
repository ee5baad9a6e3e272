"""Similarity search within one workspace on the HNSW index that all workspaces share.

A filtered HNSW search (`WHERE workspace_id = …`) stops after `hnsw.ef_search` candidates, most of them other
workspaces' rows, and so returns too few neighbours. pgvector's iterative scan keeps walking the graph until `limit`
rows pass the filter (or `hnsw.max_scan_tuples` were visited); `relaxed_order` lets it return them slightly out of
order, so the few rows are sorted again by their exact similarity. The query orders by
`embedding::vector(<dims>) <=> …` and filters on the model, exactly the expression and predicate of the model's
partial index (app.ensure_embedding_index), so the planner can use it. Figures: docs/embeddings.md."""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass
from uuid import UUID

from sqlalchemy import text
from sqlalchemy.engine import Connection

from tutorassist.embeddings.service import check_model, vector_literal

EF_SEARCH = 100
"""hnsw.ef_search: candidates kept per step of the scan; 100 held recall@10 ≥ 0.98 where 40 dipped to 0.96 on one
index build, for ~0.3 ms more (benchmarks/vectors.py, docs/embeddings.md)."""
MAX_SCAN_TUPLES = 20_000
"""hnsw.max_scan_tuples: how far the iterative scan may walk before it gives up (bounds a rare worst case)."""
MAX_LIMIT = 100
EXACT_BELOW = 5_000
"""A workspace with fewer embeddings of the model than this is searched exactly (its rows by primary key, every
distance computed): at scale L that costs a few ms and is exact, while the planner, left alone, sent the larger
workspaces (≈1-3% of the index) to the HNSW index at ~20 ms p95 (docs/embeddings.md)."""


@dataclass(frozen=True)
class Similar:
    question_id: UUID
    similarity: float


class NotEmbedded(LookupError):
    """The question has no embedding by this model yet."""


def tune(conn: Connection, ef_search: int = EF_SEARCH, max_scan_tuples: int = MAX_SCAN_TUPLES) -> None:
    """The transaction's HNSW settings for a filtered search (SET LOCAL: they end with the transaction)."""
    conn.execute(text("SELECT set_config('hnsw.iterative_scan', 'relaxed_order', true), "
                      "set_config('hnsw.ef_search', :ef, true), set_config('hnsw.max_scan_tuples', :mst, true)"),
                 {"ef": str(int(ef_search)), "mst": str(int(max_scan_tuples))})


def _literal(model: str) -> str:
    return "'" + model.replace("'", "''") + "'"


def size_sql(model: str) -> str:
    """How many embeddings of the model the workspace has, counted only up to EXACT_BELOW (a bounded index scan)."""
    return (f"SELECT count(*) FROM (SELECT 1 FROM question_embeddings e WHERE e.workspace_id = :w "
            f"AND e.embedding_model = {_literal(model)} LIMIT {EXACT_BELOW}) counted")


def nearest_sql(model: str, dimensions: int, exclude: bool, *, exact: bool = False) -> str:
    """The k-NN query of one model, its name and size inlined so the partial index's predicate and expression match
    (names are restricted by embedding_models' CHECK to characters that need no escaping beyond quotes).

    exact: every row of the workspace is scored (the distances are computed under OFFSET 0, a fence the planner
    does not flatten, so it cannot turn the ORDER BY into an HNSW scan)."""
    cast = f"extensions.vector({int(dimensions)})"
    distance = f"e.embedding::{cast} OPERATOR(extensions.<=>) CAST(:q AS {cast})"
    where = (f"e.workspace_id = :w AND e.embedding_model = {_literal(model)}"
             + (" AND e.question_id <> :exclude" if exclude else ""))
    if exact:
        return (f"SELECT question_id, 1 - distance AS similarity FROM (SELECT e.question_id, {distance} AS distance "
                f"FROM question_embeddings e WHERE {where} OFFSET 0) scored ORDER BY distance LIMIT :k")
    return (f"SELECT e.question_id, 1 - ({distance}) AS similarity FROM question_embeddings e WHERE {where} "
            f"ORDER BY {distance} LIMIT :k")


SIZE_TTL_SECONDS = 300.0
_small: dict[tuple[UUID, str], tuple[bool, float]] = {}


def searched_exactly(conn: Connection, workspace_id: UUID, model: str) -> bool:
    """Whether the workspace has fewer than EXACT_BELOW embeddings of the model. Remembered per process for
    SIZE_TTL_SECONDS: counting costs ~1-2 ms a query, a workspace crosses the line rarely, and a stale answer only
    picks the other of two correct plans."""
    key, now = (workspace_id, model), time.monotonic()
    known = _small.get(key)
    if known is not None and now - known[1] < SIZE_TTL_SECONDS:
        return known[0]
    small = conn.execute(text(size_sql(model)), {"w": workspace_id}).scalar() < EXACT_BELOW
    _small[key] = (small, now)
    return small


def similar_to_vector(conn: Connection, workspace_id: UUID, model: str, dimensions: int, vector: Sequence[float],
                      limit: int, *, exclude: UUID | None = None, tuned: bool = True,
                      exact: bool | None = None) -> list[Similar]:
    """The workspace's `limit` embeddings of `model` nearest to `vector`. exact: None decides by the workspace's size
    (EXACT_BELOW), True scores every row, False takes the HNSW index (where the planner agrees)."""
    if exact is None:
        exact = searched_exactly(conn, workspace_id, model)
    if tuned and not exact:
        tune(conn)
    params = {"q": vector_literal(vector), "w": workspace_id, "k": int(limit)}
    if exclude is not None:
        params["exclude"] = exclude
    rows = conn.execute(text(nearest_sql(model, dimensions, exclude is not None, exact=exact)), params).all()
    # relaxed_order hands rows back nearly sorted; the planner believes any SQL re-sort of them is already done
    # (PostgreSQL 17+ keeps a subquery's or CTE's sort order), so the final order is made here.
    return sorted((Similar(r.question_id, float(r.similarity)) for r in rows),
                  key=lambda s: (-s.similarity, str(s.question_id)))


def similar_to_question(conn: Connection, workspace_id: UUID, question_id: UUID, limit: int = 10, *,
                        model: str | None = None) -> list[Similar]:
    """The questions of the workspace nearest to one of its questions (itself left out), most similar first.
    NotEmbedded when the question has no embedding by `model` (default: the configured provider's)."""
    model = model or configured_model()
    row = conn.execute(text(
        "SELECT e.embedding::text AS vec, m.dimensions FROM question_embeddings e "
        "JOIN embedding_models m ON m.name = e.embedding_model "
        "WHERE e.workspace_id = :w AND e.question_id = :q AND e.embedding_model = :m"),
        {"w": workspace_id, "q": question_id, "m": model}).one_or_none()
    if row is None:
        raise NotEmbedded(f"question {question_id} has no {model} embedding yet")
    vector = [float(x) for x in row.vec.strip("[]").split(",")]
    return similar_to_vector(conn, workspace_id, model, row.dimensions, vector, limit, exclude=question_id)


def similar_to_text(conn: Connection, workspace_id: UUID, query: str, limit: int = 10, *, provider=None) -> list[Similar]:
    """The questions of the workspace nearest to a free text, embedded by `provider` (default: the configured one)."""
    from tutorassist.embeddings import providers

    provider = provider or providers.configured()
    dimensions = check_model(conn, provider)
    [vector] = provider.embed([query])
    return similar_to_vector(conn, workspace_id, provider.model, dimensions, vector, limit)


def near_duplicates(conn: Connection, workspace_id: UUID, texts: Sequence[str], threshold: float | None = None, *,
                    provider=None, limit: int = 5) -> list[list[Similar]]:
    """For each text (a generated question, as embeddings.text.question_text builds it), the workspace's questions
    at least `threshold` similar (default TUTORASSIST_DUPLICATE_SIMILARITY), most similar first; [] when none is."""
    from tutorassist.config import get_settings
    from tutorassist.embeddings import providers

    if threshold is None:
        threshold = get_settings().duplicate_similarity
    if not texts:
        return []
    provider = provider or providers.configured()
    dimensions = check_model(conn, provider)
    vectors = provider.embed(list(texts))
    exact = searched_exactly(conn, workspace_id, provider.model)
    if not exact:
        tune(conn)
    return [[s for s in similar_to_vector(conn, workspace_id, provider.model, dimensions, v, limit, tuned=False,
                                          exact=exact)
             if s.similarity >= threshold] for v in vectors]


def configured_model() -> str:
    from tutorassist.config import get_settings
    from tutorassist.embeddings.providers import LOCAL_MODEL, OPENAI_DEFAULT_MODEL

    settings = get_settings()
    return settings.embedding_model or (LOCAL_MODEL if settings.embedding_provider == "local" else OPENAI_DEFAULT_MODEL)
