"""The committed migrations build exactly the schema the models describe."""

from __future__ import annotations

import os

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import upgrade

from participation import create_app
from participation.extensions import db
from tests.helpers import postgres_database


def _differences(app) -> list:
    with app.app_context():
        upgrade()
        with db.engine.connect() as conn:
            context = MigrationContext.configure(conn, opts={"compare_type": True})
            return compare_metadata(context, db.metadata)


def _app(url: str):
    return create_app({"TESTING": True, "SECRET_KEY": "k" * 40, "SQLALCHEMY_DATABASE_URI": url})


def test_migrations_match_models_on_sqlite(tmp_path):
    assert _differences(_app(f"sqlite:///{tmp_path / 'm.db'}")) == []


def test_migrations_match_models_on_postgresql():
    base = os.environ.get("TEST_DATABASE_URL")
    if not base:
        pytest.skip("TEST_DATABASE_URL is not set")
    url, drop = postgres_database(base)
    try:
        app = _app(url)
        assert _differences(app) == []
        with app.app_context():
            db.engine.dispose()
    finally:
        drop()
