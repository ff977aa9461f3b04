"""The audit chain detects an updated, deleted, reordered or truncated entry (SQLite and
PostgreSQL), and ``flask audit verify`` says so."""

from __future__ import annotations

import uuid

import pytest
from sqlalchemy import delete, select, update

from participation.extensions import db
from participation.models import AuditEntry
from participation.services import audit, voting
from tests.helpers import build_world


@pytest.fixture
def chain(any_db_app):
    """A conference with a closed secret poll: a chain of a few dozen entries."""
    world = build_world()
    poll = voting.create_poll(world.moderator.person, world.conference.id, title="Prüfung")
    voting.open_poll(world.moderator.person, world.conference.id, poll.id)
    voting.cast_ballot(world.delegate.id, poll.id, "yes", uuid.uuid4().hex)
    voting.cast_ballot(world.delegate_b.id, poll.id, "no", uuid.uuid4().hex)
    voting.close_poll(world.moderator.person, world.conference.id, poll.id)
    result = audit.verify()
    assert result.ok and result.count > 10
    return result.count


def _entry(seq: int) -> AuditEntry:
    return db.session.scalars(select(AuditEntry).where(AuditEntry.seq == seq)).one()


def _tamper(statement) -> None:
    db.session.execute(statement)
    db.session.commit()
    db.session.expire_all()


def _ballot_entry() -> int:
    return db.session.scalars(
        select(AuditEntry.seq).where(AuditEntry.action == "ballot.accepted")
    ).first()


def test_an_intact_chain_verifies_from_the_command_line(any_db_app, chain):
    result = any_db_app.test_cli_runner().invoke(args=["audit", "verify"])
    assert result.exit_code == 0, result.output
    assert f"{chain} entries" in result.output


def test_an_updated_entry_is_detected(any_db_app, chain):
    seq = _ballot_entry()
    _tamper(update(AuditEntry).where(AuditEntry.seq == seq).values(actor="person:999"))
    result = audit.verify()
    assert not result.ok and result.broken_at == seq
    assert result.reason == "content does not match hash"
    cli = any_db_app.test_cli_runner().invoke(args=["audit", "verify"])
    assert cli.exit_code == 1 and f"BROKEN at entry {seq}" in cli.output


def test_an_updated_entry_with_a_recomputed_hash_breaks_the_next_link(any_db_app, chain):
    seq = _ballot_entry()
    entry = _entry(seq)
    entry.data = {**entry.data, "voter": "accreditation:999"}
    entry.hash = audit.entry_hash(entry, entry.prev_hash)
    db.session.commit()
    result = audit.verify()
    assert not result.ok and result.broken_at == seq + 1
    assert result.reason == "link to previous entry broken"


def test_a_deleted_entry_is_detected(any_db_app, chain):
    _tamper(delete(AuditEntry).where(AuditEntry.seq == 5))
    result = audit.verify()
    assert not result.ok and result.broken_at == 5 and result.reason == "entry missing"


def test_reordered_entries_are_detected(any_db_app, chain):
    first, second = _entry(6), _entry(7)
    fields = ("at", "actor", "action", "subject", "conference_id", "data", "prev_hash", "hash")
    a = {f: getattr(first, f) for f in fields}
    b = {f: getattr(second, f) for f in fields}
    # Swap the two entries' contents (through a placeholder, as hashes are unique).
    _tamper(update(AuditEntry).where(AuditEntry.seq == 6).values(hash="x" * 64))
    _tamper(update(AuditEntry).where(AuditEntry.seq == 7).values(**a))
    _tamper(update(AuditEntry).where(AuditEntry.seq == 6).values(**b))
    result = audit.verify()
    assert not result.ok and result.broken_at == 6


def test_a_truncated_chain_is_detected(any_db_app, chain):
    _tamper(delete(AuditEntry).where(AuditEntry.seq > chain - 2))
    result = audit.verify()
    assert not result.ok and result.broken_at == chain - 1
    assert result.reason == "chain truncated after last entry"


def test_appending_after_verification_keeps_the_chain_intact(any_db_app, chain):
    voting.set_voting_settings(None, 1, majority="absolute")
    assert audit.verify().ok and audit.verify().count == chain + 1
