"""Flask commands: ``create-admin``, ``demo``, ``audit verify``, and Flask-Migrate's ``db``."""

from __future__ import annotations

import os
import sys

import click
from flask import Flask
from flask.cli import AppGroup
from sqlalchemy import select

from participation import clock
from participation import config as settings
from participation import demo as demo_data
from participation.extensions import db
from participation.models import Person
from participation.services import audit, voting
from participation.services.errors import DomainError

audit_cli = AppGroup("audit", help="Check the audit trail.")


def register(app: Flask) -> None:
    app.cli.add_command(create_admin)
    app.cli.add_command(demo)
    app.cli.add_command(audit_cli)
    app.cli.add_command(Migrations(app))


def bind_migrations(app: Flask) -> None:
    """Flask-Migrate on ``app``: the ``db`` commands and ``flask_migrate.upgrade`` need it."""
    from flask_migrate import Migrate

    Migrate(app, db, directory=str(settings.PROJECT_ROOT / "migrations"), render_as_batch=True)


class Migrations(click.Command):
    """``flask db …``: Flask-Migrate's commands, bound to the app when one of them is run.

    A server that only serves never needs them; binding them at start would import Alembic
    (with Mako and Pygments) into every server process, 8 MiB of its memory. Click makes the
    context of a subcommand with ``make_context``: handing that to Flask-Migrate's own group
    lets it parse and run everything after ``db``.
    """

    def __init__(self, app: Flask) -> None:
        super().__init__("db", help="Build or migrate the database schema (Flask-Migrate).")
        self.app = app

    def make_context(self, info_name, args, parent=None, **extra) -> click.Context:
        if "migrate" not in self.app.extensions:
            bind_migrations(self.app)
        from flask_migrate.cli import db as commands

        return commands.make_context(info_name, args, parent=parent, **extra)


@click.command("create-admin")
@click.argument("email")
@click.option("--name", default=None, help="Display name (default: the e-mail address).")
@click.password_option(
    envvar="PARTICIPATION_ADMIN_PASSWORD", help="Password (asked for if not given)."
)
def create_admin(email: str, name: str | None, password: str) -> None:
    """Create network staff who sign in with EMAIL and a password, or reset their password."""
    from participation.services import directory

    email = email.strip().lower()
    try:
        existing = db.session.scalar(select(Person).where(Person.email == email))
        directory.save_person(
            None,
            person_id=existing.id if existing else None,
            display_name=name or (existing.display_name if existing else email),
            email=email,
            is_admin=True,
            password=password,
        )
    except DomainError as error:
        raise click.ClickException(error.message) from error
    click.echo(f"Staff account {email} is ready.")


@click.command("demo")
@click.option("--base-url", default=None, help="Base of the join URLs printed.")
@click.option("--if-empty", is_flag=True, help="Do nothing if the database has conferences.")
def demo(base_url: str | None, if_empty: bool) -> None:
    """Load a demo network with a running conference and print the delegates' join URLs."""
    if if_empty and demo_data.has_data():
        click.echo("The database holds data already; the demo was not loaded.")
        return
    password = os.environ.get("PARTICIPATION_ADMIN_PASSWORD") or clock.token_urlsafe(12)
    served_at = f"http://{os.environ.get('HOST', '127.0.0.1')}:{os.environ.get('PORT', '5000')}"
    base = (base_url or os.environ.get("PUBLIC_URL") or served_at).rstrip("/")
    result = demo_data.load(admin_password=password)
    click.echo(f"Demo conference: {result.conference.title}")
    click.echo(f"Staff sign-in: {base}/login  admin@example.org  {password}")
    for name, organisation, code in result.delegates:
        click.echo(f"  {name} ({organisation}): {base}/join/{code}")


@audit_cli.command("verify")
@click.option(
    "--noted",
    multiple=True,
    help="A head hash noted earlier (from the projector, say); it must be in today's chain.",
)
def audit_verify(noted: tuple[str, ...]) -> None:
    """Recompute the hash chain, check it holds the heads noted earlier, and compare every
    poll's votes, ballots and result with it."""
    result = audit.verify()
    if not result.ok:
        click.echo(
            f"Audit trail BROKEN at entry {result.broken_at}: {result.reason} "
            f"({result.count} entries verified before it)",
            err=True,
        )
        sys.exit(1)
    click.echo(f"Audit trail intact: {result.count} entries, head {result.head_hash}")
    for head in noted:
        seq = audit.seq_of(head)
        if seq is None:
            click.echo(f"Noted head {head} is NOT in the chain: it was cut or rewritten.", err=True)
            sys.exit(1)
        click.echo(f"Noted head {head} is entry {seq} of the chain.")
    mismatches = voting.check_polls()
    for mismatch in mismatches:
        click.echo(
            f"Poll {mismatch.poll_id} DIFFERS from the audit trail: {mismatch.text}", err=True
        )
    if mismatches:
        sys.exit(1)
    click.echo("Every poll's votes, ballots and result match the audit trail.")
