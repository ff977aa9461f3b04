"""Encrypted secret polls: the phone encrypts, the server checks and sums, trustees decrypt.

A secret electronic poll opened while the conference's trustees hold a ready key is
*encrypted*: ``Poll.encryption`` freezes the key, the ceremony and the poll's label (what every
proof binds). Each voter's phone encrypts its marks (``static/js/ballot_crypto.js``) under a
pseudonym the server derives for that vote in that poll, with proofs that the ballot is well
formed; the server checks the proofs before the ballot joins a batch, and stores the
ciphertexts. The choice itself never reaches the server.

Marks, in order: yes, no, abstain for a motion; one per candidate (in the ballot's order) for
an approval election, of which at most ``seats`` may be 1; yes, no, abstain per candidate for
the other election method.

Closing such a poll moves it to "counting": the ballots' weighted sums are computed and
recorded; the trustees' pages decrypt them (:func:`submit_decryption`), and with the t-th
valid partial decryption the counts are known, the result is decided as for any other poll
and the poll is closed.
"""

from __future__ import annotations

import hashlib
import hmac
import time
from collections import Counter

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import select, update

from participation import events
from participation.ballots import (
    Ciphertext,
    Dealing,
    EncodingError,
    Question,
    group,
    tracker,
)
from participation.ballots.ballot import check_layout
from participation.ballots.tally import decrypt_result, tally
from participation.ballots.trustees import read_partial
from participation.extensions import db
from participation.models import Ballot, KeyCeremony, Person, Poll, PollDecryption, Trustee
from participation.services import audit
from participation.services.errors import Conflict, Invalid, NotAllowed, NotFound
from participation.services.voting import proofcheck, rules
from participation.services.voting.polls import poll_table, stored_ballots

#: Where the app keeps polls' encryption by id: frozen at opening, so read once per process.
FROZEN = "participation.sealed_polls"


def poll_label(poll: Poll) -> str:
    return f"c{poll.conference_id}.p{poll.id}"


def questions_of(method: str, candidates: int, seats: int) -> list[Question]:
    """The encrypted ballot's questions for a poll of this method (see the module's text)."""
    if method == "yes_no_abstain":
        return [Question.one_of(3)]
    if method == "approval":
        return [Question.up_to(candidates, min(seats, candidates))]
    return [Question.one_of(3)] * candidates


def poll_questions(poll: Poll) -> list[Question]:
    return questions_of(poll.method, len(poll.candidates), poll.seats)


def pseudonym(poll_id: int, accreditation_id: int) -> str:
    """The label a vote's ballot is made under: stable for a vote, telling nobody whose it is.

    Derived with the server's secret key, so a ballot copied from another voter fails its
    proofs (they hash the pseudonym) and no one can tell pseudonyms of different polls apart.
    """
    secret = str(current_app.config["SECRET_KEY"]).encode()
    message = f"pseudonym:{poll_id}:{accreditation_id}".encode()
    return "v" + hmac.new(secret, message, hashlib.sha256).hexdigest()[:24]


def encryption_at_opening(poll: Poll, ceremony: KeyCeremony | None) -> dict | None:
    """What an opening poll freezes about its encryption; None for a plaintext poll."""
    if not poll.secret or poll.source != "electronic" or ceremony is None:
        return None
    group.load_library()
    return {
        "ceremony": ceremony.id,
        "label": poll_label(poll),
        "key": ceremony.public_key,
        "threshold": ceremony.threshold,
        "trustees": ceremony.trustee_count,
        "questions": [q.to_json() for q in poll_questions(poll)],
    }


def public_encryption(poll: Poll) -> dict | None:
    """What the phones need to encrypt (and anyone to verify), without the close's totals."""
    if poll.encryption is None:
        return None
    return {k: v for k, v in poll.encryption.items() if k not in ("totals", "weight", "invalid")}


# --- casting -----------------------------------------------------------------------------------


def _frozen_encryption(poll_id: int) -> tuple[int, dict] | None:
    frozen: dict[int, tuple[int, dict]] = current_app.extensions.setdefault(FROZEN, {})
    found = frozen.get(poll_id)
    if found is None:
        row = db.session.execute(
            select(Poll.conference_id, Poll.encryption).where(Poll.id == poll_id)
        ).first()
        if row is None or row.encryption is None:
            return None
        found = frozen[poll_id] = (row.conference_id, row.encryption)
    return found


def is_encrypted_choice(choice: object) -> bool:
    return isinstance(choice, dict) and set(choice) == {"encrypted"}


def check_encrypted(poll_id: int, owner: int | None, choice: object) -> dict | None:
    """The encrypted ballot of ``choice`` if it is one for this poll and this vote; None when
    the poll is not encrypted (the batch then refuses an encrypted choice as any other wrong
    one).

    Only what is cheap is checked here, before the ballot joins a batch: the shape and the
    spelling of its points, the poll's label and the vote's pseudonym (so no ballot can be
    cast twice under two votes). The proofs cost milliseconds each and the points' group
    membership tens of microseconds; both are checked after the acknowledgement, while the
    poll is open (:mod:`.proofcheck`) or when it closes (:func:`verify_stored`), and a ballot
    that fails them is listed as invalid and not counted.
    """
    if not isinstance(poll_id, int) or owner is None or not is_encrypted_choice(choice):
        return None
    frozen = _frozen_encryption(poll_id)
    if frozen is None:
        return None
    encryption = frozen[1]
    assert isinstance(choice, dict)
    ballot = choice["encrypted"]
    questions = [Question(**q) for q in encryption["questions"]]
    try:
        check_layout(ballot, questions)
    except EncodingError:
        raise Invalid(_("This ballot is not valid for this poll.")) from None
    if ballot["poll"] != encryption["label"] or ballot["voter"] != pseudonym(poll_id, owner):
        raise Invalid(_("This ballot is not valid for this poll."))
    return ballot


def proof_failure(poll: Poll, ballot: dict) -> str:
    """Why a stored ballot's proofs fail ("" when they hold)."""
    return proofcheck.failure_of(poll.encryption or {}, ballot)


def verify_stored(poll: Poll) -> proofcheck.Checked:
    """Every stored ballot's proof check by tracker, made before the close takes its lock,
    with the background's sums of the ballots whose proofs hold.

    Most were checked while the poll was open (:mod:`.proofcheck`); a ballot whose content
    no longer hashes to a checked tracker, or that was not checked yet, is checked here, one
    by one, yielding to other requests between ballots: a thousand ballots cost about two
    seconds of CPU, which must neither hold the database nor stall the hall's connections.
    """
    ballots = db.session.scalars(select(Ballot.choice).where(Ballot.poll_id == poll.id)).all()
    db.session.rollback()
    known = proofcheck.take_over(poll.id)
    checked = proofcheck.Checked(summed=known.summed, sums=known.sums)
    for ballot in ballots:
        code = tracker(ballot)
        if isinstance(ballot, dict) and isinstance(ballot.get("voter"), str):
            checked.read[ballot["voter"]] = (ballot, code)
        if code in known.reasons:
            checked.reasons[code] = known.reasons[code]
            continue
        checked.reasons[code] = proof_failure(poll, ballot)
        time.sleep(0)  # a cooperative yield under eventlet and gevent
    return checked


# --- counting ----------------------------------------------------------------------------------


def start_count(poll: Poll, ballots: list[dict], checked: proofcheck.Checked) -> dict:
    """The encrypted weighted totals of a closing encrypted poll's valid ballots, kept with
    its encryption; ballots whose proofs fail are listed with the reason and not counted.
    ``checked`` has the ballots checked before the close; the rest are checked now."""
    valid, invalid = [], []
    for ballot in ballots:
        code = checked.tracker_of(ballot["choice"])
        known = checked.reasons.get(code)
        reason = known if known is not None else proof_failure(poll, ballot["choice"])
        if reason:
            invalid.append({"tracker": code, "weight": ballot["weight"], "reason": reason})
        else:
            valid.append((code, ballot["choice"], ballot["weight"]))
    totals = _totals(poll_questions(poll), valid, checked)
    counting = {
        **(poll.encryption or {}),
        "totals": [[ct.to_json() for ct in row] for row in totals],
        "weight": sum(weight for _, _, weight in valid),
        "invalid": sorted(invalid, key=lambda entry: entry["tracker"]),
    }
    poll.encryption = counting
    proofcheck.forget(poll.id)
    return counting


def _totals(
    questions: list[Question], valid: list[tuple[str, dict, int]], checked: proofcheck.Checked
) -> list[list[Ciphertext]]:
    """The weighted totals of the valid ballots (tracker, ballot, weight): the background's
    sums plus the ballots it did not add, when every ballot it added is among them; else
    summed here from scratch."""
    rest = Counter((code, weight) for code, _, weight in valid)
    rest.subtract(checked.summed)
    if any(n < 0 for n in rest.values()):
        return tally(questions, [(ballot, weight) for _, ballot, weight in valid])
    unsummed = []
    for code, ballot, weight in valid:
        if rest[(code, weight)] > 0:
            rest[(code, weight)] -= 1
            unsummed.append((ballot, weight))
    return tally(questions, unsummed, sums=checked.sums)


def counted_ballots(poll: Poll) -> list[dict]:
    """The stored ballots the count is made of: all but those listed invalid at the close."""
    invalid = {entry["tracker"] for entry in (poll.encryption or {}).get("invalid", [])}
    return [b for b in stored_ballots(poll.id) if tracker(b["choice"]) not in invalid]


def dealings_of(ceremony_id: int) -> list[Dealing]:
    rows = db.session.scalars(
        select(Trustee.dealing).where(Trustee.ceremony_id == ceremony_id).order_by(Trustee.number)
    )
    return [Dealing.from_json(d) for d in rows]


def trustee_number(actor: Person | None, ceremony_id: int) -> int:
    number = None
    if actor is not None:
        number = db.session.scalar(
            select(Trustee.number).where(
                Trustee.ceremony_id == ceremony_id, Trustee.person_id == actor.id
            )
        )
    if number is None:
        raise NotAllowed(_("You are not a trustee of this poll."))
    return number


def lock_counting(poll: Poll) -> None:
    """Take the poll's row lock; refuse unless it is waiting for the trustees."""
    table = poll_table()
    locked = db.session.execute(
        update(table)
        .where(table.c.id == poll.id, table.c.state == "counting")
        .values(state="counting")
        .returning(table.c.id)
    ).first()
    if locked is None:
        raise Conflict(_("This poll is not waiting for the trustees."))


def accept_decryption(poll: Poll, number: int, partial: object) -> list[dict]:
    """Check and keep trustee ``number``'s partial decryption; returns all kept so far."""
    encryption = poll.encryption or {}
    dealings = dealings_of(encryption["ceremony"])
    totals = [[Ciphertext.from_json(ct) for ct in row] for row in encryption["totals"]]
    if not isinstance(partial, dict) or partial.get("trustee") != number:
        raise Invalid(_("The decryption does not check out."))
    try:
        read_partial(encryption["label"], partial, totals, dealings)
    except EncodingError:
        raise Invalid(_("The decryption does not check out.")) from None
    kept = {
        row.trustee: row.partial
        for row in db.session.scalars(
            select(PollDecryption).where(PollDecryption.poll_id == poll.id)
        )
    }
    if number in kept:
        raise Conflict(_("You have decrypted this poll already."))
    db.session.add(PollDecryption(poll_id=poll.id, trustee=number, partial=partial))
    kept[number] = partial
    return [kept[n] for n in sorted(kept)]


def decrypted_counts(poll: Poll, ballots: list[dict], partials: list[dict]) -> dict:
    """The decryption anyone can check: totals, the t partial decryptions used, the counts."""
    encryption = poll.encryption or {}
    return decrypt_result(
        encryption["label"],
        poll_questions(poll),
        [(b["choice"], b["weight"]) for b in ballots],
        dealings_of(encryption["ceremony"]),
        encryption["threshold"],
        partials,
    )


def counted_from(poll: Poll, counts: list[list[int]], ballots: int, weight: int) -> dict:
    """The decrypted weighted counts in the shape :func:`rules.tally` gives (no head counts:
    only weighted sums are ever decrypted)."""
    ids = [c.id for c in poll.candidates]
    weights = rules.empty_tally(poll.method, ids)
    if poll.method == "yes_no_abstain":
        weights.update(dict(zip(rules.VOTES, counts[0], strict=True)))
    elif poll.method == "approval":
        weights["approvals"] = {str(c): n for c, n in zip(ids, counts[0], strict=True)}
        del weights["empty"]
    else:
        weights["candidates"] = {
            str(c): dict(zip(rules.VOTES, row, strict=True))
            for c, row in zip(ids, counts, strict=True)
        }
    return {"weights": weights, "heads": None, "ballots": ballots, "weight": weight}


def record_decryption(poll: Poll, number: int, partial: dict, actor: Person) -> None:
    audit.record(
        "poll.decryption",
        f"poll:{poll.id}",
        actor=audit.actor_of(actor),
        conference_id=poll.conference_id,
        data={"trustee": number, "partial": partial},
    )


def poll_for_decryption(poll_id: int, conference_id: int) -> Poll:
    poll = db.session.get(Poll, poll_id)
    if poll is None or poll.conference_id != conference_id or poll.encryption is None:
        raise NotFound(_("No such poll."))
    return poll


def tell_trustees(poll: Poll) -> None:
    """The trustees' open pages decrypt the poll's totals (after commit)."""
    persons = db.session.scalars(
        select(Trustee.person_id).where(Trustee.ceremony_id == (poll.encryption or {})["ceremony"])
    )
    for person_id in persons:
        events.publish(
            db.session(),
            "trustee_work",
            f"user:{person_id}",
            {"conference_id": poll.conference_id, "poll_id": poll.id},
        )
