"""Casting: ballots stored exactly once, each with a receipt."""

from __future__ import annotations

import re
from dataclasses import dataclass

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError

from participation import clock, events
from participation.extensions import db
from participation.models import (
    Accreditation,
    Ballot,
    Poll,
    PollParticipation,
    PollTracker,
    PollVoter,
)
from participation.services import audit
from participation.services.errors import Conflict, Invalid, NotAllowed
from participation.services.unit import use_case
from participation.services.voting import rules
from participation.services.voting.polls import candidate_ids, get_poll
from participation.services.voting.shapes import publish_turnout

SUBMISSION_ID = re.compile(r"^[A-Za-z0-9_.:-]{8,64}$")


@dataclass(frozen=True)
class Receipt:
    poll_id: int
    voter_id: int
    tracker: str
    #: True when this answers a retry of a ballot stored earlier.
    repeated: bool = False

    def as_dict(self) -> dict:
        return {
            "poll_id": self.poll_id,
            "voter_id": self.voter_id,
            "tracker": self.tracker,
            "repeated": self.repeated,
        }


def cast_ballot(caster_id: int | None, poll_id: int, choice, submission_id, **options) -> Receipt:
    """Cast a ballot as accreditation ``caster_id`` (for itself, or a proxy's ``voter_id``).

    Stores it durably and only then returns the receipt. A retry with the same submission id
    returns the same receipt, even when the first attempt and the retry raced each other.
    Ballots that arrive together share one commit (``ballot_box``) unless ``GROUP_COMMIT`` is
    switched off. The options are those of :func:`cast_one_ballot`.
    """
    if current_app.config.get("GROUP_COMMIT", True):
        from participation.services import ballot_box  # it builds on this module

        return ballot_box.cast(caster_id, poll_id, choice, submission_id, **options)
    return cast_one_ballot(caster_id, poll_id, choice, submission_id, **options)


def cast_one_ballot(
    caster_id: int | None,
    poll_id: int,
    choice,
    submission_id,
    *,
    voter_id: int | None = None,
    conference_id: int | None = None,
    origin: str | None = None,
) -> Receipt:
    """Cast a single ballot in a transaction of its own (see :func:`cast_ballot`).

    ``voter_id`` names the proxy giver whose vote is cast; ``conference_id`` the conference
    the poll must belong to; ``origin``, the connection that cast it, learns of it from the
    receipt, and only the caster's other devices are told.
    """
    try:
        return _cast(caster_id, poll_id, choice, submission_id, voter_id, conference_id, origin)
    except Conflict as error:
        if not isinstance(error.__cause__, IntegrityError):
            raise
    # Lost a race against a concurrent ballot for the same vote: one of them is stored.
    try:
        vote = _vote_for(get_poll(poll_id), caster_id, voter_id)
        return _earlier_receipt(poll_id, vote, submission_id)
    finally:
        db.session.rollback()  # end the read transaction


@use_case
def _cast(caster_id, poll_id, choice, submission_id, voter_id, conference_id, origin) -> Receipt:
    poll = get_poll(poll_id, conference_id)
    if poll.state == "draft":
        raise Conflict(_("This poll is not open yet."))
    if poll.state == "cancelled":
        raise Conflict(_("This poll was cancelled."))
    vote = _vote_for(poll, caster_id, voter_id)
    if not isinstance(submission_id, str) or not SUBMISSION_ID.match(submission_id):
        raise Invalid(_("The ballot has no valid submission id."))
    earlier = _earlier_receipt(poll.id, vote, submission_id, expected=False)
    if earlier is not None:
        return earlier
    if poll.state != "open":  # a clear answer early; the conditional UPDATE below decides
        raise Conflict(_("This poll is closed; the ballot was not counted."))
    try:
        normalised = rules.normalise_choice(poll.method, poll.seats, candidate_ids(poll), choice)
    except rules.BadChoice:
        raise Invalid(_("This ballot is not valid for this poll.")) from None
    table = Poll.__table__
    now = clock.now()
    bumped = db.session.execute(
        update(table)
        .where(
            table.c.id == poll.id,
            table.c.state == "open",
            (table.c.closes_at.is_(None)) | (table.c.closes_at > now),
        )
        .values(cast_count=table.c.cast_count + 1, cast_weight=table.c.cast_weight + vote.weight)
        .returning(table.c.cast_count, table.c.cast_weight)
    ).one_or_none()
    if bumped is None:
        raise Conflict(_("This poll is closed; the ballot was not counted."))
    tracker = clock.token_hex(16)
    db.session.add(
        PollParticipation(
            poll_id=poll.id,
            voter_id=vote.accreditation_id,
            cast_by_id=vote.caster_id,
            submission_id=submission_id,
            tracker=tracker,
            choice=None if poll.secret else normalised,
        )
    )
    db.session.flush()  # the unique (poll, voter) key refuses a second ballot here
    db.session.add(
        Ballot(key=clock.token_hex(16), poll_id=poll.id, choice=normalised, weight=vote.weight)
    )
    db.session.add(PollTracker(tracker=tracker, poll_id=poll.id))
    caster = db.session.get(Accreditation, vote.caster_id)
    audit.record(
        "ballot.accepted",
        f"poll:{poll.id}",
        actor=f"person:{caster.person_id}",
        conference_id=poll.conference_id,
        data=accepted_entry_data(vote),
    )
    publish_turnout(poll, bumped.cast_count, bumped.cast_weight)
    publish_vote_recorded(poll, vote, caster.person_id, origin)
    return Receipt(poll.id, vote.accreditation_id, tracker)


def accepted_entry_data(vote: PollVoter) -> dict:
    """What the audit entry of an accepted ballot says: whose vote, and who cast it.

    No choice, not even for a named poll: who voted what is published (and digested into the
    close entry) only after the close.
    """
    data = {"voter": f"accreditation:{vote.accreditation_id}"}
    if vote.caster_id != vote.accreditation_id:
        data["proxy_holder"] = f"accreditation:{vote.caster_id}"
    return data


def publish_vote_recorded(
    poll: Poll, vote: PollVoter, caster_person_id: int, origin: str | None = None
) -> None:
    """Tell the caster's other devices that this vote is cast (after commit)."""
    events.publish(
        db.session,
        "vote_recorded",
        f"user:{caster_person_id}",
        {
            "conference_id": poll.conference_id,
            "poll_id": poll.id,
            "voter_id": vote.accreditation_id,
        },
        skip=origin,
    )


def _vote_for(poll: Poll, caster_id: int | None, voter_id: int | None) -> PollVoter:
    """The frozen vote the caster casts: its own, or the proxy giver's named by voter_id."""
    if caster_id is None:
        raise NotAllowed(_("You are not eligible to vote in this poll."))
    if voter_id is not None and not (isinstance(voter_id, int) and not isinstance(voter_id, bool)):
        raise Invalid(_("The request could not be understood."))
    vote = db.session.get(PollVoter, (poll.id, voter_id if voter_id is not None else caster_id))
    if vote is None or vote.caster_id != caster_id:
        if voter_id is None and holds_only_proxies(poll.id, caster_id):
            raise Invalid(_("Choose whose vote you cast."))
        raise NotAllowed(_("You are not eligible to vote in this poll."))
    return vote


def holds_only_proxies(poll_id: int, caster_id: int) -> bool:
    return (
        db.session.scalar(
            select(PollVoter.accreditation_id)
            .where(PollVoter.poll_id == poll_id, PollVoter.caster_id == caster_id)
            .limit(1)
        )
        is not None
    )


def _earlier_receipt(poll_id: int, vote: PollVoter, submission_id, expected: bool = True):
    """The receipt of a ballot stored for this vote with this submission id.

    None if no ballot was stored (only when ``expected`` is false); "already voted" if one was
    stored with another submission id.
    """
    earlier = db.session.scalar(
        select(PollParticipation).where(
            PollParticipation.poll_id == poll_id,
            PollParticipation.voter_id == vote.accreditation_id,
        )
    )
    if earlier is None:
        if expected:
            raise Conflict(_("The ballot could not be stored. Please try again."))
        return None
    if earlier.submission_id != submission_id:
        if vote.caster_id != vote.accreditation_id:
            raise Conflict(_("This proxy vote has been cast already."))
        raise Conflict(_("You have voted in this poll already."))
    return Receipt(poll_id, vote.accreditation_id, earlier.tracker, repeated=True)
