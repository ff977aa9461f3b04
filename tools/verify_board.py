#!/usr/bin/env python3
"""Check an encrypted poll's published ballot board, independently of the application.

    python tools/verify_board.py board.json [--chain chain.json]

exits 0 with a short summary when everything holds, 1 with one line per failure when something
does not, and 2 when an input cannot be read.

Getting the inputs (everything is public, no account needed):

* the board, once the poll is closed: ``GET /c/<conference>/votes/<poll>/board.json``;
* optionally the public audit chain: ``GET /api/v1/audit?after=0&limit=1000``, then again
  with ``after=`` the ``seq`` of the last entry received, until a page has no entries. Save
  the pages in order as one JSON list (e.g. ``jq -s . page-1.json page-2.json … > chain.json``)
  or their entries as one list; both are accepted.

What is checked, from the board alone (written from the protocol, not with the app's code):

1. Ceremony: the dealings come from trustees 1…n, each commits to t coefficients and proves
   (Schnorr) that it knows the first one; the poll key is the sum of the first commitments.
2. Ballots: each answers the poll's questions (which fit its method), is made for this poll's
   label, and every proof holds (each mark is 0 or 1, each question's sum lies in
   [min, max]); no pseudonym casts twice; the trackers are the SHA-256 of the ballots.
3. Totals: the encrypted totals are Σ weight·ciphertext, and the weight is Σ weights.
4. Decryption: at least t distinct trustees' partial decryptions, each factor proven
   (Chaum–Pedersen) against the trustee's verification key computed from the dealings; each
   count c satisfies c·G = beta − Σ λ_j·factor_j (Lagrange coefficients at zero).
5. Result: its tally weights are the counts (per method), with the same weight and ballots.
6. Audit entries: each entry's hash covers its content; the entries say what the board says
   (the poll's method, seats and candidates in order at creation; label, key, questions and
   weight scale at opening; dealings; accepted ballots' trackers; totals; partial
   decryptions; result).
7. With ``--chain``: the chain links from the genesis hash with gapless seq, and holds every
   board entry unchanged; its head hash is printed so it can be compared with a noted one.

Group arithmetic is libsodium's ristretto255 (through ``rbcl``, the project's binding, or
PyNaCl's ``nacl.bindings`` where it has the same calls); the rest is the standard library.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import re
import sys
from collections import Counter
from typing import Any

try:
    import rbcl as sodium
except ImportError:  # the same libsodium calls, under PyNaCl's name
    try:
        from nacl import bindings as sodium
    except ImportError:
        sodium = None

FORMAT = "participation/board/v1"
GENESIS = "0" * 64
#: ristretto255's prime order ℓ.
ELL = (1 << 252) + 27742317777372353535851937790883648493
IDENTITY = bytes(32)
# The protocol's domain tags (participation/ballots).
T_BALLOT = "participation/ballot/v1"
T_INTERVAL = "participation/ballot/interval/v1"
T_DECRYPT = "participation/ballot/decryption/v1"
T_KNOW = "participation/ballot/knowledge/v1"
T_KEY = "participation/ballot/key/v1"
T_TALLY = "participation/ballot/tally/v1"
VOTES = ("yes", "no", "abstain")
HEX64 = re.compile(r"[0-9a-f]{64}")
PSEUDONYM = re.compile(r"[A-Za-z0-9._:-]{1,64}")
ANSWER_KEYS = ["choices", "individual_proofs", "overall_proof"]


class Malformed(ValueError):
    """A part of the board that does not have the shape the protocol gives it."""


# --- ristretto255 and the encodings ------------------------------------------------------------


def is_int(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def point(text: object) -> bytes:
    """A group element from its 64 hex digits (the canonical encoding only)."""
    if not isinstance(text, str) or not HEX64.fullmatch(text):
        raise Malformed(f"not a 64-hex group element: {str(text)[:20]!r}")
    raw = bytes.fromhex(text)
    if not sodium.crypto_core_ristretto255_is_valid_point(raw):
        raise Malformed(f"not a ristretto255 encoding: {text[:16]}…")
    return raw


def scalar(text: object) -> int:
    """A scalar from 64 hex digits, little-endian, below ℓ."""
    if not isinstance(text, str) or not HEX64.fullmatch(text):
        raise Malformed("a scalar is 64 lowercase hex digits")
    value = int.from_bytes(bytes.fromhex(text), "little")
    if value >= ELL:
        raise Malformed("a scalar is not below the group order")
    return value


def plus(*points: bytes) -> bytes:
    total = IDENTITY
    for p in points:
        total = sodium.crypto_core_ristretto255_add(total, p)
    return total


def minus(p: bytes, q: bytes) -> bytes:
    return sodium.crypto_core_ristretto255_sub(p, q)


def times(k: int, p: bytes) -> bytes:
    """k·P. libsodium refuses a zero result, which in a prime-order group means k ≡ 0 or P = 0."""
    k %= ELL
    if k == 0 or p == IDENTITY:
        return IDENTITY
    return sodium.crypto_scalarmult_ristretto255(k.to_bytes(32, "little"), p)


def g_times(k: int) -> bytes:
    """k·G for the standard generator."""
    k %= ELL
    if k == 0:
        return IDENTITY
    return sodium.crypto_scalarmult_ristretto255_base(k.to_bytes(32, "little"))


def fiat_shamir(*items: bytes | str | int) -> int:
    """SHA-512 over items each prefixed with its 4-byte big-endian length, read little-endian
    mod ℓ. Points go in as their encoding, texts as UTF-8, whole numbers as decimal digits."""
    transcript = bytearray()
    for item in items:
        raw = item if isinstance(item, bytes) else str(item).encode("utf-8")
        transcript += len(raw).to_bytes(4, "big") + raw
    return int.from_bytes(hashlib.sha512(bytes(transcript)).digest(), "little") % ELL


def sigma_pair(part: object) -> tuple[int, int]:
    """One {"challenge", "response"} of a proof."""
    if not isinstance(part, dict) or sorted(part) != ["challenge", "response"]:
        raise Malformed("a proof part is exactly a challenge and a response")
    return scalar(part["challenge"]), scalar(part["response"])


def interval_ok(prefix: list, key: bytes, alpha: bytes, beta: bytes, span: range, proof) -> bool:
    """A disjunctive Chaum–Pedersen proof that (alpha, beta) encrypts a value in ``span``:
    the branch challenges must add up to the hash of every branch's commitments."""
    if not isinstance(proof, list) or len(proof) != len(span):
        raise Malformed(f"an interval proof here has {len(span)} parts")
    pairs = [sigma_pair(part) for part in proof]
    commitments: list[bytes] = []
    for value, (c, r) in zip(span, pairs, strict=True):
        commitments.append(plus(g_times(r), times(c, alpha)))
        commitments.append(plus(times(r, key), times(c, minus(beta, g_times(value)))))
    expected = fiat_shamir(
        T_INTERVAL, *prefix, key, alpha, beta, span.start, span.stop - 1, *commitments
    )
    return sum(c for c, _ in pairs) % ELL == expected


def canonical(value: Any, escaped: bool = False) -> bytes:
    """Canonical JSON: sorted keys, no spaces; with ASCII escapes for trackers (``escaped``),
    UTF-8 for the audit chain."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=escaped).encode()


def compact(value: Any) -> str:
    text = canonical(value).decode()
    return text if len(text) <= 100 else text[:99] + "…"


# --- the audit chain ---------------------------------------------------------------------------


def recomputed_hash(entry: dict) -> str:
    """sha256(canonical(entry) || prev_hash): the header fields, then the data (entries from
    before salts), its shown digest (withheld data), or the digest of salt || data."""
    body = {k: entry[k] for k in ("seq", "at", "actor", "action", "subject", "conference_id")}
    if entry.get("data_withheld"):
        body["data_digest"] = entry["data_digest"]
    elif entry.get("salt") is None:
        body["data"] = entry["data"]
    else:
        body["data_digest"] = salted_digest(entry)
    return hashlib.sha256(canonical(body) + entry["prev_hash"].encode()).hexdigest()


def salted_digest(entry: dict) -> str:
    return hashlib.sha256(entry["salt"].encode() + canonical(entry["data"] or {})).hexdigest()


def chain_entries(loaded: Any) -> list[dict]:
    """The entries of a chain file: a list of entries, a page, or a list of pages."""
    items = [loaded] if isinstance(loaded, dict) else loaded
    if not isinstance(items, list):
        raise Malformed("a chain is a list of entries or of pages")
    entries: list[dict] = []
    for item in items:
        page = isinstance(item, dict) and "entries" in item and "seq" not in item
        entries.extend(item["entries"] if page else [item])
    if not all(isinstance(e, dict) for e in entries):
        raise Malformed("every chain entry is an object")
    return entries


# --- the verifier ------------------------------------------------------------------------------


def pick(data: dict, *keys: str) -> tuple:
    return tuple(data.get(k) for k in keys)


def at(q: int, c: int | None = None) -> str:
    """A total's or a mark's place, for people: "question 1, choice 2"."""
    return f"question {q + 1}" + ("" if c is None else f", choice {c + 1}")


def pair(ct: object) -> tuple[bytes, bytes]:
    """A ciphertext {"alpha", "beta"} as two points."""
    if not isinstance(ct, dict) or sorted(ct) != ["alpha", "beta"]:
        raise Malformed("a ciphertext is exactly alpha and beta")
    return point(ct["alpha"]), point(ct["beta"])


class BoardCheck:
    """Runs the checks over one board; ``failures`` and ``summary`` hold what they found."""

    def __init__(self, board: dict, chain: list[dict] | None = None) -> None:
        self.board, self.chain = board, chain
        self.failures: list[str] = []  # one line each
        self.summary: list[str] = []
        self.layers: dict[int, list[bytes]] = {}  # trustee -> its commitments
        self.sums: list[list[tuple[bytes, bytes]]] | None = None  # totals from the ballots

    def fail(self, reason: str) -> None:
        self.failures.append(reason)

    def run(self) -> bool:
        steps = [self.ceremony, self.ballots, self.totals, self.decryption, self.result]
        steps += [self.entries] + ([self.whole_chain] if self.chain is not None else [])
        for step in steps:
            try:
                step()
            except (Malformed, KeyError, IndexError, TypeError, ValueError) as error:
                kind = "" if isinstance(error, Malformed) else f"{type(error).__name__} "
                self.fail(f"{step.__name__}: malformed: {kind}{error}")
        return not self.failures

    # 1. the key ceremony ----------------------------------------------------------------------
    def ceremony(self) -> None:
        b = self.board
        t, n, label = b["threshold"], b["trustees"], b["ceremony_label"]
        if not (is_int(t) and is_int(n) and 1 <= t <= n):
            raise Malformed("the threshold t and trustee count n need 1 ≤ t ≤ n")
        numbers = [d["trustee"] for d in b["dealings"]]
        if sorted(numbers) != list(range(1, n + 1)):
            self.fail(f"ceremony: the dealings are from trustees {numbers}, not 1…{n}")
        for dealing in b["dealings"]:
            number, layer = dealing["trustee"], [point(c) for c in dealing["commitments"]]
            if len(layer) != t:
                self.fail(f"ceremony: trustee {number} commits to {len(layer)} terms, not {t}")
                continue
            c, r = sigma_pair(dealing["proof"])
            announced = minus(g_times(r), times(c, layer[0]))
            if fiat_shamir(T_KNOW, T_KEY, label, number, t, n, layer[0], announced) != c:
                self.fail(f"ceremony: trustee {number}'s proof of knowledge of its key part fails")
            self.layers[number] = layer
        if plus(*(layer[0] for layer in self.layers.values())).hex() != b["key"]:
            self.fail("ceremony: the key is not the sum of the dealings' first commitments")
        self.summary.append(f"ceremony {label}: {n} trustees, threshold {t}, key {b['key'][:16]}…")

    def verification_key(self, trustee: int) -> bytes:
        """Y_j = Σ_i f_i(j)·G, each f_i(j)·G by Horner's rule over trustee i's commitments."""
        if sorted(self.layers) != list(range(1, self.board["trustees"] + 1)):
            raise Malformed("the dealings are unreadable, so no verification key")
        total = IDENTITY
        for layer in self.layers.values():
            value = IDENTITY
            for commitment in reversed(layer):
                value = plus(times(trustee, value), commitment)
            total = plus(total, value)
        return total

    # 2. the ballots and trackers --------------------------------------------------------------
    def questions(self) -> list[tuple[int, int, int]]:
        poll = self.board["poll"]
        shapes = [(q["choices"], q["min"], q["max"]) for q in poll["questions"]]
        k, method = len(poll["candidates"]), poll["method"]
        fitting = {"yes_no_abstain": [(3, 1, 1)], "candidate_yes_no_abstain": [(3, 1, 1)] * k}
        if method == "approval":
            fitting[method] = [(k, 0, min(poll["seats"], k))]
        if shapes != fitting.get(method):
            self.fail(f"poll: the questions {shapes} do not fit a {method} poll of {k} candidates")
        return shapes

    def ballots(self) -> None:
        b = self.board
        label, key, poll_id = b["poll"]["label"], point(b["key"]), b["poll"]["id"]
        conference = re.fullmatch(r"c(\d+)\.k\d+", b["ceremony_label"])
        if conference is None or label != f"c{conference[1]}.p{poll_id}":
            self.fail(f"poll: the label {label!r} does not name poll {poll_id} of the ceremony's")
        shapes = self.questions()
        readable, voters, hashes = [], Counter[str](), []
        for number, item in enumerate(b["ballots"], start=1):
            ballot, weight = item["ballot"], item["weight"]
            hashes.append(hashlib.sha256(canonical(ballot, escaped=True)).hexdigest())
            if not is_int(weight) or weight < 1:
                self.fail(f"ballot {number}: the weight {weight!r} is not a whole number ≥ 1")
                continue
            try:
                readable.append((self.one_ballot(number, ballot, shapes, label, key), weight))
            except Malformed as error:
                self.fail(f"ballot {number}: malformed: {error}")
                continue
            voters[ballot["voter"]] += 1
        for number, item in enumerate(b.get("invalid", []), start=1):
            hashes.append(hashlib.sha256(canonical(item["ballot"], escaped=True)).hexdigest())
            voters[item["ballot"].get("voter", "")] += 1
            before = len(self.failures)
            try:
                self.one_ballot(number, item["ballot"], shapes, label, key)
            except Malformed:
                continue  # invalid indeed: listed apart, not counted
            if len(self.failures) > before:  # a proof fails: invalid indeed
                del self.failures[before:]
                continue
            self.fail(f"invalid ballot {number}: its proofs hold, yet it was not counted")
        for voter, cast in voters.items():
            if cast > 1:
                self.fail(f"ballots: pseudonym {voter} cast {cast} ballots")
        published = b["trackers"] if isinstance(b["trackers"], list) else []
        if sorted(hashes) != b["trackers"]:
            missing = (Counter(hashes) - Counter(published)).total()
            extra = (Counter(published) - Counter(hashes)).total()
            self.fail(
                f"trackers: the list is not the sorted SHA-256 of the ballots ({missing} "
                f"ballot(s) without a tracker, {extra} tracker(s) without a ballot)"
            )
        if len(readable) == len(b["ballots"]):
            self.sums = weighted_sums(readable, shapes)
        weight = sum(w for _, w in readable)
        self.summary.append(f"ballots: {len(hashes)} of weight {weight}, proofs, trackers hold")

    def one_ballot(self, number, ballot, shapes, label, key) -> list[list[tuple[bytes, bytes]]]:
        """A ballot's ciphertexts after checking its shape, label and every proof."""
        if not isinstance(ballot, dict) or sorted(ballot) != ["answers", "poll", "voter"]:
            raise Malformed("a ballot is exactly poll, voter and answers")
        voter, answers = ballot["voter"], ballot["answers"]
        if not isinstance(voter, str) or not PSEUDONYM.fullmatch(voter):
            raise Malformed("the pseudonym is not 1 to 64 letters, digits or . _ : -")
        if not isinstance(answers, list) or len(answers) != len(shapes):
            raise Malformed(f"a ballot answers {len(shapes)} question(s)")
        for answer, (choices, _, _) in zip(answers, shapes, strict=True):
            if not isinstance(answer, dict) or sorted(answer) != ANSWER_KEYS:
                raise Malformed("an answer is exactly " + ", ".join(ANSWER_KEYS))
            for part in ("choices", "individual_proofs"):
                if not isinstance(answer[part], list) or len(answer[part]) != choices:
                    raise Malformed(f"an answer has {choices} {part.replace('_', ' ')}")
        rows = [[pair(ct) for ct in answer["choices"]] for answer in answers]
        if ballot["poll"] != label:
            self.fail(f"ballot {number}: made for poll {ballot['poll']!r}, not {label!r}")
        # Every proof of the ballot hashes its poll, pseudonym, key and all ciphertexts.
        prefix: list = [T_BALLOT, ballot["poll"], voter, key, len(rows)]
        for row in rows:
            prefix += [len(row), *(p for ct in row for p in ct)]
        for q, (answer, row, (_, low, high)) in enumerate(zip(answers, rows, shapes, strict=True)):
            proofs = answer["individual_proofs"]
            for c, ((alpha, beta), proof) in enumerate(zip(row, proofs, strict=True)):
                if not interval_ok([*prefix, "choice", q, c], key, alpha, beta, range(2), proof):
                    self.fail(f"ballot {number}: {at(q, c)}: the proof of 0 or 1 fails")
            summed = plus(*(a for a, _ in row)), plus(*(bb for _, bb in row))
            span, proof = range(low, high + 1), answer["overall_proof"]
            if not interval_ok([*prefix, "overall", q], key, *summed, span, proof):
                self.fail(f"ballot {number}: {at(q)}: the proof of {low} to {high} marks fails")
        return rows

    # 3. the encrypted totals ------------------------------------------------------------------
    def totals(self) -> None:
        b, decryption = self.board, self.board["decryption"]
        weights = [item["weight"] for item in b["ballots"]]
        if decryption is None:
            if weights:
                self.fail("decryption: missing, though ballots were cast")
            return
        if decryption["poll"] != b["poll"]["label"]:
            self.fail(f"decryption: made for poll {decryption['poll']!r}")
        if all(is_int(w) for w in weights) and decryption["weight"] != sum(weights):
            said, cast = decryption["weight"], sum(weights)
            self.fail(f"decryption: the weight {said} is not the ballots' {cast}")
        if self.sums is None:
            self.fail("totals: not recomputed, a ballot is unreadable")
            return
        published = decryption["totals"]
        if [len(row) for row in published] != [len(row) for row in self.sums]:
            self.fail("totals: not one total per choice of every question")
            return
        for q, (mine, theirs) in enumerate(zip(self.sums, published, strict=True)):
            for c, ((alpha, beta), total) in enumerate(zip(mine, theirs, strict=True)):
                if total != {"alpha": alpha.hex(), "beta": beta.hex()}:
                    self.fail(f"totals: {at(q, c)} is not the weighted sum of the ballots")

    # 4. the partial decryptions and counts ----------------------------------------------------
    def decryption(self) -> None:
        b, decryption = self.board, self.board["decryption"]
        if decryption is None:
            self.summary.append("decryption: none, as no ballot was cast")
            return
        t, label = b["threshold"], b["poll"]["label"]
        totals = [[pair(ct) for ct in row] for row in decryption["totals"]]
        shape = [len(row) for row in totals]
        valid: dict[int, list[list[bytes]]] = {}
        for partial in decryption["partial_decryptions"]:
            number, factors, proofs = partial["trustee"], partial["factors"], partial["proofs"]
            if not is_int(number) or not 1 <= number <= b["trustees"] or number in valid:
                self.fail(f"decryption: {number!r} is no trustee, or decrypted twice")
                continue
            if [len(r) for r in factors] != shape or [len(r) for r in proofs] != shape:
                self.fail(f"decryption: trustee {number} gives no factor and proof per total")
                continue
            key, points = self.verification_key(number), [[point(f) for f in r] for r in factors]
            broken = [
                at(q, c)
                for q, row in enumerate(totals)
                for c, (alpha, _) in enumerate(row)
                if not factor_ok(label, number, key, alpha, points[q][c], proofs[q][c])
            ]
            if broken:
                self.fail(f"decryption: trustee {number}'s decryption proof fails ({broken[0]})")
                continue
            valid[number] = points
        if len(valid) < t:
            self.fail(f"decryption: {len(valid)} valid partial decryption(s), the threshold is {t}")
            return
        counts = decryption["counts"]
        if not isinstance(counts, list) or [len(r) for r in counts] != shape:
            self.fail("counts: not one count per total")
            return
        coefficient = {j: lagrange(j, list(valid)) for j in valid}
        for q, row in enumerate(totals):
            for c, (_, beta) in enumerate(row):
                shared = plus(*(times(coefficient[j], valid[j][q][c]) for j in valid))
                count = counts[q][c]
                if not is_int(count) or not 0 <= count <= decryption["weight"]:
                    self.fail(f"counts: {at(q, c)}: {count!r} is out of range")
                elif g_times(count) != minus(beta, shared):
                    self.fail(f"counts: {at(q, c)}: {count} is not what the total decrypts to")
        self.summary.append(f"decryption: trustees {sorted(valid)} decrypt to {compact(counts)}")

    # 5. the result ----------------------------------------------------------------------------
    def result(self) -> None:
        b = self.board
        poll, decryption, tally = b["poll"], b["decryption"], b["result"]["tally"]
        zeros = [[0] * q["choices"] for q in poll["questions"]]
        counts, weight = (decryption["counts"], decryption["weight"]) if decryption else (zeros, 0)
        ids = [str(c["id"]) for c in poll["candidates"]]
        if poll["method"] == "yes_no_abstain":
            expected: dict = dict(zip(VOTES, counts[0], strict=True))
        elif poll["method"] == "approval":
            expected = {"approvals": dict(zip(ids, counts[0], strict=True))}
        else:
            per = [dict(zip(VOTES, row, strict=True)) for row in counts]
            expected = {"candidates": dict(zip(ids, per, strict=True))}
        if tally["weights"] != expected:
            mine, theirs = compact(expected), compact(tally["weights"])
            self.fail(f"result: the tally's weights {theirs} are not the counts {mine}")
        if tally["weight"] != weight:
            self.fail(f"result: the tally's weight {tally['weight']} is not the decrypted {weight}")
        if tally.get("ballots") != len(b["ballots"]):
            said, held = tally.get("ballots"), len(b["ballots"])
            self.fail(f"result: the tally counts {said} ballots, the board holds {held}")
        self.summary.append(f"result: {compact(tally['weights'])}, {b['result'].get('outcome')}")

    # 6. the audit entries ---------------------------------------------------------------------
    def entries(self) -> None:
        b, previous = self.board, dict[str, Any](seq=-1)  # none before the first
        ceremony = re.fullmatch(r"c(\d+)\.k(\d+)", b["ceremony_label"]) or ("", "?", "?")
        subjects = {f"poll:{b['poll']['id']}", f"ceremony:{ceremony[2]}"}
        for entry in b["entries"]:
            where = f"entries: seq {entry['seq']} ({entry['action']})"
            if entry["seq"] <= previous["seq"]:
                self.fail(f"{where}: not in ascending order")
            if entry["subject"] not in subjects or str(entry["conference_id"]) != ceremony[1]:
                self.fail(f"{where}: about {entry['subject']}, not this poll or its ceremony")
            shown = not entry.get("data_withheld") and entry.get("salt") is not None
            if shown and entry.get("data_digest") != salted_digest(entry):
                self.fail(f"{where}: its data_digest is not the digest of its data")
            if recomputed_hash(entry) != entry["hash"]:
                self.fail(f"{where}: its hash does not match its content")
            if previous["seq"] + 1 == entry["seq"] and entry["prev_hash"] != previous["hash"]:
                self.fail(f"{where}: does not link to seq {previous['seq']}")
            previous = entry
        self.entries_agree(b["entries"])
        self.summary.append(f"audit entries: {len(b['entries'])} hash right, agree with the board")

    def entries_agree(self, entries: list[dict]) -> None:
        """What the entries recorded when it happened is what the board shows now."""
        b, decryption = self.board, self.board["decryption"]

        def data_of(action: str) -> list[dict]:
            return [e["data"] for e in entries if e["action"] == action]

        def last(action: str) -> dict:
            found = data_of(action)
            if not found:
                self.fail(f"entries: no {action} entry")
            return found[-1] if found else {}

        poll, appointed = b["poll"], last("trustees.appointed")
        if (
            pick(appointed, "label", "threshold") != (b["ceremony_label"], b["threshold"])
            or len(appointed.get("trustees", ())) != b["trustees"]
        ):
            self.fail("entries: the trustees.appointed entry names another label, t or n")
        dealt = [(d["trustee"], d["dealing"]) for d in data_of("trustee.dealing")]
        if sorted(dealt, key=lambda d: d[0]) != [(d["trustee"], d) for d in b["dealings"]]:
            self.fail("entries: the trustee.dealing entries differ from the board's dealings")
        if last("trustees.ready").get("public_key") != b["key"]:
            self.fail("entries: the trustees.ready key is not the board's key")
        described = (poll["method"], poll["seats"], [c["name"] for c in poll["candidates"]])
        if pick(last("poll.created"), "method", "seats", "candidates") != described:
            self.fail("entries: the poll.created entry names another method, seats or candidates")
        opened = last("poll.opened")
        frozen = {**(opened.get("encryption") or {}), "weight_scale": opened.get("weight_scale")}
        keys = ("label", "key", "threshold", "trustees", "questions", "weight_scale")
        shown = {**b, **poll}  # the board's key, threshold, trustees; the poll's others
        if pick(frozen, *keys) != pick(shown, *keys):
            self.fail("entries: the poll.opened entry froze another key, label, question or scale")
        recorded = sorted(d.get("tracker", "") for d in data_of("ballot.accepted"))
        if recorded != sorted(b["trackers"]):
            self.fail("entries: the ballot.accepted entries' trackers are not the trackers list")
        counting = last("poll.counting")
        apart = sorted(
            hashlib.sha256(canonical(i["ballot"], escaped=True)).hexdigest()
            for i in b.get("invalid", [])
        )
        if [i.get("tracker") for i in counting.get("invalid", [])] != apart:
            self.fail("entries: the poll.counting entry lists other invalid ballots than the board")
        if decryption is not None and counting:
            recorded = [counting.get("totals"), counting.get("weight")]
            if recorded != [decryption["totals"], decryption["weight"]]:
                self.fail("entries: the poll.counting entry's totals or weight are not the board's")
            sent = data_of("poll.decryption")
            for partial in decryption["partial_decryptions"]:
                if {"trustee": partial["trustee"], "partial": partial} not in sent:
                    self.fail(f"entries: no poll.decryption entry for trustee {partial['trustee']}")
        closed = last("poll.closed")
        if closed and closed.get("result") != b["result"]:
            self.fail("entries: the poll.closed entry's result differs from the board's result")
        if closed and closed.get("decryption") != decryption:
            self.fail("entries: the poll.closed entry's decryption differs from the board's")

    # 7. the whole public chain ----------------------------------------------------------------
    def whole_chain(self) -> None:
        head, hashes = GENESIS, {}
        for seq, entry in enumerate(self.chain or [], start=1):
            if entry.get("seq") != seq:
                self.fail(f"chain: entry {seq} missing (found seq {entry.get('seq')})")
                return
            if entry["prev_hash"] != head or recomputed_hash(entry) != entry["hash"]:
                self.fail(f"chain: seq {seq} does not link to the one before, or its hash is wrong")
                return
            head = hashes[seq] = entry["hash"]
        for entry in self.board["entries"]:
            if hashes.get(entry["seq"]) != entry["hash"]:
                self.fail(f"chain: the board's seq {entry['seq']} ({entry['action']}) is not in it")
        self.summary.append(f"chain: {len(hashes)} entries link from genesis; head {head}")


def weighted_sums(readable, shapes) -> list[list[tuple[bytes, bytes]]]:
    """Σ weight·(alpha, beta) over the ballots, for every choice of every question."""
    sums = [[(IDENTITY, IDENTITY)] * choices for choices, _, _ in shapes]
    for rows, weight in readable:
        for q, row in enumerate(rows):
            sums[q] = [
                (plus(a0, times(weight, a)), plus(b0, times(weight, bb)))
                for (a0, b0), (a, bb) in zip(sums[q], row, strict=True)
            ]
    return sums


def factor_ok(label: str, trustee: int, key: bytes, alpha: bytes, factor: bytes, proof) -> bool:
    """Chaum–Pedersen: log_G(key) = log_alpha(factor), in the tally's context."""
    c, r = sigma_pair(proof)
    left = minus(g_times(r), times(c, key))
    right = minus(times(r, alpha), times(c, factor))
    return fiat_shamir(T_DECRYPT, T_TALLY, label, trustee, key, alpha, factor, left, right) == c


def lagrange(j: int, present: list[int]) -> int:
    """λ_j = Π_{k≠j} k / (k − j) mod ℓ, the weight of share j in f(0)."""
    top, bottom = 1, 1
    for k in present:
        if k != j:
            top, bottom = top * k % ELL, bottom * (k - j) % ELL
    return top * pow(bottom, ELL - 2, ELL) % ELL


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("board", help="the board JSON of a closed encrypted poll")
    parser.add_argument("--chain", help="the public audit chain: entries or pages, from seq 1")
    args = parser.parse_args(argv)
    if not hasattr(sodium, "crypto_scalarmult_ristretto255_base"):
        print("libsodium's ristretto255 is needed: pip install rbcl", file=sys.stderr)
        return 2
    try:
        with open(args.board, encoding="utf-8") as handle:
            board = json.load(handle)
        if not isinstance(board, dict) or board.get("format") != FORMAT:
            raise Malformed(f"not a board in the format {FORMAT}")
        chain = None
        if args.chain:
            with open(args.chain, encoding="utf-8") as handle:
                chain = chain_entries(json.load(handle))
    except (OSError, ValueError) as error:  # Malformed and JSON errors are ValueErrors
        print(f"cannot read the input: {error}", file=sys.stderr)
        return 2
    check, poll = BoardCheck(board, chain), board.get("poll") or {}
    name = f"board of poll {poll.get('id')} ({poll.get('label')}, {poll.get('method')})"
    if not check.run():
        print("\n".join(f"FAIL {reason}" for reason in check.failures))
        print(f"{name}: {len(check.failures)} failure(s)")
        return 1
    print(f"{name}: everything holds")
    print("\n".join(f"  {line}" for line in check.summary))
    return 0


if __name__ == "__main__":
    sys.exit(main())
