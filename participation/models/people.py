"""The network, its member organisations and the people who take part."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import CheckConstraint, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from participation import clock
from participation.models.base import Base, UTCDateTime

if TYPE_CHECKING:  # the relationship's other side; imported at run time by the registry
    from participation.models.conference import Accreditation


class Network(Base):
    """The one network an installation serves."""

    __tablename__ = "network"
    __table_args__ = (CheckConstraint("id = 1", name="single_row"),)

    id: Mapped[int] = mapped_column(primary_key=True, default=1)
    name: Mapped[str] = mapped_column(String(200))
    default_language: Mapped[str] = mapped_column(String(8), default="de")


class Organisation(Base):
    """A member organisation (Mitgliedsorganisation)."""

    __tablename__ = "organisation"
    __table_args__ = (CheckConstraint("length(name) > 0", name="name_not_empty"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    short_name: Mapped[str] = mapped_column(String(40), default="")
    #: Town or district the organisation is based in.
    town: Mapped[str] = mapped_column(String(120), default="")
    active: Mapped[bool] = mapped_column(default=True)

    def __repr__(self) -> str:
        return f"<Organisation {self.id} {self.name!r}>"


class Person(Base):
    """Someone who takes part: a delegate, a moderator, an observer or staff."""

    __tablename__ = "person"
    __table_args__ = (
        CheckConstraint("length(display_name) > 0", name="display_name_not_empty"),
        CheckConstraint("email IS NULL OR email = lower(email)", name="email_lowercase"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    display_name: Mapped[str] = mapped_column(String(200))
    email: Mapped[str | None] = mapped_column(String(254), unique=True)
    #: argon2 hash; only staff who sign in with e-mail and password have one.
    password_hash: Mapped[str | None] = mapped_column(String(200))
    #: Network staff: manages organisations, people and every conference.
    is_admin: Mapped[bool] = mapped_column(default=False)
    #: Interface language the person chose; None lets the browser decide.
    locale: Mapped[str | None] = mapped_column(String(8))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=clock.now)

    accreditations: Mapped[list[Accreditation]] = relationship(
        back_populates="person", cascade="all, delete-orphan"
    )

    def __repr__(self) -> str:
        return f"<Person {self.id} {self.display_name!r}>"


class LoginSession(Base):
    """A signed-in browser. Deleting the row ends the session, whatever the cookie says."""

    __tablename__ = "login_session"

    id: Mapped[int] = mapped_column(primary_key=True)
    #: SHA-256 of the random token kept in the browser's signed session cookie.
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id", ondelete="CASCADE"), index=True)
    #: Set when the browser joined with an access code: it acts only as that accreditation.
    accreditation_id: Mapped[int | None] = mapped_column(
        ForeignKey("accreditation.id", ondelete="CASCADE"), index=True
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)

    person: Mapped[Person] = relationship()
    accreditation: Mapped[Accreditation | None] = relationship()
