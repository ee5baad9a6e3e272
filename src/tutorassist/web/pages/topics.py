"""Staff pages of the topic tree: the tree, a new topic, and one topic (rename, move, metadata, archive, delete)."""

from __future__ import annotations

import math
from typing import Any
from uuid import UUID

from fastapi import Request
from starlette.responses import RedirectResponse, Response

from tutorassist.kit.problems import Problem
from tutorassist.questions.topics import schemas
from tutorassist.questions.topics import service as topics
from tutorassist.web.context import Page, Staff
from tutorassist.web.forms import Form, FormInput, parse, refuse, submit
from tutorassist.web.routing import page_router
from tutorassist.web.templating import render

router = page_router()

ROOT = ("", "None (a top-level topic)")
# The metadata keys the topic page edits; the others (curriculum codes, common errors, …) are kept as they are.
PREREQUISITES, THRESHOLD, OBJECTIVES = "metadata.prerequisites", "metadata.mastery_threshold", "metadata.learning_objectives"


def refuse_beside(form: Form, problem: Problem) -> Form:
    """A refusal on the form; a duplicate name is said beside the name."""
    if problem.status == 409 and "same parent" in (problem.detail or ""):
        form.errors["name"] = problem.detail
        return form
    return refuse(form, problem)


def parent_options(rows: list[schemas.TopicOut], exclude: UUID | None = None) -> list[tuple[str, str]]:
    """Every topic as a choice of parent, indented by depth (rows are depth-first); `exclude` and its subtree left out."""
    depth: dict[UUID, int] = {}
    skipped: set[UUID] = set()
    options = [ROOT]
    for t in rows:
        if t.id == exclude or t.parent_id in skipped:
            skipped.add(t.id)
            continue
        depth[t.id] = depth.get(t.parent_id, -1) + 1 if t.parent_id else 0
        label = "\u2014 " * depth[t.id] + t.name + (" (archived)" if t.archived_at else "")
        options.append((str(t.id), label))
    return options


# ---------------------------------------------------------------- the tree
def tree_page(request: Request, page: Page, form: Form, show_archived: bool, status: int = 200) -> Response:
    ws = page.workspace_id
    tree = topics.topic_tree(page.ctx, ws, show_archived)
    options = parent_options(topics.list_topics(page.ctx, ws, False))
    return render(request, "topics/tree.html", status, tree=tree, form=form, show_archived=show_archived,
                  parent_options=options, title="Topics")


@router.get("/w/{workspace_id}/topics")
def topic_tree(workspace_id: UUID, request: Request, page: Staff, archived: bool = False) -> Response:
    return tree_page(request, page, Form(), archived)


@router.post("/w/{workspace_id}/topics")
def create_topic(workspace_id: UUID, request: Request, page: Staff, form: FormInput) -> Response:
    created, status = submit(form, schemas.TopicCreate, lambda body: topics.create_topic(page.ctx, workspace_id, body),
                             refusal=refuse_beside)
    if created is not None:
        return RedirectResponse(f"/w/{workspace_id}/topics", status_code=303)
    return tree_page(request, page, form, False, status)


# ---------------------------------------------------------------- one topic
def _details_values(topic: schemas.TopicOut) -> dict[str, Any]:
    return {"name": topic.name, "parent_id": str(topic.parent_id or ""), "description": topic.description or ""}


def _metadata_values(topic: schemas.TopicOut) -> dict[str, Any]:
    threshold = topic.metadata.get("mastery_threshold")
    return {PREREQUISITES: [str(p) for p in topic.metadata.get("prerequisites") or []],
            THRESHOLD: "" if threshold is None else str(threshold),
            OBJECTIVES: "\n".join(topic.metadata.get("learning_objectives") or [])}


def topic_page(request: Request, page: Page, topic_id: UUID, *, details: Form | None = None,
               metadata: Form | None = None, actions: Form | None = None, status: int = 200) -> Response:
    ws = page.workspace_id
    topic = topics.get_topic(page.ctx, ws, topic_id)
    every = topics.list_topics(page.ctx, ws, True)
    names = {t.id: t.name for t in every}
    others = [(str(t.id), t.name) for t in every if t.id != topic_id and t.archived_at is None]
    return render(request, "topics/topic.html", status, topic=topic,
                  details=details or Form(values=_details_values(topic)),
                  metadata=metadata or Form(values=_metadata_values(topic)), actions=actions or Form(),
                  parent_options=parent_options(every, exclude=topic_id), prerequisite_options=others,
                  parent_name=names.get(topic.parent_id), children=[t for t in every if t.parent_id == topic_id],
                  title=topic.name)


@router.get("/w/{workspace_id}/topics/{topic_id}")
def topic(workspace_id: UUID, topic_id: UUID, request: Request, page: Staff) -> Response:
    return topic_page(request, page, topic_id)


@router.post("/w/{workspace_id}/topics/{topic_id}")
def edit_topic(workspace_id: UUID, topic_id: UUID, request: Request, page: Staff, form: FormInput) -> Response:
    """Rename, move (an empty parent is the root) and describe the topic."""
    # A blank name is sent as null so the service says it may not be empty (left out, it would silently stay).
    blanks = {name: None for name in ("name", "parent_id", "description") if form.value(name, "") == ""}
    body = parse(schemas.TopicUpdate, form, **blanks)
    status = 422
    if body is not None:
        try:
            topics.update_topic(page.ctx, workspace_id, topic_id, body)
        except Problem as problem:
            if problem.status == 404 and not problem.extra.get("errors"):
                raise
            refuse_beside(form, problem)
            status = problem.status
        else:
            return RedirectResponse(f"/w/{workspace_id}/topics/{topic_id}", status_code=303)
    return topic_page(request, page, topic_id, details=form, status=status)


def typed_threshold(text: str) -> Any:
    """The threshold as a number when it reads as a finite one; otherwise the text, which the contract refuses."""
    try:
        number = float(text)
    except ValueError:
        return text
    return number if math.isfinite(number) else text


@router.post("/w/{workspace_id}/topics/{topic_id}/metadata")
def edit_metadata(workspace_id: UUID, topic_id: UUID, request: Request, page: Staff, form: FormInput) -> Response:
    current = topics.get_topic(page.ctx, workspace_id, topic_id)
    metadata = dict(current.metadata)
    prerequisites = [p for p in form.values_of(PREREQUISITES) if p]
    threshold = str(form.value(THRESHOLD, "")).strip()
    objectives = [line.strip() for line in str(form.value(OBJECTIVES, "")).splitlines() if line.strip()]
    for key, value in (("prerequisites", prerequisites), ("mastery_threshold", typed_threshold(threshold) if threshold else None),
                       ("learning_objectives", objectives)):
        if value in (None, []):
            metadata.pop(key, None)
        else:
            metadata[key] = value
    form.values[PREREQUISITES] = prerequisites
    try:
        topics.update_topic(page.ctx, workspace_id, topic_id, schemas.TopicUpdate(metadata=metadata))
    except Problem as problem:
        if problem.status == 404 and not problem.extra.get("errors"):
            raise
        return topic_page(request, page, topic_id, metadata=_named_by_key(refuse(form, problem)), status=problem.status)
    return RedirectResponse(f"/w/{workspace_id}/topics/{topic_id}", status_code=303)


def _named_by_key(form: Form) -> Form:
    """`metadata.prerequisites.0` (one bad item of a list) is said beside the list's field."""
    for name in list(form.errors):
        parts = name.split(".")
        if len(parts) > 2 and parts[0] == "metadata":
            form.errors.setdefault(".".join(parts[:2]), form.errors.pop(name))
    return form


def _action(request: Request, page: Page, topic_id: UUID, change: Any, target: str) -> Response:
    try:
        change(page.ctx, page.workspace_id, topic_id)
    except Problem as problem:
        if problem.status == 404:
            raise
        return topic_page(request, page, topic_id, actions=refuse(Form(), problem), status=problem.status)
    return RedirectResponse(target, status_code=303)


@router.post("/w/{workspace_id}/topics/{topic_id}/archive")
def archive_topic(workspace_id: UUID, topic_id: UUID, request: Request, page: Staff) -> Response:
    return _action(request, page, topic_id, topics.archive_topic, f"/w/{workspace_id}/topics/{topic_id}")


@router.post("/w/{workspace_id}/topics/{topic_id}/unarchive")
def unarchive_topic(workspace_id: UUID, topic_id: UUID, request: Request, page: Staff) -> Response:
    return _action(request, page, topic_id, topics.unarchive_topic, f"/w/{workspace_id}/topics/{topic_id}")


@router.post("/w/{workspace_id}/topics/{topic_id}/delete")
def delete_topic(workspace_id: UUID, topic_id: UUID, request: Request, page: Staff) -> Response:
    return _action(request, page, topic_id, topics.delete_topic, f"/w/{workspace_id}/topics")
