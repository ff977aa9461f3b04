"""Socket.IO: authentication at connect, server-chosen rooms, thin handlers, the broadcaster."""

from __future__ import annotations

import logging

from flask import Flask

from participation import events
from participation.extensions import db, socketio

log = logging.getLogger(__name__)


def register_handlers() -> None:
    """Import the handler modules.

    This must happen before ``socketio.init_app``: Flask-SocketIO keeps handlers declared
    while it has no server and binds them to every server it creates; a handler declared after
    ``init_app`` would reach only that one server.
    """
    from participation.realtime import handlers, room, voting  # noqa: F401


def init_realtime(app: Flask) -> None:
    events.set_sink(broadcast)


def broadcast(event: events.Event) -> None:
    """Send a committed event to its room; a ended session also loses its sockets here."""
    socketio.emit(event.name, event.payload, to=event.room, skip_sid=event.skip)
    if event.name == "session_ended":
        _disconnect_room(event.room)


def _disconnect_room(room: str) -> None:
    server = socketio.server
    if server is None:
        return
    for participant in list(server.manager.get_participants("/", room)):
        sid = participant[0] if isinstance(participant, tuple) else participant
        server.disconnect(sid, namespace="/")


def track_socket(app: Flask, sid: str, login_id: int) -> None:
    """Remember which login session a connection belongs to.

    With several processes, a session ended on one of them disconnects its sockets there at
    once; every other process finds its own sockets of ended sessions in a sweep every
    ``SESSION_SWEEP_SECONDS`` (their events are refused at once everywhere).
    """
    app.extensions.setdefault("socket_logins", {})[sid] = login_id
    if app.config.get("SOCKETIO_MESSAGE_QUEUE") and "session_sweep" not in app.extensions:
        app.extensions["session_sweep"] = socketio.start_background_task(_sweep, app)


def forget_socket(app: Flask, sid: str) -> None:
    app.extensions.get("socket_logins", {}).pop(sid, None)


def _sweep(app: Flask) -> None:
    from participation.services import access

    sockets: dict[str, int] = app.extensions["socket_logins"]
    while True:
        socketio.sleep(app.config.get("SESSION_SWEEP_SECONDS", 5))
        if not sockets:
            continue
        try:
            with app.app_context():
                live = access.live_session_ids(set(sockets.values()))
                db.session.remove()
        except Exception:  # the database may be away for a moment; try at the next sweep
            log.exception("could not check the sockets' sessions")
            continue
        for sid, login_id in list(sockets.items()):
            if login_id not in live:
                sockets.pop(sid, None)
                socketio.server.disconnect(sid, namespace="/")
