"""Bulk export and import of questions as JSON (format `tutorassist.questions.v1`), staff only.

Export: the questions matching the search filters (no pagination), oldest first, with every field needed to create
them again (generation_metadata, quality_score and the batch included), plus each question's topic path from the root
(`["Algebra", "Linear equations"]`). The document is streamed: rows come from a server-side cursor in one
transaction (one snapshot) and are written out as they arrive, so an export of 100,000 questions is never held in
memory.

Import (the document is checked first; everything is then written in one transaction):

1. The document is at most 10 MB (413) and 5,000 questions (422 naming `questions`). `format` is required,
   `exported_at` optional.
2. Everything is validated before anything is written; every problem of every item is reported in one 422, with
   field paths such as `questions.3.answer_spec.value`. Nothing is stored unless the whole document is valid. Answer
   specifications must be gradable by the answer checker, as on create (spec_check.py).
3. Importing the same export twice does not duplicate: an item is skipped (listed in `skipped`, not created) when
   its `id` is a question of this workspace, or a question of this workspace - or an earlier item of the same
   document - has the same prompt_latex, answer_type and answer_spec (as stored). Skipped items create no topics.
4. Topics: an item's `topic_id` is used when it is a topic of the importing workspace; otherwise its `topic_path` is
   resolved from the root by exact name among siblings (archived topics count), and the topics missing along the
   path are created (metadata `generated_from: imported`); a new topic is never created under an archived one (422
   naming the item's `topic_path`). A `topic_id` that is not a topic of this workspace and no `topic_path` is a 422.
5. Imported questions get origin `imported` (the document's origin is informational) and the document's status
   (default draft), quality_score and generation_metadata (validated against its contract and stored as it dumps
   it). `batch_id` (with `batch_custom_id`) is kept when that batch exists in this workspace, else dropped. The new
   ids are time-ordered (UUIDv7 layout, document position in the random part): the questions of one import share
   created_at, so ordering by (created_at, id), as export and search do, keeps the document's order. The response
   lists the created ids in document order.
"""

from __future__ import annotations

import json
import secrets
import time
from collections.abc import Iterator
from datetime import datetime
from typing import Literal
from uuid import UUID

from pydantic import BaseModel, ConfigDict, ValidationError
from sqlalchemy import text

from tutorassist.api.context import STAFF, RequestContext, Tx
from tutorassist.kit.jsonb import dump_column
from tutorassist.kit.problems import Problem
from tutorassist.questions import schemas, service
from tutorassist.questions.latex import latex_to_text
from tutorassist.questions.search import Filters, where
from tutorassist.questions.topics.service import stored_metadata

MAX_REPORTED_ERRORS = 10_000

_INSERT_QUESTIONS = """
INSERT INTO questions (workspace_id, id, topic_id, batch_id, batch_custom_id, prompt_latex, prompt_text, answer_type,
                       answer_spec, hints_json, solution_latex, difficulty, tags_json, curriculum_json, status, origin,
                       quality_score, generation_metadata, created_by, updated_by)
SELECT :w, r.id, r.topic_id, r.batch_id, r.batch_custom_id, r.prompt_latex, r.prompt_text, r.answer_type,
       r.answer_spec, r.hints, r.solution_latex, r.difficulty, r.tags, r.curriculum, r.status, 'imported',
       r.quality_score, r.generation_metadata, :u, :u
FROM jsonb_to_recordset(CAST(:rows AS jsonb)) AS r(id uuid, topic_id uuid, batch_id uuid, batch_custom_id text,
     prompt_latex text, prompt_text text, answer_type text, answer_spec jsonb, hints jsonb, solution_latex text,
     difficulty smallint, tags jsonb, curriculum jsonb, status text, quality_score numeric, generation_metadata jsonb)
"""

# Existing questions an item duplicates: by id, else by content (the spec compared as stored, i.e. as dumped).
_DUPLICATES = """
SELECT r.i, q.id, CASE WHEN q.id = r.id THEN 'same_id' ELSE 'same_content' END AS reason
FROM jsonb_to_recordset(CAST(:items AS jsonb)) AS r(i int, id uuid, prompt_latex text, answer_type text,
                                                    answer_spec jsonb)
JOIN LATERAL (
  SELECT q.id FROM questions q
  WHERE q.workspace_id = :w AND (q.id = r.id OR (q.prompt_latex = r.prompt_latex AND q.answer_type = r.answer_type
                                                 AND q.answer_spec = r.answer_spec))
  ORDER BY q.id = r.id DESC, q.created_at, q.id LIMIT 1
) q ON true
"""


# ---------------------------------------------------------------- export
_PATHS = """WITH RECURSIVE paths AS (
  SELECT t.id, ARRAY[t.name] AS path FROM topics t WHERE t.workspace_id = :w AND t.parent_id IS NULL
  UNION ALL
  SELECT c.id, p.path || c.name FROM topics c JOIN paths p ON c.parent_id = p.id WHERE c.workspace_id = :w
)
SELECT id, path FROM paths"""


EXPORT_BATCH_ROWS = 500
_EXPORTED = ("id", "topic_id", "prompt_latex", "answer_type", "answer_spec", "hints", "solution_latex", "difficulty",
             "tags", "program_ids", "grade_level_ids", "curriculum", "status", "origin", "quality_score",
             "generation_metadata", "batch_id", "batch_custom_id")


def export_stream(ctx: RequestContext, ws: UUID, filters: Filters) -> Iterator[bytes]:
    """The export document in pieces. The first piece is produced only after the caller's role is checked, so the
    caller can take it before answering (a refusal is then still a problem document, not a broken stream)."""
    with ctx.tx(ws) as tx:
        tx.require(*STAFF)
        exported_at = tx.scalar("SELECT now()")
        yield (f'{{"format": {json.dumps(schemas.EXPORT_FORMAT)}, "exported_at": {json.dumps(exported_at.isoformat())}'
               ', "questions": [').encode()
        paths = {r["id"]: list(r["path"]) for r in tx.all(_PATHS, w=ws)}
        with_clause, condition, params = where(tx, filters)
        rows = tx.conn.execution_options(stream_results=True, yield_per=EXPORT_BATCH_ROWS).execute(
            text(f"{with_clause}SELECT {service.COLUMNS}, q.generation_metadata, q.batch_id, q.batch_custom_id "
                 f"FROM questions q WHERE {condition} ORDER BY q.created_at, q.id"), params).mappings()
        separator = b""
        for row in rows:
            item = schemas.TransferQuestion.model_construct(
                topic_path=paths.get(row["topic_id"]), **{name: row[name] for name in _EXPORTED})
            yield separator + item.model_dump_json().encode()
            separator = b", "
        yield b"]}"


# ---------------------------------------------------------------- import
class _Header(BaseModel):
    model_config = ConfigDict(extra="forbid")

    format: Literal["tutorassist.questions.v1"]
    exported_at: datetime | None = None


def _errors(exc: ValidationError, prefix: str) -> list[dict[str, str]]:
    return [{"field": ".".join([prefix, *(str(p) for p in e["loc"])]) if prefix else
             ".".join(str(p) for p in e["loc"]) or "body", "message": e["msg"]} for e in exc.errors()]


def _refuse(errors: list[dict[str, str]]) -> Problem:
    items = sorted({int(e["field"].split(".")[1]) for e in errors
                    if e["field"].startswith("questions.") and e["field"].split(".")[1].isdigit()})
    shown = "; ".join(f"{e['field']}: {e['message']}" for e in errors[:5])
    more = f" (and {len(errors) - 5} more)" if len(errors) > 5 else ""
    summary = f"{len(items)} invalid question(s), nothing imported: " if items else "nothing imported: "
    return Problem(422, "Validation failed", summary + shown + more, errors=errors[:MAX_REPORTED_ERRORS],
                   invalid_items=items)


def parse_document(raw: bytes) -> tuple[list[schemas.TransferQuestion | None], list[dict[str, str]]]:
    """The items (None where invalid) and every validation error of the document, without touching the database."""
    try:
        document = json.loads(raw)
    except (ValueError, RecursionError) as exc:
        raise _refuse([{"field": "body", "message": f"not valid JSON ({str(exc)[:100]})"}]) from None
    if not isinstance(document, dict):
        raise _refuse([{"field": "body", "message": "must be a JSON object"}])
    errors: list[dict[str, str]] = []
    questions = document.get("questions")
    try:
        _Header.model_validate({k: v for k, v in document.items() if k != "questions"})
    except ValidationError as exc:
        errors += _errors(exc, "")
    if not isinstance(questions, list):
        errors.append({"field": "questions", "message": "required: a list of questions"})
        raise _refuse(errors)
    if len(questions) > schemas.MAX_IMPORT_QUESTIONS:
        raise _refuse([{"field": "questions", "message": f"at most {schemas.MAX_IMPORT_QUESTIONS} questions per "
                                                         f"import, got {len(questions)}"}])
    items: list[schemas.TransferQuestion | None] = []
    for i, raw_item in enumerate(questions):
        prefix = f"questions.{i}"
        generation, generation_errors = _generation_metadata(raw_item, prefix)
        try:
            item = schemas.TransferQuestion.model_validate(raw_item)
        except ValidationError as exc:
            errors += _errors(exc, prefix) + generation_errors
            items.append(None)
            continue
        item_errors = service.content_errors(item.model_dump(include={"answer_type", "answer_spec", "curriculum"}),
                                             prefix) + generation_errors
        item.generation_metadata = generation
        errors += item_errors
        items.append(None if item_errors else item)
    return items, errors


_GENERATION_VARIANTS = {"full", "legacy", "empty"}  # union tags of the contract, not keys of the document


def _generation_metadata(raw_item: object, prefix: str) -> tuple[dict, list[dict[str, str]]]:
    """The item's generation_metadata as its contract dumps it, or the errors naming its keys."""
    value = raw_item.get("generation_metadata", {}) if isinstance(raw_item, dict) else {}
    if not isinstance(value, dict):
        return {}, []  # the item's model reports the type
    try:
        return dump_column("questions", "generation_metadata", value), []
    except ValidationError as exc:
        errors = []
        for error in exc.errors():
            loc = error["loc"][1:] if error["loc"][:1] and error["loc"][0] in _GENERATION_VARIANTS else error["loc"]
            errors.append({"field": ".".join([f"{prefix}.generation_metadata", *(str(p) for p in loc)]),
                           "message": error["msg"]})
        return {}, errors


def import_questions(ctx: RequestContext, ws: UUID, raw: bytes) -> schemas.ImportResult:
    with ctx.tx(ws) as tx:
        tx.require(*STAFF)  # before any work on the document
    # The document is checked outside a transaction: the answer checker takes a few ms per item, and a connection
    # should not wait on it.
    items, errors = parse_document(raw)
    with ctx.tx(ws) as tx:
        tx.require(*STAFF)
        valid = [(i, item) for i, item in enumerate(items) if item is not None]
        programs = service.known_ids(tx, "study_programs", {p for _, it in valid for p in it.program_ids})
        grades = service.known_ids(tx, "grade_levels", {g for _, it in valid for g in it.grade_level_ids})
        for i, item in valid:
            errors += service.reference_errors(tx, item.program_ids, item.grade_level_ids, f"questions.{i}",
                                               programs=programs, grades=grades)
        specs = {i: service.stored_answer_spec(item.answer_type, item.answer_spec) for i, item in valid}
        skipped = _duplicates(tx, valid, specs)
        fresh = [(i, item) for i, item in valid if i not in skipped]
        topics = _Topics(tx)
        for i, item in valid:  # skipped items too: the same document gets the same verdict the second time
            errors += topics.plan(item, f"questions.{i}")
        if errors:
            errors.sort(key=lambda e: _order(e["field"]))
            raise _refuse(errors)
        batches = service.known_ids(tx, "question_batches", {it.batch_id for _, it in fresh if it.batch_id})
        rows, program_links, grade_links, created = [], [], [], {}
        for question_id, (i, item) in zip(ordered_ids(len(fresh)), fresh):
            created[i] = question_id
            batch = item.batch_id if item.batch_id in batches else None
            rows.append({
                "id": str(question_id), "topic_id": str(topic) if (topic := topics.resolve(item)) else None,
                "batch_id": str(batch) if batch else None, "batch_custom_id": item.batch_custom_id if batch else None,
                "prompt_latex": item.prompt_latex, "prompt_text": latex_to_text(item.prompt_latex),
                "answer_type": item.answer_type, "answer_spec": specs[i], "hints": item.hints,
                "solution_latex": item.solution_latex, "difficulty": item.difficulty, "tags": item.tags,
                "curriculum": item.curriculum, "status": item.status,
                "quality_score": None if item.quality_score is None else str(item.quality_score),
                "generation_metadata": item.generation_metadata})
            program_links += [[str(question_id), str(p)] for p in item.program_ids]
            grade_links += [[str(question_id), str(g)] for g in item.grade_level_ids]
        # One statement per table (the rows as one JSON parameter): the triggers still see every row.
        if rows:
            tx.conn.execute(text(_INSERT_QUESTIONS), {"w": ws, "u": tx.user_id, "rows": json.dumps(rows)})
        for table, column, links in (("question_programs", "program_id", program_links),
                                     ("question_grade_levels", "grade_level_id", grade_links)):
            if links:
                tx.conn.execute(text(f"INSERT INTO {table} (workspace_id, question_id, {column}) "
                                     "SELECT :w, CAST(l ->> 0 AS uuid), CAST(l ->> 1 AS uuid) "
                                     "FROM jsonb_array_elements(CAST(:links AS jsonb)) l"),
                                {"w": ws, "links": json.dumps(links)})
        return schemas.ImportResult(
            created_ids=[UUID(r["id"]) for r in rows], created_topic_ids=topics.created,
            skipped=[schemas.SkippedItem(index=i, existing_id=existing if isinstance(existing, UUID) else created[existing],
                                         reason=reason) for i, (existing, reason) in sorted(skipped.items())])


def _duplicates(tx: Tx, valid: list[tuple[int, schemas.TransferQuestion]],
                specs: dict[int, dict]) -> dict[int, tuple[UUID | int, str]]:
    """Items not to create: index -> (the existing question's id, or the index of the earlier item it repeats; the
    reason)."""
    payload = [{"i": i, "id": str(item.id) if item.id else None, "prompt_latex": item.prompt_latex,
                "answer_type": item.answer_type, "answer_spec": specs[i]} for i, item in valid]
    skipped: dict[int, tuple[UUID | int, str]] = {
        r["i"]: (r["id"], r["reason"]) for r in tx.all(_DUPLICATES, w=tx.workspace_id, items=json.dumps(payload))}
    first: dict[str, int] = {}
    for i, item in valid:
        if i in skipped:
            continue
        key = json.dumps([item.prompt_latex, item.answer_type, specs[i]], sort_keys=True)
        if key in first:
            skipped[i] = (first[key], "same_content")
        else:
            first[key] = i
    return skipped


def ordered_ids(count: int) -> list[UUID]:
    """`count` new ids in increasing order: UUIDv7 (unix ms, version 7, variant) with the position in rand_b."""
    head = ((time.time_ns() // 1_000_000) << 80) | (0x7 << 76) | (secrets.randbits(12) << 64) | (0b10 << 62)
    return [UUID(int=head | (i << 40) | secrets.randbits(40)) for i in range(count)]


def _order(field: str) -> tuple[int, str]:
    parts = field.split(".")
    return (int(parts[1]) if len(parts) > 1 and parts[0] == "questions" and parts[1].isdigit() else -1, field)


class _Topics:
    """The workspace's topic tree, to resolve import items to topics (planning first, creating only after)."""

    def __init__(self, tx: Tx) -> None:
        self.tx = tx
        rows = tx.all("SELECT id, parent_id, name, archived_at IS NOT NULL AS archived FROM topics WHERE workspace_id = :w",
                      w=tx.workspace_id)
        self.ids = {r["id"] for r in rows}
        self.children: dict[tuple[UUID | None, str], UUID] = {(r["parent_id"], r["name"]): r["id"] for r in rows}
        self.archived = {r["id"] for r in rows if r["archived"]}
        self.created: list[UUID] = []

    def plan(self, item: schemas.TransferQuestion, prefix: str) -> list[dict[str, str]]:
        """Errors resolving the item's topic (nothing is created here)."""
        if item.topic_id is not None and item.topic_id in self.ids:
            return []
        if item.topic_path:
            parent: UUID | None = None
            for depth, name in enumerate(item.topic_path):
                found = self.children.get((parent, name))
                if found is None:
                    if parent is not None and parent in self.archived:
                        return [{"field": f"{prefix}.topic_path", "message": f"topic {item.topic_path[depth - 1]!r} "
                                 "is archived; new topics cannot be created under it"}]
                    return []
                parent = found
            return []
        if item.topic_id is not None:
            return [{"field": f"{prefix}.topic_id",
                     "message": "no such topic in this workspace (give topic_path to file the question by name)"}]
        return []

    def resolve(self, item: schemas.TransferQuestion) -> UUID | None:
        """The item's topic id, creating the missing topics of its path."""
        if item.topic_id is not None and item.topic_id in self.ids:
            return item.topic_id
        if not item.topic_path:
            return None
        parent: UUID | None = None
        for name in item.topic_path:
            found = self.children.get((parent, name))
            if found is None:
                found = self.tx.scalar(
                    "INSERT INTO topics (workspace_id, parent_id, name, metadata, created_by) "
                    "VALUES (:w, :p, :n, CAST(:m AS jsonb), :u) RETURNING id",
                    w=self.tx.workspace_id, p=parent, n=name, u=self.tx.user_id,
                    m=stored_metadata({"generated_from": "imported"}))
                self.children[(parent, name)] = found
                self.ids.add(found)
                self.created.append(found)
            parent = found
        return parent

