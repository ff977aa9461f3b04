"""Private delivery of a key share from one trustee to another (step 2 of :mod:`.trustees`).

Each trustee makes a transport key pair z, Z = z·G (:func:`transport_keypair`) and publishes
Z before the ceremony. The dealer i seals the share f_i(j) for trustee j with hashed ElGamal
(:func:`seal_share`): it picks r, publishes R = r·G and adds to the share the pad

    p = SHA-512(tag, context, i, j, R, r·Z) mod ORDER,

a transcript hashed exactly like a Fiat–Shamir challenge (:func:`.group.challenge`). Only
trustee j knows z, so only it recomputes z·R = r·Z and the pad (:func:`open_share`). The
context (a poll's label) and both trustee numbers are in the hash: a sealed share replayed in
another poll or to another trustee opens to a useless number. A sealed share (JSON)::

    {"sender": i, "receiver": j, "ephemeral": R, "sealed": f_i(j) + p}

Sealing hides the share but does not authenticate it: anyone could seal some number for j.
Integrity comes afterwards from the Feldman check :func:`.trustees.share_is_valid` against
the sender's published dealing, which a wrong or forged share fails (up to a negligible
chance). The phone's side is ``static/js/trustee_crypto.js``.
"""

from __future__ import annotations

from typing import Any

from participation.ballots.group import (
    IDENTITY,
    ORDER,
    EncodingError,
    Point,
    base,
    challenge,
    random_scalar,
    scalar_from_hex,
    scalar_hex,
)

#: Domain tag of the pad: never the transcript of a proof.
TRANSPORT_TAG = "participation/ballot/transport/v1"

_FIELDS = {"sender", "receiver", "ephemeral", "sealed"}


def transport_keypair() -> tuple[int, Point]:
    """A trustee's transport key: a fresh random secret z and its public Z = z·G."""
    secret = random_scalar()
    return secret, base(secret)


def _pad(context_label: str, sender: int, receiver: int, ephemeral: Point, shared: Point) -> int:
    return challenge(TRANSPORT_TAG, context_label, sender, receiver, ephemeral, shared)


def _trustee_number(value: object) -> int:
    if not isinstance(value, int) or isinstance(value, bool) or value < 1:
        raise EncodingError("trustees are numbered 1…n")
    return value


def seal_share(
    context_label: str, sender: int, receiver: int, recipient_key: Point, share: int
) -> dict[str, Any]:
    """Seal trustee ``sender``'s share for trustee ``receiver`` under its transport key."""
    _trustee_number(sender)
    _trustee_number(receiver)
    if recipient_key == IDENTITY:
        raise ValueError("the identity is no transport key")
    r = random_scalar()
    ephemeral = base(r)
    pad = _pad(context_label, sender, receiver, ephemeral, r * recipient_key)
    return {
        "sender": sender,
        "receiver": receiver,
        "ephemeral": ephemeral.hex(),
        "sealed": scalar_hex((share + pad) % ORDER),
    }


def open_share(context_label: str, sealed: object, secret: int) -> int:
    """The share inside ``sealed``, for the holder of the transport key ``secret``.

    Raises EncodingError when ``sealed`` is malformed. A share sealed for another key, another
    context or another pair of trustees opens to an unrelated number: check it with
    :func:`.trustees.share_is_valid` before keeping it.
    """
    if not isinstance(sealed, dict) or set(sealed) != _FIELDS:
        raise EncodingError("a sealed share has exactly sender, receiver, ephemeral and sealed")
    sender = _trustee_number(sealed["sender"])
    receiver = _trustee_number(sealed["receiver"])
    ephemeral = Point.from_hex(sealed["ephemeral"])
    if ephemeral == IDENTITY:
        raise EncodingError("the ephemeral key of a sealed share is never the identity")
    value = scalar_from_hex(sealed["sealed"])
    return (value - _pad(context_label, sender, receiver, ephemeral, secret * ephemeral)) % ORDER
