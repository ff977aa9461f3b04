"""The trustees' key ceremony: a poll key for the conference that no one ever holds whole.

A moderator appoints n trustees (accredited people) and a threshold t. Each trustee's own
browser then, on the trustee page (``static/js/trustee.js``):

1. publishes a transport key, to which the others seal the key shares meant for it;
2. once every transport key is known, publishes its dealing (commitments and a proof of
   knowledge) and one sealed share for every trustee;
3. once every dealing is known, opens the shares sealed to it, checks each against its
   dealer's commitments, keeps the sum (its key share) on the device and confirms, or
   reports the dealer whose share fails, which ends the ceremony.

When every trustee has confirmed, the conference's public key is the sum of the dealings'
first commitments; secret polls opened from then on are encrypted to it. The server checks
every public part (proofs, encodings) but holds nothing that decrypts. With n = 1 the single
trustee holds the whole key: a weaker mode for small meetings, named as such in every result.
"""

from __future__ import annotations

from flask_babel import gettext as _
from sqlalchemy import select, update

from participation import events
from participation.ballots import Dealing, EncodingError, Point, dealing_is_valid, public_key
from participation.extensions import db
from participation.models import (
    Accreditation,
    KeyCeremony,
    Person,
    Poll,
    PollDecryption,
    SealedShare,
    Trustee,
)
from participation.services import audit, authz
from participation.services.errors import Conflict, Invalid, NotAllowed, NotFound
from participation.services.unit import use_case

#: The most trustees a conference appoints: every one deals to every other.
MAX_TRUSTEES = 9


def current_ceremony(conference_id: int) -> KeyCeremony | None:
    """The conference's ceremony that is not retired (dealing, ready or failed), if any."""
    return db.session.scalar(
        select(KeyCeremony)
        .where(KeyCeremony.conference_id == conference_id, KeyCeremony.state != "retired")
        .order_by(KeyCeremony.id.desc())
        .limit(1)
    )


def ready_ceremony(conference_id: int) -> KeyCeremony | None:
    """The ceremony whose key secret polls are encrypted to, when there is one."""
    ceremony = current_ceremony(conference_id)
    return ceremony if ceremony is not None and ceremony.state == "ready" else None


def ceremony_of(ceremony_id: int) -> KeyCeremony:
    ceremony = db.session.get(KeyCeremony, ceremony_id)
    if ceremony is None:
        raise NotFound(_("No such key ceremony."))
    return ceremony


def is_trustee(person_id: int, conference_id: int) -> bool:
    """Whether the person is a trustee of the conference's current ceremony."""
    ceremony = current_ceremony(conference_id)
    return ceremony is not None and any(t.person_id == person_id for t in ceremony.trustees)


# --- appointing --------------------------------------------------------------------------------


def candidates(conference_id: int) -> list[tuple[int, str]]:
    """Who may be appointed: every person accredited to the conference, by name."""
    rows = db.session.execute(
        select(Person.id, Person.display_name)
        .join(Accreditation, Accreditation.person_id == Person.id)
        .where(Accreditation.conference_id == conference_id)
        .order_by(Person.display_name)
    ).all()
    return [(person_id, name) for person_id, name in rows]


@use_case
def appoint(
    actor: Person | None, conference_id: int, person_ids: list[int], threshold: int
) -> KeyCeremony:
    """Start a ceremony with these people as trustees 1…n (in the order given)."""
    authz.require_actor(actor, "moderator", conference_id)
    if not 1 <= len(person_ids) <= MAX_TRUSTEES or len(set(person_ids)) != len(person_ids):
        raise Invalid(_("Choose between 1 and %(n)s different trustees.", n=MAX_TRUSTEES))
    if not 1 <= threshold <= len(person_ids):
        raise Invalid(_("The threshold is between 1 and the number of trustees."))
    accredited = set(
        db.session.scalars(
            select(Accreditation.person_id).where(
                Accreditation.conference_id == conference_id,
                Accreditation.person_id.in_(person_ids),
            )
        )
    )
    if accredited != set(person_ids):
        raise Invalid(_("Every trustee must be accredited to this conference."))
    _require_no_poll_in_progress(conference_id)
    for old in db.session.scalars(
        select(KeyCeremony).where(
            KeyCeremony.conference_id == conference_id, KeyCeremony.state != "retired"
        )
    ):
        old.state = "retired"
    ceremony = KeyCeremony(
        conference_id=conference_id,
        threshold=threshold,
        trustee_count=len(person_ids),
        state="dealing",
    )
    ceremony.trustees = [
        Trustee(number=n, person_id=pid) for n, pid in enumerate(person_ids, start=1)
    ]
    db.session.add(ceremony)
    db.session.flush()
    audit.record(
        "trustees.appointed",
        f"ceremony:{ceremony.id}",
        actor=audit.actor_of(actor),
        conference_id=conference_id,
        data={
            "label": ceremony.label,
            "threshold": threshold,
            "trustees": [{"number": t.number, "person": t.person_id} for t in ceremony.trustees],
        },
    )
    _tell_trustees(ceremony)
    return ceremony


def _require_no_poll_in_progress(conference_id: int) -> None:
    """A new key is refused while an encrypted poll still needs the old trustees."""
    busy = db.session.scalar(
        select(Poll.id)
        .where(
            Poll.conference_id == conference_id,
            Poll.state.in_(("open", "counting")),
            Poll.encryption.is_not(None),
        )
        .limit(1)
    )
    if busy is not None:
        raise Conflict(_("An encrypted poll is open or being counted. Appoint trustees after it."))


# --- a trustee's steps -------------------------------------------------------------------------


def _my_place(actor: Person | None, conference_id: int) -> tuple[KeyCeremony, Trustee]:
    """The actor's trustee row in the conference's dealing ceremony, its row lock taken."""
    if actor is None:
        raise NotAllowed(_("You are not allowed to do this."))
    ceremony = current_ceremony(conference_id)
    if ceremony is None:
        raise NotFound(_("No key ceremony is under way."))
    trustee = next((t for t in ceremony.trustees if t.person_id == actor.id), None)
    if trustee is None:
        raise NotAllowed(_("You are not a trustee of this conference."))
    locked = db.session.execute(
        update(KeyCeremony)
        .where(KeyCeremony.id == ceremony.id, KeyCeremony.state == "dealing")
        .values(state="dealing")
        .returning(KeyCeremony.id)
    ).first()
    if locked is None:
        raise Conflict(_("The key ceremony is over."))
    db.session.refresh(ceremony)
    return ceremony, trustee


@use_case
def publish_transport_key(actor: Person | None, conference_id: int, key: str) -> None:
    """Step 1: the trustee's transport key; once published it stays."""
    ceremony, trustee = _my_place(actor, conference_id)
    try:
        Point.from_hex(key)
    except EncodingError:
        raise Invalid(_("The key is not a valid public key.")) from None
    if trustee.transport_key not in (None, key):
        raise Conflict(_("Your transport key is published already."))
    trustee.transport_key = key
    _recorded(ceremony, trustee, "trustee.transport_key", {"key": key})


@use_case
def publish_dealing(
    actor: Person | None, conference_id: int, dealing: dict, sealed: list[dict]
) -> None:
    """Step 2: the dealing and a share sealed to every trustee (itself included)."""
    ceremony, trustee = _my_place(actor, conference_id)
    if any(t.transport_key is None for t in ceremony.trustees):
        raise Conflict(_("Not every trustee has published a transport key yet."))
    if trustee.dealing is not None:
        raise Conflict(_("Your dealing is published already."))
    try:
        read = Dealing.from_json(dealing)
        envelopes = {_receiver(s, trustee.number): s for s in sealed}
    except EncodingError:
        raise Invalid(_("The dealing could not be read.")) from None
    valid = read.trustee == trustee.number and dealing_is_valid(
        ceremony.label, read, ceremony.threshold, ceremony.trustee_count
    )
    if not valid or set(envelopes) != {t.number for t in ceremony.trustees}:
        raise Invalid(_("The dealing does not check out."))
    trustee.dealing = read.to_json()
    for receiver, envelope in envelopes.items():
        db.session.add(
            SealedShare(
                ceremony_id=ceremony.id,
                sender=trustee.number,
                receiver=receiver,
                sealed=envelope,
            )
        )
    _recorded(ceremony, trustee, "trustee.dealing", {"dealing": trustee.dealing})


@use_case
def confirm_share(
    actor: Person | None, conference_id: int, *, failed_dealer: int | None = None
) -> None:
    """Step 3: the trustee holds its key share; or it names a dealer whose share failed."""
    ceremony, trustee = _my_place(actor, conference_id)
    if any(t.dealing is None for t in ceremony.trustees):
        raise Conflict(_("Not every trustee has dealt yet."))
    if failed_dealer is not None:
        ceremony.state = "failed"
        ceremony.failure = f"trustee {trustee.number}: the share of trustee {failed_dealer} fails"
        _recorded(ceremony, trustee, "trustees.failed", {"dealer": failed_dealer})
        return
    trustee.confirmed = True
    _recorded(ceremony, trustee, "trustee.confirmed", {})
    if all(t.confirmed for t in ceremony.trustees):
        dealings = [Dealing.from_json(t.dealing) for t in ceremony.trustees]
        ceremony.public_key = public_key(dealings).hex()
        ceremony.state = "ready"
        audit.record(
            "trustees.ready",
            f"ceremony:{ceremony.id}",
            conference_id=conference_id,
            data={"public_key": ceremony.public_key},
        )
        _tell_trustees(ceremony)


def _receiver(envelope: object, sender: int) -> int:
    """Whom a sealed share from ``sender`` is for (its encodings are checked on opening)."""
    keys = {"sender", "receiver", "ephemeral", "sealed"}
    if not isinstance(envelope, dict) or set(envelope) != keys or envelope["sender"] != sender:
        raise EncodingError("a sealed share has sender, receiver, ephemeral and sealed")
    receiver = envelope["receiver"]
    if not isinstance(receiver, int) or isinstance(receiver, bool):
        raise EncodingError("a sealed share names its receiver")
    return receiver


def _recorded(ceremony: KeyCeremony, trustee: Trustee, action: str, data: dict) -> None:
    audit.record(
        action,
        f"ceremony:{ceremony.id}",
        actor=f"person:{trustee.person_id}",
        conference_id=ceremony.conference_id,
        data={"trustee": trustee.number, **data},
    )
    _tell_trustees(ceremony)


def _tell_trustees(ceremony: KeyCeremony) -> None:
    """Every trustee's open page takes its next step (after commit)."""
    for trustee in ceremony.trustees:
        events.publish(
            db.session(),
            "trustee_work",
            f"user:{trustee.person_id}",
            {"conference_id": ceremony.conference_id},
        )


# --- what a trustee's page reads ---------------------------------------------------------------


def trustee_state(actor: Person | None, conference_id: int) -> dict:
    """The ceremony as the trustee page needs it, and the polls waiting for this trustee.

    Everything here is public but the sealed shares, of which a trustee gets only those sealed
    to it (they are useless to anyone else, but nobody needs them).
    """
    ceremony = current_ceremony(conference_id)
    if ceremony is None:
        return {"ceremony": None, "me": None, "work": []}
    me = next((t for t in ceremony.trustees if actor and t.person_id == actor.id), None)
    state: dict = {
        "ceremony": {
            "id": ceremony.id,
            "label": ceremony.label,
            "state": ceremony.state,
            "threshold": ceremony.threshold,
            "trustees": [
                {
                    "number": t.number,
                    "name": t.person.display_name,
                    "transport_key": t.transport_key,
                    "dealing": t.dealing,
                    "confirmed": t.confirmed,
                }
                for t in ceremony.trustees
            ],
            "public_key": ceremony.public_key,
            "failure": ceremony.failure,
        },
        "me": me.number if me is not None else None,
        "sealed": [],
        "work": [],
    }
    if me is not None:
        state["sealed"] = [
            s.sealed
            for s in db.session.scalars(
                select(SealedShare)
                .where(SealedShare.ceremony_id == ceremony.id, SealedShare.receiver == me.number)
                .order_by(SealedShare.sender)
            )
        ]
        state["work"] = _work_for(ceremony, me.number)
    return state


def _work_for(ceremony: KeyCeremony, number: int) -> list[dict]:
    """The counting polls of this ceremony that this trustee has not decrypted yet."""
    polls = db.session.scalars(
        select(Poll).where(Poll.conference_id == ceremony.conference_id, Poll.state == "counting")
    )
    work = []
    for poll in polls:
        encryption = poll.encryption or {}
        if encryption.get("ceremony") != ceremony.id:
            continue
        done = db.session.get(PollDecryption, (poll.id, number))
        if done is None:
            work.append(
                {
                    "poll_id": poll.id,
                    "title": poll.title,
                    "label": encryption["label"],
                    "totals": encryption["totals"],
                }
            )
    return work
