"""One compression of a broadcast for all the connections it goes to.

Browsers offer permessage-deflate (RFC 7692) with every WebSocket. eventlet compresses each
message for each connection with that connection's own compressor, which keeps its window
from one message to the next ("context takeover"): a result sent to 2,000 phones was
compressed 2,000 times, a third of the server's time for that broadcast, and every
connection held a compressor of its own.

Here the server accepts the offer with ``server_no_context_takeover``, which RFC 7692
(section 7.1.1.1) lets a server add to any offer. Each message is then compressed on its
own, so the same text makes the same frame for every connection, and the frames of the most
recent messages are kept and sent again as they are. What the phones receive is still
compressed; they only lose what one message could have borrowed from the previous one. A kept
frame is only ever sent for the very message it was made from, and nothing of one message
carries into the next one's compression, so no connection's frames depend on what another
connection was sent.

Installed by ``wsgi.py`` before it serves with eventlet or gevent. The pinned eventlet (0.41)
asks ``_get_permessage_deflate_enc`` for a compressor for each frame it packs and calls its
``compress`` and then its ``flush``; those two private methods are what is replaced. Under
gevent, simple-websocket (1.1) accepts every connection with wsproto's ``PerMessageDeflate``,
which is replaced by a subclass.
"""

from __future__ import annotations

import zlib
from collections import OrderedDict

from wsproto.extensions import PerMessageDeflate
from wsproto.frame_protocol import Opcode, RsvBits

#: How many recent messages keep their compressed frame.
RECENT = 128
#: Longer messages are compressed each time they are sent, and not kept.
LONGEST_KEPT = 64 * 1024


class RecentFrames:
    """The compressed frames of the most recent messages, by message and window size.

    One compressor per window size does all the work: a full flush after each message ends
    it on a byte boundary with the marker RFC 7692 strips, and forgets everything before it,
    so each frame is read on its own. A new compressor for each message would cost more than
    the compression of a short one (its 256 KiB of state are set up anew each time).
    """

    def __init__(self, size: int = RECENT) -> None:
        self.size = size
        self._frames: OrderedDict[tuple[int, bytes], bytes] = OrderedDict()
        self._compressors: dict[int, zlib._Compress] = {}
        #: How many times a message was compressed (for the tests).
        self.compressions = 0

    def compressed(self, message: bytes, window_bits: int) -> bytes:
        """``message`` compressed on its own, ending in the flush's marker."""
        key = (window_bits, message)
        frame = self._frames.get(key)
        if frame is not None:
            self._frames.move_to_end(key)
            return frame
        compressor = self._compressors.get(window_bits)
        if compressor is None:
            compressor = zlib.compressobj(zlib.Z_DEFAULT_COMPRESSION, zlib.DEFLATED, -window_bits)
            self._compressors[window_bits] = compressor
        frame = compressor.compress(message) + compressor.flush(zlib.Z_FULL_FLUSH)
        self.compressions += 1
        if len(message) <= LONGEST_KEPT:
            self._frames[key] = frame
            if len(self._frames) > self.size:
                self._frames.popitem(last=False)
        return frame


#: The one store of the process's serving WebSockets.
recent_frames = RecentFrames()


class _SharedCompressor:
    """What eventlet gets in place of a compressor for one frame: ``compress`` takes the
    message, ``flush`` gives its shared compressed frame."""

    def __init__(self, window_bits: int) -> None:
        self.window_bits = window_bits
        self.message = b""

    def compress(self, message: bytes) -> bytes:
        self.message += message
        return b""

    def flush(self, mode: int = zlib.Z_FINISH) -> bytes:
        message, self.message = self.message, b""
        return recent_frames.compressed(message, self.window_bits)


def share_compressed_frames(async_mode: str) -> None:
    """Make the WebSocket server of ``async_mode`` send each message compressed once.

    eventlet has a WebSocket of its own; gevent's is simple-websocket on wsproto. Not with
    threads: all connections share one compressor, which only a server whose connections take
    turns may do.
    """
    if async_mode == "eventlet":
        _share_in_eventlet()
    elif async_mode == "gevent":
        _share_in_wsproto()


def _share_in_eventlet() -> None:
    from eventlet import websocket

    negotiate = websocket.WebSocketWSGI._negotiate_permessage_deflate
    if getattr(negotiate, "shares_frames", False):
        return
    own_compressor = websocket.RFC6455WebSocket._get_permessage_deflate_enc

    def negotiate_without_takeover(self, extensions):
        agreed = negotiate(self, extensions)
        if agreed is not None:
            agreed["server_no_context_takeover"] = True
        return agreed

    def shared_compressor(self):
        options = self.extensions.get("permessage-deflate")
        if self.client or not options or not options.get("server_no_context_takeover"):
            return own_compressor(self)
        return _SharedCompressor(options.get("server_max_window_bits", zlib.MAX_WBITS))

    negotiate_without_takeover.shares_frames = True  # type: ignore[attr-defined]
    websocket.WebSocketWSGI._negotiate_permessage_deflate = negotiate_without_takeover
    websocket.RFC6455WebSocket._get_permessage_deflate_enc = shared_compressor


class SharedFramesDeflate(PerMessageDeflate):
    """wsproto's permessage-deflate, accepted without the server's context takeover; a whole
    message the server sends is compressed through :data:`recent_frames`."""

    def __init__(self, *args, **kwargs) -> None:
        kwargs.setdefault("server_no_context_takeover", True)
        super().__init__(*args, **kwargs)

    def frame_outbound(self, proto, opcode, rsv, data, fin):
        whole = fin and opcode in (Opcode.TEXT, Opcode.BINARY)
        if proto.client or not whole or not self.server_no_context_takeover:
            return super().frame_outbound(proto, opcode, rsv, data, fin)
        frame = recent_frames.compressed(bytes(data), self.server_max_window_bits)
        return RsvBits(True, rsv[1], rsv[2]), frame[:-4]


def _share_in_wsproto() -> None:
    """simple-websocket accepts every connection with the ``PerMessageDeflate`` of its module."""
    from simple_websocket import ws

    ws.PerMessageDeflate = SharedFramesDeflate
