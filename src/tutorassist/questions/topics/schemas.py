"""Request and response bodies of the topic tree."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import UUID

from pydantic import BaseModel, Field

from tutorassist.kit.schemas import Strict, contract_schema
from tutorassist.questions.contracts import TopicMetadata


def _metadata_schema() -> dict[str, Any]:
    """TopicMetadata's JSON schema, with the rule its validator adds: some difficulty weight is positive."""
    schema = contract_schema(TopicMetadata)
    distribution = schema["properties"]["recommended_difficulty_distribution"]["anyOf"][0]
    distribution["anyOf"] = [{"properties": {w: {"exclusiveMinimum": 0}}} for w in ("easy", "medium", "hard")]
    return schema


METADATA_SCHEMA = _metadata_schema()

INT4 = {"ge": -(2**31), "le": 2**31 - 1}


class TopicCreate(Strict):
    name: str = Field(min_length=1, max_length=200, description="Unique among its siblings")
    parent_id: UUID | None = Field(None, description="Parent topic in the same workspace; omit for a root topic")
    description: str | None = Field(None, max_length=10000)
    sort_order: int = Field(0, description="Position among siblings, ascending", **INT4)
    metadata: dict[str, Any] = Field(default_factory=dict, description="TopicMetadata (docs/jsonb-contracts.md)",
                                     json_schema_extra=METADATA_SCHEMA)


class TopicUpdate(Strict):
    """Only the fields sent change. `parent_id: null` moves the topic to the root; `metadata` replaces the whole object."""

    not_null = ("name", "sort_order")

    name: str | None = Field(None, min_length=1, max_length=200)
    parent_id: UUID | None = None
    description: str | None = Field(None, max_length=10000)
    sort_order: int | None = Field(None, **INT4)
    metadata: dict[str, Any] | None = Field(None, description="TopicMetadata; null resets it to {}",
                                            json_schema_extra=METADATA_SCHEMA)


class TopicOut(BaseModel):
    id: UUID
    parent_id: UUID | None
    name: str
    description: str | None
    sort_order: int
    metadata: dict[str, Any]
    archived_at: datetime | None
    created_at: datetime
    updated_at: datetime


class TopicNode(TopicOut):
    children: list[TopicNode] = Field(default_factory=list)
