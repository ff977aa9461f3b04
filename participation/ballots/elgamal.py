"""Exponential ElGamal over ristretto255: the encryption of every mark and of every total.

A mark m under the poll's public key Y = x·G with randomness r is the pair
(alpha, beta) = (r·G, r·Y + m·G). Adding two ciphertexts adds their marks, and w·(alpha, beta)
encrypts w·m: this is how the tally sums weighted ballots without opening any of them
(Belenios specification, "Tally"). Decryption gives m·G = beta − x·alpha; m itself is found by
a bounded discrete logarithm, which is cheap because a total never exceeds the weight cast.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from math import isqrt

from participation.ballots.group import (
    GENERATOR,
    IDENTITY,
    EncodingError,
    Point,
    base,
    point_spelling,
    random_scalar,
)


@dataclass(frozen=True)
class Ciphertext:
    """An exponential ElGamal ciphertext (alpha, beta)."""

    alpha: Point
    beta: Point

    def __add__(self, other: Ciphertext) -> Ciphertext:
        """The encryption of the sum of both marks (the homomorphic addition)."""
        return Ciphertext(self.alpha + other.alpha, self.beta + other.beta)

    def __rmul__(self, weight: int) -> Ciphertext:
        """The encryption of weight × the mark (a voter's weight as exponent)."""
        return Ciphertext(weight * self.alpha, weight * self.beta)

    def to_json(self) -> dict[str, str]:
        return {"alpha": self.alpha.hex(), "beta": self.beta.hex()}

    @classmethod
    def from_json(cls, data: object) -> Ciphertext:
        spelled = cls.check_spelling(data)
        return cls(Point.from_hex(spelled["alpha"]), Point.from_hex(spelled["beta"]))

    @staticmethod
    def check_spelling(data: object) -> dict:
        """``data`` if it is spelled as a ciphertext is, else EncodingError; whether its points
        are in the group, only :meth:`from_json` tells."""
        if not isinstance(data, dict) or set(data) != {"alpha", "beta"}:
            raise EncodingError("a ciphertext is an object with exactly alpha and beta")
        point_spelling(data["alpha"])
        point_spelling(data["beta"])
        return data


#: The encryption of 0 with randomness 0: the start of every sum.
ZERO = Ciphertext(IDENTITY, IDENTITY)


@dataclass(frozen=True)
class KeyPair:
    """A secret key x and its public key Y = x·G (for one trustee or one test)."""

    secret: int
    public: Point

    @classmethod
    def generate(cls) -> KeyPair:
        secret = random_scalar()
        return cls(secret, base(secret))


def encrypt(public_key: Point, mark: int, randomness: int | None = None) -> tuple[Ciphertext, int]:
    """Encrypt ``mark`` (a whole number ≥ 0); returns the ciphertext and the randomness used.

    The randomness is what the phone reveals when a voter spoils a ballot to check it.
    """
    if mark < 0:
        raise ValueError("a mark is a whole number, never negative")
    r = random_scalar() if randomness is None else randomness
    return Ciphertext(base(r), r * public_key + base(mark)), r


def decrypt_to_point(secret_key: int, ciphertext: Ciphertext) -> Point:
    """m·G for the mark m inside (only ever used on totals, or in tests)."""
    return ciphertext.beta - secret_key * ciphertext.alpha


def discrete_log(point: Point, bound: int) -> int:
    """The m in [0, bound] with m·G = point, by baby-step giant-step.

    Raises ValueError when there is none: a total beyond the weight cast means that the
    ciphertexts or the partial decryptions are wrong.
    """
    if bound < 0:
        raise ValueError("the bound is a whole number")
    step = isqrt(bound) + 1
    babies = _baby_steps(step)
    giant = step * GENERATOR
    current = point
    for i in range(step + 1):
        j = babies.get(current.raw)
        if j is not None and i * step + j <= bound:
            return i * step + j
        current = current - giant
    raise ValueError("no whole number up to the bound decrypts to this point")


@lru_cache(maxsize=8)
def _baby_steps(step: int) -> dict[bytes, int]:
    """{j·G: j} for j < step, kept for the next total with the same bound."""
    table: dict[bytes, int] = {}
    current = IDENTITY
    for j in range(step):
        table[current.raw] = j
        current = current + GENERATOR
    return table
