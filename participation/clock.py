"""The one source of time and randomness, so tests can pin both."""

from __future__ import annotations

import hashlib
import secrets
from datetime import UTC, datetime

_frozen: datetime | None = None


def now() -> datetime:
    """The current time in UTC (naive values are never used)."""
    return _frozen or datetime.now(UTC)


def freeze(moment: datetime | None) -> None:
    """Pin (or with ``None`` release) the clock; for tests."""
    global _frozen
    _frozen = moment


def token_bytes(nbytes: int = 16) -> bytes:
    return secrets.token_bytes(nbytes)


def token_urlsafe(nbytes: int = 32) -> str:
    return secrets.token_urlsafe(nbytes)


def token_hex(nbytes: int = 16) -> str:
    return secrets.token_hex(nbytes)


def digest(value: str) -> str:
    """SHA-256 hex digest of a high-entropy secret (codes and session tokens).

    A fast hash is enough here: the secrets carry at least 128 random bits, so a stolen table
    cannot be reversed by guessing. Passwords, which people choose, use argon2 instead.
    """
    return hashlib.sha256(value.encode()).hexdigest()
