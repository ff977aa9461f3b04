"""Quorum against those present at the opening or against every accredited member with voting
right: 2 of 6 members voting while 4 stayed away is quorate only in the first case."""

from __future__ import annotations

import uuid

import pytest

from participation.services import voting
from participation.services.errors import Invalid
from tests.helpers import add_delegate


@pytest.fixture
def hall(world):
    """Six members with voting right; only the world's two delegates are present."""
    for n in range(4):
        add_delegate(world, f"Abwesend {n}", world.org_a if n % 2 else world.org_b, present=False)
    return world


def _vote(world, base: str, **options):
    moderator = world.moderator.person
    voting.set_voting_settings(world.staff, world.conference.id, quorum_base=base)
    poll = voting.create_poll(moderator, world.conference.id, title="Satzung", **options)
    voting.open_poll(moderator, world.conference.id, poll.id)
    for voter in (world.delegate, world.delegate_b):
        voting.cast_ballot(voter.id, poll.id, "yes", uuid.uuid4().hex)
    return voting.close_poll(moderator, world.conference.id, poll.id)


def test_against_those_present_two_of_two_are_quorate(app, hall):
    poll = _vote(hall, "present", quorum_kind="weight_share", quorum="1/2")
    assert poll.result["quorum"]["met"] and poll.result["outcome"] == "adopted"
    assert poll.result["quorum_base"] == "present" and poll.result["base_weight"] == 2


def test_against_all_members_two_of_six_are_not(app, hall, client):
    poll = _vote(hall, "members", quorum_kind="weight_share", quorum="1/2")
    assert poll.quorum_base == "members" and poll.member_weight == 6
    assert not poll.result["quorum"]["met"] and poll.result["outcome"] == "not_quorate"
    assert poll.result["base_weight"] == 6 and poll.result["eligible_weight"] == 2
    html = client.get(f"/c/{hall.conference.id}/votes/{poll.id}").get_data(as_text=True)
    quorum = " ".join(html.split("result-quorum")[1].split("</p>")[0].split())
    assert "50 % of the 6 votes of all accredited members with voting right" in quorum.replace(
        "\xa0", " "
    )
    assert "3 needed, 2 took part" in quorum


def test_an_absolute_majority_of_the_members_counts_the_absent(app, hall, client):
    poll = _vote(hall, "members", majority="absolute_eligible")
    assert poll.result["outcome"] == "rejected"  # 2 yes are not more than half of 6
    html = client.get(f"/c/{hall.conference.id}/votes/{poll.id}").get_data(as_text=True)
    assert "i.e. at least 4 yes votes (yes 2)" in " ".join(html.split())


def test_shared_votes_count_each_member_organisation_once(app, hall):
    voting.set_voting_settings(hall.staff, hall.conference.id, votes_per_organisation=2)
    poll = _vote(hall, "members", quorum_kind="weight_share", quorum="1/2")
    # Two organisations with two votes each: 4 votes, all of them present through one delegate.
    assert poll.member_weight == 4 * poll.weight_scale
    assert poll.result["quorum"]["met"]


def test_the_base_is_a_setting_and_the_default_is_those_present(app, world):
    assert voting.voting_settings(world.conference)["quorum_base"] == "present"
    with pytest.raises(Invalid):
        voting.set_voting_settings(world.staff, world.conference.id, quorum_base="everyone")
