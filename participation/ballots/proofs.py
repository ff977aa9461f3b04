"""Non-interactive zero-knowledge proofs (sigma protocols made non-interactive by Fiat–Shamir).

Three statements, following the Belenios specification (sections "Proofs", "Tally"):

* :func:`prove_interval` – a ciphertext encrypts some m in [low, high] (a disjunctive
  Chaum–Pedersen proof, one branch per value, all but the true one simulated). With [0, 1]
  it says that a mark is 0 or 1; on the sum of a question's marks it bounds how many choices
  a voter made.
* :func:`prove_decryption` – a decryption factor F = x·alpha was made with the key x behind
  the public X = x·G (Chaum–Pedersen equality of discrete logarithms).
* :func:`prove_knowledge` – the dealer of a key knows its discrete logarithm (Schnorr), so
  no trustee can choose its public part after seeing the others'.

Every challenge hashes a ``context`` given by the caller (domain, poll, voter, public key, all
ciphertexts of the ballot), so a proof copied into another poll, another ballot or another
voter's ballot no longer verifies. A proof is a list of {"challenge", "response"} scalars.
"""

from __future__ import annotations

from collections.abc import Sequence

from participation.ballots.elgamal import Ciphertext
from participation.ballots.group import (
    ORDER,
    EncodingError,
    Item,
    Point,
    base,
    challenge,
    random_scalar,
    scalar_from_hex,
    scalar_hex,
)

#: Domain tags: a transcript made for one kind of proof never checks as another.
INTERVAL_TAG = "participation/ballot/interval/v1"
DECRYPTION_TAG = "participation/ballot/decryption/v1"
KNOWLEDGE_TAG = "participation/ballot/knowledge/v1"

Proof = list[dict[str, str]]


def _pair(c: int, r: int) -> dict[str, str]:
    return {"challenge": scalar_hex(c), "response": scalar_hex(r)}


def _read(proof: object, length: int) -> list[tuple[int, int]]:
    """The (challenge, response) pairs of a proof, or EncodingError for any other shape."""
    if not isinstance(proof, list) or len(proof) != length:
        raise EncodingError(f"a proof here has exactly {length} parts")
    pairs = []
    for part in proof:
        if not isinstance(part, dict) or set(part) != {"challenge", "response"}:
            raise EncodingError("each part of a proof is a challenge and a response")
        pairs.append((scalar_from_hex(part["challenge"]), scalar_from_hex(part["response"])))
    return pairs


def _commitments(
    public_key: Point, ct: Ciphertext, value: int, c: int, r: int
) -> tuple[Point, Point]:
    """A = r·G + c·alpha and B = r·Y + c·(beta − value·G): one branch's commitments."""
    return (
        base(r) + c * ct.alpha,
        r * public_key + c * (ct.beta - base(value)),
    )


def prove_interval(
    context: Sequence[Item],
    public_key: Point,
    ct: Ciphertext,
    mark: int,
    randomness: int,
    low: int,
    high: int,
) -> Proof:
    """Prove that ``ct`` (made with ``randomness``) encrypts a value in [low, high].

    The true branch is answered honestly; every other branch is simulated from a random
    challenge and response. The challenges must add up to the hash of all commitments, so
    at most one branch can be simulated freely: the verifier learns that one holds, not which.
    """
    if not low <= mark <= high:
        raise ValueError("the mark is outside the range it is proved to be in")
    pairs: dict[int, tuple[int, int]] = {}
    commitments: list[Point] = []
    w = random_scalar()
    for value in range(low, high + 1):
        if value == mark:
            commitments += [base(w), w * public_key]
            continue
        c, r = random_scalar(), random_scalar()
        pairs[value] = (c, r)
        commitments += list(_commitments(public_key, ct, value, c, r))
    total = challenge(
        INTERVAL_TAG, *context, public_key, ct.alpha, ct.beta, low, high, *commitments
    )
    c_true = (total - sum(c for c, _ in pairs.values())) % ORDER
    pairs[mark] = (c_true, (w - randomness * c_true) % ORDER)
    return [_pair(*pairs[value]) for value in range(low, high + 1)]


def verify_interval(
    context: Sequence[Item],
    public_key: Point,
    ct: Ciphertext,
    proof: object,
    low: int,
    high: int,
) -> bool:
    """Check a proof from :func:`prove_interval`; EncodingError when it is malformed."""
    pairs = _read(proof, high - low + 1)
    commitments: list[Point] = []
    for value, (c, r) in zip(range(low, high + 1), pairs, strict=True):
        commitments += list(_commitments(public_key, ct, value, c, r))
    total = challenge(
        INTERVAL_TAG, *context, public_key, ct.alpha, ct.beta, low, high, *commitments
    )
    return sum(c for c, _ in pairs) % ORDER == total


def prove_decryption(
    context: Sequence[Item], secret: int, alpha: Point, factor: Point
) -> dict[str, str]:
    """Prove log_G(X) = log_alpha(factor) for X = secret·G (the trustee's own key)."""
    w = random_scalar()
    public = base(secret)
    c = challenge(DECRYPTION_TAG, *context, public, alpha, factor, base(w), w * alpha)
    return _pair(c, (w + secret * c) % ORDER)


def verify_decryption(
    context: Sequence[Item], public: Point, alpha: Point, factor: Point, proof: object
) -> bool:
    """Check a proof from :func:`prove_decryption` against the trustee's public ``public``."""
    ((c, r),) = _read([proof], 1)
    a = base(r) - c * public
    b = r * alpha - c * factor
    return challenge(DECRYPTION_TAG, *context, public, alpha, factor, a, b) == c


def prove_knowledge(context: Sequence[Item], secret: int) -> dict[str, str]:
    """Prove knowledge of ``secret`` behind ``secret·G`` (a Schnorr proof)."""
    w = random_scalar()
    c = challenge(KNOWLEDGE_TAG, *context, base(secret), base(w))
    return _pair(c, (w + secret * c) % ORDER)


def verify_knowledge(context: Sequence[Item], public: Point, proof: object) -> bool:
    """Check a proof from :func:`prove_knowledge`."""
    ((c, r),) = _read([proof], 1)
    return challenge(KNOWLEDGE_TAG, *context, public, base(r) - c * public) == c
