"""Fixtures: an app per test with its own database, a small conference, and signing in.

What the fixtures are built from (the test app, factories, sign-in actions) is in
``tests/helpers.py``.
"""

from __future__ import annotations

import os

import pytest

# The helpers assert too (a sign-in that must succeed, a form that must have a CSRF token); their
# failures are explained like those of the tests, which needs this before they are imported.
pytest.register_assert_rewrite("tests.helpers", "tests.browser.helpers")

from participation.extensions import db  # noqa: E402
from tests.helpers import (  # noqa: E402
    Auth,
    World,
    build_archive,
    build_world,
    make_app,
    postgres_database,
    verify_closed_boards,
)


@pytest.fixture
def app(tmp_path):
    app = make_app(tmp_path)
    with app.app_context():
        yield app
        db.session.rollback()
        verify_closed_boards(tmp_path)
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
        url, drop = postgres_database(base)
    app = make_app(tmp_path, url)
    with app.app_context():
        yield app
        db.session.rollback()
        verify_closed_boards(tmp_path)
        db.session.remove()
        db.engine.dispose()
    if drop:
        drop()


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def world(app) -> World:
    return build_world()


@pytest.fixture(scope="session")
def auth() -> Auth:
    """Signing in: ``auth.sign_in_staff(client)``, ``auth.join(client, code)``, …"""
    return Auth()


@pytest.fixture(scope="module")
def archive_app(tmp_path_factory):
    """One app per test module, holding the archive; the tests only read.

    Its rate limits do not get in the way of tests that read a lot.
    """
    app = make_app(
        tmp_path_factory.mktemp("archive"),
        API_READ_RATE_LIMIT="100000 per minute",
        PDF_RATE_LIMIT="1000 per minute",
    )
    with app.app_context():
        yield app
        db.session.remove()
        db.engine.dispose()


@pytest.fixture(scope="module")
def archive(archive_app):
    """The world and the :class:`~tests.helpers.Archive` built in ``archive_app``."""
    world = build_world()
    return world, build_archive(world)


#: Modules whose tests take seconds each (browsers, server processes, property runs). Each
#: kind runs its slow ones first, so that two workers (``make test``) finish together instead of
#: one waiting for the other's last slow test.
SLOW_FIRST = (
    "test_route_fuzz.py",
    "test_openapi.py",
    "test_ballots_bench.py",
    "test_bench_small.py",
    "test_faults.py",
    "test_scale_out.py",
    "test_signin_limits.py",
    "test_jobs.py",
    "test_xss_pages.py",
    "test_socket_fuzz.py",
    "browser/test_hall_pages.py",
    "browser/test_encrypted_vote.py",
    "browser/test_vote_flow.py",
    "browser/test_console.py",
    "browser/test_translation_follows.py",
    "browser/test_accessibility.py",
)


def pytest_collection_modifyitems(config, items):
    """Browser tests run last: Playwright keeps an event loop running in this process from
    its first use on, and the benchmark and fault tests start their own with asyncio.run().
    Within each part the slow modules come first (stable: a module keeps its own order)."""

    def order(item) -> tuple[bool, int]:
        path = str(item.path).replace("\\", "/")
        slow = next((i for i, name in enumerate(SLOW_FIRST) if path.endswith(name)), None)
        return "/browser/" in path, len(SLOW_FIRST) if slow is None else slow

    items.sort(key=order)
