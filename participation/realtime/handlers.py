"""Socket event handlers: authorise, call a service or a read, acknowledge.

Every handler declares its access level with :func:`on`, the socket twin of the routes'
``access`` decorator; the authorisation matrix test lists them all.
"""

from __future__ import annotations

import functools
import itertools
from collections.abc import Callable

from flask import Flask, current_app, request
from flask_babel import gettext as _
from flask_socketio import ConnectionRefusedError, emit, join_room

from participation.extensions import signed_in, socketio
from participation.realtime import state
from participation.realtime.packets import Unreadable
from participation.realtime.rooms import follow_conference
from participation.realtime.sockets import forget_socket, track_socket
from participation.schemas import Strict, parse
from participation.schemas.events import Addressed, ConferenceEvent, WatchDocuments
from participation.services.authz import allows
from participation.services.errors import DomainError, NotAllowed
from participation.services.unit import reading_only

#: event name → access level, for the authorisation matrix.
EVENT_ACCESS: dict[str, str] = {}
#: event name → the shape of its payload.
EVENT_SHAPES: dict[str, type[Strict]] = {}
#: How many wrong fields an error acknowledgement names, and how much of each name.
MAX_FIELD_ERRORS = 20
MAX_FIELD_NAME = 80


class Malformed(DomainError):
    """A payload that is not one JSON object (or could not be decoded at all)."""

    status = 400


def socket_id() -> str:
    """The connection the current event came on (Flask-SocketIO sets it on the request)."""
    return request.sid  # type: ignore[attr-defined]


def _app() -> Flask:
    """The application itself, not the context-bound proxy (a background task keeps it)."""
    return current_app._get_current_object()  # type: ignore[attr-defined]


def error_ack(message: str, status: int = 400, errors: dict | None = None) -> dict:
    """A refusal; ``errors`` names the wrong fields (the first few, their names cut short,
    so that a payload of a thousand unknown keys does not come back a thousandfold)."""
    reply: dict = {"ok": False, "status": status, "error": message}
    if errors:
        named = itertools.islice(errors.items(), MAX_FIELD_ERRORS)
        reply["errors"] = {str(name)[:MAX_FIELD_NAME]: text for name, text in named}
    return reply


def on(event: str, level: str, shape: type[Strict]) -> Callable:
    """Register a handler that runs only for sockets meeting ``level``, given its payload
    validated as ``shape``.

    Conference levels read ``conference_id`` from the payload. The signed-in session is
    judged again on every event, by the identity this process remembers until a change to a
    session, person or accreditation clears it (or read afresh, with several processes), so
    an ended session or a changed role counts from the next event on. Every
    event is answered: a refusal or a malformed payload with an error acknowledgement, an
    unexpected failure with a 500 one (and a single entry in the log).
    """

    def register(handler: Callable) -> Callable:
        EVENT_ACCESS[event] = level
        EVENT_SHAPES[event] = shape

        @functools.wraps(handler)
        def run(*args):
            return answered(event, lambda: _dispatch(handler, level, shape, args))

        socketio.on_event(event, run)
        return run

    return register


def _dispatch(handler: Callable, level: str, shape: type[Strict], args: tuple) -> dict:
    payload = _payload(args)
    conference_id = parse(Addressed, payload).conference_id
    if not allows(signed_in(), level, conference_id):
        raise NotAllowed(_("You are not allowed to do this."))
    return handler(parse(shape, payload))


def _payload(args: tuple) -> dict:
    """The one JSON object an event carries."""
    if len(args) == 1 and isinstance(args[0], dict):
        return args[0]
    if len(args) == 1 and isinstance(args[0], Unreadable):
        raise Malformed(str(args[0].reason))
    raise Malformed(_("Send a JSON object."))


def answered(event: str, call: Callable[[], dict]) -> dict:
    """The acknowledgement of an event: ``call``'s reply, or why it failed."""
    try:
        return call()
    except DomainError as error:
        return error_ack(error.message, error.status, getattr(error, "errors", None))
    except Exception:
        # What the failed call wrote is rolled back when the event's context ends.
        current_app.logger.exception("The socket event %s failed", event)
        return error_ack(_("Something went wrong on our side. Please try again."), 500)


@socketio.on("*")
def unknown_event(event: str, *args) -> dict:
    """An event no handler has is answered too (a page of an older version, a typo)."""
    if any(isinstance(arg, Unreadable) for arg in args):
        return answered(event, lambda: _payload(args))
    return error_ack(_("Unknown action."), 404)


@socketio.on("connect")
def connect(auth=None):
    """Only signed-in browsers connect; each joins its own person and session rooms.

    A live page names its conference when it connects (``auth``: ``{"conference_id": …}``)
    and is sent the answer ``watch_conference`` would give as the ``conference_state`` event:
    every connect and reconnect brings the full state without a second round trip, so a hall
    coming back from a Wi-Fi blip asks the server half as often.
    """
    principal = signed_in()
    if not principal.is_authenticated:
        raise ConnectionRefusedError("not signed in")
    reading_only()  # the full state: nothing is written
    join_room(f"user:{principal.identity.person_id}")
    join_room(f"login:{principal.login_id}")
    track_socket(_app(), socket_id(), principal.login_id)
    if auth is not None:
        # To this one connection, here: not through the message queue to every process.
        emit("conference_state", watch_conference(auth), ignore_queue=True)


@socketio.on("disconnect")
def disconnect(*_reason) -> None:
    forget_socket(_app(), socket_id())


@on("watch_conference", "observer", ConferenceEvent)
def watch_conference(payload: ConferenceEvent) -> dict:
    """Follow a conference: join its rooms and receive its full current state."""
    conference_id = payload.conference_id
    follow_conference(conference_id)
    principal = signed_in()
    if allows(principal, "moderator", conference_id):
        join_room(f"moderators:{conference_id}")
    return {"ok": True, "state": state.conference_state(principal, conference_id)}


@on("watch_documents", "observer", WatchDocuments)
def watch_documents(payload: WatchDocuments) -> dict:
    """Follow a conference's documents and, with ``document_id``, one document's page.

    The document room is joined only if the document may be read; its events carry ids only,
    and each page fetches what its reader may see.
    """
    from participation.services import documents as document_service

    conference_id = payload.conference_id
    follow_conference(conference_id)
    reply = {
        "ok": True,
        "documents": document_service.documents_summary(signed_in(), conference_id),
    }
    if payload.document_id is not None:
        document = document_service.get_document(signed_in(), conference_id, payload.document_id)
        join_room(f"document:{document.id}")
        reply["document"] = {
            "id": document.id,
            "status": document.status,
            "version": document.current_version.number if document.current_version else None,
        }
    return reply
