"""HTTP routes of the topic tree: parse, call one service function, shape the response."""

from __future__ import annotations

from uuid import UUID

from fastapi import APIRouter, status

from tutorassist.api.context import Context
from tutorassist.questions.topics import schemas, service

router = APIRouter()
_BASE = "/workspaces/{workspace_id}/topics"


@router.post(_BASE, status_code=status.HTTP_201_CREATED, response_model=schemas.TopicOut, tags=["topics"])
def create_topic(workspace_id: UUID, body: schemas.TopicCreate, ctx: Context):
    """Add a topic (staff), at the root or under `parent_id`; names are unique among siblings (409)."""
    return service.create_topic(ctx, workspace_id, body)


@router.get(_BASE, response_model=list[schemas.TopicOut], tags=["topics"])
def list_topics(workspace_id: UUID, ctx: Context, include_archived: bool = False):
    """Every topic, depth-first (each followed by its subtopics; siblings by sort_order, name).
    Archived topics (and their subtrees) only for staff with `include_archived=true`."""
    return service.list_topics(ctx, workspace_id, include_archived)


@router.get(_BASE + "/tree", response_model=list[schemas.TopicNode], tags=["topics"])
def topic_tree(workspace_id: UUID, ctx: Context, include_archived: bool = False):
    """The topic tree: root topics with their `children` nested, in the same order as the list."""
    return service.topic_tree(ctx, workspace_id, include_archived)


@router.get(_BASE + "/{topic_id}", response_model=schemas.TopicOut, tags=["topics"])
def get_topic(workspace_id: UUID, topic_id: UUID, ctx: Context):
    return service.get_topic(ctx, workspace_id, topic_id)


@router.patch(_BASE + "/{topic_id}", response_model=schemas.TopicOut, tags=["topics"])
def update_topic(workspace_id: UUID, topic_id: UUID, body: schemas.TopicUpdate, ctx: Context):
    """Rename, move (`parent_id`; null = to the root), reorder, describe or replace the metadata (staff)."""
    return service.update_topic(ctx, workspace_id, topic_id, body)


@router.post(_BASE + "/{topic_id}/archive", response_model=schemas.TopicOut, tags=["topics"])
def archive_topic(workspace_id: UUID, topic_id: UUID, ctx: Context):
    """Archive the topic and its whole subtree (staff); hidden from students, questions stay where they are."""
    return service.archive_topic(ctx, workspace_id, topic_id)


@router.post(_BASE + "/{topic_id}/unarchive", response_model=schemas.TopicOut, tags=["topics"])
def unarchive_topic(workspace_id: UUID, topic_id: UUID, ctx: Context):
    """Restore the topic and the descendants archived with it (staff); 409 while its parent is archived."""
    return service.unarchive_topic(ctx, workspace_id, topic_id)


@router.delete(_BASE + "/{topic_id}", status_code=status.HTTP_204_NO_CONTENT, tags=["topics"])
def delete_topic(workspace_id: UUID, topic_id: UUID, ctx: Context) -> None:
    """Delete a topic without subtopics and questions (409 otherwise); its source materials become unfiled."""
    service.delete_topic(ctx, workspace_id, topic_id)
