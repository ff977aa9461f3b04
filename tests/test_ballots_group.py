"""The ballots layer's foundations: canonical encodings, exponential ElGamal, the proofs."""

import os
import subprocess
import sys

import pytest

from participation.ballots.elgamal import (
    ZERO,
    Ciphertext,
    KeyPair,
    decrypt_to_point,
    discrete_log,
    encrypt,
)
from participation.ballots.group import (
    GENERATOR,
    IDENTITY,
    ORDER,
    EncodingError,
    Point,
    base,
    challenge,
    scalar_from_hex,
    scalar_hex,
)
from participation.ballots.proofs import (
    prove_decryption,
    prove_interval,
    prove_knowledge,
    verify_decryption,
    verify_interval,
    verify_knowledge,
)

CONTEXT = ("test", "poll-1", "voter-1")


def test_points_and_scalars_have_one_spelling():
    point = base(12345)
    assert Point.from_hex(point.hex()) == point
    assert scalar_from_hex(scalar_hex(ORDER - 1)) == ORDER - 1
    assert Point.from_hex(IDENTITY.hex()) == IDENTITY
    for wrong in (point.hex().upper(), point.hex()[:-2], point.hex() + "00", 17, None, "zz" * 32):
        with pytest.raises(EncodingError):
            Point.from_hex(wrong)
    # The same scalar plus the order would be another spelling of the same number: refused.
    with pytest.raises(EncodingError):
        scalar_from_hex((5 + ORDER).to_bytes(32, "little").hex())
    # Not every 32-byte string is a ristretto255 element.
    with pytest.raises(EncodingError):
        Point.from_hex("ff" * 32)


def test_group_arithmetic():
    assert base(1) == GENERATOR  # the generator is spelled out, not computed at import
    assert (ORDER - 1) * GENERATOR + GENERATOR == IDENTITY
    assert 0 * GENERATOR == IDENTITY
    assert 3 * GENERATOR - base(2) == GENERATOR
    assert -1 * GENERATOR == IDENTITY - GENERATOR


def test_challenges_separate_their_items():
    assert challenge("tag", "ab", "c") != challenge("tag", "a", "bc")
    assert challenge("tag", 1, 2) != challenge("tag", 12)
    assert challenge("tag", "x") != challenge("other", "x")
    assert 0 <= challenge("tag", GENERATOR) < ORDER


def test_elgamal_adds_and_weights_marks():
    keys = KeyPair.generate()
    two, _ = encrypt(keys.public, 2)
    three, _ = encrypt(keys.public, 3)
    total = two + three + ZERO
    assert discrete_log(decrypt_to_point(keys.secret, total), 10) == 5
    assert discrete_log(decrypt_to_point(keys.secret, 4 * three), 100) == 12
    assert discrete_log(decrypt_to_point(keys.secret, ZERO), 0) == 0
    with pytest.raises(ValueError):
        encrypt(keys.public, -1)


def test_the_same_mark_encrypts_differently_each_time():
    keys = KeyPair.generate()
    first, _ = encrypt(keys.public, 1)
    second, _ = encrypt(keys.public, 1)
    assert first != second


def test_discrete_log_stays_within_its_bound():
    for value in (0, 1, 99, 100, 1000, 4097):
        assert discrete_log(base(value), 4097) == value
    with pytest.raises(ValueError):
        discrete_log(base(101), 100)


def test_ciphertext_json_round_trip_and_refusals():
    keys = KeyPair.generate()
    ct, _ = encrypt(keys.public, 1)
    assert Ciphertext.from_json(ct.to_json()) == ct
    for wrong in ({"alpha": ct.alpha.hex()}, {**ct.to_json(), "gamma": "00"}, [1, 2], "ab"):
        with pytest.raises(EncodingError):
            Ciphertext.from_json(wrong)
        with pytest.raises(EncodingError):
            Ciphertext.check_spelling(wrong)
    # Spelled right but off the group: only decoding it tells.
    off_group = {"alpha": "ff" * 32, "beta": ct.beta.hex()}
    assert Ciphertext.check_spelling(off_group) is off_group
    with pytest.raises(EncodingError, match="not a ristretto255 group element"):
        Ciphertext.from_json(off_group)


def test_interval_proof_holds_only_for_the_true_range():
    keys = KeyPair.generate()
    for mark, low, high in ((0, 0, 1), (1, 0, 1), (2, 0, 3), (1, 1, 1)):
        ct, r = encrypt(keys.public, mark)
        proof = prove_interval(CONTEXT, keys.public, ct, mark, r, low, high)
        assert verify_interval(CONTEXT, keys.public, ct, proof, low, high)
        assert not verify_interval(("other", *CONTEXT[1:]), keys.public, ct, proof, low, high)
    # A prover that claims a value the ciphertext does not hold fails verification.
    ct, r = encrypt(keys.public, 2)
    lie = prove_interval(CONTEXT, keys.public, ct, 1, r, 0, 1)
    assert not verify_interval(CONTEXT, keys.public, ct, lie, 0, 1)
    with pytest.raises(ValueError):
        prove_interval(CONTEXT, keys.public, ct, 2, r, 0, 1)


def test_interval_proof_of_the_wrong_length_is_malformed():
    keys = KeyPair.generate()
    ct, r = encrypt(keys.public, 1)
    proof = prove_interval(CONTEXT, keys.public, ct, 1, r, 0, 1)
    with pytest.raises(EncodingError):
        verify_interval(CONTEXT, keys.public, ct, proof[:1], 0, 1)
    with pytest.raises(EncodingError):
        verify_interval(CONTEXT, keys.public, ct, [{"challenge": "00"}] * 2, 0, 1)


def test_decryption_proof_binds_factor_and_key():
    keys = KeyPair.generate()
    ct, _ = encrypt(keys.public, 1)
    factor = keys.secret * ct.alpha
    proof = prove_decryption(CONTEXT, keys.secret, ct.alpha, factor)
    assert verify_decryption(CONTEXT, keys.public, ct.alpha, factor, proof)
    assert not verify_decryption(CONTEXT, keys.public, ct.alpha, factor + GENERATOR, proof)
    assert not verify_decryption(CONTEXT, base(7), ct.alpha, factor, proof)
    assert not verify_decryption(("other",), keys.public, ct.alpha, factor, proof)


def test_knowledge_proof():
    keys = KeyPair.generate()
    proof = prove_knowledge(CONTEXT, keys.secret)
    assert verify_knowledge(CONTEXT, keys.public, proof)
    assert not verify_knowledge(CONTEXT, base(5), proof)


def test_loading_libsodium_leaves_nothing_in_the_temporary_directory(tmp_path):
    """rbcl writes its libsodium to a temporary file at import; the group removes it and the
    library's in-memory copy, and the loaded library keeps working."""
    script = (
        "import sys; from participation.ballots.group import base, GENERATOR;"
        "assert base(2) == GENERATOR + GENERATOR;"
        "print(len(sys.modules['rbcl._sodium'].sodium_bs))"
    )
    env = {**os.environ, "TMPDIR": str(tmp_path)}
    done = subprocess.run(
        [sys.executable, "-c", script], env=env, capture_output=True, text=True, check=True
    )
    assert done.stdout.strip() == "0"
    assert list(tmp_path.iterdir()) == []
