"""The committed migrations build exactly the schema the models describe."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import upgrade

from participation import create_app
from participation.cli import bind_migrations
from participation.extensions import db
from tests.helpers import postgres_database

ROOT = Path(__file__).resolve().parents[1]


def _differences(app) -> list:
    with app.app_context():
        upgrade()
        with db.engine.connect() as conn:
            context = MigrationContext.configure(conn, opts={"compare_type": True})
            return compare_metadata(context, db.metadata)


def _app(url: str):
    app = create_app({"TESTING": True, "SECRET_KEY": "k" * 40, "SQLALCHEMY_DATABASE_URI": url})
    bind_migrations(app)
    return app


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


def test_the_db_commands_build_the_schema_from_the_command_line(tmp_path):
    """``flask db upgrade`` as ``make run`` calls it, in a process of its own."""
    env = {**os.environ, "PARTICIPATION_INSTANCE": str(tmp_path)}
    env.pop("DATABASE_URL", None)
    flask = [sys.executable, "-m", "flask", "--app", "wsgi", "db"]

    def run(*args: str) -> str:
        done = subprocess.run([*flask, *args], capture_output=True, text=True, env=env, cwd=ROOT)
        assert done.returncode == 0, done.stderr
        return done.stdout

    assert "upgrade" in run("--help")
    run("upgrade")
    assert "(head)" in run("current")
    engine = sa.create_engine(f"sqlite:///{tmp_path / 'participation.db'}")
    assert "conference" in sa.inspect(engine).get_table_names()
    engine.dispose()
