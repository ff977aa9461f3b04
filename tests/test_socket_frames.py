"""Compressed WebSocket frames: a message going to a whole hall is compressed once.

eventlet's own server code is driven here in-process, on socket pairs: the handshake that
accepts the browsers' permessage-deflate offer, then the frames it packs for two connections.
gevent's (wsproto, as simple-websocket uses it) is driven against wsproto's client. The
browsers' side (Chromium accepting the answer and reading the frames) is in
``tests/browser/test_ballot_explains.py``.
"""

from __future__ import annotations

import socket
import zlib

import pytest
import simple_websocket.ws
from eventlet import websocket
from wsproto import ConnectionType, WSConnection
from wsproto.events import AcceptConnection, Request, TextMessage
from wsproto.extensions import PerMessageDeflate

from participation.realtime import frames

#: What Chromium and Node's ``ws`` offer.
OFFER = "permessage-deflate; client_max_window_bits"
MARKER = b"\x00\x00\xff\xff"


@pytest.fixture
def shared(monkeypatch):
    """eventlet with shared frames, put back as it was after the test."""
    for cls, name in (
        (websocket.WebSocketWSGI, "_negotiate_permessage_deflate"),
        (websocket.RFC6455WebSocket, "_get_permessage_deflate_enc"),
    ):
        monkeypatch.setattr(cls, name, getattr(cls, name))
    monkeypatch.setattr(frames, "recent_frames", frames.RecentFrames())
    frames.share_compressed_frames("eventlet")
    return frames.recent_frames


def _accepted(offer: str = OFFER) -> dict:
    server = websocket.WebSocketWSGI(lambda ws: None)
    agreed = server._negotiate_permessage_deflate(server._parse_extension_header(offer))
    header = server._format_extension_header({"permessage-deflate": agreed})
    assert b"server_no_context_takeover" in header
    return {"permessage-deflate": agreed}


@pytest.fixture
def connection():
    """A server-side connection with the extensions agreed, on a socket pair closed after."""
    pairs = []

    def make(extensions: dict):
        pair = socket.socketpair()
        pairs.append(pair)
        return websocket.RFC6455WebSocket(pair[0], {}, extensions=extensions)

    yield make
    for pair in pairs:
        for end in pair:
            end.close()


def _read(frame: bytes) -> str:
    """One unmasked server frame, decompressed as a phone does: on its own."""
    assert frame[0] & 0x40, "the frame is compressed"
    length = frame[1] & 0x7F
    start = 2
    if length == 126:
        length, start = int.from_bytes(frame[2:4], "big"), 4
    payload = frame[start : start + length]
    return zlib.decompressobj(-zlib.MAX_WBITS).decompress(payload + MARKER).decode()


def test_a_broadcast_is_compressed_once_and_every_connection_reads_it(shared, connection):
    message = '42["poll_closed",{"result_html":"' + "<tr><td>Ja</td><td>12</td></tr>" * 40 + '"}]'
    sent = []
    for _ in range(3):
        sent.append(connection(_accepted())._pack_message(message))
    assert shared.compressions == 1
    assert sent[0] == sent[1] == sent[2]
    assert len(sent[0]) < len(message) / 4
    assert _read(sent[0]) == message


def test_each_message_stands_alone_so_the_next_is_read_without_the_last(shared, connection):
    phone = connection(_accepted())
    first = phone._pack_message('42["speakers",{"names":["Aylin Demir"]}]')
    second = phone._pack_message('42["speakers",{"names":["Aylin Demir","Jonas Weber"]}]')
    assert _read(first) == '42["speakers",{"names":["Aylin Demir"]}]'
    assert _read(second) == '42["speakers",{"names":["Aylin Demir","Jonas Weber"]}]'
    assert shared.compressions == 2


def test_a_smaller_window_asked_for_is_kept_apart(shared, connection):
    wide = connection(_accepted())
    narrow = connection(_accepted("permessage-deflate; server_max_window_bits=10"))
    message = "4" + "x" * 2000
    wide._pack_message(message)
    narrow._pack_message(message)
    assert shared.compressions == 2


def test_only_the_most_recent_messages_are_kept():
    recent = frames.RecentFrames(size=2)
    for text in (b"a" * 50, b"b" * 50, b"c" * 50, b"a" * 50):
        recent.compressed(text, zlib.MAX_WBITS)
    assert recent.compressions == 4  # "a" was dropped when "c" came
    recent.compressed(b"c" * 50, zlib.MAX_WBITS)
    assert recent.compressions == 4
    huge = b"y" * (frames.LONGEST_KEPT + 1)
    recent.compressed(huge, zlib.MAX_WBITS)
    recent.compressed(huge, zlib.MAX_WBITS)
    assert recent.compressions == 6


def test_a_connection_without_compression_gets_plain_frames(shared, connection):
    server = websocket.WebSocketWSGI(lambda ws: None)
    assert server._negotiate_permessage_deflate(server._parse_extension_header(None)) is None
    frame = connection({})._pack_message('42["agenda_changed",{}]')
    assert not frame[0] & 0x40 and frame.endswith(b'42["agenda_changed",{}]')
    assert shared.compressions == 0


# --- gevent: simple-websocket on wsproto ------------------------------------------------------


@pytest.fixture
def shared_in_wsproto(monkeypatch):
    monkeypatch.setattr(simple_websocket.ws, "PerMessageDeflate", PerMessageDeflate)
    monkeypatch.setattr(frames, "recent_frames", frames.RecentFrames())
    frames.share_compressed_frames("gevent")
    return frames.recent_frames


def _wsproto_pair() -> tuple[WSConnection, WSConnection]:
    """A phone's connection (wsproto's client, offering compression) and the server's, which
    accepts it as simple-websocket does."""
    phone, server = WSConnection(ConnectionType.CLIENT), WSConnection(ConnectionType.SERVER)
    server.receive_data(
        phone.send(Request(host="hall", target="/socket.io/", extensions=[PerMessageDeflate()]))
    )
    assert isinstance(next(server.events()), Request)
    accepting = simple_websocket.ws.PerMessageDeflate()
    phone.receive_data(server.send(AcceptConnection(extensions=[accepting])))
    (accepted,) = next(phone.events()).extensions
    assert accepted.server_no_context_takeover
    return phone, server


def test_under_gevent_a_broadcast_is_compressed_once_and_every_phone_reads_it(shared_in_wsproto):
    message = '42["poll_closed",{"result_html":"' + "<li>Nein: 3</li>" * 60 + '"}]'
    pairs = [_wsproto_pair() for _ in range(3)]
    sent = [server.send(TextMessage(data=message)) for _phone, server in pairs]
    assert shared_in_wsproto.compressions == 1
    assert sent[0] == sent[1] == sent[2] and len(sent[0]) < len(message) / 4
    for (phone, _server), frame in zip(pairs, sent, strict=True):
        phone.receive_data(frame)
        (received,) = list(phone.events())
        assert received.data == message
    # The next message is read on its own too.
    phone, server = pairs[0]
    phone.receive_data(server.send(TextMessage(data='42["speakers",{}]')))
    assert [event.data for event in phone.events()] == ['42["speakers",{}]']
