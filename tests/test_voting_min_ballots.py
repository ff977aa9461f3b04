"""A secret result of one or two ballots would publish those voters' choices: it is published
only from the conference's minimum on (three by default); below it the moderator is told why
and may cancel, and a countdown that runs out cancels the poll."""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest
from sqlalchemy import select

from participation import clock
from participation.extensions import db
from participation.models import AuditEntry, Ballot, Poll
from participation.services import voting
from participation.services.errors import Conflict
from tests.helpers import add_delegate, csrf_token


@pytest.fixture
def three_minimum(world):
    """The world's conference with the product's default minimum of three ballots."""
    settings = dict(world.conference.settings or {})
    settings["voting"] = {**settings.get("voting", {}), "secret_min_ballots": 3}
    world.conference.settings = settings
    db.session.commit()
    add_delegate(world, "Cem Drei", world.org_a)
    return world


def _secret_poll(world, ballots: int, **options) -> Poll:
    moderator = world.moderator.person
    poll = voting.create_poll(
        moderator, world.conference.id, title="Geheim", secret=True, **options
    )
    voting.open_poll(moderator, world.conference.id, poll.id)
    voters = [world.delegate, world.delegate_b, *_others(world)][:ballots]
    for voter in voters:
        voting.cast_ballot(voter.id, poll.id, "yes", uuid.uuid4().hex)
    return poll


def _others(world):
    return [
        a
        for a in world.conference.accreditations
        if a.voting_right and a.id not in (world.delegate.id, world.delegate_b.id)
    ]


def test_the_default_is_three_ballots(app):
    assert voting.DEFAULT_SETTINGS["secret_min_ballots"] == 3


def test_two_ballots_are_not_published_and_the_moderator_is_told_why(app, three_minimum):
    world = three_minimum
    poll = _secret_poll(world, 2)
    with pytest.raises(Conflict, match="from 3 ballots on"):
        voting.close_poll(world.moderator.person, world.conference.id, poll.id)
    db.session.expire_all()
    assert db.session.get(Poll, poll.id).state == "open"
    assert db.session.get(Poll, poll.id).result is None
    voting.cancel_poll(world.moderator.person, world.conference.id, poll.id)


def test_three_ballots_are_published(app, three_minimum):
    world = three_minimum
    poll = _secret_poll(world, 3)
    closed = voting.close_poll(world.moderator.person, world.conference.id, poll.id)
    assert closed.result["tally"]["ballots"] == 3


def test_a_named_poll_needs_no_minimum(app, three_minimum):
    world = three_minimum
    moderator = world.moderator.person
    poll = voting.create_poll(moderator, world.conference.id, title="Namentlich", secret=False)
    voting.open_poll(moderator, world.conference.id, poll.id)
    voting.cast_ballot(world.delegate.id, poll.id, "no", uuid.uuid4().hex)
    assert voting.close_poll(moderator, world.conference.id, poll.id).state == "closed"


def test_a_countdown_with_too_few_ballots_cancels_the_poll(app, three_minimum):
    world = three_minimum
    poll = _secret_poll(world, 1, duration_seconds=60)
    db.session.get(Poll, poll.id).closes_at = clock.now() - timedelta(seconds=1)
    db.session.commit()
    assert voting.close_due_polls() == [poll.id]
    db.session.expire_all()
    assert db.session.get(Poll, poll.id).state == "cancelled"
    assert voting.next_closing_at() is None  # nothing left for the countdown to wake for
    entry = db.session.scalars(
        select(AuditEntry).where(AuditEntry.action == "poll.cancelled")
    ).one()
    assert entry.data["reason"] == "too_few_ballots"
    assert db.session.scalars(select(Ballot).where(Ballot.poll_id == poll.id)).all() == []


def test_the_desk_says_so_and_the_refusal_is_shown(app, three_minimum, auth):
    world = three_minimum
    poll = _secret_poll(world, 1)
    cid = world.conference.id
    moderator = auth.client_as(app, world, "moderator")
    desk = moderator.get(f"/c/{cid}/polls").get_data(as_text=True)
    assert 'id="min-ballots"' in desk and "from 3 ballots on" in desk
    token = csrf_token(moderator, f"/c/{cid}/polls")
    response = moderator.post(
        f"/c/{cid}/polls/{poll.id}/close", data={"csrf_token": token}, follow_redirects=True
    )
    assert "from 3 ballots on" in response.get_data(as_text=True)
    assert db.session.get(Poll, poll.id).state == "open"


def test_the_minimum_is_a_setting(app, world):
    voting.set_voting_settings(world.staff, world.conference.id, secret_min_ballots=5)
    assert voting.voting_settings(world.conference)["secret_min_ballots"] == 5
    with pytest.raises(Exception, match="whole numbers"):
        voting.set_voting_settings(world.staff, world.conference.id, secret_min_ballots=0)


def test_a_secret_poll_without_any_ballot_closes(app, three_minimum):
    """No ballot at all tells nothing of anyone: the poll closes, not quorate or rejected."""
    world = three_minimum
    poll = _secret_poll(world, 0)
    assert voting.close_poll(world.moderator.person, world.conference.id, poll.id).state == "closed"
