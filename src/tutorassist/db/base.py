"""The declarative base of the ORM models: how Python annotations map to PostgreSQL types, and constraint names.

The SQL migrations in db/sql are the source of truth for the schema; the models mirror them (tests/db checks that
they do) and never create or change tables themselves. Each model's docstring is its table's COMMENT, and the model
passes it on as ``__table_args__ = {"comment": __doc__}``; column comments are given in ``mapped_column(comment=...)``.
"""

from __future__ import annotations

import datetime
import decimal
import uuid
from typing import Any

from sqlalchemy import Boolean, Date, Integer, MetaData, Numeric, Text
from sqlalchemy.dialects.postgresql import (
    BYTEA,
    DOUBLE_PRECISION,
    JSONB,
    TIMESTAMP,
    UUID,
)
from sqlalchemy.orm import DeclarativeBase

# PostgreSQL's own names for constraints declared without one (<table>_pkey, <table>_<columns>_key,
# <table>_<columns>_fkey), so the models name every constraint as the migrations' database does. PostgreSQL shortens
# names longer than 63 characters differently from SQLAlchemy: such constraints carry an explicit name instead.
NAMING_CONVENTION = {
    "pk": "%(table_name)s_pkey",
    "uq": "%(table_name)s_%(column_0_N_name)s_key",
    "fk": "%(table_name)s_%(column_0_N_name)s_fkey",
}


class Base(DeclarativeBase):
    """Base class of every TutorAssist ORM model (tables of schema public)."""

    metadata = MetaData(naming_convention=NAMING_CONVENTION)

    # Columns whose type follows from the annotation alone. Everything else (citext, smallint, bigint, numeric(p, s),
    # uuid[] and text[], tsvector, vector, and jsonb holding any JSON value) names its type in mapped_column().
    type_annotation_map = {
        uuid.UUID: UUID(as_uuid=True),
        str: Text(),
        int: Integer(),
        bool: Boolean(),
        float: DOUBLE_PRECISION(),
        decimal.Decimal: Numeric(),
        bytes: BYTEA(),
        datetime.datetime: TIMESTAMP(timezone=True),
        datetime.date: Date(),
        dict[str, Any]: JSONB(),
        list[Any]: JSONB(),
    }


__all__ = ["NAMING_CONVENTION", "Base"]
