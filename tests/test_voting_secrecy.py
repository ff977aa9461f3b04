"""Secret polls: who voted and what was chosen are stored apart (SQLite and PostgreSQL)."""

from __future__ import annotations

import logging
import uuid

import pytest
from sqlalchemy import inspect, select, text

from participation.extensions import db
from participation.models import AuditEntry, PollParticipation, PollTracker
from participation.services import voting
from tests.helpers import add_delegate, build_world


@pytest.fixture
def world(any_db_app):
    return build_world()


def test_the_ballot_table_has_no_voter_and_no_time(any_db_app):
    columns = {c["name"] for c in inspect(db.engine).get_columns("poll_ballot")}
    assert columns == {"key", "poll_id", "choice", "weight"}
    forbidden = ("voter", "accreditation", "person", "user", "time", "_at", "created", "tracker")
    assert not [c for c in columns if any(word in c for word in forbidden)]
    assert inspect(db.engine).get_pk_constraint("poll_ballot")["constrained_columns"] == ["key"]
    participation = {c["name"] for c in inspect(db.engine).get_columns("poll_participation")}
    assert not [c for c in participation if "_at" in c or "time" in c or c == "id"]
    trackers = {c["name"] for c in inspect(db.engine).get_columns("poll_tracker")}
    assert trackers == {"tracker", "poll_id"}


def test_sqlite_keeps_ballots_in_random_key_order(any_db_app):
    if db.engine.dialect.name != "sqlite":
        pytest.skip("physical row order is SQLite's WITHOUT ROWID property")
    with db.engine.connect() as conn:
        for table in ("poll_ballot", "poll_participation", "poll_tracker"):
            sql = conn.execute(
                text("SELECT sql FROM sqlite_master WHERE name = :name"), {"name": table}
            ).scalar()
            assert "WITHOUT ROWID" in sql, table


def _many_voters(world, n):
    return [add_delegate(world, f"Stimme {i}", world.org_a) for i in range(n)]


def test_stored_and_published_ballots_do_not_follow_the_order_of_voting(any_db_app, world):
    voters = _many_voters(world, 24)
    names = [f"Kandidat {i}" for i in range(len(voters))]
    poll = voting.create_poll(
        world.moderator.person,
        world.conference.id,
        title="Reihenfolge",
        target_kind="election",
        candidates=names,
        secret=True,
    )
    poll = voting.open_poll(world.moderator.person, world.conference.id, poll.id)
    ids = [c.id for c in poll.candidates]
    for voter, candidate in zip(voters, ids, strict=True):  # the i-th voter approves the i-th
        voting.cast_ballot(voter.id, poll.id, {"approve": [candidate]}, uuid.uuid4().hex)
    voting.close_poll(world.moderator.person, world.conference.id, poll.id)
    published = voting.published_ballots(voting.get_poll(poll.id))["ballots"]
    order = [b["choice"]["approve"][0] for b in published]
    assert sorted(order) == ids and order != ids
    physical = "ctid" if db.engine.dialect.name == "postgresql" else "key"  # SQLite: by key
    with db.engine.connect() as conn:
        scan = (
            conn.execute(
                text(f"SELECT key FROM poll_ballot WHERE poll_id = :p ORDER BY {physical}"),
                {"p": poll.id},
            )
            .scalars()
            .all()
        )
    assert scan == sorted(scan)  # stored in the order of the random keys, not of arrival


def test_no_hidden_column_links_a_ballot_to_its_voter_after_close(any_db_app, world):
    if db.engine.dialect.name != "postgresql":
        pytest.skip("xmin is PostgreSQL's record of the transaction that wrote a row")
    poll = voting.create_poll(world.moderator.person, world.conference.id, title="x", secret=True)
    voting.open_poll(world.moderator.person, world.conference.id, poll.id)
    for acc in (world.delegate, world.delegate_b):
        voting.cast_ballot(acc.id, poll.id, "yes", uuid.uuid4().hex)

    def xmins(table):
        with db.engine.connect() as conn:
            return set(
                conn.execute(
                    text(f"SELECT xmin::text FROM {table} WHERE poll_id = :p"), {"p": poll.id}
                ).scalars()
            )

    assert xmins("poll_ballot") == xmins("poll_participation")  # linkable while open ...
    voting.close_poll(world.moderator.person, world.conference.id, poll.id)
    ballots = xmins("poll_ballot")
    assert len(ballots) == 1 and not ballots & xmins("poll_participation")  # ... not after


def test_secret_polls_never_pair_a_person_with_a_choice(any_db_app, world, caplog):
    caplog.set_level(logging.DEBUG)
    poll = voting.create_poll(
        world.moderator.person, world.conference.id, title="Geheim", secret=True
    )
    voting.open_poll(world.moderator.person, world.conference.id, poll.id)
    receipt = voting.cast_ballot(world.delegate.id, poll.id, "no", uuid.uuid4().hex)
    voting.cast_ballot(world.delegate_b.id, poll.id, "yes", uuid.uuid4().hex)
    participation = db.session.get(PollParticipation, (poll.id, world.delegate.id))
    assert participation.choice is None
    entries = db.session.scalars(
        select(AuditEntry).where(AuditEntry.action == "ballot.accepted")
    ).all()
    assert len(entries) == 2
    for entry in entries:
        assert "choice" not in entry.data and "weight" not in entry.data
        assert receipt.tracker not in str(entry.data)
    for record in caplog.records:
        message = record.getMessage()
        assert receipt.tracker not in message and "'no'" not in message
    voting.close_poll(world.moderator.person, world.conference.id, poll.id)
    published = voting.published_ballots(voting.get_poll(poll.id))
    assert published["named"] == []
    assert sorted(b["choice"]["vote"] for b in published["ballots"]) == ["no", "yes"]
    assert receipt.tracker in published["trackers"]
    assert all(set(b) == {"key", "choice", "weight"} for b in published["ballots"])
    trackers = db.session.scalars(select(PollTracker).where(PollTracker.poll_id == poll.id)).all()
    assert len(trackers) == 2
    closed = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "poll.closed")).one()
    assert "accreditation" not in str(closed.data) and "person" not in str(closed.data)
