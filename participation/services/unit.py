"""Running a use case as one transaction."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import ParamSpec, TypeVar

from flask_babel import lazy_gettext as _l
from sqlalchemy import Row
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.sql.base import Executable

from participation.extensions import db
from participation.services.errors import Conflict, DomainError

P = ParamSpec("P")
R = TypeVar("R")


class Busy(DomainError):
    """The database was locked for longer than the busy timeout; the client may retry."""

    status = 503


def use_case(fn: Callable[P, R]) -> Callable[P, R]:
    """Commit the session when ``fn`` returns; roll back on any error.

    A constraint violation becomes :class:`Conflict` (the schema guards an invariant that a
    concurrent request reached first); a lock timeout becomes :class:`Busy`.
    """

    @functools.wraps(fn)
    def run(*args: P.args, **kwargs: P.kwargs) -> R:
        try:
            result = fn(*args, **kwargs)
            db.session.commit()
            return result
        except DomainError:
            db.session.rollback()
            raise
        except IntegrityError as error:
            db.session.rollback()
            raise Conflict(str(_l("This was changed at the same time by someone else."))) from error
        except OperationalError as error:
            db.session.rollback()
            if "locked" in str(error).lower() or "busy" in str(error).lower():
                raise Busy(str(_l("The server is busy. Please try again."))) from error
            raise
        except BaseException:
            db.session.rollback()
            raise

    return run


def reading_only() -> None:
    """Let what follows in this unit of work read without opening a transaction.

    On PostgreSQL a transaction costs two round trips of its own (``BEGIN`` and the rollback
    that ends a read) besides its queries, and psycopg waits for each in C, stopping every
    other connection of an eventlet server meanwhile. A phone's connect only reads, and each
    of its reads stands alone; without a transaction a hall reconnecting at once costs one
    round trip per phone instead of three. Call it just before the first statement (the
    connection is taken from the pool at once), and only where nothing is written: each
    statement commits by itself. The connection goes back to the pool in its usual mode.
    SQLite is left as it is (its reads open no transaction anyway).
    """
    if _standalone_reads() and not db.session().in_transaction():
        db.session.connection(execution_options=_AUTOCOMMIT)


def read_alone(statement: Executable, parameters: dict) -> Row | None:
    """One row, read on a connection of its own outside any transaction where the session
    has none open (PostgreSQL), else in the session's transaction.

    The sender of every request and socket event is read this way: one round trip instead of
    three, and no connection is held while the caller goes on to wait for something else.
    """
    if _standalone_reads() and not db.session().in_transaction():
        with db.engine.connect().execution_options(**_AUTOCOMMIT) as connection:
            return connection.execute(statement, parameters).one_or_none()
    return db.session.connection().execute(statement, parameters).one_or_none()


_AUTOCOMMIT = {"isolation_level": "AUTOCOMMIT"}


def _standalone_reads() -> bool:
    return db.engine.dialect.name == "postgresql"
