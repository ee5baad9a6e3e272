"""Finding questions: filters shared by search and export, and the keyset-paginated search.

* `topic_id` matches the topic and its whole subtree (recursive CTE over topics of the workspace); an unknown topic
  (or another workspace's) simply matches nothing.
* `tag` (repeatable): every given tag must be on the question, through the GIN index (`tags_json @> '["a","b"]'`).
* `status` (repeatable), `origin`, `difficulty_min`/`difficulty_max` (inclusive), `program_id`, `grade_level_id`.
* `q`: full text, `search_tsv @@ websearch_to_tsquery('simple', q)` (prompt text and solution). When full text finds
  nothing (with the other filters), the prompt text is matched by trigram word similarity instead (pg_trgm `%>`,
  threshold `pg_trgm.word_similarity_threshold`, 0.6 by default), so spelling variants such as `factorize` find
  `Factorise`; the order stays newest first.
* Students and guardians only ever get active questions that flags have not hidden (other statuses they ask for
  match nothing).
* Order: newest first, `created_at DESC, id DESC` (index idx_questions_listing); the cursor holds the last row's (created_at, id), so pages never
  repeat or skip a row while questions are added (new ones sort before the cursor).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any
from uuid import UUID

from tutorassist.api.context import STAFF, RequestContext, Tx
from tutorassist.kit.pagination import Page, decode_time_cursor, page_of
from tutorassist.questions import service

SIMILAR_WORDS = "OPERATOR(extensions.%>)"
"""pg_trgm's word similarity (the query is like some run of words of the prompt), served by idx_questions_prompt_trgm."""
NEWEST_FIRST = "ORDER BY q.created_at DESC, q.id DESC"
"""The search's order, served by idx_questions_listing (workspace_id, created_at DESC, id DESC)."""


@dataclass
class Filters:
    topic_id: UUID | None = None
    difficulty_min: int | None = None
    difficulty_max: int | None = None
    status: list[str] = field(default_factory=list)
    origin: str | None = None
    tags: list[str] = field(default_factory=list)
    program_id: UUID | None = None
    grade_level_id: UUID | None = None
    q: str | None = None


def where(tx: Tx, f: Filters) -> tuple[str, str, dict[str, Any]]:
    """(WITH clause, WHERE condition, parameters) selecting the questions of the filters in the acting workspace."""
    with_clause = ""
    conditions = ["q.workspace_id = :w"]
    params: dict[str, Any] = {"w": tx.workspace_id}
    if tx.role not in STAFF:
        conditions.append("q.status = 'active' AND q.hidden_at IS NULL")
    if f.topic_id is not None:
        with_clause = """WITH RECURSIVE subtree AS (
  SELECT t.id FROM topics t WHERE t.workspace_id = :w AND t.id = :topic
  UNION
  SELECT c.id FROM topics c JOIN subtree s ON c.parent_id = s.id WHERE c.workspace_id = :w
) """
        conditions.append("q.topic_id IN (SELECT id FROM subtree)")
        params["topic"] = f.topic_id
    if f.difficulty_min is not None:
        conditions.append("q.difficulty >= :dmin")
        params["dmin"] = f.difficulty_min
    if f.difficulty_max is not None:
        conditions.append("q.difficulty <= :dmax")
        params["dmax"] = f.difficulty_max
    if f.status:
        conditions.append("q.status = ANY(:statuses)")
        params["statuses"] = list(f.status)
    if f.origin is not None:
        conditions.append("q.origin = :origin")
        params["origin"] = f.origin
    if f.tags:
        conditions.append("q.tags_json @> CAST(:tags AS jsonb)")
        params["tags"] = json.dumps(f.tags)
    if f.program_id is not None:
        conditions.append("EXISTS (SELECT 1 FROM question_programs p WHERE p.workspace_id = q.workspace_id "
                          "AND p.question_id = q.id AND p.program_id = :program)")
        params["program"] = f.program_id
    if f.grade_level_id is not None:
        conditions.append("EXISTS (SELECT 1 FROM question_grade_levels g WHERE g.workspace_id = q.workspace_id "
                          "AND g.question_id = q.id AND g.grade_level_id = :grade)")
        params["grade"] = f.grade_level_id
    if f.q:
        params["query"] = f.q
        full_text = "q.search_tsv @@ websearch_to_tsquery('simple', :query)"
        found = tx.scalar(f"{with_clause}SELECT EXISTS (SELECT 1 FROM questions q WHERE "
                          f"{' AND '.join([*conditions, full_text])})", **params)
        # Nothing in full text: a spelling variant (factorize / Factorise) is still close in trigrams.
        conditions.append(full_text if found else f"q.prompt_text {SIMILAR_WORDS} :query")
    return with_clause, " AND ".join(conditions), params


def search(ctx: RequestContext, ws: UUID, filters: Filters, limit: int, cursor: str | None) -> Page:
    after = decode_time_cursor(cursor)
    with ctx.tx(ws) as tx:
        with_clause, condition, params = where(tx, filters)
        if after is not None:
            condition += " AND (q.created_at, q.id) < (:after_at, :after_id)"
            params |= {"after_at": after[0], "after_id": after[1]}
        rows = tx.all(f"{with_clause}SELECT {service.columns(tx)} FROM questions q WHERE {condition} "
                      f"{NEWEST_FIRST} LIMIT :limit", **params, limit=limit + 1)
        rows, next_cursor = page_of(rows, limit)
        return Page(items=[service.view(tx, r) for r in rows], next_cursor=next_cursor)
