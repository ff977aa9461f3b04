"""Pure ballot cryptography for secret polls: nothing here knows about the app.

The phone encrypts each mark with exponential ElGamal over ristretto255 and proves in zero
knowledge that the ballot is well formed; the server verifies and stores ciphertexts, sums
them with the voters' weights, and t of n trustees decrypt only the totals, each with a proof.
The protocol follows the Belenios specification. Submodules, bottom up:

* :mod:`.group` – ristretto255 (libsodium), canonical hex encodings, Fiat–Shamir challenges
* :mod:`.elgamal` – exponential ElGamal, homomorphic sums, bounded discrete logarithm
* :mod:`.proofs` – interval (disjunctive Chaum–Pedersen), decryption and knowledge proofs
* :mod:`.ballot` – the ballot format, encryption, verification, tracker, spoiled ballots
* :mod:`.trustees` – distributed key generation, partial decryption, Lagrange combination
* :mod:`.tally` – the weighted tally and the result anyone can verify
* :mod:`.transport` – a key share sealed for one trustee (hashed ElGamal)

The phone's side is ``static/js/ballot_crypto.js`` (voters) and ``static/js/trustee_crypto.js``
(trustees); both sides make and accept the same JSON.
"""

from participation.ballots.ballot import (
    Question,
    check_spoiled,
    encrypt_ballot,
    reveal_spoiled,
    tracker,
    verify_ballot,
)
from participation.ballots.elgamal import Ciphertext, KeyPair
from participation.ballots.group import EncodingError, Point
from participation.ballots.tally import decrypt_result, tally, verify_result
from participation.ballots.transport import open_share, seal_share, transport_keypair
from participation.ballots.trustees import (
    Dealing,
    KeyShare,
    combine_shares,
    deal,
    dealing_is_valid,
    partial_decrypt,
    public_key,
    share_is_valid,
    verification_key,
)

__all__ = [
    "Ciphertext",
    "Dealing",
    "EncodingError",
    "KeyPair",
    "KeyShare",
    "Point",
    "Question",
    "check_spoiled",
    "combine_shares",
    "deal",
    "dealing_is_valid",
    "decrypt_result",
    "encrypt_ballot",
    "open_share",
    "partial_decrypt",
    "public_key",
    "reveal_spoiled",
    "seal_share",
    "share_is_valid",
    "tally",
    "tracker",
    "transport_keypair",
    "verification_key",
    "verify_ballot",
    "verify_result",
]
