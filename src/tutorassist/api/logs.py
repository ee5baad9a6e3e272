"""Secrets never reach the server's logs: invite links carry their token in the path, so the access log (and any
error message quoting a path) shows `/invites/[redacted]` instead."""

from __future__ import annotations

import copy
import logging
import re
from typing import Any

_INVITE_TOKEN = re.compile(r"(/invites/)[^/?#\s\"']+")
REDACTED = "[redacted]"
LOGGERS = ("uvicorn.access", "uvicorn.error", "tutorassist.api")


def redact(text: str) -> str:
    return _INVITE_TOKEN.sub(r"\1" + REDACTED, text)


def _redacted(value: Any) -> Any:
    return redact(value) if isinstance(value, str) else value


class RedactSecrets(logging.Filter):
    """Rewrites a record's message and arguments; never drops a record."""

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.msg, str):
            record.msg = redact(record.msg)
        if isinstance(record.args, tuple):
            record.args = tuple(_redacted(a) for a in record.args)
        elif isinstance(record.args, dict):
            record.args = {k: _redacted(v) for k, v in record.args.items()}
        return True


def install_redaction() -> None:
    """Put the filter on the loggers the server and the app write to (once, however often the app is created)."""
    for name in LOGGERS:
        logger = logging.getLogger(name)
        if not any(isinstance(f, RedactSecrets) for f in logger.filters):
            logger.addFilter(RedactSecrets())


def uvicorn_log_config() -> dict[str, Any]:
    """uvicorn's logging configuration with the redaction filter on every handler (for `tutorassist serve`)."""
    from uvicorn.config import LOGGING_CONFIG

    config = copy.deepcopy(LOGGING_CONFIG)
    config.setdefault("filters", {})["redact_secrets"] = {"()": "tutorassist.api.logs.RedactSecrets"}
    for handler in config["handlers"].values():
        handler.setdefault("filters", []).append("redact_secrets")
    return config
