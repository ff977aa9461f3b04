"""A trustee's browser (static/js/trustee_crypto.js under Node) and the server
(participation.ballots) run the same key ceremony: dealings, shares sealed for one trustee,
key shares and partial decryptions made by one are accepted by the other, and a ceremony
mixing both decrypts a weighted tally right. Also the sealed shares of
participation.ballots.transport on their own."""

import pytest

from participation.ballots import (
    Dealing,
    EncodingError,
    KeyShare,
    Point,
    Question,
    combine_shares,
    deal,
    dealing_is_valid,
    decrypt_result,
    encrypt_ballot,
    open_share,
    partial_decrypt,
    public_key,
    seal_share,
    share_is_valid,
    tally,
    transport_keypair,
    verification_key,
    verify_result,
)
from participation.ballots.group import ORDER, base, random_scalar, scalar_from_hex, scalar_hex
from tests.test_ballots_cross import run_js

POLL = "poll-42"
THRESHOLD, TRUSTEES = 2, 3
#: In the mixed ceremony trustees 1 and 3 use the browser, trustee 2 the server's code.
IN_BROWSER = (1, 3)
QUESTIONS = [Question.one_of(3)]
VOTES = [([[1, 0, 0]], 3), ([[0, 1, 0]], 2), ([[1, 0, 0]], 1), ([[0, 0, 1]], 5)]
COUNTS = [[4, 2, 5]]


def js_deals():
    """Trustees 1…3 deal in the browser: [(Dealing, {j: share})]."""
    made = run_js(
        [
            {"do": "deal", "label": POLL, "trustee": i, "threshold": 2, "trustees": 3}
            for i in (1, 2, 3)
        ]
    )
    return [
        (
            Dealing.from_json(m["dealing"]),
            {int(j): scalar_from_hex(s) for j, s in m["shares"].items()},
        )
        for m in made
    ]


def test_browser_dealings_verify_on_the_server():
    deals = js_deals()
    for dealing, shares in deals:
        assert dealing_is_valid(POLL, dealing, THRESHOLD, TRUSTEES)
        assert not dealing_is_valid("poll-43", dealing, THRESHOLD, TRUSTEES)
        assert not dealing_is_valid(POLL, dealing, 3, TRUSTEES)
        assert sorted(shares) == [1, 2, 3]
        for j, share in shares.items():
            assert share_is_valid(dealing, j, share)
            assert not share_is_valid(dealing, j, (share + 1) % ORDER)
        assert not share_is_valid(dealing, 3, shares[2])
    # Claiming another trustee's commitments fails.
    (first, _), (second, _) = deals[0], deals[1]
    assert not dealing_is_valid(POLL, Dealing(1, second.commitments, second.proof), 2, 3)
    # The browser spells a dealing as the server does.
    assert Dealing.from_json(first.to_json()) == first


def test_server_dealings_verify_in_the_browser():
    deals = [deal(POLL, i, THRESHOLD, TRUSTEES) for i in (1, 2, 3)]
    dealings = [d.to_json() for d, _ in deals]
    requests = []
    for (_, shares), data in zip(deals, dealings, strict=True):
        common = {"do": "dealing_is_valid", "dealing": data, "trustees": 3}
        requests += [
            {**common, "label": POLL, "threshold": 2},
            {**common, "label": "poll-43", "threshold": 2},
            {**common, "label": POLL, "threshold": 3},
        ]
        for j in (1, 2, 3):
            requests += [
                {"do": "share_is_valid", "dealing": data, "receiver": j, "share": scalar_hex(s)}
                for s in (shares[j], shares[j] + 1)
            ]
    requests += [{"do": "public_key", "dealings": dealings}]
    requests += [{"do": "verification_key", "dealings": dealings, "trustee": j} for j in (1, 2, 3)]
    answers = run_js(requests)
    assert answers[:-4] == [True, False, False, *[True, False] * 3] * 3
    assert answers[-4] == public_key([d for d, _ in deals]).hex()
    assert answers[-3:] == [verification_key([d for d, _ in deals], j).hex() for j in (1, 2, 3)]


@pytest.fixture(scope="module")
def ceremony():
    """A key ceremony of trustees 1 and 3 in the browser and 2 on the server, every share
    sealed for its receiver's transport key and opened on the receiver's side.

    Returns the dealings (JSON, in trustee order), the key shares {j: x_j as hex}, the shares
    each dealer sent {i: {"j": hex}}, the sealed and opened shares {(sender, receiver): …}
    and the transport keys {j: {"secret", "public"}}."""
    made_keys = run_js([{"do": "transport_keypair"} for _ in IN_BROWSER])
    transport = dict(zip(IN_BROWSER, made_keys, strict=True))
    secret_2, public_2 = transport_keypair()
    transport[2] = {"secret": scalar_hex(secret_2), "public": public_2.hex()}

    made = run_js(
        [
            {"do": "deal", "label": POLL, "trustee": i, "threshold": 2, "trustees": 3}
            for i in IN_BROWSER
        ]
    )
    server_dealing, server_shares = deal(POLL, 2, THRESHOLD, TRUSTEES)
    dealings = {i: m["dealing"] for i, m in zip(IN_BROWSER, made, strict=True)}
    dealings[2] = server_dealing.to_json()
    sent = {i: m["shares"] for i, m in zip(IN_BROWSER, made, strict=True)}
    sent[2] = {str(j): scalar_hex(s) for j, s in server_shares.items()}

    # Each dealer seals the shares of the others on its own side.
    pairs = [(i, j) for i in (1, 2, 3) for j in (1, 2, 3) if i != j]
    sealed = {}
    js_pairs = [(i, j) for i, j in pairs if i in IN_BROWSER]
    answers = run_js(
        [
            {
                "do": "seal_share",
                "label": POLL,
                "sender": i,
                "receiver": j,
                "recipientKey": transport[j]["public"],
                "share": sent[i][str(j)],
            }
            for i, j in js_pairs
        ]
    )
    sealed.update(zip(js_pairs, answers, strict=True))
    for j in (1, 3):
        sealed[2, j] = seal_share(
            POLL, 2, j, Point.from_hex(transport[j]["public"]), server_shares[j]
        )

    # Each receiver opens what was sealed for it on its own side.
    opened = {(i, 2): scalar_hex(open_share(POLL, sealed[i, 2], secret_2)) for i in (1, 3)}
    js_opened = [(i, j) for i, j in pairs if j in IN_BROWSER]
    answers = run_js(
        [
            {
                "do": "open_share",
                "label": POLL,
                "sealed": sealed[i, j],
                "secret": transport[j]["secret"],
            }
            for i, j in js_opened
        ]
    )
    opened.update(zip(js_opened, answers, strict=True))
    for j in (1, 2, 3):
        opened[j, j] = sent[j][str(j)]

    # Each trustee keeps the sum of what it received as its key share x_j.
    received = {j: [opened[i, j] for i in (1, 2, 3)] for j in (1, 2, 3)}
    made = run_js(
        [{"do": "combine_shares", "receiver": j, "shares": received[j]} for j in IN_BROWSER]
    )
    keys = dict(zip(IN_BROWSER, made, strict=True))
    python_share = combine_shares(2, {i: scalar_from_hex(opened[i, 2]) for i in (1, 2, 3)})
    keys[2] = scalar_hex(python_share.secret)
    return {
        "dealings": [dealings[i] for i in (1, 2, 3)],
        "keys": keys,
        "sent": sent,
        "opened": opened,
        "sealed": sealed,
        "transport": transport,
    }


def server_dealings(ceremony):
    return [Dealing.from_json(d) for d in ceremony["dealings"]]


def test_a_mixed_ceremony_agrees_on_the_key(ceremony):
    dealings = server_dealings(ceremony)
    for dealing in dealings:
        assert dealing_is_valid(POLL, dealing, THRESHOLD, TRUSTEES)
    requests = [
        {"do": "dealing_is_valid", "label": POLL, "dealing": d, "threshold": 2, "trustees": 3}
        for d in ceremony["dealings"]
    ]
    requests += [{"do": "public_key", "dealings": ceremony["dealings"]}]
    requests += [
        {"do": "verification_key", "dealings": ceremony["dealings"], "trustee": j}
        for j in (1, 2, 3)
    ]
    answers = run_js(requests)
    key = public_key(dealings)
    assert answers[:3] == [True, True, True]
    assert answers[3] == key.hex()
    for j in (1, 2, 3):
        x_j = scalar_from_hex(ceremony["keys"][j])
        assert answers[4 + j - 1] == verification_key(dealings, j).hex() == base(x_j).hex()
        assert base(x_j) != key


def test_sealed_shares_open_on_the_other_side(ceremony):
    dealings = server_dealings(ceremony)
    sent, opened, sealed = ceremony["sent"], ceremony["opened"], ceremony["sealed"]
    for (i, j), share in opened.items():
        # What the receiver opened is what the dealer sent, browser or server on either side.
        assert share == sent[i][str(j)]
        assert share_is_valid(dealings[i - 1], j, scalar_from_hex(share))
        if i != j:
            assert sealed[i, j]["sealed"] != share
            assert set(sealed[i, j]) == {"sender", "receiver", "ephemeral", "sealed"}
    answers = run_js(
        [
            {
                "do": "share_is_valid",
                "dealing": ceremony["dealings"][i - 1],
                "receiver": j,
                "share": share,
            }
            for (i, j), share in opened.items()
        ]
    )
    assert answers == [True] * len(opened)


def test_a_share_opened_with_the_wrong_key_fails_the_feldman_check(ceremony):
    dealings = server_dealings(ceremony)
    transport, sealed = ceremony["transport"], ceremony["sealed"]
    # Sealed in the browser for trustee 2, opened on the server with trustee 3's secret.
    wrong = open_share(POLL, sealed[1, 2], scalar_from_hex(transport[3]["secret"]))
    assert not share_is_valid(dealings[0], 2, wrong)
    # ... or in another poll's context, or claiming another sender.
    other_poll = open_share("poll-43", sealed[1, 2], scalar_from_hex(transport[2]["secret"]))
    assert not share_is_valid(dealings[0], 2, other_poll)
    renamed = {**sealed[1, 2], "sender": 3}
    assert not share_is_valid(
        dealings[2], 2, open_share(POLL, renamed, scalar_from_hex(transport[2]["secret"]))
    )
    # Sealed on the server for trustee 1, opened in the browser with trustee 3's secret.
    (opened, right) = run_js(
        [
            {"do": "open_share", "label": POLL, "sealed": sealed[2, 1], "secret": secret}
            for secret in (transport[3]["secret"], transport[1]["secret"])
        ]
    )
    check = {"do": "share_is_valid", "dealing": ceremony["dealings"][1], "receiver": 1}
    assert run_js([{**check, "share": opened}, {**check, "share": right}]) == [False, True]


def cast(dealings):
    key = public_key(dealings)
    return [
        (encrypt_ballot(key, POLL, f"v{n}", QUESTIONS, marks)[0], weight)
        for n, (marks, weight) in enumerate(VOTES)
    ]


def js_partials(ceremony, totals, trustees=IN_BROWSER):
    return run_js(
        [
            {
                "do": "partial_decrypt",
                "label": POLL,
                "trustee": j,
                "share": ceremony["keys"][j],
                "totals": [[ct.to_json() for ct in row] for row in totals],
            }
            for j in trustees
        ]
    )


def test_browser_partial_decryptions_decrypt_a_server_tally(ceremony):
    dealings = server_dealings(ceremony)
    ballots = cast(dealings)
    totals = tally(QUESTIONS, ballots)
    partials = js_partials(ceremony, totals)
    for partial in partials:
        assert set(partial) == {"trustee", "factors", "proofs"}
    check = {
        "poll": POLL,
        "questions": QUESTIONS,
        "ballots": ballots,
        "dealings": dealings,
        "threshold": THRESHOLD,
    }
    result = decrypt_result(POLL, QUESTIONS, ballots, dealings, THRESHOLD, partials)
    assert result["counts"] == COUNTS
    assert result["partial_decryptions"] == partials
    assert verify_result(result, **check) == (True, "")
    # A browser trustee and the server trustee together.
    server = partial_decrypt(POLL, KeyShare(2, scalar_from_hex(ceremony["keys"][2])), totals)
    mixed = decrypt_result(POLL, QUESTIONS, ballots, dealings, THRESHOLD, [server, partials[1]])
    assert mixed["counts"] == COUNTS
    assert verify_result(mixed, **check) == (True, "")

    # One partial decryption of the two needed is refused.
    with pytest.raises(ValueError, match="2 trustees must decrypt; 1 did"):
        decrypt_result(POLL, QUESTIONS, ballots, dealings, THRESHOLD, partials[:1])
    alone = {**result, "partial_decryptions": partials[:1]}
    assert verify_result(alone, **check) == (False, "2 trustees must decrypt; 1 did")

    # A tampered factor is refused: its proof fails.
    tampered = {**partials[0], "factors": [[base(7).hex(), *partials[0]["factors"][0][1:]]]}
    with pytest.raises(ValueError, match="2 trustees must decrypt; 1 did"):
        decrypt_result(POLL, QUESTIONS, ballots, dealings, THRESHOLD, [tampered, partials[1]])
    forged = {**result, "partial_decryptions": [tampered, partials[1]]}
    assert verify_result(forged, **check) == (False, "trustee 1: a decryption proof fails")


def test_a_browser_trustee_cannot_decrypt_with_another_share(ceremony):
    dealings = server_dealings(ceremony)
    ballots = cast(dealings)
    totals = tally(QUESTIONS, ballots)
    # Trustee 1 decrypting with trustee 3's key share: the proof fails against Y_1.
    (wrong,) = run_js(
        [
            {
                "do": "partial_decrypt",
                "label": POLL,
                "trustee": 1,
                "share": ceremony["keys"][3],
                "totals": [[ct.to_json() for ct in row] for row in totals],
            }
        ]
    )
    (right,) = js_partials(ceremony, totals, trustees=(3,))
    with pytest.raises(ValueError, match="2 trustees must decrypt; 1 did"):
        decrypt_result(POLL, QUESTIONS, ballots, dealings, THRESHOLD, [wrong, right])


def test_the_browser_refuses_what_the_server_refuses():
    key = transport_keypair()[1]
    sealed = seal_share(POLL, 1, 2, key, 5)
    malformed = [
        "not a sealed share",
        {**sealed, "extra": 1},
        {k: v for k, v in sealed.items() if k != "ephemeral"},
        {**sealed, "sender": 0},
        {**sealed, "ephemeral": "00" * 32},
        {**sealed, "ephemeral": sealed["ephemeral"].upper()},
        {**sealed, "sealed": scalar_hex(ORDER - 1)[:-2]},
        {**sealed, "sealed": ORDER.to_bytes(32, "little").hex()},
    ]
    secret = scalar_hex(random_scalar())
    answers = run_js(
        [
            {
                "do": "attempt",
                "request": {"do": "open_share", "label": POLL, "sealed": s, "secret": secret},
            }
            for s in malformed
        ]
        + [
            {
                "do": "attempt",
                "request": {
                    "do": "deal",
                    "label": POLL,
                    "trustee": 4,
                    "threshold": 2,
                    "trustees": 3,
                },
            },
            {
                "do": "attempt",
                "request": {
                    "do": "seal_share",
                    "label": POLL,
                    "sender": 1,
                    "receiver": 2,
                    "recipientKey": "00" * 32,
                    "share": scalar_hex(5),
                },
            },
        ]
    )
    for data, answer in zip(malformed, answers[: len(malformed)], strict=True):
        with pytest.raises(EncodingError) as refused:
            open_share(POLL, data, scalar_from_hex(secret))
        assert answer == {"error": str(refused.value)}
    with pytest.raises(ValueError, match="1 ≤ t ≤ n") as refused:
        deal(POLL, 4, 2, 3)
    assert answers[-2] == {"error": str(refused.value)}
    with pytest.raises(ValueError, match="the identity is no transport key") as refused:
        seal_share(POLL, 1, 2, Point.from_hex("00" * 32), 5)
    assert answers[-1] == {"error": str(refused.value)}


# --- participation.ballots.transport on its own ----------------------------------------------


def test_a_sealed_share_opens_with_the_receivers_key_only():
    secret, public = transport_keypair()
    assert base(secret) == public
    share = random_scalar()
    sealed = seal_share(POLL, 1, 2, public, share)
    assert set(sealed) == {"sender", "receiver", "ephemeral", "sealed"}
    assert (sealed["sender"], sealed["receiver"]) == (1, 2)
    assert sealed["sealed"] != scalar_hex(share)
    assert open_share(POLL, sealed, secret) == share
    # Sealing twice gives two different sealed shares of the same share.
    again = seal_share(POLL, 1, 2, public, share)
    assert again["ephemeral"] != sealed["ephemeral"]
    assert open_share(POLL, again, secret) == share
    # Another key, another context, another sender or receiver: another number.
    other, _ = transport_keypair()
    assert open_share(POLL, sealed, other) != share
    assert open_share("poll-43", sealed, secret) != share
    assert open_share(POLL, {**sealed, "sender": 3}, secret) != share
    assert open_share(POLL, {**sealed, "receiver": 3}, secret) != share


def test_a_share_opened_with_the_wrong_key_is_caught_by_its_dealing():
    dealing, shares = deal(POLL, 1, THRESHOLD, TRUSTEES)
    secret, public = transport_keypair()
    other, _ = transport_keypair()
    sealed = seal_share(POLL, 1, 2, public, shares[2])
    assert share_is_valid(dealing, 2, open_share(POLL, sealed, secret))
    assert not share_is_valid(dealing, 2, open_share(POLL, sealed, other))


@pytest.mark.parametrize(
    "change",
    [
        lambda s: None,
        lambda s: [s],
        lambda s: {**s, "extra": 1},
        lambda s: {k: v for k, v in s.items() if k != "sealed"},
        lambda s: {**s, "sender": 0},
        lambda s: {**s, "receiver": True},
        lambda s: {**s, "receiver": "2"},
        lambda s: {**s, "ephemeral": "00" * 32},
        lambda s: {**s, "ephemeral": "ff" * 32},
        lambda s: {**s, "ephemeral": s["ephemeral"].upper()},
        lambda s: {**s, "sealed": ORDER.to_bytes(32, "little").hex()},
        lambda s: {**s, "sealed": 5},
    ],
)
def test_a_malformed_sealed_share_is_refused(change):
    secret, public = transport_keypair()
    sealed = seal_share(POLL, 1, 2, public, 5)
    with pytest.raises(EncodingError):
        open_share(POLL, change(sealed), secret)


def test_a_share_is_never_sealed_for_the_identity_or_an_unnumbered_trustee():
    _, public = transport_keypair()
    with pytest.raises(ValueError):
        seal_share(POLL, 1, 2, Point.from_hex("00" * 32), 5)
    with pytest.raises(ValueError):
        seal_share(POLL, 0, 2, public, 5)
