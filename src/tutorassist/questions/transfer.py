"""Bulk export and import of questions as JSON (format `tutorassist.questions.v1`), staff only.

Export: the questions matching the search filters (no pagination), oldest first, with every field needed to create
them again, plus each question's topic path from the root (`["Algebra", "Linear equations"]`).

Import, all in the request's one transaction:

1. The document is at most 10 MB (413) and 5,000 questions (422 naming `questions`).
2. Everything is validated before anything is written; every problem of every item is reported in one 422, with
   field paths such as `questions.3.answer_spec.value`. Nothing is stored unless the whole document is valid.
3. Topics: an item's `topic_id` is used when it is a topic of the importing workspace; otherwise its `topic_path` is
   resolved from the root by exact name among siblings (archived topics count), and the topics missing along the
   path are created (metadata `generated_from: imported`); a new topic is never created under an archived one (422
   naming the item's `topic_path`). A `topic_id` that is not a topic of this workspace and no `topic_path` is a 422.
4. Imported questions get origin `imported` (the document's origin is informational) and the document's status
   (default draft); `id` is ignored. The new ids are time-ordered (UUIDv7 layout, document position in the random
   part): the questions of one import share created_at, so ordering by (created_at, id), as export and search do,
   keeps the document's order. The response lists the created ids in document order.
"""

from __future__ import annotations

import json
import secrets
import time
from datetime import datetime
from typing import Literal
from uuid import UUID

from pydantic import BaseModel, ConfigDict, ValidationError
from sqlalchemy import text

from tutorassist.api.context import STAFF, RequestContext, Tx
from tutorassist.kit.problems import Problem
from tutorassist.questions import schemas, service
from tutorassist.questions.latex import latex_to_text
from tutorassist.questions.search import Filters, where
from tutorassist.questions.topics.service import stored_metadata

MAX_REPORTED_ERRORS = 10_000

_INSERT_QUESTIONS = """
INSERT INTO questions (workspace_id, id, topic_id, prompt_latex, prompt_text, answer_type, answer_spec, hints_json,
                       solution_latex, difficulty, tags_json, curriculum_json, status, origin, created_by, updated_by)
SELECT :w, r.id, r.topic_id, r.prompt_latex, r.prompt_text, r.answer_type, r.answer_spec, r.hints, r.solution_latex,
       r.difficulty, r.tags, r.curriculum, r.status, 'imported', :u, :u
FROM jsonb_to_recordset(CAST(:rows AS jsonb)) AS r(id uuid, topic_id uuid, prompt_latex text, prompt_text text,
     answer_type text, answer_spec jsonb, hints jsonb, solution_latex text, difficulty smallint, tags jsonb,
     curriculum jsonb, status text)
"""


# ---------------------------------------------------------------- export
_PATHS = """WITH RECURSIVE paths AS (
  SELECT t.id, ARRAY[t.name] AS path FROM topics t WHERE t.workspace_id = :w AND t.parent_id IS NULL
  UNION ALL
  SELECT c.id, p.path || c.name FROM topics c JOIN paths p ON c.parent_id = p.id WHERE c.workspace_id = :w
)
SELECT id, path FROM paths"""


def export_questions(ctx: RequestContext, ws: UUID, filters: Filters) -> schemas.ExportDocument:
    with ctx.tx(ws) as tx:
        tx.require(*STAFF)
        paths = {r["id"]: list(r["path"]) for r in tx.all(_PATHS, w=ws)}
        with_clause, condition, params = where(tx, filters)
        rows = tx.all(f"{with_clause}SELECT {service.COLUMNS} FROM questions q WHERE {condition} "
                      "ORDER BY q.created_at, q.id", **params)
        exported_at = tx.scalar("SELECT now()")
        return schemas.ExportDocument(exported_at=exported_at, questions=[
            schemas.TransferQuestion.model_construct(
                id=r["id"], topic_id=r["topic_id"], topic_path=paths.get(r["topic_id"]), prompt_latex=r["prompt_latex"],
                answer_type=r["answer_type"], answer_spec=r["answer_spec"], hints=r["hints"],
                solution_latex=r["solution_latex"], difficulty=r["difficulty"], tags=r["tags"],
                program_ids=r["program_ids"], grade_level_ids=r["grade_level_ids"], curriculum=r["curriculum"],
                status=r["status"], origin=r["origin"])
            for r in rows])


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
        try:
            item = schemas.TransferQuestion.model_validate(raw_item)
        except ValidationError as exc:
            errors += _errors(exc, prefix)
            items.append(None)
            continue
        item_errors = service.content_errors(item.model_dump(include={"answer_type", "answer_spec", "curriculum"}),
                                             prefix)
        errors += item_errors
        items.append(None if item_errors else item)
    return items, errors


def import_questions(ctx: RequestContext, ws: UUID, raw: bytes) -> schemas.ImportResult:
    with ctx.tx(ws) as tx:
        tx.require(*STAFF)
        items, errors = parse_document(raw)
        valid = [(i, item) for i, item in enumerate(items) if item is not None]
        programs = service.known_ids(tx, "study_programs", {p for _, it in valid for p in it.program_ids})
        grades = service.known_ids(tx, "grade_levels", {g for _, it in valid for g in it.grade_level_ids})
        for i, item in valid:
            errors += service.reference_errors(tx, item.program_ids, item.grade_level_ids, f"questions.{i}",
                                               programs=programs, grades=grades)
        topics = _Topics(tx)
        for i, item in valid:
            errors += topics.plan(item, f"questions.{i}")
        if errors:
            errors.sort(key=lambda e: _order(e["field"]))
            raise _refuse(errors)
        rows, program_links, grade_links = [], [], []
        for question_id, (_, item) in zip(ordered_ids(len(valid)), valid):
            rows.append({
                "id": str(question_id), "topic_id": str(topic) if (topic := topics.resolve(item)) else None,
                "prompt_latex": item.prompt_latex, "prompt_text": latex_to_text(item.prompt_latex),
                "answer_type": item.answer_type,
                "answer_spec": service.stored_answer_spec(item.answer_type, item.answer_spec), "hints": item.hints,
                "solution_latex": item.solution_latex, "difficulty": item.difficulty, "tags": item.tags,
                "curriculum": item.curriculum, "status": item.status})
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
        return schemas.ImportResult(created_ids=[UUID(r["id"]) for r in rows], created_topic_ids=topics.created)


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

