"""How a connection's events run in Flask (its session, its request), which login session each
of this process's connections belongs to, and the sweep that drops the connections of
sessions ended elsewhere."""

from __future__ import annotations

from flask import Flask, Request, current_app
from flask.sessions import SecureCookieSession, SecureCookieSessionInterface
from werkzeug.exceptions import HTTPException

from participation.extensions import socketio
from participation.services import access

#: Where Flask-SocketIO keeps a connection's copy of the session it connected with.
SAVED_SESSION = "saved_session"


class CookieSessions(SecureCookieSessionInterface):
    """Flask's signed-cookie session, opened once per socket connection.

    Flask-SocketIO runs each event of a connection in a request context made from the
    connect request, whose cookie Flask would verify and decode again for every event, and
    then replaces that session with the copy it saved at the connection's first event
    (``SAVED_SESSION`` in the environ). Once that copy exists, an event's context opens an
    empty session instead: the one it is replaced with is the same as before, and a hall's
    ballot burst does not verify a thousand cookie signatures for nothing.
    """

    def open_session(self, app: Flask, request) -> SecureCookieSession | None:
        if SAVED_SESSION in request.environ:
            return self.session_class()
        return super().open_session(app, request)


class UnroutedRequest(Request):
    """Flask's request, keeping the error of a path no route matches without its traceback.

    Every socket event runs in a request context made from its connection's request, whose
    path (``/socket.io/``) Flask matches against the routes each time. The ``NotFound`` it
    keeps held the traceback of the failed match, whose frames hold the request context: a
    reference cycle per event, which only the cyclic collector frees, and the server collects
    rarely (``wsgi.py``, to keep its pauses short). After a hall's burst, close and two
    broadcasts, 61,000 such objects (10 MiB) were waiting for it. Kept bare, the error frees
    with its request; for an HTTP request Flask raises it again, with a traceback of its own.
    """

    @property
    def routing_exception(self) -> HTTPException | None:
        return self.__dict__.get("_routing_exception")

    @routing_exception.setter
    def routing_exception(self, error: HTTPException | None) -> None:
        if error is not None:
            error.__traceback__ = None
            error.__context__ = None  # Werkzeug's own NoMatch, with the frames of the match
        self.__dict__["_routing_exception"] = error


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
    """Disconnect this process's sockets whose login session has ended (here or elsewhere).

    Only the sockets known before the database is asked are judged: while it answers, other
    connections go on and phones connect, and a socket tracked meanwhile is not in the answer.
    """
    sockets: dict[str, int] = current_app.extensions.get("socket_logins", {})
    known = list(sockets.items())
    if not known:
        return
    live = access.live_session_ids({login_id for _sid, login_id in known})
    for sid, login_id in known:
        if login_id not in live and sockets.get(sid) == login_id:
            sockets.pop(sid, None)
            socketio.server.disconnect(sid, namespace="/")
