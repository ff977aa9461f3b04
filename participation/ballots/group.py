"""The prime-order group ristretto255 (RFC 9496) through libsodium, and its encodings.

Every element of a ballot, a key or a proof is either a group element (:class:`Point`) or a
scalar modulo the group order :data:`ORDER`. Both travel as 64 lowercase hexadecimal digits:
a point as its canonical 32-byte ristretto255 encoding, a scalar as its 32-byte little-endian
form with a value below the order. Any other spelling is refused, so one element has exactly
one spelling and a ballot's tracker cannot be changed by re-encoding it.

The Fiat–Shamir challenges of every proof come from :func:`challenge`: SHA-512 of a
transcript of length-prefixed items, reduced modulo the order (the same construction as the
phone's ``static/js/ballot_crypto.js``).
"""

from __future__ import annotations

import contextlib
import hashlib
import importlib
import os
import re
import secrets
from types import ModuleType

#: rbcl, once a group operation needed it (see :func:`_sodium`).
_rbcl: ModuleType | None = None


def _sodium() -> ModuleType:
    """rbcl, imported at the first group operation.

    It costs a serving process about 5 MiB (libsodium and the modules rbcl imports), which a
    conference without encrypted polls never needs.
    """
    global _rbcl
    if _rbcl is None:
        _rbcl = importlib.import_module("rbcl")
        _tidy_bundled_library()
    return _rbcl


def load_library() -> None:
    """Load libsodium now rather than at the first group operation: an encrypted poll opens,
    and the hall's first ballots should not wait for the import (about 0.1 s)."""
    _sodium()


def _tidy_bundled_library() -> None:
    """Drop what rbcl leaves behind once its libsodium is loaded.

    rbcl carries libsodium inside a Python module. On import it writes the library to a new
    temporary file, which it never removes, and keeps the library's bytes as a module global.
    The loaded library needs neither: without this every process start would leave 2.8 MB in
    the temporary directory and hold another 2.8 MB of memory for as long as it runs.
    """
    bundled = importlib.import_module("rbcl._sodium")  # the module (rbcl's own name is the library)
    path = getattr(bundled, "lib_path", None)
    if isinstance(path, str):
        with contextlib.suppress(OSError):  # gone already, or (Windows) still in use
            os.unlink(path)
    bundled.sodium_bs = b""  # type: ignore[attr-defined]


#: The order of ristretto255: 2^252 + 27742317777372353535851937790883648493.
ORDER = 2**252 + 27742317777372353535851937790883648493
_HEX = re.compile(r"[0-9a-f]{64}")


def _scalar_bytes(scalar: int) -> bytes:
    return (scalar % ORDER).to_bytes(32, "little")


class EncodingError(ValueError):
    """A point or scalar that is not spelled canonically (or not in the group)."""


def point_spelling(text: object) -> str:
    """``text`` if it is spelled as a point is (64 lowercase hex digits), else EncodingError.

    Whether it is a point of the group, only decoding it tells (:meth:`Point.from_hex`).
    """
    if not isinstance(text, str) or not _HEX.fullmatch(text):
        raise EncodingError("a group element is 64 lowercase hexadecimal digits")
    return text


class Point:
    """An element of ristretto255, kept as its canonical 32-byte encoding.

    Written additively: ``a + b`` is the group operation, ``k * P`` the k-th multiple.
    """

    __slots__ = ("raw",)

    def __init__(self, raw: bytes) -> None:
        self.raw = raw

    @classmethod
    def from_hex(cls, text: object) -> Point:
        """Decode a point from its 64 hex digits, refusing every non-canonical spelling."""
        raw = bytes.fromhex(point_spelling(text))
        if not _sodium().crypto_core_ristretto255_is_valid_point(raw):
            raise EncodingError("not a ristretto255 group element")
        return cls(raw)

    def hex(self) -> str:
        return self.raw.hex()

    def __add__(self, other: Point) -> Point:
        return Point(_sodium().crypto_core_ristretto255_add(self.raw, other.raw))

    def __sub__(self, other: Point) -> Point:
        return Point(_sodium().crypto_core_ristretto255_sub(self.raw, other.raw))

    def __rmul__(self, scalar: int) -> Point:
        multiply = _sodium().crypto_scalarmult_ristretto255_allow_scalar_zero
        return Point(multiply(_scalar_bytes(scalar), self.raw))

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Point) and secrets.compare_digest(self.raw, other.raw)

    def __hash__(self) -> int:
        return hash(self.raw)

    def __repr__(self) -> str:
        return f"Point({self.raw.hex()[:16]}…)"


#: The neutral element (encodes as 32 zero bytes).
IDENTITY = Point(bytes(32))


def base(scalar: int) -> Point:
    """``scalar · G`` for the standard generator G."""
    multiply = _sodium().crypto_scalarmult_ristretto255_base_allow_scalar_zero
    return Point(multiply(_scalar_bytes(scalar)))


#: The standard generator: ``base(1)``, spelled out (RFC 9496, section 4.4) so that importing
#: the group does not load libsodium.
GENERATOR = Point(bytes.fromhex("e2f2ae0a6abc4e71a884a961c500515f58e30b6aa582dd8db6a65945e08d2d76"))


def scalar_hex(scalar: int) -> str:
    """The canonical spelling of a scalar: 32 bytes little-endian, as hex."""
    return _scalar_bytes(scalar).hex()


def scalar_from_hex(text: object) -> int:
    """Decode a scalar, refusing values at or above the group order."""
    if not isinstance(text, str) or not _HEX.fullmatch(text):
        raise EncodingError("a scalar is 64 lowercase hexadecimal digits")
    value = int.from_bytes(bytes.fromhex(text), "little")
    if value >= ORDER:
        raise EncodingError("a scalar must be below the group order")
    return value


def random_scalar() -> int:
    """A uniformly random non-zero scalar from the operating system's generator."""
    return secrets.randbelow(ORDER - 1) + 1


#: What a transcript item may be: a group element, a text, or a whole number.
Item = Point | str | int


def challenge(tag: str, *items: Item) -> int:
    """The Fiat–Shamir challenge of a proof: SHA-512(transcript) mod ORDER.

    The transcript is the domain tag, then every item, each as a 4-byte big-endian length and
    its bytes (points as their encoding, texts as UTF-8, numbers as decimal digits). Lengths make
    the split between items unambiguous, so two different statements never share a transcript.
    """
    digest = hashlib.sha512()
    for item in (tag, *items):
        if isinstance(item, Point):
            data = item.raw
        elif isinstance(item, str):
            data = item.encode("utf-8")
        else:
            data = str(item).encode("ascii")
        digest.update(len(data).to_bytes(4, "big"))
        digest.update(data)
    return int.from_bytes(digest.digest(), "little") % ORDER
