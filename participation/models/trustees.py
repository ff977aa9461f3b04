"""The trustees of a conference's secret ballots, their key ceremony and their decryptions.

The server stores only what is public (transport keys, dealings, who confirmed, decryption
factors with their proofs) and the key shares sealed to each trustee's transport key, which it
cannot open. No key share and no secret key is ever stored here.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, CheckConstraint, ForeignKey, PrimaryKeyConstraint, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from participation import clock
from participation.models.base import Base, UTCDateTime
from participation.models.people import Person

CEREMONY_STATES = ("dealing", "ready", "failed", "retired")


class KeyCeremony(Base):
    """The trustees' distributed key generation for a conference's secret polls.

    A conference has at most one ceremony that is not retired; secret polls opened while it is
    ready are encrypted to its public key.
    """

    __tablename__ = "key_ceremony"
    __table_args__ = (
        CheckConstraint("state IN ('dealing', 'ready', 'failed', 'retired')", name="state_valid"),
        CheckConstraint("threshold >= 1 AND threshold <= trustee_count", name="threshold_valid"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    conference_id: Mapped[int] = mapped_column(
        ForeignKey("conference.id", ondelete="CASCADE"), index=True
    )
    #: How many trustees must decrypt together (t of n).
    threshold: Mapped[int]
    trustee_count: Mapped[int]
    state: Mapped[str] = mapped_column(String(16), default="dealing")
    #: The poll key (hex) once every trustee has confirmed its share.
    public_key: Mapped[str | None] = mapped_column(String(64))
    #: Why a ceremony failed (a trustee found a share that does not match its dealing).
    failure: Mapped[str | None] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)

    trustees: Mapped[list[Trustee]] = relationship(
        back_populates="ceremony", order_by="Trustee.number", cascade="all, delete-orphan"
    )

    @property
    def label(self) -> str:
        """What the ceremony's proofs bind: this conference and this ceremony."""
        return f"c{self.conference_id}.k{self.id}"


class Trustee(Base):
    """One trustee of a ceremony: a person, numbered 1…n, and what it has published."""

    __tablename__ = "trustee"
    __table_args__ = (
        PrimaryKeyConstraint("ceremony_id", "number"),
        CheckConstraint("number >= 1", name="number_positive"),
    )

    ceremony_id: Mapped[int] = mapped_column(ForeignKey("key_ceremony.id", ondelete="CASCADE"))
    number: Mapped[int]
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id", ondelete="CASCADE"), index=True)
    #: The trustee's transport key (hex): shares are sealed to it.
    transport_key: Mapped[str | None] = mapped_column(String(64))
    #: The trustee's public dealing: commitments and a proof of knowledge.
    dealing: Mapped[dict | None] = mapped_column(JSON)
    #: Whether the trustee checked every share it received and holds its key share.
    confirmed: Mapped[bool] = mapped_column(default=False)

    ceremony: Mapped[KeyCeremony] = relationship(back_populates="trustees")
    person: Mapped[Person] = relationship()


class SealedShare(Base):
    """A key share from one trustee to another, sealed to the receiver's transport key."""

    __tablename__ = "sealed_share"
    __table_args__ = (PrimaryKeyConstraint("ceremony_id", "sender", "receiver"),)

    ceremony_id: Mapped[int] = mapped_column(ForeignKey("key_ceremony.id", ondelete="CASCADE"))
    sender: Mapped[int]
    receiver: Mapped[int]
    #: {"sender", "receiver", "ephemeral", "sealed"} (see participation.ballots.transport).
    sealed: Mapped[dict] = mapped_column(JSON)


class PollDecryption(Base):
    """A trustee's partial decryption of a poll's encrypted totals, checked on arrival."""

    __tablename__ = "poll_decryption"
    __table_args__ = (PrimaryKeyConstraint("poll_id", "trustee"),)

    poll_id: Mapped[int] = mapped_column(ForeignKey("poll.id", ondelete="CASCADE"))
    trustee: Mapped[int]
    #: {"trustee", "factors", "proofs"} (see participation.ballots.trustees).
    partial: Mapped[dict] = mapped_column(JSON)
