"""The workspace's topic tree: create, read (flat or nested), rename, move, archive, delete.

Staff (owner, tutor) write; students and guardians read topics that are not archived. Rules:

* A topic's parent must be a topic of the same workspace (422 naming `parent_id` otherwise); moving a topic under
  itself or its own descendant is refused by the database trigger (422 naming `parent_id`).
* Archiving archives the whole subtree (every descendant not yet archived gets the same `archived_at`); unarchiving
  restores the topic and the descendants archived together with it (not ones archived separately before), and is
  refused (409) while the parent is archived. An active topic cannot be created or moved under an archived parent
  (409), so an archived topic never has active descendants.
* Delete only removes a leaf without questions (409 otherwise); source materials filed under it are kept, unfiled.
* `metadata` is validated by TopicMetadata and stored as it dumps it; source_program_id / source_grade_level_id must
  exist. The database keeps its topic ids consistent (migration 0013): prerequisites, follows_topics and
  leads_to_topics name other existing topics of the workspace (422 naming `metadata.<key>`), and an active topic's
  prerequisites are active. Deleting or archiving a topic that remaining active topics name as a prerequisite is
  refused (409 naming them: "Algebra (needs Numbers)"); a deleted topic is removed from others' follows_topics and
  leads_to_topics. Mastery must never count a prerequisite it cannot find as met.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any
from uuid import UUID

import psycopg
from pydantic import ValidationError
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from tutorassist.api.context import STAFF, RequestContext, Tx
from tutorassist.kit.jsonb import dump_column
from tutorassist.kit.problems import Problem, from_validation_error, invalid_field
from tutorassist.questions import contracts as _contracts  # noqa: F401  (registers topics.metadata)
from tutorassist.questions.topics import schemas

_COLUMNS = "id, parent_id, name, description, sort_order, metadata, archived_at, created_at, updated_at"

# Depth-first (pre-order) listing: siblings by sort_order, name, id. Walks down from the roots through visible topics
# only, so a hidden (archived) topic hides its subtree. One query.
_TREE = f"""
WITH RECURSIVE ranked AS (
  SELECT {_COLUMNS}, row_number() OVER (PARTITION BY parent_id ORDER BY sort_order, name, id) AS pos
  FROM topics WHERE workspace_id = :w AND (:archived OR archived_at IS NULL)
), walk AS (
  SELECT r.*, ARRAY[r.pos] AS path FROM ranked r WHERE r.parent_id IS NULL
  UNION ALL
  SELECT r.*, w.path || r.pos FROM ranked r JOIN walk w ON r.parent_id = w.id
)
SELECT {_COLUMNS} FROM walk ORDER BY path
"""


def _topic(tx: Tx, topic_id: UUID, *, lock: bool = False) -> dict:
    """The topic as the caller may see it (404 otherwise: other workspaces' and, for non-staff, archived topics)."""
    row = tx.one(f"SELECT {_COLUMNS} FROM topics WHERE workspace_id = :w AND id = :t" + (" FOR UPDATE" if lock else ""),
                 w=tx.workspace_id, t=topic_id)
    if row is None or (row["archived_at"] is not None and tx.role not in STAFF):
        raise Problem(404, "Not found", "no such topic")
    return dict(row)


def _check_parent(tx: Tx, parent_id: UUID | None, topic_id: UUID | None = None) -> None:
    if parent_id is None:
        return
    if parent_id == topic_id:
        raise invalid_field("parent_id", "a topic cannot be its own parent")
    # FOR SHARE: a concurrent archive of the parent waits for us (and then archives our topic too), or we see it.
    parent = tx.one("SELECT archived_at FROM topics WHERE workspace_id = :w AND id = :p FOR SHARE", w=tx.workspace_id, p=parent_id)
    if parent is None:
        raise invalid_field("parent_id", "no such topic in this workspace")
    if parent["archived_at"] is not None:
        raise Problem(409, "Conflict", "the parent topic is archived; unarchive it first or choose another parent")


def stored_metadata(value: dict[str, Any]) -> str:
    """The metadata as TopicMetadata dumps it, as JSON text (422 naming `metadata.<key>` when it is invalid)."""
    try:
        return json.dumps(dump_column("topics", "metadata", value))
    except ValidationError as exc:
        raise from_validation_error(exc, "metadata") from None


def _metadata(tx: Tx, value: dict[str, Any]) -> str:
    """Validated and dumped metadata; the database checks the topic ids it names (topics_metadata_ids trigger)."""
    stored = stored_metadata(value)
    for key, table in (("source_program_id", "study_programs"), ("source_grade_level_id", "grade_levels")):
        if value.get(key) and tx.scalar(f"SELECT id FROM {table} WHERE id = CAST(:i AS uuid)", i=str(value[key])) is None:
            raise invalid_field(f"metadata.{key}", f"no such {'study program' if key == 'source_program_id' else 'grade level'}")
    return stored


@contextmanager
def _explained() -> Iterator[None]:
    """The database's refusals of a topic write, said in terms of the request."""
    try:
        yield
    except DBAPIError as exc:
        orig = exc.orig
        constraint = orig.diag.constraint_name if isinstance(orig, psycopg.Error) else None
        if constraint == "topics_metadata_topics_check":
            raise invalid_field(f"metadata.{orig.diag.column_name}", orig.diag.message_primary or "invalid") from None
        if constraint == "topics_no_cycle_check":
            raise invalid_field("parent_id", "cannot move a topic under itself or one of its own descendants") from None
        if constraint == "topics_workspace_id_parent_id_name_key":
            raise Problem(409, "Conflict", "a topic with this name already exists under the same parent") from None
        raise


def create_topic(ctx: RequestContext, ws: UUID, body: schemas.TopicCreate) -> schemas.TopicOut:
    with ctx.tx(ws) as tx:
        tx.require(*STAFF)
        _check_parent(tx, body.parent_id)
        metadata = _metadata(tx, body.metadata)
        with _explained():
            topic_id = tx.scalar(
                "INSERT INTO topics (workspace_id, parent_id, name, description, sort_order, metadata, created_by) "
                "VALUES (:w, :p, :n, :d, :s, CAST(:m AS jsonb), :u) RETURNING id",
                w=ws, p=body.parent_id, n=body.name, d=body.description, s=body.sort_order, m=metadata, u=tx.user_id)
        return schemas.TopicOut(**_topic(tx, topic_id))


def _visible_rows(tx: Tx, include_archived: bool) -> list[dict]:
    return [dict(r) for r in tx.all(_TREE, w=tx.workspace_id, archived=include_archived and tx.role in STAFF)]


def list_topics(ctx: RequestContext, ws: UUID, include_archived: bool) -> list[schemas.TopicOut]:
    """Depth-first: each topic followed by its subtopics, siblings by sort_order, name. Archived ones for staff only."""
    with ctx.tx(ws) as tx:
        return [schemas.TopicOut(**r) for r in _visible_rows(tx, include_archived)]


def topic_tree(ctx: RequestContext, ws: UUID, include_archived: bool) -> list[schemas.TopicNode]:
    with ctx.tx(ws) as tx:
        rows = _visible_rows(tx, include_archived)
    nodes: dict[UUID, schemas.TopicNode] = {}
    roots: list[schemas.TopicNode] = []
    for row in rows:  # pre-order: a parent always comes before its children
        node = nodes[row["id"]] = schemas.TopicNode(**row)
        (nodes[row["parent_id"]].children if row["parent_id"] is not None else roots).append(node)
    return roots


def get_topic(ctx: RequestContext, ws: UUID, topic_id: UUID) -> schemas.TopicOut:
    with ctx.tx(ws) as tx:
        return schemas.TopicOut(**_topic(tx, topic_id))


def update_topic(ctx: RequestContext, ws: UUID, topic_id: UUID, body: schemas.TopicUpdate) -> schemas.TopicOut:
    with ctx.tx(ws) as tx:
        tx.require(*STAFF)
        current = _topic(tx, topic_id, lock=True)
        changes = body.model_dump(exclude_unset=True)
        for column in ("name", "sort_order"):
            if column in changes and changes[column] is None:
                raise invalid_field(column, "may not be null")
        if "parent_id" in changes and changes["parent_id"] != current["parent_id"]:
            if current["archived_at"] is None:
                _check_parent(tx, changes["parent_id"], topic_id)
            elif changes["parent_id"] is not None:  # an archived topic may go under an archived parent
                if changes["parent_id"] == topic_id:
                    raise invalid_field("parent_id", "a topic cannot be its own parent")
                if tx.scalar("SELECT 1 FROM topics WHERE workspace_id = :w AND id = :p", w=ws, p=changes["parent_id"]) is None:
                    raise invalid_field("parent_id", "no such topic in this workspace")
        if "metadata" in changes:
            changes["metadata"] = _metadata(tx, changes["metadata"] or {})
        if changes:
            sets = ", ".join(f"{c} = CAST(:{c} AS jsonb)" if c == "metadata" else f"{c} = :{c}" for c in changes)
            with _explained():
                tx.conn.execute(text(f"UPDATE topics SET {sets} WHERE workspace_id = :w AND id = :t"),
                                changes | {"w": ws, "t": topic_id})
        return schemas.TopicOut(**_topic(tx, topic_id))


_SUBTREE = """
WITH RECURSIVE subtree AS (
  SELECT id FROM topics WHERE workspace_id = :w AND id = :t
  UNION ALL
  SELECT c.id FROM topics c JOIN subtree s ON c.workspace_id = :w AND c.parent_id = s.id
)
"""


def archive_topic(ctx: RequestContext, ws: UUID, topic_id: UUID) -> schemas.TopicOut:
    """Archive the topic and every descendant not archived yet (one timestamp); archiving again changes nothing."""
    with ctx.tx(ws) as tx:
        tx.require(*STAFF)
        current = _topic(tx, topic_id, lock=True)
        if current["archived_at"] is None:
            tx.conn.execute(text(_SUBTREE + "UPDATE topics SET archived_at = now() WHERE workspace_id = :w "
                                 "AND id IN (SELECT id FROM subtree) AND archived_at IS NULL"), {"w": ws, "t": topic_id})
        return schemas.TopicOut(**_topic(tx, topic_id))


def unarchive_topic(ctx: RequestContext, ws: UUID, topic_id: UUID) -> schemas.TopicOut:
    """Restore the topic and the descendants archived together with it; refused while its parent is archived."""
    with ctx.tx(ws) as tx:
        tx.require(*STAFF)
        current = _topic(tx, topic_id, lock=True)
        if current["archived_at"] is not None:
            if current["parent_id"] is not None and tx.scalar(
                    "SELECT archived_at FROM topics WHERE workspace_id = :w AND id = :p", w=ws, p=current["parent_id"]):
                raise Problem(409, "Conflict", "the parent topic is archived; unarchive it first")
            tx.conn.execute(text(_SUBTREE + "UPDATE topics SET archived_at = NULL WHERE workspace_id = :w "
                                 "AND id IN (SELECT id FROM subtree) AND archived_at = :at"),
                            {"w": ws, "t": topic_id, "at": current["archived_at"]})
        return schemas.TopicOut(**_topic(tx, topic_id))


def delete_topic(ctx: RequestContext, ws: UUID, topic_id: UUID) -> None:
    with ctx.tx(ws) as tx:
        tx.require(*STAFF)
        _topic(tx, topic_id, lock=True)  # the lock makes a concurrent question insert wait, then fail its foreign key
        children = tx.scalar("SELECT count(*) FROM topics WHERE workspace_id = :w AND parent_id = :t", w=ws, t=topic_id)
        if children:
            raise Problem(409, "Conflict", f"the topic has {children} subtopic(s) (archived ones included); "
                                           "move or delete them first, or archive the topic instead")
        questions = tx.scalar("SELECT count(*) FROM questions WHERE workspace_id = :w AND topic_id = :t", w=ws, t=topic_id)
        if questions:
            raise Problem(409, "Conflict", f"the topic has {questions} question(s); move them to another topic first, "
                                           "or archive the topic instead")
        tx.conn.execute(text("DELETE FROM topics WHERE workspace_id = :w AND id = :t"), {"w": ws, "t": topic_id})
