"""The append-only, hash-chained audit log."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, CheckConstraint, String
from sqlalchemy.orm import Mapped, mapped_column

from participation.models.base import Base, UTCDateTime

GENESIS_HASH = "0" * 64


class AuditEntry(Base):
    """One entry of the chain: ``hash = sha256(canonical(entry) || prev_hash)``.

    ``canonical`` covers every field but the hashes; of the data, only its salted digest (see
    :mod:`participation.services.audit`).
    """

    __tablename__ = "audit_entry"
    __table_args__ = (CheckConstraint("seq >= 1", name="seq_positive"),)

    #: Position in the chain, 1-based and gapless.
    seq: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    at: Mapped[datetime] = mapped_column(UTCDateTime)
    #: Who acted, as "person:<id>", "system" or "cli"; never set for a secret choice.
    actor: Mapped[str] = mapped_column(String(80))
    action: Mapped[str] = mapped_column(String(80))
    #: What was acted on, as "<kind>:<id>".
    subject: Mapped[str] = mapped_column(String(80))
    conference_id: Mapped[int | None] = mapped_column(index=True)
    data: Mapped[dict] = mapped_column(JSON, default=dict)
    #: Random salt of the data's digest: the hash covers ``sha256(salt || data)`` instead of the
    #: data, so the public log can show the digest until the data is public. None for entries
    #: written before, whose hash covers the data itself.
    salt: Mapped[str | None] = mapped_column(String(32))
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64), unique=True)


class AuditHead(Base):
    """The chain's head, one row. Updating it first serialises writers of the chain."""

    __tablename__ = "audit_head"
    __table_args__ = (CheckConstraint("id = 1", name="single_row"),)

    id: Mapped[int] = mapped_column(primary_key=True, default=1)
    seq: Mapped[int] = mapped_column(default=0)
    hash: Mapped[str] = mapped_column(String(64), default=GENESIS_HASH)
