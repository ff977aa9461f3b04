"""The application factory, settings and the headers every response carries."""

from __future__ import annotations

import pytest
from sqlalchemy import text

from participation import create_app
from participation.config import ConfigError
from participation.extensions import db
from tests.helpers import make_app


def test_known_example_secret_key_is_refused_outside_tests(tmp_path, monkeypatch):
    monkeypatch.setenv("PARTICIPATION_INSTANCE", str(tmp_path))
    monkeypatch.setenv("SECRET_KEY", "changeme")
    with pytest.raises(ConfigError):
        create_app()


def test_secret_key_is_generated_once_and_kept(tmp_path, monkeypatch):
    monkeypatch.setenv("PARTICIPATION_INSTANCE", str(tmp_path))
    monkeypatch.delenv("SECRET_KEY", raising=False)
    monkeypatch.delenv("DATABASE_URL", raising=False)
    first = create_app().config["SECRET_KEY"]
    second = create_app().config["SECRET_KEY"]
    assert first == second and len(first) >= 40
    assert (tmp_path / "secret_key").stat().st_mode & 0o077 == 0


def test_default_database_is_durable_sqlite_in_the_instance(tmp_path, monkeypatch):
    monkeypatch.setenv("PARTICIPATION_INSTANCE", str(tmp_path))
    monkeypatch.delenv("DATABASE_URL", raising=False)
    app = create_app({"SECRET_KEY": "x" * 40})
    assert app.config["SQLALCHEMY_DATABASE_URI"] == f"sqlite:///{tmp_path / 'participation.db'}"
    assert app.config["SOCKETIO_MESSAGE_QUEUE"] is None
    assert app.config["PORT"] == 5000
    with app.app_context():
        with db.engine.connect() as conn:
            assert conn.execute(text("PRAGMA journal_mode")).scalar() == "wal"
            assert conn.execute(text("PRAGMA foreign_keys")).scalar() == 1
            assert conn.execute(text("PRAGMA synchronous")).scalar() == 2  # FULL
            assert conn.execute(text("PRAGMA busy_timeout")).scalar() >= 5000
        db.engine.dispose()


def test_postgres_urls_use_psycopg(tmp_path, monkeypatch):
    monkeypatch.setenv("PARTICIPATION_INSTANCE", str(tmp_path))
    monkeypatch.setenv("DATABASE_URL", "postgres://u@h/db")
    monkeypatch.setenv("SOCKETIO_MESSAGE_QUEUE", "redis://127.0.0.1:6379/0")
    monkeypatch.setenv("PORT", "8123")
    app = create_app({"SECRET_KEY": "x" * 40})
    assert app.config["SQLALCHEMY_DATABASE_URI"] == "postgresql+psycopg://u@h/db"
    assert app.config["SOCKETIO_MESSAGE_QUEUE"] == "redis://127.0.0.1:6379/0"
    assert app.config["PORT"] == 8123


def test_security_headers(client):
    response = client.get("/")
    csp = response.headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp
    assert "frame-ancestors 'none'" in csp
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "same-origin"


def test_session_cookie_is_httponly_and_samesite(app, world):
    client = app.test_client()
    response = client.get(f"/join/{world.codes[world.delegate.id]}")
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie


def test_secure_cookies_when_configured(tmp_path):
    app = make_app(tmp_path, SESSION_COOKIE_SECURE=True)
    assert app.config["SESSION_COOKIE_SECURE"] is True


def test_friendly_error_pages_and_json_errors_under_api(client):
    page = client.get("/no/such/page")
    assert page.status_code == 404
    assert "text/html" in page.content_type
    assert "<main" in page.get_data(as_text=True)
    api = client.get("/api/v1/no-such-thing")
    assert api.status_code == 404
    assert api.get_json()["error"]["status"] == 404
    assert api.get_json()["error"]["message"]


def test_pages_make_no_third_party_requests(client):
    html = client.get("/").get_data(as_text=True)
    assert "http://" not in html.replace("http://localhost", "")
    assert "https://" not in html
