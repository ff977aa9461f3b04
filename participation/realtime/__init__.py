"""Socket.IO: authentication at connect, server-chosen rooms, thin handlers, the broadcaster."""

from __future__ import annotations

from flask import Flask, current_app

from participation import events
from participation.extensions import socketio
from participation.services import access


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
    once; every other process finds its own sockets of ended sessions in the session sweep
    (:mod:`participation.jobs`, every ``SESSION_SWEEP_SECONDS``; their events are refused at
    once everywhere).
    """
    app.extensions.setdefault("socket_logins", {})[sid] = login_id


def forget_socket(app: Flask, sid: str) -> None:
    app.extensions.get("socket_logins", {}).pop(sid, None)


def drop_ended_sessions() -> None:
    """Disconnect this process's sockets whose login session has ended (here or elsewhere)."""
    sockets: dict[str, int] = current_app.extensions.get("socket_logins", {})
    if not sockets:
        return
    live = access.live_session_ids(set(sockets.values()))
    for sid, login_id in list(sockets.items()):
        if login_id not in live:
            sockets.pop(sid, None)
            socketio.server.disconnect(sid, namespace="/")
