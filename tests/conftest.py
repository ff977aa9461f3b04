"""Fixtures: an app per test with its own database, factories, and sign-in helpers."""

from __future__ import annotations

import contextvars
import os
import re
import uuid
import warnings
from dataclasses import dataclass

import pytest
from flask.testing import FlaskClient
from flask_babel import get_domain
from flask_socketio import SocketIOTestClient
from sqlalchemy import create_engine, text

warnings.filterwarnings("ignore", message=r"\s*Eventlet is deprecated")

from participation import create_app  # noqa: E402
from participation.extensions import db  # noqa: E402
from participation.services import access, conferences, directory  # noqa: E402

STAFF_PASSWORD = "correct horse battery"


def _postgres_database(base_url: str) -> tuple[str, callable]:
    """A fresh PostgreSQL database for one test, dropped afterwards."""
    name = f"t_{uuid.uuid4().hex[:12]}"
    admin = create_engine(
        base_url.replace("postgresql://", "postgresql+psycopg://", 1), isolation_level="AUTOCOMMIT"
    )
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    url = base_url.rsplit("/", 1)[0] + "/" + name

    def drop() -> None:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()

    return url.replace("postgresql://", "postgresql+psycopg://", 1), drop


class IsolatedClient(FlaskClient):
    """A test client whose requests run in their own contexts, as in production.

    Tests keep an app context pushed to call services; without this, every request would
    share that context's ``g`` and database session (and so its signed-in user).
    """

    def open(self, *args, **kwargs):
        return contextvars.Context().run(super().open, *args, **kwargs)


class IsolatedSocketClient(SocketIOTestClient):
    """A Socket.IO test client whose events run in their own contexts."""

    def connect(self, *args, **kwargs):
        return contextvars.Context().run(super().connect, *args, **kwargs)

    def emit(self, *args, **kwargs):
        return contextvars.Context().run(super().emit, *args, **kwargs)

    def disconnect(self, *args, **kwargs):
        return contextvars.Context().run(super().disconnect, *args, **kwargs)


def socket_client(app, http_client=None, **kwargs) -> IsolatedSocketClient:
    from participation.extensions import socketio

    return IsolatedSocketClient(app, socketio, flask_test_client=http_client, **kwargs)


def make_app(tmp_path, database_url: str | None = None, **extra):
    config = {
        "TESTING": True,
        "SECRET_KEY": "test-" + "k" * 40,
        "SQLALCHEMY_DATABASE_URI": database_url or f"sqlite:///{tmp_path / 'test.db'}",
        "SERVER_NAME": "localhost",
        "RATELIMIT_STORAGE_URI": "memory://",
        "SOCKETIO_ASYNC_MODE": "threading",
        # Tests read English messages (the msgids); tests/test_translations.py checks the
        # catalogues and that pages come out translated.
        "BABEL_TRANSLATION_DIRECTORIES": str(tmp_path / "untranslated"),
        **extra,
    }
    app = create_app(config)
    app.test_client_class = IsolatedClient
    with app.app_context():
        # Flask-Babel caches catalogues per locale in one process-wide domain; a test app
        # with other translation directories must not see an earlier app's.
        get_domain().cache.clear()
        db.create_all()
    return app


@pytest.fixture
def app(tmp_path):
    app = make_app(tmp_path)
    with app.app_context():
        yield app
        db.session.remove()
        db.engine.dispose()


@pytest.fixture(params=["sqlite", "postgresql"])
def any_db_app(request, tmp_path):
    """The app on SQLite and, where ``TEST_DATABASE_URL`` is set, on PostgreSQL."""
    drop = None
    url = None
    if request.param == "postgresql":
        base = os.environ.get("TEST_DATABASE_URL")
        if not base:
            pytest.skip("TEST_DATABASE_URL is not set")
        url, drop = _postgres_database(base)
    app = make_app(tmp_path, url)
    with app.app_context():
        yield app
        db.session.remove()
        db.engine.dispose()
    if drop:
        drop()


@pytest.fixture
def client(app):
    return app.test_client()


@dataclass
class World:
    """A small conference: staff, a moderator, delegates of two organisations, an observer."""

    staff: object
    conference: object
    org_a: object
    org_b: object
    moderator: object
    delegate: object
    delegate_b: object
    observer: object
    codes: dict


def build_world(present: bool = True) -> World:
    staff = directory.save_person(
        None,
        display_name="Sam Staff",
        email="staff@example.org",
        is_admin=True,
        password=STAFF_PASSWORD,
    )
    org_a = directory.save_organisation(staff, name="Verein Alpha", short_name="VA", town="Köln")
    org_b = directory.save_organisation(staff, name="Verein Beta", short_name="VB", town="Essen")
    conference = conferences.save_conference(
        staff, title="Testkonferenz", number=3, status="running"
    )
    codes = {}

    def accredit(name, role, organisation=None, voting=False):
        person = directory.save_person(staff, display_name=name)
        acc = conferences.save_accreditation(
            staff,
            conference.id,
            person_id=person.id,
            role=role,
            organisation_id=organisation.id if organisation else None,
            voting_right=voting,
        )
        if present:
            conferences.set_presence(staff, conference.id, acc.id, True)
        codes[acc.id] = access.issue_access_code(acc.id, staff)
        return acc

    moderator = accredit("Mo Moderator", "moderator")
    delegate = accredit("Dana Delegate", "delegate", org_a, True)
    delegate_b = accredit("Bo Delegate", "delegate", org_b, True)
    observer = accredit("Oli Observer", "observer")
    return World(staff, conference, org_a, org_b, moderator, delegate, delegate_b, observer, codes)


@pytest.fixture
def world(app) -> World:
    return build_world()


def csrf_token(client, path: str = "/login") -> str:
    html = client.get(path).get_data(as_text=True)
    match = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html) or re.search(
        r'value="([^"]+)"[^>]*name="csrf_token"', html
    )
    assert match, f"no CSRF token on {path}"
    return match.group(1)


def sign_in_staff(client, email="staff@example.org", password=STAFF_PASSWORD):
    token = csrf_token(client)
    response = client.post(
        "/login", data={"email": email, "password": password, "csrf_token": token}
    )
    assert response.status_code == 302, response.get_data(as_text=True)[:500]
    return response


def join(client, code: str):
    response = client.get(f"/join/{code}")
    assert response.status_code == 302
    return response


def pytest_collection_modifyitems(config, items):
    """Browser tests run last: Playwright keeps an event loop running in this process from
    its first use on, and the benchmark and fault tests start their own with asyncio.run()."""
    items.sort(key=lambda item: "/browser/" in str(item.path).replace("\\", "/"))
