"""Socket event handlers: authorise, call a service or a read, acknowledge.

Every handler declares its access level with :func:`on`, the socket twin of the routes'
``access`` decorator; the authorisation matrix test lists them all.
"""

from __future__ import annotations

import functools
from collections.abc import Callable

from flask import Flask, current_app, request
from flask_babel import gettext as _
from flask_login import current_user
from flask_socketio import ConnectionRefusedError, join_room

from participation.extensions import socketio
from participation.models import is_id
from participation.realtime import state
from participation.realtime.sockets import forget_socket, track_socket
from participation.services.authz import allows
from participation.services.errors import DomainError, Invalid

#: event name → access level, for the authorisation matrix.
EVENT_ACCESS: dict[str, str] = {}


def optional_id(payload: dict, key: str) -> int | None:
    """An id the payload may leave out; anything but a whole number is refused."""
    value = payload.get(key)
    return None if value is None else required_id(payload, key)


def required_id(payload: dict, key: str) -> int:
    """An id the payload must carry: a whole number a row can have (a boolean is not one)."""
    value = payload.get(key)
    if not is_id(value):
        raise Invalid(_("The request could not be understood."))
    return value


def socket_id() -> str:
    """The connection the current event came on (Flask-SocketIO sets it on the request)."""
    return request.sid  # type: ignore[attr-defined]


def _app() -> Flask:
    """The application itself, not the context-bound proxy (a background task keeps it)."""
    return current_app._get_current_object()  # type: ignore[attr-defined]


def error_ack(message: str, status: int = 400) -> dict:
    return {"ok": False, "status": status, "error": message}


def on(event: str, level: str) -> Callable:
    """Register a handler that runs only for sockets meeting ``level``.

    Conference levels read ``conference_id`` from the payload. The signed-in session is
    checked again on every event, so a session ended elsewhere stops working at once.
    """

    def register(handler: Callable) -> Callable:
        EVENT_ACCESS[event] = level

        @functools.wraps(handler)
        def run(payload=None):
            payload = payload if isinstance(payload, dict) else {}
            conference_id = payload.get("conference_id")
            if conference_id is not None and not is_id(conference_id):
                return error_ack(_("The request could not be understood."))
            if not allows(current_user, level, conference_id):
                return error_ack(_("You are not allowed to do this."), 403)
            try:
                return handler(payload)
            except DomainError as error:
                return error_ack(error.message, error.status)

        socketio.on_event(event, run)
        return run

    return register


@socketio.on("connect")
def connect(auth=None):
    """Only signed-in browsers connect; each joins its own person and session rooms."""
    if not current_user.is_authenticated:
        raise ConnectionRefusedError("not signed in")
    join_room(f"user:{current_user.identity.person_id}")
    join_room(f"login:{current_user.login_id}")
    track_socket(_app(), socket_id(), current_user.login_id)


@socketio.on("disconnect")
def disconnect(*_reason) -> None:
    forget_socket(_app(), socket_id())


@on("watch_conference", "observer")
def watch_conference(payload: dict) -> dict:
    """Follow a conference: join its rooms and receive its full current state."""
    conference_id = payload["conference_id"]
    join_room(f"conference:{conference_id}")
    if allows(current_user, "moderator", conference_id):
        join_room(f"moderators:{conference_id}")
    return {"ok": True, "state": state.conference_state(current_user, conference_id)}


@on("watch_documents", "observer")
def watch_documents(payload: dict) -> dict:
    """Follow a conference's documents and, with ``document_id``, one document's page.

    The document room is joined only if the document may be read; its events carry ids only,
    and each page fetches what its reader may see.
    """
    from participation.services import documents as document_service

    conference_id = payload["conference_id"]
    join_room(f"conference:{conference_id}")
    reply = {
        "ok": True,
        "documents": document_service.documents_summary(current_user, conference_id),
    }
    document_id = payload.get("document_id")
    if document_id is not None:
        if not isinstance(document_id, int) or isinstance(document_id, bool):
            return error_ack(_("The request could not be understood."))
        document = document_service.get_document(current_user, conference_id, document_id)
        join_room(f"document:{document.id}")
        reply["document"] = {
            "id": document.id,
            "status": document.status,
            "version": document.current_version.number if document.current_version else None,
        }
    return reply
