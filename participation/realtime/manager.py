"""The Socket.IO client manager: which connection is in which room, indexed both ways.

python-socketio finds the rooms a closing connection was in by looking through every room of
the server, copying the list first. Each phone here is in five rooms (its own, its person's,
its login session's, the conference's and its language's), so when a Wi-Fi blip closed the
connections of a hall of 2,000 at once, the server spent over a millisecond per connection
just finding them (measured: 2.2 s of the reconnect storm, 6 million membership checks).
Keeping each connection's rooms beside the rooms' members makes that a lookup.
"""

from __future__ import annotations

from collections.abc import Callable

import socketio

#: Told of every event another process sent through the message queue: (name, room).
RemoteEvents = Callable[[str, str], None]


class IndexedRooms:
    """A mixin for python-socketio's managers (local or over a message queue)."""

    rooms: dict
    callbacks: dict
    pending_connect: dict
    pending_disconnect: dict

    @property
    def _rooms_of(self) -> dict[tuple[str, str], set]:
        index = self.__dict__.get("_index")
        if index is None:
            index = self.__dict__["_index"] = {}
        return index

    def basic_enter_room(self, sid, namespace, room, eio_sid=None):
        super().basic_enter_room(sid, namespace, room, eio_sid=eio_sid)
        self._rooms_of.setdefault((namespace, sid), set()).add(room)

    def basic_leave_room(self, sid, namespace, room):
        super().basic_leave_room(sid, namespace, room)
        rooms = self._rooms_of.get((namespace, sid))
        if rooms is not None:
            rooms.discard(room)
            if not rooms:
                del self._rooms_of[(namespace, sid)]

    def basic_disconnect(self, sid, namespace, **kwargs):
        """As python-socketio's, but leaving only the rooms the connection is in."""
        if namespace not in self.rooms:
            return
        # Its own room and the namespace's list of connections (None) go last, as there.
        rooms = sorted(self._rooms_of.get((namespace, sid), ()), key=lambda r: r in (None, sid))
        for room in rooms:
            self.basic_leave_room(sid, namespace, room)
        self.callbacks.pop(sid, None)
        for pending in (self.pending_connect, self.pending_disconnect):
            waiting = pending.get(namespace)
            if waiting is not None and sid in waiting:
                waiting.remove(sid)
                if not waiting:
                    del pending[namespace]


class Manager(IndexedRooms, socketio.Manager):
    """One process: the rooms in memory."""


class HearsOthers:
    """A mixin for the managers over a message queue: each event another process sent is
    also told to ``heard`` (the shared states forget what it changed), then delivered."""

    heard: RemoteEvents | None = None
    host_id: str

    def _handle_emit(self, message):
        # The manager hands its own emits to this method as well; those the sink has seen.
        if self.heard is not None and message.get("host_id") != self.host_id:
            room = message.get("room")
            self.heard(str(message.get("event")), room if isinstance(room, str) else "")
        return super()._handle_emit(message)


def client_manager(
    message_queue: str | None, heard: RemoteEvents | None = None
) -> socketio.Manager:
    """The manager for a server: local, or over the message queue Flask-SocketIO would pick
    for the URL (Redis, Kafka, ZeroMQ, else Kombu), telling ``heard`` of other processes'
    events."""
    if not message_queue:
        return Manager()
    if message_queue.startswith(("redis://", "rediss://")):
        base: type = socketio.RedisManager
    elif message_queue.startswith("kafka://"):
        base = socketio.KafkaManager
    elif message_queue.startswith("zmq"):
        base = socketio.ZmqManager
    else:
        base = socketio.KombuManager
    indexed = type(f"Indexed{base.__name__}", (HearsOthers, IndexedRooms, base), {})
    manager = indexed(message_queue, channel="flask-socketio")
    manager.heard = heard
    return manager
