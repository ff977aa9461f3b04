"""Live voting through the services: opening, casting exactly once, closing, results, proxies."""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest
from sqlalchemy import select

from participation import clock
from participation.extensions import db
from participation.models import (
    AuditEntry,
    Ballot,
    Poll,
    PollParticipation,
    PollVoter,
)
from participation.services import audit, conferences, directory, voting
from participation.services.errors import Conflict, Invalid, NotAllowed, NotFound
from tests.helpers import add_delegate, new_poll, opened


def sid() -> str:
    """A client-generated submission id."""
    return uuid.uuid4().hex


def vote(world, acc, poll, choice="yes", submission=None, **kw):
    return voting.cast_ballot(acc.id, poll.id, choice, submission or sid(), **kw)


def close(world, poll):
    return voting.close_poll(world.moderator.person, world.conference.id, poll.id)


# --- the flow -----------------------------------------------------------------------------------


def test_open_vote_close_adopts_by_simple_majority(app, world):
    poll = opened(world)
    assert poll.state == "open"
    assert (poll.eligible_count, poll.eligible_weight) == (2, 2)
    receipt = vote(world, world.delegate, poll, "yes")
    assert len(receipt.tracker) == 32 and not receipt.repeated
    vote(world, world.delegate_b, poll, {"vote": "abstain"})
    poll = close(world, poll)
    assert poll.state == "closed"
    assert poll.result["outcome"] == "adopted"
    assert poll.result["tally"]["weights"] == {"yes": 1, "no": 0, "abstain": 1}
    assert poll.result["majority"] == {
        "rule": "simple",
        "met": True,
        "comparison": ">",
        "value": [0, 1],
    }
    assert audit.verify().ok


def test_the_same_submission_id_returns_the_same_receipt(app, world):
    poll = opened(world)
    submission = sid()
    first = vote(world, world.delegate, poll, "yes", submission)
    again = vote(world, world.delegate, poll, "yes", submission)
    assert again.tracker == first.tracker and again.repeated
    with pytest.raises(Conflict, match="already"):
        vote(world, world.delegate, poll, "no")
    assert db.session.scalar(select(Poll.cast_count).where(Poll.id == poll.id)) == 1
    assert len(db.session.scalars(select(Ballot).where(Ballot.poll_id == poll.id)).all()) == 1
    # After close, the retry still gets its receipt.
    close(world, poll)
    assert vote(world, world.delegate, poll, "yes", submission).tracker == first.tracker


def _nothing_written(poll_id):
    return (
        db.session.scalar(select(Poll.cast_count).where(Poll.id == poll_id)) == 0
        and not db.session.scalars(select(Ballot).where(Ballot.poll_id == poll_id)).all()
        and not db.session.scalars(
            select(PollParticipation).where(PollParticipation.poll_id == poll_id)
        ).all()
    )


def test_refused_ballots_write_nothing(app, world):
    draft = new_poll(world)
    with pytest.raises(NotFound):  # a draft is not found, as it is when read
        vote(world, world.delegate, draft)
    poll = voting.open_poll(world.moderator.person, world.conference.id, draft.id)
    entries = db.session.scalar(select(db.func.count()).select_from(AuditEntry))
    with pytest.raises(NotAllowed):
        vote(world, world.observer, poll)
    with pytest.raises(NotAllowed):
        vote(world, world.moderator, poll)
    for bad in ("maybe", {"vote": 1}, None, ["yes"]):
        with pytest.raises(Invalid):
            vote(world, world.delegate, poll, bad)
    for bad_id in ("", "short", "x" * 65, "with space!", None, 12345678):
        with pytest.raises(Invalid):
            voting.cast_ballot(world.delegate.id, poll.id, "yes", bad_id)
    with pytest.raises(NotFound):
        voting.cast_ballot(world.delegate.id, 999_999, "yes", sid())
    with pytest.raises(NotFound):
        voting.cast_ballot(world.delegate.id, poll.id, "yes", sid(), conference_id=999)
    assert _nothing_written(poll.id)
    assert db.session.scalar(select(db.func.count()).select_from(AuditEntry)) == entries
    close(world, poll)
    with pytest.raises(Conflict, match="closed"):
        vote(world, world.delegate, poll)
    assert db.session.scalar(select(Poll.cast_count).where(Poll.id == poll.id)) == 0


def test_eligibility_is_frozen_when_the_poll_opens(app, world):
    late = add_delegate(world, "Lea Late", world.org_a, present=False)
    poll = opened(world)
    conferences.set_presence(world.staff, world.conference.id, late.id, True)
    conferences.set_presence(world.staff, world.conference.id, world.delegate_b.id, False)
    with pytest.raises(NotAllowed):
        vote(world, late, poll)
    vote(world, world.delegate_b, poll, "no")  # was eligible at opening
    assert poll.eligible_count == 2


def test_absent_delegates_and_delegates_without_voting_right_are_not_eligible(app, world):
    add_delegate(world, "Abe Absent", world.org_a, present=False)
    poll = opened(world)
    voters = db.session.scalars(select(PollVoter).where(PollVoter.poll_id == poll.id)).all()
    assert {v.accreditation_id for v in voters} == {world.delegate.id, world.delegate_b.id}


def test_vote_weights_count(app, world):
    heavy = add_delegate(world, "Hanna Heavy", world.org_b, weight=3)
    poll = opened(world)
    assert poll.eligible_weight == 5
    vote(world, heavy, poll, "no")
    vote(world, world.delegate, poll, "yes")
    vote(world, world.delegate_b, poll, "yes")
    result = close(world, poll).result
    assert result["tally"]["weights"] == {"yes": 2, "no": 3, "abstain": 0}
    assert result["tally"]["heads"] == {"yes": 2, "no": 1, "abstain": 0}
    assert result["outcome"] == "rejected"


def test_only_one_poll_is_open_at_a_time(app, world):
    opened(world)
    other = new_poll(world, title="Zweite Frage")
    with pytest.raises(Conflict):
        voting.open_poll(world.moderator.person, world.conference.id, other.id)


def test_opening_and_closing_twice_is_refused(app, world):
    poll = opened(world)
    with pytest.raises(Conflict):
        voting.open_poll(world.moderator.person, world.conference.id, poll.id)
    close(world, poll)
    with pytest.raises(Conflict, match="closed already"):
        close(world, poll)
    closes = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "poll.closed")).all()
    assert len(closes) == 1


def test_polls_of_another_conference_are_not_found(app, world):
    other = conferences.save_conference(world.staff, title="Andere", number=8)
    poll = new_poll(world)
    with pytest.raises(NotFound):  # staff, who may act in both conferences
        voting.open_poll(world.staff, other.id, poll.id)


def test_countdown_closes_the_poll_and_refuses_late_ballots(app, world):
    poll = opened(world, duration_seconds=60)
    vote(world, world.delegate, poll, "yes")
    try:
        clock.freeze(clock.now() + timedelta(seconds=61))
        with pytest.raises(Conflict, match="closed"):
            vote(world, world.delegate_b, poll, "no")
        assert voting.close_due_polls() == [poll.id]
        assert voting.close_due_polls() == []
    finally:
        clock.freeze(None)
    poll = voting.get_poll(poll.id)
    assert poll.state == "closed" and poll.result["outcome"] == "adopted"
    entry = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "poll.closed")).one()
    assert entry.actor == "system" and entry.data["by"] == "countdown"


def test_cancelled_polls_count_nothing(app, world):
    poll = opened(world)
    vote(world, world.delegate, poll)
    poll = voting.cancel_poll(world.moderator.person, world.conference.id, poll.id)
    assert poll.state == "cancelled" and poll.result is None
    with pytest.raises(Conflict):
        vote(world, world.delegate_b, poll)
    with pytest.raises(Conflict):
        voting.cancel_poll(world.moderator.person, world.conference.id, poll.id)


# --- settings, majority and quorum -----------------------------------------------------------


def test_defaults_come_from_the_conference(app, world):
    voting.set_voting_settings(
        world.staff,
        world.conference.id,
        secret=True,
        majority="two_thirds",
        quorum_kind="weight_share",
        quorum="2/3",
    )
    poll = new_poll(world)
    assert poll.secret and poll.majority == "two_thirds"
    assert (poll.quorum_kind, poll.quorum_numerator, poll.quorum_denominator) == (
        "weight_share",
        2,
        3,
    )
    named = new_poll(world, secret=False, majority="simple", quorum_kind="none")
    assert not named.secret and named.quorum_kind == "none"
    with pytest.raises(Invalid):
        voting.set_voting_settings(world.staff, world.conference.id, majority="loud")


def test_quorum_of_weight_not_reached(app, world):
    add_delegate(world, "Cem Drei", world.org_b)
    poll = opened(world, quorum_kind="weight_share", quorum="1/2")
    vote(world, world.delegate, poll, "yes")  # 1 of 3 < 1/2
    result = close(world, poll).result
    assert result["outcome"] == "not_quorate"
    assert result["quorum"]["required"] == [3, 2] and result["quorum"]["actual"] == 1


def test_quorum_of_member_organisations(app, world):
    directory.save_organisation(world.staff, name="Verein Gamma")  # a member nobody represents
    poll = opened(world, quorum_kind="organisations_share", quorum="2/3")
    assert (poll.organisations_present, poll.organisations_total) == (2, 3)
    vote(world, world.delegate, poll, "yes")
    assert close(world, poll).result["outcome"] == "adopted"  # 2 >= 2/3 * 3
    poll = opened(world, title="Noch eine", quorum_kind="organisations_count", quorum="3")
    vote(world, world.delegate, poll, "yes")
    assert close(world, poll).result["outcome"] == "not_quorate"


def test_absolute_majority_of_the_eligible(app, world):
    add_delegate(world, "Cem Drei", world.org_b)
    poll = opened(world, majority="absolute_eligible")
    vote(world, world.delegate, poll, "yes")
    result = close(world, poll).result
    assert result["outcome"] == "rejected"  # 1 yes, no objection, but 1 is not more than 3/2
    assert result["majority"]["value"] == [3, 2]


def test_votes_per_organisation_are_shared_by_its_present_delegates(app, world):
    voting.set_voting_settings(world.staff, world.conference.id, votes_per_organisation=1)
    second_a = add_delegate(world, "Ali Zweiter", world.org_a)
    third_a = add_delegate(world, "Asli Dritte", world.org_a)
    poll = opened(world)
    # A: three delegates share one vote; B: one delegate holds it alone.
    assert poll.weight_scale == 3
    assert poll.eligible_weight == 6  # two votes, in thirds
    vote(world, world.delegate, poll, "yes")
    vote(world, second_a, poll, "yes")
    vote(world, third_a, poll, "no")
    vote(world, world.delegate_b, poll, "no")
    result = close(world, poll).result
    assert result["tally"]["weights"] == {"yes": 2, "no": 4, "abstain": 0}
    assert result["outcome"] == "rejected"
    assert voting.weight_text(2, 3) == "0.67" and voting.weight_text(3, 3) == "1"


# --- elections ---------------------------------------------------------------------------------


def test_election_of_a_speakers_council_of_three(app, world):
    extra = [add_delegate(world, f"Wähler {i}", world.org_b) for i in range(2)]
    poll = opened(
        world,
        title="Wahl des Sprecher*innenrates",
        target_kind="election",
        seats=3,
        candidates=["Ayşe", "Boris", "Chiara", "Dariusz"],
        majority="absolute",
    )
    ids = [c.id for c in poll.candidates]
    with pytest.raises(Invalid):
        vote(world, world.delegate, poll, {"approve": ids})  # 4 > 3 seats
    vote(world, world.delegate, poll, {"approve": ids[:3]})
    vote(world, world.delegate_b, poll, {"approve": [ids[0], ids[1], ids[3]]})
    vote(world, extra[0], poll, {"approve": [ids[0], ids[2]]})
    vote(world, extra[1], poll, {"approve": []})
    result = close(world, poll).result
    # Approvals of 4 ballots: A 3, B 2, C 2, D 1; absolute majority needs more than 2.
    assert result["outcome"] == "elected"
    assert result["elected"] == [ids[0]]


def test_election_with_yes_no_per_candidate(app, world):
    poll = opened(
        world,
        title="Wahl der Versammlungsleitung",
        target_kind="election",
        method="candidate_yes_no_abstain",
        candidates=["Samira"],
    )
    cid = str(poll.candidates[0].id)
    vote(world, world.delegate, poll, {"votes": {cid: "yes"}})
    vote(world, world.delegate_b, poll, {"votes": {cid: "abstain"}})
    result = close(world, poll).result
    assert result["outcome"] == "elected" and result["elected"] == [int(cid)]


def test_elections_need_candidates(app, world):
    with pytest.raises(Invalid):
        new_poll(world, target_kind="election", candidates=[])
    with pytest.raises(Invalid):
        new_poll(world, target_kind="election", candidates=["A"], seats=2)
    with pytest.raises(Invalid):
        new_poll(world, target_kind="question", method="approval")


# --- proxies -----------------------------------------------------------------------------------


def test_a_proxy_holder_casts_the_givers_vote_separately(app, world):
    giver = add_delegate(world, "Gül Geberin", world.org_a, present=False)
    moderator = world.moderator.person
    voting.record_proxy(moderator, world.conference.id, giver.id, world.delegate.id)
    poll = opened(world)
    assert poll.eligible_count == 3
    mine = voting.my_votes(poll, world.delegate.id)
    assert [(v["voter_id"], v["own"]) for v in mine] == [
        (world.delegate.id, True),
        (giver.id, False),
    ]
    vote(world, world.delegate, poll, "yes")
    receipt = vote(world, world.delegate, poll, "no", voter_id=giver.id)
    assert receipt.voter_id == giver.id
    with pytest.raises(Conflict, match="proxy"):
        vote(world, world.delegate, poll, "no", voter_id=giver.id)
    # The giver cannot vote in this poll, even after checking in.
    conferences.set_presence(world.staff, world.conference.id, giver.id, True)
    with pytest.raises(NotAllowed):
        vote(world, giver, poll, "yes")
    with pytest.raises(NotAllowed):  # nor can anyone else cast the giver's vote
        vote(world, world.delegate_b, poll, "yes", voter_id=giver.id)
    result = close(world, poll).result
    assert result["tally"]["weights"] == {"yes": 1, "no": 1, "abstain": 0}
    participation = db.session.get(PollParticipation, (poll.id, giver.id))
    assert participation.cast_by_id == world.delegate.id


def test_proxy_rules(app, world):
    moderator = world.moderator.person
    cid = world.conference.id
    second_a = add_delegate(world, "Ali Zweiter", world.org_a)
    third_a = add_delegate(world, "Asli Dritte", world.org_a)
    with pytest.raises(Invalid, match="same organisation"):
        voting.record_proxy(moderator, cid, world.delegate_b.id, world.delegate.id)
    with pytest.raises(Invalid):
        voting.record_proxy(moderator, cid, world.delegate.id, world.delegate.id)
    with pytest.raises(Invalid):
        voting.record_proxy(moderator, cid, world.observer.id, world.delegate.id)
    proxy = voting.record_proxy(moderator, cid, second_a.id, world.delegate.id)
    with pytest.raises(Conflict, match="as many"):
        voting.record_proxy(moderator, cid, third_a.id, world.delegate.id)
    with pytest.raises(Conflict):
        voting.record_proxy(moderator, cid, second_a.id, third_a.id)  # gave already
    with pytest.raises(Conflict):
        voting.record_proxy(moderator, cid, world.delegate.id, third_a.id)  # holds one
    voting.set_voting_settings(world.staff, cid, max_proxies_per_holder=2)
    voting.record_proxy(moderator, cid, third_a.id, world.delegate.id)
    voting.revoke_proxy(moderator, cid, proxy.id)
    assert len(voting.proxies_of(cid)) == 1
    actions = db.session.scalars(
        select(AuditEntry.action).where(AuditEntry.action.like("proxy.%"))
    ).all()
    assert actions == ["proxy.recorded", "proxy.recorded", "proxy.revoked"]


def test_a_present_giver_still_cannot_vote_and_the_holder_must_say_whose_vote(app, world):
    giver = add_delegate(world, "Hakan Geber", world.org_a, present=True)
    voting.record_proxy(world.moderator.person, world.conference.id, giver.id, world.delegate.id)
    poll = opened(world)
    with pytest.raises(NotAllowed):
        vote(world, giver, poll)
    with pytest.raises(NotAllowed):  # a vote nobody holds
        vote(world, world.delegate, poll, voter_id=world.delegate_b.id)
    with pytest.raises(Invalid):
        vote(world, world.delegate, poll, voter_id="x")
    assert vote(world, world.delegate, poll, voter_id=giver.id).voter_id == giver.id


# --- publication ------------------------------------------------------------------------------


def test_named_polls_publish_who_voted_what_after_close(app, world):
    poll = opened(world, secret=False)
    receipt = vote(world, world.delegate, poll, "no")
    assert voting.published_ballots(poll)["named"] == []  # nothing while open
    close(world, poll)
    named = voting.published_ballots(voting.get_poll(poll.id))["named"]
    assert named == [
        {
            "name": "Dana Delegate",
            "organisation": "Verein Alpha",
            "choice": {"vote": "no"},
            "weight": 1,
            "tracker": receipt.tracker,
            "by_proxy": False,
        }
    ]
    entry = db.session.scalars(
        select(AuditEntry).where(AuditEntry.action == "ballot.accepted")
    ).one()
    # The public log never carries a choice while the poll is open; the named list above is
    # what is published, and the close entry holds its digest.
    assert "choice" not in entry.data


def test_the_moderators_see_who_of_a_named_poll_has_voted_and_who_not_yet(app, world):
    carla = add_delegate(world, "Carla Delegate", world.org_b)
    poll = opened(world, secret=False)
    vote(world, world.delegate, poll, "yes")
    vote(world, carla, poll, "no")
    turnout = voting.moderator_turnout(poll)
    assert turnout["cast_count"] == 2 and turnout["eligible_count"] == 3
    assert turnout["voted"] == [
        {"name": "Carla Delegate", "organisation": "VB"},
        {"name": "Dana Delegate", "organisation": "VA"},
    ]
    assert turnout["not_yet"] == [{"name": "Bo Delegate", "organisation": "VB"}]
    # Nobody else's turnout names anyone.
    assert "voted" not in voting.turnout_json(poll)


def test_the_turnout_of_a_secret_poll_names_nobody(app, world):
    carla = add_delegate(world, "Carla Delegate", world.org_b)
    poll = opened(world, secret=True)
    vote(world, world.delegate, poll, "yes")
    vote(world, carla, poll, "no")
    turnout = voting.moderator_turnout(poll)
    assert turnout == voting.turnout_json(poll)
    assert set(turnout) == {
        "conference_id",
        "poll_id",
        "cast_count",
        "cast_weight",
        "eligible_count",
        "eligible_weight",
        "weight_scale",
    }
    assert voting.roll_call(poll) == {}
    text = str(turnout)
    for name in ("Dana", "Bo Delegate", "Carla", "VA", "VB", "Verein"):
        assert name not in text


def test_the_close_records_a_digest_of_the_published_ballots(app, world):
    poll = opened(world, secret=True)
    vote(world, world.delegate, poll, "yes")
    close(world, poll)
    entry = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "poll.closed")).one()
    published = voting.published_ballots(voting.get_poll(poll.id))
    assert entry.data["ballots_digest"] == voting.ballots_digest(published["ballots"])


# --- paper --------------------------------------------------------------------------------------


def test_paper_counts_are_recorded_and_audited(app, world):
    for i in range(3):
        add_delegate(world, f"Saal {i}", world.org_b)
    poll = new_poll(world, majority="two_thirds")
    poll = voting.record_paper_result(
        world.moderator.person, world.conference.id, poll.id, {"yes": 3, "no": 1, "abstain": "1"}
    )
    assert poll.state == "closed" and poll.source == "paper"
    assert poll.result["outcome"] == "adopted" and poll.result["source"] == "paper"
    entry = db.session.scalars(
        select(AuditEntry).where(AuditEntry.action == "poll.paper_result")
    ).one()
    assert entry.data["counts"]["yes"] == 3
    with pytest.raises(Conflict):
        voting.record_paper_result(world.moderator.person, world.conference.id, poll.id, {"yes": 1})
    too_many = new_poll(world, title="Zu viele")
    with pytest.raises(Invalid):
        voting.record_paper_result(
            world.moderator.person, world.conference.id, too_many.id, {"yes": 9}
        )
    with pytest.raises(Invalid):
        voting.record_paper_result(
            world.moderator.person, world.conference.id, too_many.id, {"yes": -1}
        )
    assert voting.get_poll(too_many.id).state == "draft"


def test_paper_election(app, world):
    poll = new_poll(world, target_kind="election", candidates=["A", "B"], title="Wahl")
    ids = [str(c.id) for c in poll.candidates]
    poll = voting.record_paper_result(
        world.moderator.person,
        world.conference.id,
        poll.id,
        {"ballots": 2, "approvals": {ids[0]: 2, ids[1]: 1}},
    )
    assert poll.result["outcome"] == "elected" and poll.result["elected"] == [int(ids[0])]
