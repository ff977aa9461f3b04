"""The Socket.IO client manager: which connection is in which room, indexed both ways.

python-socketio finds the rooms a closing connection was in by looking through every room of
the server, copying the list first. Each phone here is in five rooms (its own, its person's,
its login session's, the conference's and its language's), so when a Wi-Fi blip closed the
connections of a hall of 2,000 at once, the server spent over a millisecond per connection
just finding them (measured: 2.2 s of the reconnect storm, 6 million membership checks).
Keeping each connection's rooms beside the rooms' members makes that a lookup.
"""

from __future__ import annotations

import threading
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
    def _rooms_of(self) -> dict[tuple[str, str], list]:
        """Each connection's rooms: a short list (a set of six costs six times the memory,
        and a hall holds thousands of them)."""
        index = self.__dict__.get("_index")
        if index is None:
            index = self.__dict__["_index"] = {}
        return index

    def basic_enter_room(self, sid, namespace, room, eio_sid=None):
        super().basic_enter_room(sid, namespace, room, eio_sid=eio_sid)
        rooms = self._rooms_of.setdefault((namespace, sid), [])
        if room not in rooms:
            rooms.append(room)

    def basic_leave_room(self, sid, namespace, room):
        super().basic_leave_room(sid, namespace, room)
        rooms = self._rooms_of.get((namespace, sid))
        if rooms is not None and room in rooms:
            rooms.remove(room)
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


class PublishesInTurn:
    """A mixin for the managers over a message queue: what this process publishes leaves in
    the order it was published, sent by a task of its own rather than by the caller.

    python-socketio publishes each event before ``emit`` returns, one round trip to the queue
    each. After a batch of ballots commits, its writer tells every voter's other devices
    (``vote_recorded``): on a busy server each round trip waited its turn among the hall's
    connections, and the batch's voters got their receipts only after all of them (measured
    with two processes: 16 s of waiting for 1,000 ballots). Here the caller only queues the
    message; one task sends whatever has gathered meanwhile, with Redis in one pipeline.
    """

    server: socketio.Server
    channel: str
    _get_logger: Callable

    def _publish(self, data) -> None:
        state = self.__dict__.setdefault("_outgoing", _Outgoing())
        with state.lock:
            state.messages.append(data)
            if state.sending:
                return
            state.sending = True
        self.server.start_background_task(self._send_outgoing, state)

    def _send_outgoing(self, state: _Outgoing) -> None:
        while True:
            with state.lock:
                messages, state.messages = state.messages, []
                if not messages:
                    state.sending = False
                    return
            try:
                self._publish_all(messages)
            except Exception as error:  # the task must go on sending what comes next
                self._get_logger().error("Cannot publish %d messages: %s", len(messages), error)

    def _publish_all(self, messages: list) -> None:
        for message in messages:
            super()._publish(message)  # type: ignore[misc]


class _Outgoing:
    """The messages waiting to be published, and whether a task is sending them."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.messages: list = []
        self.sending = False


class PipelinedRedis:
    """Over Redis, the messages gathered are published in one round trip (with python-socketio's
    one reconnection and retry when the connection was lost)."""

    redis: object
    connected: bool
    channel: str
    json: object

    def _publish_all(self, messages: list) -> None:
        for retries_left in (1, 0):
            try:
                if not self.connected:
                    self._redis_connect()  # type: ignore[attr-defined]
                pipeline = self.redis.pipeline(transaction=False)  # type: ignore[attr-defined]
                for message in messages:
                    pipeline.publish(self.channel, self.json.dumps(message))  # type: ignore[attr-defined]
                pipeline.execute()
                return
            except Exception as error:  # as python-socketio's own publishing: log, retry once
                self.connected = False
                logger = self._get_logger()  # type: ignore[attr-defined]
                if retries_left:
                    logger.error("Cannot publish to redis... retrying (%s)", error)
                else:
                    logger.error("Cannot publish to redis... giving up (%s)", error)


def client_manager(
    message_queue: str | None, heard: RemoteEvents | None = None
) -> socketio.Manager:
    """The manager for a server: local, or over the message queue Flask-SocketIO would pick
    for the URL (Redis, Kafka, ZeroMQ, else Kombu), telling ``heard`` of other processes'
    events."""
    if not message_queue:
        return Manager()
    mixins: tuple[type, ...] = (HearsOthers, PublishesInTurn, IndexedRooms)
    if message_queue.startswith(("redis://", "rediss://")):
        base: type = socketio.RedisManager
        mixins = (HearsOthers, PipelinedRedis, PublishesInTurn, IndexedRooms)
    elif message_queue.startswith("kafka://"):
        base = socketio.KafkaManager
    elif message_queue.startswith("zmq"):
        base = socketio.ZmqManager
    else:
        base = socketio.KombuManager
    indexed = type(f"Indexed{base.__name__}", (*mixins, base), {})
    manager = indexed(message_queue, channel="flask-socketio")
    manager.heard = heard
    return manager
