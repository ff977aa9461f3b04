"""Flask extensions, created unbound; ``create_app`` binds them."""

import flask_login
from flask import request
from flask_babel import Babel
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_socketio import SocketIO
from flask_sqlalchemy import SQLAlchemy
from flask_wtf import CSRFProtect

from participation.models.base import Base


class LoginManager(flask_login.LoginManager):
    """Flask-Login, judging each socket event by its request loader alone.

    For every event of a connection, Flask-Login would first hash the address and browser for
    its session protection, look for a remember-me cookie and send its signals; this app signs
    in neither through Flask-Login's session nor with remember-me cookies, so for an event (it
    has a ``sid``) the principal comes straight from the request loader
    (:func:`participation.web.auth.load_principal`). Pages are loaded as Flask-Login does.
    ``_load_user`` and the helpers it calls are Flask-Login's own, not public (it is pinned in
    requirements.txt); ``tests/test_socket.py`` checks both paths.
    """

    def _load_user(self):
        loader = self._request_callback
        if loader is None or getattr(request, "sid", None) is None:
            return super()._load_user()
        return self._update_request_context_with_user(loader(request))


def signed_in():
    """The signed-in principal itself (or the anonymous one), not Flask-Login's proxy, which
    looks it up again on every attribute read; services are handed this."""
    return flask_login.current_user._get_current_object()


db = SQLAlchemy(model_class=Base)
login_manager = LoginManager()
csrf = CSRFProtect()
socketio = SocketIO()
babel = Babel()
limiter = Limiter(key_func=get_remote_address, default_limits=[])
