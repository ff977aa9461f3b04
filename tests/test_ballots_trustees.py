"""Threshold trustees and the verifiable weighted tally of participation.ballots."""

import copy
import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from participation.ballots import (
    KeyPair,
    Question,
    combine_shares,
    deal,
    dealing_is_valid,
    decrypt_result,
    encrypt_ballot,
    partial_decrypt,
    public_key,
    share_is_valid,
    tally,
    verification_key,
    verify_result,
)
from participation.ballots.elgamal import decrypt_to_point, discrete_log
from participation.ballots.group import ORDER, base
from participation.ballots.tally import add_to_sums
from participation.ballots.trustees import Dealing, KeyShare, lagrange_at_zero

POLL = "poll-7"
YES_NO_ABSTAIN = [Question.one_of(3)]


def ceremony(threshold=2, trustees=3, poll=POLL):
    """Every trustee deals, checks what it receives and keeps its share."""
    deals = [deal(poll, i, threshold, trustees) for i in range(1, trustees + 1)]
    dealings = [dealing for dealing, _ in deals]
    for dealing in dealings:
        assert dealing_is_valid(poll, dealing, threshold, trustees)
    shares = {}
    for j in range(1, trustees + 1):
        received = {dealing.trustee: sent[j] for dealing, sent in deals}
        assert all(share_is_valid(d, j, received[d.trustee]) for d in dealings)
        shares[j] = combine_shares(j, received)
    return dealings, shares


def cast(dealings, votes, questions=YES_NO_ABSTAIN):
    key = public_key(dealings)
    return [
        (encrypt_ballot(key, POLL, f"v{n}", questions, marks)[0], weight)
        for n, (marks, weight) in enumerate(votes)
    ]


VOTES = [([[1, 0, 0]], 2), ([[0, 1, 0]], 1), ([[1, 0, 0]], 3), ([[0, 0, 1]], 1)]


def test_no_one_holds_the_key_and_any_two_shares_rebuild_it():
    dealings, shares = ceremony()
    key = public_key(dealings)
    for j, share in shares.items():
        assert base(share.secret) == verification_key(dealings, j)
        assert base(share.secret) != key
    for pair in ((1, 2), (1, 3), (2, 3)):
        secret = sum(lagrange_at_zero(j, pair) * shares[j].secret for j in pair) % ORDER
        assert base(secret) == key


def test_a_bad_share_or_dealing_is_caught():
    deals = [deal(POLL, i, 2, 3) for i in (1, 2, 3)]
    (dealing, sent), (other, _) = deals[0], deals[1]
    assert share_is_valid(dealing, 2, sent[2])
    assert not share_is_valid(dealing, 2, sent[2] + 1)
    assert not share_is_valid(dealing, 3, sent[2])
    # Claiming another trustee's commitments, another poll or another threshold fails.
    stolen = Dealing(1, other.commitments, other.proof)
    assert not dealing_is_valid(POLL, stolen, 2, 3)
    assert not dealing_is_valid("poll-8", dealing, 2, 3)
    assert not dealing_is_valid(POLL, dealing, 3, 3)
    assert Dealing.from_json(json.loads(json.dumps(dealing.to_json()))) == dealing


def test_two_of_three_decrypt_the_weighted_totals_whichever_two():
    dealings, shares = ceremony()
    ballots = cast(dealings, VOTES)
    totals = tally(YES_NO_ABSTAIN, ballots)
    for pair in ((1, 2), (1, 3), (2, 3)):
        partials = [partial_decrypt(POLL, shares[j], totals) for j in pair]
        result = decrypt_result(POLL, YES_NO_ABSTAIN, ballots, dealings, 2, partials)
        assert result["counts"] == [[5, 1, 1]]
        assert result["weight"] == 7
        published = json.loads(json.dumps(result))
        assert verify_result(
            published,
            poll=POLL,
            questions=YES_NO_ABSTAIN,
            ballots=ballots,
            dealings=dealings,
            threshold=2,
        ) == (True, "")


def test_one_trustee_alone_cannot_decrypt():
    dealings, shares = ceremony()
    ballots = cast(dealings, VOTES)
    totals = tally(YES_NO_ABSTAIN, ballots)
    alone = [partial_decrypt(POLL, shares[1], totals)]
    with pytest.raises(ValueError, match="2 trustees must decrypt; 1 did"):
        decrypt_result(POLL, YES_NO_ABSTAIN, ballots, dealings, 2, alone)
    # Its factor is x_1·alpha, not x·alpha: what it would "decrypt" is not the total.
    share = shares[1]
    guess = [ct.beta - share.secret * ct.alpha for ct in totals[0]]
    assert all(point != base(count) for point, count in zip(guess, [5, 1, 1], strict=True))


def test_a_forged_partial_decryption_is_left_out_or_refused():
    dealings, shares = ceremony()
    ballots = cast(dealings, VOTES)
    totals = tally(YES_NO_ABSTAIN, ballots)
    # Trustee 3 answers with trustee 2's share: its proofs fail against its own key.
    forged = partial_decrypt(POLL, KeyShare(3, shares[2].secret), totals)
    good = [partial_decrypt(POLL, shares[j], totals) for j in (1, 2)]
    result = decrypt_result(POLL, YES_NO_ABSTAIN, ballots, dealings, 2, [forged, *good])
    assert result["counts"] == [[5, 1, 1]]
    assert [p["trustee"] for p in result["partial_decryptions"]] == [1, 2]
    with pytest.raises(ValueError):
        decrypt_result(POLL, YES_NO_ABSTAIN, ballots, dealings, 2, [forged, good[0]])
    bad = copy.deepcopy(result)
    bad["partial_decryptions"][1] = forged
    assert verify_result(bad, **_public(ballots, dealings))[0] is False


def _public(ballots, dealings):
    return {
        "poll": POLL,
        "questions": YES_NO_ABSTAIN,
        "ballots": ballots,
        "dealings": dealings,
        "threshold": 2,
    }


def test_every_change_to_a_result_is_refused():
    dealings, shares = ceremony()
    ballots = cast(dealings, VOTES)
    totals = tally(YES_NO_ABSTAIN, ballots)
    partials = [partial_decrypt(POLL, shares[j], totals) for j in (2, 3)]
    result = decrypt_result(POLL, YES_NO_ABSTAIN, ballots, dealings, 2, partials)
    public = _public(ballots, dealings)
    assert verify_result(result, **public) == (True, "")

    def changed(edit):
        bad = copy.deepcopy(result)
        edit(bad)
        return verify_result(bad, **public)

    assert changed(lambda r: r["counts"][0].__setitem__(0, 4)) == (
        False,
        "a count is not what its total decrypts to",
    )
    assert changed(lambda r: r["counts"][0].__setitem__(0, 99))[0] is False
    assert changed(lambda r: r.__setitem__("weight", 8))[0] is False
    assert changed(lambda r: r.__setitem__("poll", "poll-8"))[0] is False
    assert changed(lambda r: r["partial_decryptions"].pop())[0] is False
    assert changed(lambda r: r["partial_decryptions"].__setitem__(1, partials[0]))[0] is False
    assert changed(lambda r: r["totals"][0].reverse())[0] is False
    assert changed(lambda r: r.pop("counts"))[0] is False
    # The published ballots are the ground truth: dropping or re-weighting one shows.
    assert verify_result(result, **{**public, "ballots": ballots[1:]})[0] is False
    reweighted = [(b, 1) for b, _ in ballots]
    assert verify_result(result, **{**public, "ballots": reweighted})[0] is False
    ceremony_without_one = {**public, "dealings": dealings[:2]}
    assert verify_result(result, **ceremony_without_one) == (
        False,
        "the trustees' dealings are not a valid key ceremony",
    )
    twice = [*ballots, ballots[0]]
    assert verify_result(result, **{**public, "ballots": twice}) == (
        False,
        "a pseudonym cast more than one ballot",
    )


def test_approval_and_per_candidate_questions_tally():
    dealings, shares = ceremony(threshold=3, trustees=5)
    questions = [Question.up_to(4, 2), Question.one_of(3), Question.one_of(3)]
    votes = [
        ([[1, 1, 0, 0], [1, 0, 0], [0, 0, 1]], 1),
        ([[0, 1, 0, 0], [0, 1, 0], [1, 0, 0]], 4),
        ([[0, 0, 0, 0], [0, 0, 1], [1, 0, 0]], 2),
    ]
    ballots = cast(dealings, votes, questions)
    totals = tally(questions, ballots)
    partials = [partial_decrypt(POLL, shares[j], totals) for j in (5, 2, 4)]
    result = decrypt_result(POLL, questions, ballots, dealings, 3, partials)
    assert result["counts"] == [[1, 5, 0, 0], [1, 4, 2], [6, 0, 1]]
    public = {**_public(ballots, dealings), "questions": questions, "threshold": 3}
    assert verify_result(result, **public) == (True, "")


def test_an_empty_poll_decrypts_to_zero():
    dealings, shares = ceremony()
    totals = tally(YES_NO_ABSTAIN, [])
    partials = [partial_decrypt(POLL, shares[j], totals) for j in (1, 2)]
    result = decrypt_result(POLL, YES_NO_ABSTAIN, [], dealings, 2, partials)
    assert result["counts"] == [[0, 0, 0]]


def test_weights_are_whole_and_positive():
    dealings, _ = ceremony()
    ballot = cast(dealings, VOTES[:1])[0][0]
    for weight in (0, -1, 1.5, True):
        with pytest.raises(ValueError):
            tally(YES_NO_ABSTAIN, [(ballot, weight)])


@settings(max_examples=12, deadline=None)
@given(st.data())
def test_the_encrypted_tally_is_the_weighted_sum_of_the_marks(data):
    """Whatever the questions, marks and weights: decrypting the tally gives Σ weight × mark."""
    keys = KeyPair.generate()
    choices = data.draw(st.lists(st.integers(1, 4), min_size=1, max_size=2))
    questions = []
    for n in choices:
        low = data.draw(st.integers(0, n))
        questions.append(Question(n, low, data.draw(st.integers(low, n))))
    votes = []
    for _ in range(data.draw(st.integers(0, 4))):
        marks = []
        for q in questions:
            count = data.draw(st.integers(q.min, q.max))
            chosen = data.draw(st.permutations(range(q.choices)))[:count]
            marks.append([1 if c in chosen else 0 for c in range(q.choices)])
        votes.append((marks, data.draw(st.integers(1, 50))))
    ballots = [
        (encrypt_ballot(keys.public, POLL, f"v{n}", questions, marks)[0], weight)
        for n, (marks, weight) in enumerate(votes)
    ]
    bound = sum(weight for _, weight in votes)
    decrypted = [
        [discrete_log(decrypt_to_point(keys.secret, ct), bound) for ct in row]
        for row in tally(questions, ballots)
    ]
    expected = [
        [sum(weight * marks[q][c] for marks, weight in votes) for c in range(question.choices)]
        for q, question in enumerate(questions)
    ]
    assert decrypted == expected

    # Ballots summed earlier, while the poll was open, give the same totals.
    before = data.draw(st.integers(0, len(ballots)))
    sums = {}
    for ballot, weight in ballots[:before]:
        add_to_sums(sums, questions, ballot, weight)
    assert tally(questions, ballots[before:], sums=sums) == tally(questions, ballots)
