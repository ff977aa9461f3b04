"""Declaring and enforcing who may open a route.

Every view declares its level with :func:`access`. A guard before each request refuses any
endpoint that declares none, so a new route cannot be an unchecked door; the authorisation
matrix test lists them all.
"""

from __future__ import annotations

from collections.abc import Callable

from flask import abort, current_app, request
from flask_login import current_user

from participation.services.authz import LEVELS, allows

#: Endpoints served by Flask itself.
BUILTIN_PUBLIC = {"static"}
#: The attributes :func:`access` sets on a view.
ACCESS_LEVEL = "access_level"
CONFERENCE_ARG = "access_conference_arg"


def access(level: str, conference_arg: str = "conference_id") -> Callable:
    """Mark a view with the level it needs; conference roles read the conference from the URL."""
    if level not in LEVELS:
        raise ValueError(f"unknown access level {level!r}")

    def mark(view: Callable) -> Callable:
        setattr(view, ACCESS_LEVEL, level)  # noqa: B010  (a function's own attribute)
        setattr(view, CONFERENCE_ARG, conference_arg)  # noqa: B010
        return view

    return mark


def level_of(endpoint: str) -> str | None:
    if endpoint in BUILTIN_PUBLIC:
        return "public"
    view = current_app.view_functions.get(endpoint)
    return getattr(view, ACCESS_LEVEL, None)


def guard() -> None:
    """Before each request: refuse what the signed-in person may not open."""
    if request.endpoint is None:
        return  # 404s and 405s are answered by Flask
    level = level_of(request.endpoint)
    if level is None:
        current_app.logger.error("endpoint %s declares no access level", request.endpoint)
        abort(403)
    if level == "public":
        return
    if not current_user.is_authenticated:
        abort(401)
    view = current_app.view_functions[request.endpoint]
    conference_id = (request.view_args or {}).get(getattr(view, CONFERENCE_ARG))
    if not allows(current_user, level, conference_id):
        abort(403)
