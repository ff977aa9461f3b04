"""What the chain's hashes alone cannot see: a poll's ballots, votes or result changed beside
the chain, and a chain cut back or rewritten behind a head someone noted (SQLite and
PostgreSQL), tried on the database as an attacker with write access would."""

from __future__ import annotations

import uuid

import pytest
from sqlalchemy import delete, insert, select, update

from participation.extensions import db
from participation.models import AuditEntry, AuditHead, Ballot, Poll, PollParticipation, PollTracker
from participation.services import audit, voting
from tests.helpers import build_world


def _poll(world, *, secret=True, close=True) -> Poll:
    moderator = world.moderator.person
    poll = voting.create_poll(moderator, world.conference.id, title="Prüfung", secret=secret)
    voting.open_poll(moderator, world.conference.id, poll.id)
    voting.cast_ballot(world.delegate.id, poll.id, "yes", uuid.uuid4().hex)
    voting.cast_ballot(world.delegate_b.id, poll.id, "no", uuid.uuid4().hex)
    if close:
        voting.close_poll(moderator, world.conference.id, poll.id)
    return poll


def _ballot_key(poll: Poll, vote: str) -> str:
    ballots = db.session.execute(select(Ballot.key, Ballot.choice).where(Ballot.poll_id == poll.id))
    return next(key for key, choice in ballots if choice == {"vote": vote})


def _tamper(statement) -> None:
    db.session.execute(statement)
    db.session.commit()
    db.session.expire_all()


def _differences() -> list[tuple[int, str]]:
    assert audit.verify().ok  # the chain itself is untouched by every tamper here
    return [(m.poll_id, m.what) for m in voting.check_polls()]


@pytest.fixture
def world(any_db_app):
    return build_world()


def test_intact_polls_match_and_the_command_says_so(any_db_app, world):
    _poll(world)
    _poll(world, secret=False)
    _poll(world, close=False)
    assert _differences() == []
    cli = any_db_app.test_cli_runner().invoke(args=["audit", "verify"])
    assert cli.exit_code == 0, cli.output
    assert "Every poll's votes, ballots and result match the audit trail." in cli.output


def test_a_ballot_changed_after_the_close_is_found(any_db_app, world):
    poll = _poll(world)
    key = _ballot_key(poll, "no")
    _tamper(update(Ballot).where(Ballot.key == key).values(choice={"vote": "yes"}))
    assert _differences() == [(poll.id, "ballots")]
    cli = any_db_app.test_cli_runner().invoke(args=["audit", "verify"])
    assert cli.exit_code == 1 and f"Poll {poll.id} DIFFERS" in cli.output


@pytest.mark.parametrize("close", [True, False], ids=["closed", "open"])
def test_a_ballot_added_or_removed_is_found(any_db_app, world, close):
    poll = _poll(world, close=close)
    _tamper(insert(Ballot).values(key="f" * 32, poll_id=poll.id, choice={"vote": "yes"}, weight=1))
    assert _differences() == [(poll.id, "counts")]
    _tamper(delete(Ballot).where(Ballot.key.in_(["f" * 32, _ballot_key(poll, "no")])))
    assert _differences() == [(poll.id, "counts")]


def test_a_ballots_weight_changed_while_open_is_found(any_db_app, world):
    poll = _poll(world, close=False)
    _tamper(update(Ballot).where(Ballot.poll_id == poll.id).values(weight=5))
    assert _differences() == [(poll.id, "weight")]


def test_a_deleted_vote_or_tracker_is_found(any_db_app, world):
    poll = _poll(world)
    tracker = db.session.scalars(select(PollTracker.tracker)).first()
    _tamper(delete(PollTracker).where(PollTracker.tracker == tracker))
    assert _differences() == [(poll.id, "counts")]
    _tamper(delete(PollParticipation).where(PollParticipation.voter_id == world.delegate.id))
    assert _differences() == [(poll.id, "votes")]


def test_a_changed_result_is_found(any_db_app, world):
    poll = _poll(world)
    result = dict(db.session.get(Poll, poll.id).result)
    result["outcome"] = "adopted" if result["outcome"] != "adopted" else "rejected"
    _tamper(update(Poll).where(Poll.id == poll.id).values(result=result))
    assert _differences() == [(poll.id, "result")]


def test_a_paper_result_changed_is_found(any_db_app, world):
    moderator = world.moderator.person
    poll = voting.create_poll(moderator, world.conference.id, title="Handzeichen")
    voting.record_paper_result(
        moderator, world.conference.id, poll.id, {"yes": 1, "no": 1, "abstain": 0}
    )
    assert _differences() == []
    result = {**db.session.get(Poll, poll.id).result, "outcome": "adopted"}
    _tamper(update(Poll).where(Poll.id == poll.id).values(result=result))
    assert _differences() == [(poll.id, "result")]


def test_a_named_choice_changed_after_the_close_is_found(any_db_app, world):
    poll = _poll(world, secret=False)
    _tamper(
        update(PollParticipation)
        .where(PollParticipation.voter_id == world.delegate_b.id)
        .values(choice={"vote": "yes"})
    )
    assert _differences() == [(poll.id, "named")]


def test_a_named_choice_changed_while_the_poll_is_open_is_found(any_db_app, world):
    poll = _poll(world, secret=False, close=False)
    _tamper(
        update(PollParticipation)
        .where(PollParticipation.voter_id == world.delegate_b.id)
        .values(choice={"vote": "yes"})
    )
    assert _differences() == [(poll.id, "named_ballots")]
    # The digest does not tell the choice: it is salted with the tracker, not yet public.
    entry = db.session.scalars(
        select(AuditEntry.data).where(
            AuditEntry.action == "ballot.accepted", AuditEntry.subject == f"poll:{poll.id}"
        )
    ).first()
    assert set(entry) == {"voter", "choice_digest"}


def test_the_audit_page_shows_what_differs(any_db_app, world):
    client = any_db_app.test_client()
    poll = _poll(world)
    assert 'id="records-check"' in client.get("/audit?verify=1").get_data(as_text=True)
    _tamper(delete(Ballot).where(Ballot.poll_id == poll.id))
    page = client.get("/audit?verify=1").get_data(as_text=True)
    assert f"Poll {poll.id} differs from the audit trail" in page


def test_a_noted_head_shows_a_chain_cut_back_or_rewritten(any_db_app, world):
    client = any_db_app.test_client()
    _poll(world)
    noted = audit.audit_head()
    assert audit.seq_of(noted["hash"]) == noted["seq"]
    page = client.get(f"/audit?noted={noted['hash']}").get_data(as_text=True)
    assert 'id="noted-check"' in page and f"entry {noted['seq']} of today" in page

    # Cut back to before the noted head, with the head moved back to match: the chain itself
    # still verifies, but the head noted on the projector is gone.
    keep = noted["seq"] - 3
    kept = db.session.scalars(select(AuditEntry).where(AuditEntry.seq == keep)).one()
    _tamper(delete(AuditEntry).where(AuditEntry.seq > keep))
    _tamper(update(AuditHead).values(seq=keep, hash=kept.hash))
    assert audit.verify().ok
    assert audit.seq_of(noted["hash"]) is None
    cli = any_db_app.test_cli_runner().invoke(args=["audit", "verify", "--noted", noted["hash"]])
    assert cli.exit_code == 1 and "NOT in the chain" in cli.output
    page = client.get(f"/audit?noted={noted['hash']}").get_data(as_text=True)
    assert "This head is not in today's chain" in page
