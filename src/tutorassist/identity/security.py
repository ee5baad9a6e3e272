"""Passwords (argon2id) and secrets (random tokens stored only as SHA-256 hashes).

The application never sees a stored password hash: the database tells it the salt and parameters of the account's
hash (`app.password_parameters`), we hash the candidate with exactly those, and the database compares
(`app.check_password`).
"""

from __future__ import annotations

import base64
import secrets
from collections.abc import Mapping
from typing import Any

from argon2 import PasswordHasher, Type
from argon2.low_level import hash_secret

from tutorassist.api.context import token_hash

_hasher = PasswordHasher()  # argon2id with the library's current recommended parameters
_VARIANTS = {"argon2id": Type.ID, "argon2i": Type.I, "argon2d": Type.D}


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def candidate_hash(password: str, parameters: Mapping[str, Any]) -> str:
    """The encoded argon2 hash of password with the variant, parameters and salt of app.password_parameters."""
    salt = parameters["salt"]
    return hash_secret(
        password.encode(), base64.b64decode(salt + "=" * (-len(salt) % 4)),
        time_cost=parameters["time_cost"], memory_cost=parameters["memory_cost"], parallelism=parameters["parallelism"],
        hash_len=parameters["hash_length"], type=_VARIANTS[parameters["variant"]], version=parameters["version"],
    ).decode()


def needs_rehash(encoded: str) -> bool:
    """Whether a hash was made with other parameters than the ones new hashes get."""
    return _hasher.check_needs_rehash(encoded)


def new_token() -> tuple[str, str]:
    """A fresh secret for a link or a session, and the hash that is stored instead of it."""
    token = secrets.token_urlsafe(32)
    return token, token_hash(token)
