"""Passwords (argon2id) and secrets (random tokens stored only as SHA-256 hashes)."""

from __future__ import annotations

import secrets

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from tutorassist.api.context import token_hash

_hasher = PasswordHasher()  # argon2id with the library's current recommended parameters
# Verifying against this when the account does not exist keeps sign-in time the same either way.
_DUMMY_HASH = _hasher.hash("no such account, same work")


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(password_hash: str | None, password: str) -> bool:
    try:
        return _hasher.verify(password_hash or _DUMMY_HASH, password) and password_hash is not None
    except (VerificationError, InvalidHashError):
        return False


def new_token() -> tuple[str, str]:
    """A fresh secret for a link or a session, and the hash that is stored instead of it."""
    token = secrets.token_urlsafe(32)
    return token, token_hash(token)
