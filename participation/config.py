"""Settings from the environment, with safe defaults.

Every setting can be given as an environment variable of the same name. ``create_app`` also
accepts a mapping that overrides them (tests use this).
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path

from limits import parse_many

#: Keys that appear in examples and tutorials; refused outside tests.
KNOWN_EXAMPLE_KEYS = frozenset(
    {"dev", "changeme", "change-me", "secret", "secret-key", "your-secret-key", "development"}
)

#: Rate limits that can be set from the environment (``"20 per minute;200 per hour"``).
RATE_LIMIT_SETTINGS = (
    "JOIN_RATE_LIMIT",
    "JOIN_ADDRESS_RATE_LIMIT",
    "LOGIN_RATE_LIMIT",
    "API_READ_RATE_LIMIT",
)

#: Interface languages, German first.
SUPPORTED_LOCALES = ("de", "en", "ar", "fa", "tr", "ru", "uk")

PACKAGE_ROOT = Path(__file__).resolve().parent
PROJECT_ROOT = PACKAGE_ROOT.parent


class ConfigError(RuntimeError):
    """A setting is missing or unsafe; the message says which and why."""


def instance_path() -> Path:
    return Path(os.environ.get("PARTICIPATION_INSTANCE", PROJECT_ROOT / "instance"))


def _secret_key(instance: Path) -> str:
    """Return SECRET_KEY from the environment, or one generated once and kept in the instance."""
    key = os.environ.get("SECRET_KEY")
    if key:
        return key
    instance.mkdir(parents=True, exist_ok=True)
    keyfile = instance / "secret_key"
    if not keyfile.exists():
        fd = os.open(keyfile, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as handle:
            handle.write(secrets.token_urlsafe(48))
    return keyfile.read_text().strip()


def from_environment(*, need_secret: bool = True) -> dict:
    """Build the settings mapping from the environment.

    ``need_secret=False`` skips reading or generating the secret key (the caller brings one).
    """
    instance = instance_path()
    database_url = os.environ.get("DATABASE_URL") or f"sqlite:///{instance / 'participation.db'}"
    if database_url.startswith("postgres://"):
        database_url = "postgresql://" + database_url[len("postgres://") :]
    if database_url.startswith("postgresql://"):
        database_url = "postgresql+psycopg://" + database_url[len("postgresql://") :]
    return {
        "INSTANCE_DIR": str(instance),
        "SECRET_KEY": _secret_key(instance) if need_secret else None,
        "SQLALCHEMY_DATABASE_URI": database_url,
        "SOCKETIO_MESSAGE_QUEUE": os.environ.get("SOCKETIO_MESSAGE_QUEUE") or None,
        #: With several processes: how often each one drops sockets whose session ended
        #: on another (their events are refused at once in any case).
        "SESSION_SWEEP_SECONDS": float(os.environ.get("SESSION_SWEEP_SECONDS", "5")),
        "PORT": int(os.environ.get("PORT", "5000")),
        "PUBLIC_URL": os.environ.get("PUBLIC_URL", "").rstrip("/"),
        "RATELIMIT_STORAGE_URI": os.environ.get("RATELIMIT_STORAGE_URI", "memory://"),
        "SESSION_COOKIE_SECURE": os.environ.get("SESSION_COOKIE_SECURE", "") == "1",
        #: Number of reverse proxies in front of the app whose X-Forwarded-* headers to trust.
        "TRUSTED_PROXIES": int(os.environ.get("TRUSTED_PROXIES", "0")),
        #: Ballots that arrive together share one transaction and commit ("0": one each).
        "GROUP_COMMIT": os.environ.get("GROUP_COMMIT", "1") != "0",
        #: The largest Socket.IO message (bytes) a connection accepts; a larger one ends it.
        #: Anything up to it is answered, an oversized payload with an error acknowledgement.
        "SOCKET_MESSAGE_LIMIT": int(os.environ.get("SOCKET_MESSAGE_LIMIT", str(2**20))),
        "TESTING": False,
        **{name: os.environ[name] for name in RATE_LIMIT_SETTINGS if os.environ.get(name)},
    }


DEFAULTS: dict = {
    "SQLALCHEMY_TRACK_MODIFICATIONS": False,
    "SESSION_COOKIE_HTTPONLY": True,
    "SESSION_COOKIE_SAMESITE": "Lax",
    "WTF_CSRF_TIME_LIMIT": None,
    "BABEL_DEFAULT_LOCALE": "de",
    "BABEL_DEFAULT_TIMEZONE": "Europe/Berlin",
    "LANGUAGES": ["de", "en"],
    #: Wrong access codes one browser may send before it is answered 429 (its session cookie
    #: tells it apart); a right code is accepted whatever the counters say.
    "JOIN_RATE_LIMIT": "20 per minute;200 per hour",
    #: Wrong access codes from one address (a venue's Wi-Fi puts a whole hall behind one).
    "JOIN_ADDRESS_RATE_LIMIT": "100 per minute;1000 per hour",
    #: Wrong passwords for one staff account; past it, that account waits (nobody else does).
    "LOGIN_RATE_LIMIT": "10 per minute;100 per hour",
    "MAX_CONTENT_LENGTH": 2 * 1024 * 1024,
}


def check(config: dict) -> None:
    """Refuse settings that would be unsafe in production."""
    for name in RATE_LIMIT_SETTINGS:
        if name in config:
            try:
                parse_many(config[name])
            except ValueError:
                raise ConfigError(
                    f"{name} is not a rate limit; write it as '20 per minute;200 per hour'."
                ) from None
    if config.get("TESTING"):
        return
    key = config.get("SECRET_KEY") or ""
    if key.lower() in KNOWN_EXAMPLE_KEYS or len(key) < 16:
        raise ConfigError(
            "SECRET_KEY is a known example or too short; unset it to have one generated, "
            "or set a long random value."
        )
