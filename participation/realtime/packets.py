"""Decoding Socket.IO packets so that every event a client sends can be answered.

python-socketio decodes a packet's JSON with the standard decoder, which recurses once per
level of nesting and raises on a malformed text; the packet is then dropped with a traceback
in the log and its sender never hears back. Here a packet's JSON is checked first: one that
nests too deeply, is not JSON or holds an absurd number becomes an :class:`Unreadable` payload
under the event's name, and the event's handler answers it with an error acknowledgement.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from flask_babel import lazy_gettext as _l
from socketio import packet

from participation.schemas.common import MAX_DEPTH, nesting_of

#: The packet's own list (``["event", payload]``) is one level around the payload.
PACKET_DEPTH = MAX_DEPTH + 1
#: Digits a number may have; an id has at most ten, and converting longer ones costs time.
MAX_DIGITS = 100


@dataclass(frozen=True)
class Unreadable:
    """What a client sent in place of a payload that could not be decoded."""

    #: Why, for the person: a translatable message.
    reason: Any


class _TooLong(ValueError):
    pass


def _number(digits: str) -> int:
    if len(digits) > MAX_DIGITS:
        raise _TooLong(digits[:20])
    return int(digits)


def _constant(name: str) -> float:
    """``NaN`` and ``Infinity`` are not JSON."""
    raise ValueError(name)


#: Made once: ``json.loads`` with these options would make a decoder for every packet.
_DECODER = json.JSONDecoder(parse_int=_number, parse_constant=_constant)


class PacketJSON:
    """The JSON module of the socket packets: the standard encoder, a guarded decoder."""

    dumps = staticmethod(json.dumps)

    @staticmethod
    def loads(text: str | bytes, **_options: Any) -> Any:
        if isinstance(text, bytes):
            text = text.decode("utf-8", "replace")
        opening = text.count("[") + text.count("{")
        if opening > PACKET_DEPTH and nesting_of(text) > PACKET_DEPTH:
            return Unreadable(_l("The request nests too deeply."))
        try:
            return _DECODER.decode(text)
        except _TooLong:
            return Unreadable(_l("A number in the request is too long."))
        except (ValueError, RecursionError):
            return Unreadable(_l("The request is not valid JSON."))


#: Names that python-socketio gives to its own handlers; a client's event never has them.
RESERVED = frozenset({"connect", "disconnect"})


class EventPacket(packet.Packet):
    """A Socket.IO packet whose event, if its payload cannot be read, still reaches a handler.

    An event a client names ``connect`` or ``disconnect`` would run those handlers (and could
    untrack its own socket, which then outlives the session's end); it is renamed to no name,
    which no handler has, and answered as unknown.
    """

    json = PacketJSON
    #: Everything the server sends is JSON, so it need not walk through every payload (a
    #: phone's full state, a result for the whole hall) looking for bytes to attach.
    uses_binary_events = False

    def decode(self, encoded_packet):
        attachments = super().decode(encoded_packet)
        if self.packet_type in (packet.EVENT, packet.BINARY_EVENT):
            if not _is_event(self.data):
                self.data = [_event_name(encoded_packet), _unreadable(self.data)]
            if self.data[0] in RESERVED:
                self.data = ["", *self.data[1:]]
        return attachments


def _is_event(data: Any) -> bool:
    return isinstance(data, list) and bool(data) and isinstance(data[0], str)


def _unreadable(data: Any) -> Unreadable:
    if isinstance(data, Unreadable):
        return data
    return Unreadable(_l("The request could not be understood."))


def _event_name(encoded_packet: str | bytes) -> str:
    """The event's name read from the start of an undecodable packet (``2["name", …``).

    Only the name is decoded; an empty name (which no handler has) if it cannot be read.
    """
    if isinstance(encoded_packet, bytes):
        encoded_packet = encoded_packet.decode("utf-8", "replace")
    starts = [at for at in map(encoded_packet.find, '[{"') if at != -1]
    if not starts or encoded_packet[min(starts)] != "[":
        return ""
    rest = encoded_packet[min(starts) + 1 :].lstrip()
    if not rest.startswith('"'):
        return ""
    try:
        name, _end = json.JSONDecoder().raw_decode(rest)
    except ValueError:
        return ""
    return name if isinstance(name, str) else ""
