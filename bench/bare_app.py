"""The bare stack: a minimal Flask-SocketIO app whose handler only acknowledges.

It runs on the same server as ``wsgi.py`` (same async mode, same server options), so the
benchmark can divide our time by what Flask-SocketIO itself needs for the same calls::

    ASYNC_MODE=eventlet PORT=5001 python -m bench.bare_app

``watch_conference``, ``watch_projector`` and ``cast_ballot`` acknowledge at once;
``POST /broadcast`` sends one ``poll_closed`` event to every connected client, as closing a poll
does, or with ``{"events": [[name, payload], …]}`` those events in turn (the hall benchmark sends
the payloads our server sent). With ``SOCKETIO_MESSAGE_QUEUE`` several bare processes share
their broadcasts, as several of ours do.
"""

import importlib.util
import os
import warnings
from pathlib import Path

warnings.filterwarnings("ignore", message=r"\s*Eventlet is deprecated")

ASYNC_MODE = os.environ.get("ASYNC_MODE", "eventlet")

if __name__ == "__main__":
    if ASYNC_MODE == "eventlet":
        import eventlet

        eventlet.monkey_patch()
    elif ASYNC_MODE == "gevent":
        from gevent import monkey

        monkey.patch_all()

from flask import Flask, jsonify, request  # noqa: E402
from flask_socketio import SocketIO, emit, join_room  # noqa: E402

app = Flask(__name__)
# Several bare processes share their broadcasts over the same message queue as ours would.
socketio = SocketIO(
    app, async_mode=ASYNC_MODE, message_queue=os.environ.get("SOCKETIO_MESSAGE_QUEUE") or None
)


@app.get("/")
def index():
    return "bare stack\n"


@app.post("/broadcast")
def broadcast():
    body = request.get_json(silent=True) or {}
    for name, payload in body.get("events") or [("poll_closed", body)]:
        socketio.emit(name, payload, to="conference:1")
    return jsonify({"ok": True})


@socketio.on("connect")
def connect(auth=None):
    """A live page names its conference when it connects and is sent its state (an ok)."""
    if auth:
        join_room("conference:1")
        emit("conference_state", {"ok": True})


@socketio.on("watch_conference")
def watch_conference(payload=None):
    join_room("conference:1")
    return {"ok": True}


@socketio.on("watch_projector")
def watch_projector(payload=None):
    join_room("conference:1")
    return {"ok": True}


@socketio.on("cast_ballot")
def cast_ballot(payload=None):
    return {"ok": True}


def _server_module(name: str):
    """A module of ``participation/realtime`` that sets up serving, read from its file alone
    so that the bare stack does not import the app with it."""
    path = Path(__file__).resolve().parents[1] / "participation" / "realtime" / f"{name}.py"
    spec = importlib.util.spec_from_file_location(f"bare_{name}", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def serve(host: str, port: int) -> None:
    """Listen and serve as ``wsgi.py`` does (WebSocket compression, and under eventlet the
    backlog, the green-thread pool and the connections released when they close)."""
    _server_module("frames").share_compressed_frames(ASYNC_MODE)
    if ASYNC_MODE == "eventlet":
        _server_module("serving").serve_with_eventlet(app, host, port)
    elif ASYNC_MODE == "gevent":
        backlog = int(os.environ.get("BACKLOG", "2048"))
        socketio.run(app, host=host, port=port, backlog=backlog)
    else:
        socketio.run(app, host=host, port=port, allow_unsafe_werkzeug=True)


if __name__ == "__main__":
    host = os.environ.get("HOST", "127.0.0.1")
    port = int(os.environ.get("PORT", "5001"))
    print(f"Serving the bare stack on http://{host}:{port} ({ASYNC_MODE})", flush=True)
    serve(host, port)
