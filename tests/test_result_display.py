"""A result as people read it: each answer named with its number and share, numbers and
quorum in the reader's language, the quorum in whole votes, the paper count headed as such."""

from __future__ import annotations

import re
from fractions import Fraction

import pytest

from participation.services import voting
from participation.web.numbers import at_least_text
from tests.helpers import add_delegate


def _paper_poll(world, counts, **options):
    """A motion decided by a show of hands; 27 eligible votes (25 of them one delegate's)."""
    add_delegate(world, "Gül Gewicht", world.org_a, weight=25)
    moderator = world.moderator.person
    poll = voting.create_poll(
        moderator, world.conference.id, title="Schluss der Debatte", **options
    )
    return voting.record_paper_result(moderator, world.conference.id, poll.id, counts)


def _page(client, path, language):
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = language
    response = client.get(path)
    assert response.status_code == 200, path
    return response.get_data(as_text=True)


def _answers(html) -> dict:
    """Each answer's label, number and share as the page shows them."""
    rows = re.findall(
        r'<div class="answer answer-(\w+)[^"]*">\s*<dt class="answer-label">([^<]+)</dt>\s*'
        r'<dd class="answer-count"><bdi>([^<]+)</bdi></dd>\s*'
        r'<dd class="answer-share"><bdi>([^<]+)</bdi></dd>',
        html,
    )
    return {key: (label, count, share.replace("\xa0", " ")) for key, label, count, share in rows}


@pytest.fixture
def paper(world):
    return _paper_poll(
        world,
        {"yes": 19, "no": 8, "abstain": 0},
        quorum_kind="weight_share",
        quorum="1/2",
    )


def test_each_answer_is_labelled_with_its_number_and_share(client, world, paper):
    html = _page(client, f"/c/{world.conference.id}/votes/{paper.id}?partial=result", "de")
    assert _answers(html) == {
        "yes": ("Yes", "19", "70,4 %"),
        "no": ("No", "8", "29,6 %"),
        "abstain": ("Abstain", "0", "0 %"),
    }
    # Every bar is drawn to its share; no and abstain carry a pattern beside their colour.
    assert re.search(r'class="answer-fill" x="0" y="0" width="70.37"', html)
    assert html.count('fill="url(#mark-') == 2


def test_the_quorum_is_a_percentage_and_a_whole_number_of_votes(client, world, paper):
    html = _page(client, f"/c/{world.conference.id}/votes/{paper.id}", "de")
    quorum = re.search(r'<p class="result-quorum">(.*?)</p>', html, re.S).group(1)
    quorum = " ".join(quorum.replace("\xa0", " ").split())
    # 1/2 of 27 eligible votes is 13.5: fourteen votes are needed.
    assert "Quorum: 50 % of the eligible votes must take part – 14 needed, 27 took part." in quorum
    assert "0.50" not in html and "13.5" not in html and "13,5" not in html
    # The closing time in the conference's time zone, written the German way.
    assert re.search(r"closed \d{2}\.\d{2}\.\d{2}, \d{2}:\d{2}", html)
    assert " UTC" not in html


def test_numbers_follow_the_language(client, world, paper):
    english = _page(client, f"/c/{world.conference.id}/votes/{paper.id}", "en")
    assert _answers(english)["yes"] == ("Yes", "19", "70.4%")
    turkish = _page(client, f"/c/{world.conference.id}/votes/{paper.id}", "tr")
    assert _answers(turkish)["yes"] == ("Yes", "19", "%70,4")


def test_a_paper_count_is_not_headed_as_a_named_vote(client, world, paper):
    html = _page(client, f"/c/{world.conference.id}/votes/{paper.id}", "en")
    assert "Counted by show of hands or on paper" in html
    assert "Named vote" not in html


def test_seats_are_counted_with_a_plural(client, world):
    moderator = world.moderator.person
    for seats, text in ((1, "1 seat."), (2, "2 seats.")):
        poll = voting.create_poll(
            moderator,
            world.conference.id,
            title=f"Wahl {seats}",
            target_kind="election",
            seats=seats,
            candidates=["Ada", "Bo", "Cem"],
        )
        voting.open_poll(moderator, world.conference.id, poll.id)
        voting.close_poll(moderator, world.conference.id, poll.id)
        html = _page(client, f"/c/{world.conference.id}/votes/{poll.id}", "en")
        assert text in " ".join(html.split())
        assert "seat(s)" not in html


@pytest.mark.parametrize(
    ("majority", "least"),
    [("absolute", "14"), ("absolute_eligible", "14"), ("two_thirds", "18")],
)
def test_the_majority_says_how_many_yes_votes_are_needed(client, world, majority, least):
    """Half of 27 votes is 13.5: more than that is at least 14; two thirds of 27 is 18."""
    poll = _paper_poll(world, {"yes": 19, "no": 8, "abstain": 0}, majority=majority)
    html = _page(client, f"/c/{world.conference.id}/votes/{poll.id}", "de")
    rule = re.search(r'<p class="result-rule">(.*?)</p>', html, re.S).group(1)
    assert f"i.e. at least {least} yes votes (yes 19)" in " ".join(rule.split())
    assert "13,5" not in rule and "more than 13" not in rule


def test_shared_votes_need_the_next_hundredth(app):
    half = Fraction(1001, 2)  # 5.005 votes in hundredths of a vote
    majority = {"comparison": ">", "value": [half.numerator, half.denominator]}
    assert at_least_text(majority, 100) == "5,01"  # German, the default language
    assert at_least_text({"comparison": ">=", "value": [0, 1]}) == "1"
