"""Running a use case as one transaction."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import ParamSpec, TypeVar

from flask_babel import lazy_gettext as _l
from sqlalchemy.exc import IntegrityError, OperationalError

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
