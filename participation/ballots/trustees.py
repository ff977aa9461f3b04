"""Threshold trustees: a poll key that no one ever holds whole, and decryption by t of n.

Key generation is Pedersen's distributed key generation with Feldman commitments (the
scheme behind Belenios' threshold mode). Trustees are numbered 1…n. Each trustee i

1. picks a random polynomial f_i of degree t − 1 and publishes a :class:`Dealing`: the
   commitments C_ik = a_ik·G to its coefficients and a proof that it knows a_i0;
2. sends f_i(j) to each trustee j over a private channel (:func:`deal` returns them);
3. checks each share it receives against the sender's commitments (:func:`share_is_valid`)
   and refuses the ceremony when one fails;
4. keeps x_j = Σ_i f_i(j), its key share (:func:`combine_shares`), on its own device.

The poll's public key is Y = Σ_i C_i0 and trustee j's verification key is Y_j = x_j·G, which
anyone computes from the published commitments alone (:func:`verification_key`). The secret
key x = Σ_i f_i(0) exists only as the Lagrange interpolation of any t shares.

After the poll, each trustee publishes decryption factors x_j·alpha for the encrypted totals,
each with a proof (:func:`partial_decrypt`). Any t valid partial decryptions are combined
with Lagrange coefficients λ_j = Π k/(k − j) (:func:`combine`); fewer reveal nothing, and
losing up to n − t trustees' devices loses nothing.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from participation.ballots.elgamal import Ciphertext
from participation.ballots.group import (
    IDENTITY,
    ORDER,
    EncodingError,
    Item,
    Point,
    base,
    random_scalar,
)
from participation.ballots.proofs import (
    prove_decryption,
    prove_knowledge,
    verify_decryption,
    verify_knowledge,
)

KEY_TAG = "participation/ballot/key/v1"
TALLY_TAG = "participation/ballot/tally/v1"


@dataclass(frozen=True)
class Dealing:
    """What trustee ``trustee`` publishes in step 1: commitments and a proof of knowledge."""

    trustee: int
    commitments: tuple[Point, ...]
    proof: dict[str, str]

    def to_json(self) -> dict[str, Any]:
        return {
            "trustee": self.trustee,
            "commitments": [c.hex() for c in self.commitments],
            "proof": self.proof,
        }

    @classmethod
    def from_json(cls, data: object) -> Dealing:
        if not isinstance(data, dict) or set(data) != {"trustee", "commitments", "proof"}:
            raise EncodingError("a dealing has exactly trustee, commitments and proof")
        if not isinstance(data["commitments"], list) or not isinstance(data["trustee"], int):
            raise EncodingError("a dealing names its trustee and lists its commitments")
        commitments = tuple(Point.from_hex(c) for c in data["commitments"])
        return cls(data["trustee"], commitments, data["proof"])


@dataclass(frozen=True)
class KeyShare:
    """Trustee ``trustee``'s share x_j of the poll's secret key: it stays on that device."""

    trustee: int
    secret: int


def _key_context(poll: str, trustee: int, threshold: int, trustees: int) -> tuple[Item, ...]:
    return (KEY_TAG, poll, trustee, threshold, trustees)


def deal(poll: str, trustee: int, threshold: int, trustees: int) -> tuple[Dealing, dict[int, int]]:
    """Step 1 and 2 for one trustee: its public dealing and the private share for each j."""
    if not 1 <= threshold <= trustees or not 1 <= trustee <= trustees:
        raise ValueError("trustees are numbered 1…n and 1 ≤ t ≤ n")
    coefficients = [random_scalar() for _ in range(threshold)]
    proof = prove_knowledge(_key_context(poll, trustee, threshold, trustees), coefficients[0])
    dealing = Dealing(trustee, tuple(base(a) for a in coefficients), proof)
    shares = {j: _evaluate(coefficients, j) for j in range(1, trustees + 1)}
    return dealing, shares


def _evaluate(coefficients: Sequence[int], x: int) -> int:
    value = 0
    for a in reversed(coefficients):
        value = (value * x + a) % ORDER
    return value


def dealing_is_valid(poll: str, dealing: Dealing, threshold: int, trustees: int) -> bool:
    """A dealing has t commitments and a valid proof of knowledge of its constant term."""
    if len(dealing.commitments) != threshold or not 1 <= dealing.trustee <= trustees:
        return False
    context = _key_context(poll, dealing.trustee, threshold, trustees)
    try:
        return verify_knowledge(context, dealing.commitments[0], dealing.proof)
    except EncodingError:
        return False


def _committed_value(dealing: Dealing, j: int) -> Point:
    """f_i(j)·G computed from the commitments: Σ_k j^k·C_ik."""
    total = IDENTITY
    for k, commitment in enumerate(dealing.commitments):
        total = total + pow(j, k, ORDER) * commitment
    return total


def share_is_valid(dealing: Dealing, receiver: int, share: int) -> bool:
    """Step 3: the share that ``dealing``'s trustee sent to ``receiver`` matches its commitments."""
    return base(share) == _committed_value(dealing, receiver)


def combine_shares(receiver: int, shares: Mapping[int, int]) -> KeyShare:
    """Step 4: x_j = Σ_i f_i(j) from the shares every dealer sent to trustee ``receiver``."""
    return KeyShare(receiver, sum(shares.values()) % ORDER)


def public_key(dealings: Sequence[Dealing]) -> Point:
    """The poll's public key Y = Σ_i C_i0."""
    total = IDENTITY
    for dealing in dealings:
        total = total + dealing.commitments[0]
    return total


def verification_key(dealings: Sequence[Dealing], trustee: int) -> Point:
    """Y_j = x_j·G, from public data only: what trustee j's decryption proofs are checked with."""
    total = IDENTITY
    for dealing in dealings:
        total = total + _committed_value(dealing, trustee)
    return total


def _tally_context(poll: str, trustee: int) -> tuple[Item, ...]:
    return (TALLY_TAG, poll, trustee)


def partial_decrypt(
    poll: str, share: KeyShare, totals: Sequence[Sequence[Ciphertext]]
) -> dict[str, Any]:
    """A trustee's decryption factors x_j·alpha for every total, each with its proof."""
    context = _tally_context(poll, share.trustee)
    factors, proofs = [], []
    for row in totals:
        row_factors = [share.secret * ct.alpha for ct in row]
        factors.append([f.hex() for f in row_factors])
        proofs.append(
            [
                prove_decryption(context, share.secret, ct.alpha, f)
                for ct, f in zip(row, row_factors, strict=True)
            ]
        )
    return {"trustee": share.trustee, "factors": factors, "proofs": proofs}


def read_partial(
    poll: str,
    partial: object,
    totals: Sequence[Sequence[Ciphertext]],
    dealings: Sequence[Dealing],
) -> tuple[int, list[list[Point]]]:
    """A partial decryption's trustee and factors after checking every proof.

    Raises EncodingError when it is malformed, names no trustee of the poll, or a proof fails.
    """
    if not isinstance(partial, dict) or set(partial) != {"trustee", "factors", "proofs"}:
        raise EncodingError("a partial decryption has exactly trustee, factors and proofs")
    trustee = partial["trustee"]
    if not isinstance(trustee, int) or trustee not in {d.trustee for d in dealings}:
        raise EncodingError("the partial decryption names no trustee of this poll")
    factors, proofs = partial["factors"], partial["proofs"]
    shape = [len(row) for row in totals]
    if not isinstance(factors, list) or not isinstance(proofs, list):
        raise EncodingError("factors and proofs are lists")
    if [len(r) for r in factors] != shape or [len(r) for r in proofs] != shape:
        raise EncodingError("a factor and a proof for every total")
    key = verification_key(dealings, trustee)
    context = _tally_context(poll, trustee)
    points = []
    for row, row_factors, row_proofs in zip(totals, factors, proofs, strict=True):
        points.append([Point.from_hex(f) for f in row_factors])
        for ct, factor, proof in zip(row, points[-1], row_proofs, strict=True):
            if not verify_decryption(context, key, ct.alpha, factor, proof):
                raise EncodingError(f"trustee {trustee}: a decryption proof fails")
    return trustee, points


def lagrange_at_zero(trustee: int, present: Sequence[int]) -> int:
    """λ_j = Π_{k ≠ j} k / (k − j) mod ORDER over the trustees ``present``."""
    numerator, denominator = 1, 1
    for k in present:
        if k != trustee:
            numerator = numerator * k % ORDER
            denominator = denominator * (k - trustee) % ORDER
    return numerator * pow(denominator, -1, ORDER) % ORDER


def combine(
    totals: Sequence[Sequence[Ciphertext]], factors: Mapping[int, Sequence[Sequence[Point]]]
) -> list[list[Point]]:
    """m·G for every total from the checked factors of at least t distinct trustees.

    The caller checks the threshold (with fewer factors the result is simply wrong, never a
    leak: the interpolation needs t points of a degree t − 1 polynomial).
    """
    present = sorted(factors)
    lambdas = {j: lagrange_at_zero(j, present) for j in present}
    result = []
    for q, row in enumerate(totals):
        out = []
        for c, ct in enumerate(row):
            combined = IDENTITY
            for j in present:
                combined = combined + lambdas[j] * factors[j][q][c]
            out.append(ct.beta - combined)
        result.append(out)
    return result
