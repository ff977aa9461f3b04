"""Socket.IO: authentication at connect, server-chosen rooms, thin handlers, the broadcaster."""

from __future__ import annotations

from flask import Flask

from participation import events
from participation.extensions import socketio
from participation.realtime import rooms, state
from participation.realtime.sockets import CookieSessions, UnroutedRequest


def register_handlers() -> None:
    """Import the handler modules.

    This must happen before ``socketio.init_app``: Flask-SocketIO keeps handlers declared
    while it has no server and binds them to every server it creates; a handler declared after
    ``init_app`` would reach only that one server.
    """
    from participation.realtime import handlers, room, trustees, voting  # noqa: F401


def init_realtime(app: Flask) -> None:
    events.set_sink(broadcast)
    app.session_interface = CookieSessions()
    app.request_class = UnroutedRequest


def broadcast(event: events.Event) -> None:
    """Send a committed event to its room; a ended session also loses its sockets here."""
    state.shared_states().changed(event)
    if rooms.is_drawn(event):
        rooms.send_drawn(event)
        return
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
