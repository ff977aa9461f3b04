"""What a copy of the database reveals of an encrypted secret poll of 20 voters: read as an
attacker would, byte by byte — the SQLite file and its write-ahead log, every PostgreSQL heap
page with its dead tuples — it holds no choice and nothing that decrypts one."""

from __future__ import annotations

import uuid
from pathlib import Path

from sqlalchemy import text

from participation.ballots.group import ORDER, scalar_hex
from participation.ballots.trustees import lagrange_at_zero
from participation.extensions import db
from participation.services import voting
from tests.helpers import (
    add_delegate,
    appoint_trustees,
    build_world,
    decrypt_as,
    encrypted_choice,
    new_poll,
)

VOTERS = 20


def _sqlite_bytes() -> bytes:
    path = Path(db.engine.url.database or "")
    files = [path, Path(f"{path}-wal"), Path(f"{path}-journal")]
    return b"".join(f.read_bytes() for f in files if f.exists())


def _postgres_bytes() -> bytes:
    """Every heap page of every table, live and dead tuples alike (pageinspect)."""
    db.session.execute(text("CREATE EXTENSION IF NOT EXISTS pageinspect"))
    tables = db.session.scalars(
        text("SELECT tablename FROM pg_tables WHERE schemaname = current_schema()")
    ).all()
    pages = []
    for table in tables:
        blocks = db.session.scalar(text(f"SELECT pg_relation_size('\"{table}\"') / 8192"))
        for block in range(blocks):
            pages.append(db.session.scalar(text(f"SELECT get_raw_page('\"{table}\"', {block})")))
    db.session.commit()
    return b"".join(bytes(page) for page in pages)


def _secrets(ceremony) -> list[int]:
    """Every secret that decrypts: each trustee's key share, transport key and the key."""
    present = sorted(ceremony.shares)
    key = sum(lagrange_at_zero(j, present) * ceremony.shares[j].secret for j in present) % ORDER
    return [key, *(s.secret for s in ceremony.shares.values()), *ceremony.transport.values()]


def test_a_copy_of_the_database_holds_no_choice_and_no_key(any_db_app):
    world = build_world()
    people = [world.moderator.person, world.delegate.person, world.delegate_b.person]
    ceremony = appoint_trustees(world, people, 2)
    voters = [world.delegate, world.delegate_b] + [
        add_delegate(world, f"Wähler {n}", world.org_a if n % 2 else world.org_b)
        for n in range(VOTERS - 2)
    ]
    poll = voting.open_poll(
        world.moderator.person, world.conference.id, new_poll(world, secret=True).id
    )
    for n, voter in enumerate(voters):
        marks = [[1, 0, 0] if n % 3 else [0, 1, 0]]
        voting.cast_ballot(
            voter.id, poll.id, encrypted_choice(poll, voter.id, marks), uuid.uuid4().hex
        )
    # An attacker copies the files while the poll is open, and again after the result.
    sqlite = any_db_app.config["SQLALCHEMY_DATABASE_URI"].startswith("sqlite")
    read = _sqlite_bytes if sqlite else _postgres_bytes
    while_open = read()
    voting.close_poll(world.moderator.person, world.conference.id, poll.id)
    decrypt_as(ceremony, 1, poll)
    decrypt_as(ceremony, 3, poll)
    db.session.refresh(poll)
    assert poll.result["tally"]["weights"]["yes"] == 13
    after = read()
    for copy in (while_open, after):
        # The copy is real: it holds the poll's public key and the ballots' ciphertexts.
        assert poll.encryption["key"].encode() in copy
        # No choice in any form the server knows: its ballots are ciphertexts only.
        for plaintext in (b'"vote"', b'"approve"', b'"votes"'):
            assert plaintext not in copy
        for secret in _secrets(ceremony):
            assert scalar_hex(secret).encode() not in copy
            assert secret.to_bytes(32, "little") not in copy
