"""participation: conferences of member organisations, live on delegates' phones."""

from __future__ import annotations

from flask import Flask, has_request_context, request, session
from flask_login import current_user
from sqlalchemy import event
from sqlalchemy.engine import Engine
from werkzeug.middleware.proxy_fix import ProxyFix

from participation import config as settings
from participation.extensions import babel, csrf, db, limiter, login_manager, socketio

SUPPORTED_LOCALES = settings.SUPPORTED_LOCALES


def create_app(config: dict | None = None) -> Flask:
    """Build the application; ``config`` overrides settings from the environment."""
    config = dict(config or {})
    app = Flask(
        __name__,
        template_folder=str(settings.PROJECT_ROOT / "templates"),
        static_folder=str(settings.PROJECT_ROOT / "static"),
        instance_path=str(settings.instance_path()),
    )
    app.config.update(settings.DEFAULTS)
    app.config.update(settings.from_environment(need_secret="SECRET_KEY" not in config))
    app.config.update(config)
    settings.check(app.config)
    if app.config["TRUSTED_PROXIES"]:
        n = app.config["TRUSTED_PROXIES"]
        app.wsgi_app = ProxyFix(  # type: ignore[method-assign]  # Flask's documented way
            app.wsgi_app, x_for=n, x_proto=n, x_host=n
        )

    _bind_extensions(app)
    _register_blueprints(app)

    from participation import cli

    cli.register(app)
    return app


def _bind_extensions(app: Flask) -> None:
    import participation.models  # noqa: F401  (registers the models with the metadata)
    from participation.models.base import use_postgresql
    from participation.realtime import init_realtime, register_handlers
    from participation.realtime.manager import client_manager
    from participation.realtime.packets import EventPacket
    from participation.realtime.state import shared_states_of
    from participation.web.auth import load_principal

    if str(app.config["SQLALCHEMY_DATABASE_URI"]).startswith("postgresql"):
        use_postgresql()
    db.init_app(app)
    login_manager.init_app(app)
    login_manager.request_loader(load_principal)
    login_manager.login_view = "auth.login"
    csrf.init_app(app)
    limiter.init_app(app)
    babel.init_app(app, locale_selector=select_locale)
    register_handlers()
    # Each app gets a manager of its own (Flask-SocketIO would keep an earlier app's): the
    # rooms indexed both ways, over the message queue when there is one, where the events of
    # other processes renew this one's shared states too.
    socketio.init_app(
        app,
        client_manager=client_manager(
            app.config["SOCKETIO_MESSAGE_QUEUE"], heard=shared_states_of(app).heard
        ),
        # None: engine.io accepts only handshakes whose Origin is this server's own.
        cors_allowed_origins=app.config.get("SOCKETIO_ALLOWED_ORIGINS"),
        async_mode=app.config.get("SOCKETIO_ASYNC_MODE"),
        # A message up to this size is read and answered, however wrong its payload; a
        # larger one closes the connection (engine.io's limit, set here rather than left at
        # its default so that it is known).
        max_http_buffer_size=app.config["SOCKET_MESSAGE_LIMIT"],
        # Packets whose JSON is too deep or malformed still reach their event's handler,
        # which answers them (see realtime/packets.py).
        serializer=EventPacket,
    )
    init_realtime(app)


def _register_blueprints(app: Flask) -> None:
    from participation.web import register

    register(app)


def select_locale() -> str:
    """The person's remembered choice, else the browser's preference, else German."""
    if not has_request_context():
        return "de"
    if current_user.is_authenticated and current_user.identity.locale in SUPPORTED_LOCALES:
        return current_user.identity.locale
    if session.get("locale") in SUPPORTED_LOCALES:
        return session["locale"]
    return request.accept_languages.best_match(SUPPORTED_LOCALES) or "de"


@event.listens_for(Engine, "connect")
def _sqlite_pragmas(dbapi_connection, connection_record) -> None:
    """Durable, concurrent SQLite: WAL, foreign keys, waiting for locks, full sync."""
    module = type(dbapi_connection).__module__
    if "sqlite" not in module:
        return
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=10000")
    cursor.execute("PRAGMA synchronous=FULL")
    cursor.close()
