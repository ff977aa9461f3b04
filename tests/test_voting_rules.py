"""The pure rules: ballot shapes, tallies, majorities, quorum, elections."""

from __future__ import annotations

from fractions import Fraction

import pytest

from participation.services.voting import rules


def motion(yes, no, abstain):
    return {"weights": {"yes": yes, "no": no, "abstain": abstain}, "weight": yes + no + abstain}


NO_QUORUM = {"kind": "none", "met": True}


@pytest.mark.parametrize(
    ("rule", "yes", "no", "abstain", "eligible", "met"),
    [
        ("simple", 3, 2, 10, 20, True),
        ("simple", 2, 2, 0, 20, False),
        ("simple", 0, 0, 5, 20, False),
        ("absolute", 6, 2, 3, 20, True),
        ("absolute", 5, 2, 3, 20, False),  # 5 is not more than half of 10
        ("two_thirds", 6, 3, 9, 20, True),  # 6 >= 2/3 * 9
        ("two_thirds", 5, 3, 0, 20, False),
        ("two_thirds", 0, 0, 4, 20, False),  # nobody for it: not adopted
        ("absolute_eligible", 11, 0, 0, 20, True),
        ("absolute_eligible", 10, 0, 0, 20, False),
    ],
)
def test_majority_rules(rule, yes, no, abstain, eligible, met):
    assert rules.majority_met(rule, yes, no, abstain, eligible) is met


def test_threshold_states_the_rule_with_exact_numbers():
    assert rules.majority_threshold("two_thirds", 5, 2, 0, 10) == {
        "comparison": ">=",
        "value": [14, 3],
    }
    assert rules.majority_threshold("absolute", 3, 2, 0, 10)["value"] == [5, 2]


def test_motion_outcomes():
    assert (
        rules.decide_motion(motion(3, 1, 0), rule="simple", eligible_weight=5, quorum=NO_QUORUM)[
            "outcome"
        ]
        == "adopted"
    )
    assert (
        rules.decide_motion(motion(2, 2, 1), rule="simple", eligible_weight=5, quorum=NO_QUORUM)[
            "outcome"
        ]
        == "tie"
    )
    assert (
        rules.decide_motion(motion(1, 2, 1), rule="simple", eligible_weight=5, quorum=NO_QUORUM)[
            "outcome"
        ]
        == "rejected"
    )
    unquorate = {"kind": "weight_share", "met": False}
    result = rules.decide_motion(
        motion(3, 0, 0), rule="simple", eligible_weight=9, quorum=unquorate
    )
    assert result["outcome"] == "not_quorate" and result["adopted"] is False


def test_quorum_by_weight_and_by_organisations():
    check = rules.quorum_check
    kw = {"eligible_weight": 10, "organisations_present": 3, "organisations_total": 8}
    assert check("weight_share", 1, 2, participating_weight=5, **kw)["met"]
    assert not check("weight_share", 1, 2, participating_weight=4, **kw)["met"]
    assert check("organisations_count", 3, 1, participating_weight=0, **kw)["met"]
    assert not check("organisations_count", 4, 1, participating_weight=0, **kw)["met"]
    assert not check("organisations_share", 1, 2, participating_weight=0, **kw)["met"]  # 3 < 4
    assert check("organisations_share", 3, 8, participating_weight=0, **kw)["met"]
    assert check("none", 0, 1, participating_weight=0, **kw)["met"]


def test_shares_parse_exactly():
    assert rules.parse_share("1/2") == Fraction(1, 2)
    assert rules.parse_share("50%") == Fraction(1, 2)
    assert rules.parse_share("0,25") == Fraction(1, 4)
    assert rules.parse_share("2/3") == Fraction(2, 3)
    for bad in ("0", "3/2", "x", "1/0", "-1"):
        with pytest.raises(ValueError):
            rules.parse_share(bad)


def test_choices_are_normalised_or_refused():
    assert rules.normalise_choice("yes_no_abstain", 1, [], "yes") == {"vote": "yes"}
    assert rules.normalise_choice("yes_no_abstain", 1, [], {"vote": "no"}) == {"vote": "no"}
    assert rules.normalise_choice("approval", 2, [1, 2, 3], {"approve": [3, "1"]}) == {
        "approve": [1, 3]
    }
    assert rules.normalise_choice("approval", 2, [1, 2, 3], {"approve": []}) == {"approve": []}
    assert rules.normalise_choice(
        "candidate_yes_no_abstain", 1, [1, 2], {"votes": {"1": "yes", 2: "no"}}
    ) == {"votes": {"1": "yes", "2": "no"}}
    bad = [
        ("yes_no_abstain", "maybe"),
        ("yes_no_abstain", None),
        ("yes_no_abstain", {"vote": ["yes"]}),
        ("approval", {"approve": [1, 2, 3]}),  # more than the seats
        ("approval", {"approve": [1, 1]}),
        ("approval", {"approve": [9]}),
        ("approval", {"approve": [True]}),
        ("approval", "1"),
        ("candidate_yes_no_abstain", {"votes": {"1": "yes"}}),  # one missing
        ("candidate_yes_no_abstain", {"votes": {"1": "yes", "2": "perhaps"}}),
        ("candidate_yes_no_abstain", {"votes": {"1": "yes", "2": "no", "3": "no"}}),
    ]
    for method, raw in bad:
        with pytest.raises(rules.BadChoice):
            rules.normalise_choice(method, 2, [1, 2], raw)


def test_tally_sums_weights_and_heads():
    counted = rules.tally(
        "yes_no_abstain", [], [({"vote": "yes"}, 2), ({"vote": "no"}, 1), ({"vote": "yes"}, 1)]
    )
    assert counted["weights"] == {"yes": 3, "no": 1, "abstain": 0}
    assert counted["heads"] == {"yes": 2, "no": 1, "abstain": 0}
    assert counted["ballots"] == 3 and counted["weight"] == 4


def election(method, seats, ids, ballots, rule="simple"):
    counted = rules.tally(method, ids, ballots)
    return rules.decide_election(
        counted,
        method=method,
        seats=seats,
        candidate_ids=ids,
        rule=rule,
        eligible_weight=10,
        quorum=NO_QUORUM,
    )


def test_approval_election_of_a_council_of_three():
    ballots = [
        ({"approve": [1, 2, 3]}, 1),
        ({"approve": [1, 2, 4]}, 1),
        ({"approve": [1, 4]}, 1),
        ({"approve": []}, 1),
    ]
    result = election("approval", 3, [1, 2, 3, 4], ballots)
    assert result["outcome"] == "elected"
    assert result["elected"] == [1, 2, 4]
    absolute = election("approval", 3, [1, 2, 3, 4], ballots, rule="absolute")
    assert absolute["elected"] == [1]  # 3 of 4 ballots; the others have only 2


def test_a_tie_for_the_last_seat_is_reported():
    ballots = [({"approve": [1, 2]}, 1), ({"approve": [1, 3]}, 1)]
    result = election("approval", 2, [1, 2, 3], ballots)
    assert result["outcome"] == "tie"
    assert result["elected"] == [1] and result["tied"] == [2, 3]


def test_yes_no_per_candidate():
    ballots = [
        ({"votes": {"1": "yes", "2": "no"}}, 1),
        ({"votes": {"1": "yes", "2": "yes"}}, 1),
        ({"votes": {"1": "no", "2": "no"}}, 1),
    ]
    result = election("candidate_yes_no_abstain", 2, [1, 2], ballots)
    assert result["elected"] == [1]
    assert result["outcome"] == "elected"


def test_nobody_elected():
    result = election("approval", 1, [1, 2], [({"approve": []}, 1)])
    assert result["outcome"] == "none_elected" and result["elected"] == []
