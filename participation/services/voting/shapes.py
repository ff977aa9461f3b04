"""What clients see of voting: the JSON shapes of polls, turnout, my votes and published ballots.

None of them ever tells how a person voted in a secret poll; turnout counts heads and weight only.
Only the moderators' turnout of a named poll also names who has voted and who has not yet.
"""

from __future__ import annotations

import hashlib
import json
from datetime import datetime
from fractions import Fraction

from sqlalchemy import bindparam, select

from participation import events
from participation.extensions import db
from participation.models import (
    Accreditation,
    Organisation,
    Person,
    Poll,
    PollParticipation,
    PollTracker,
    PollVoter,
)
from participation.services.voting import sealed
from participation.services.voting.eligibility import no_vote_reason
from participation.services.voting.polls import (
    last_closed_poll,
    open_poll_of,
    stored_ballots,
    target_id_of,
)


def poll_json(poll: Poll) -> dict:
    """What anyone may see of a poll: settings, state and, once closed, the result."""
    data = {
        "id": poll.id,
        "conference_id": poll.conference_id,
        "title": poll.title,
        "question": poll.question,
        "kind": poll.kind,
        "target_kind": poll.target_kind,
        "target_id": target_id_of(poll),
        "secret": poll.secret,
        "method": poll.method,
        "seats": poll.seats,
        "majority": poll.majority,
        "quorum": {
            "kind": poll.quorum_kind,
            "value": [poll.quorum_numerator, poll.quorum_denominator],
        },
        "state": poll.state,
        "source": poll.source,
        "candidates": [{"id": c.id, "name": c.name} for c in poll.candidates]
        if poll.kind == "election"
        else [],
        "opened_at": iso(poll.opened_at),
        "closes_at": iso(poll.closes_at),
        "closed_at": iso(poll.closed_at),
        "weight_scale": poll.weight_scale,
        "encryption": sealed.public_encryption(poll),
    }
    if poll.state != "draft":
        data["eligible"] = {"count": poll.eligible_count, "weight": poll.eligible_weight}
    if poll.state == "closed":
        data["result"] = poll.result
        data["turnout"] = turnout_json(poll)
    return data


def iso(moment: datetime | None) -> str | None:
    return moment.isoformat() if moment is not None else None


def turnout_json(poll: Poll) -> dict:
    """How many of how many have voted, by head and by weight; never what they chose."""
    row = db.session.execute(
        select(Poll.cast_count, Poll.cast_weight).where(Poll.id == poll.id)
    ).one()
    return {
        "conference_id": poll.conference_id,
        "poll_id": poll.id,
        "cast_count": row.cast_count,
        "cast_weight": row.cast_weight,
        "eligible_count": poll.eligible_count,
        "eligible_weight": poll.eligible_weight,
        "weight_scale": poll.weight_scale,
    }


def moderator_turnout(poll: Poll) -> dict:
    """The turnout as the moderators see it: with the roll call of a named poll."""
    return {**turnout_json(poll), **roll_call(poll)}


def roll_call(poll: Poll) -> dict:
    """Who of the eligible has voted and who has not yet, by name, in a named poll.

    Empty for a secret poll: there the moderators count heads like everyone else. Names are
    shown as on the check-in list (person, organisation) and sorted by name.
    """
    if poll.secret:
        return {}
    rows = db.session.execute(
        select(
            Person.display_name,
            Organisation.short_name,
            Organisation.name,
            PollParticipation.voter_id.is_not(None),
        )
        .select_from(PollVoter)
        .join(Accreditation, Accreditation.id == PollVoter.accreditation_id)
        .join(Person, Person.id == Accreditation.person_id)
        .outerjoin(Organisation, Organisation.id == Accreditation.organisation_id)
        .outerjoin(
            PollParticipation,
            (PollParticipation.poll_id == PollVoter.poll_id)
            & (PollParticipation.voter_id == PollVoter.accreditation_id),
        )
        .where(PollVoter.poll_id == poll.id)
        .order_by(Person.display_name, Organisation.name, PollVoter.accreditation_id)
    ).all()
    lists: dict[str, list[dict]] = {"voted": [], "not_yet": []}
    for name, short_name, organisation, voted in rows:
        entry = {"name": name, "organisation": short_name or organisation or ""}
        lists["voted" if voted else "not_yet"].append(entry)
    return lists


def publish_turnout(poll: Poll, cast_count: int, cast_weight: int) -> None:
    """Tell the moderators and the projector how many have voted (after commit).

    The moderators' event of a named poll also carries its :func:`roll_call`.
    """
    payload = {
        "conference_id": poll.conference_id,
        "poll_id": poll.id,
        "cast_count": cast_count,
        "cast_weight": cast_weight,
        "eligible_count": poll.eligible_count,
        "eligible_weight": poll.eligible_weight,
        "weight_scale": poll.weight_scale,
    }
    session = db.session()
    moderators = {**payload, **roll_call(poll)}
    events.publish(session, "poll_turnout", f"moderators:{poll.conference_id}", moderators)
    events.publish(session, "poll_turnout", f"projector:{poll.conference_id}", payload)


#: Built once: it is read for every phone that connects (its receipts of the last poll too).
_MY_VOTES = (
    select(
        PollVoter.accreditation_id,
        PollVoter.weight,
        Person.display_name,
        PollParticipation.tracker,
    )
    .join(Accreditation, Accreditation.id == PollVoter.accreditation_id)
    .join(Person, Person.id == Accreditation.person_id)
    .outerjoin(
        PollParticipation,
        (PollParticipation.poll_id == PollVoter.poll_id)
        & (PollParticipation.voter_id == PollVoter.accreditation_id),
    )
    .where(PollVoter.poll_id == bindparam("poll_id"), PollVoter.caster_id == bindparam("caster"))
    .order_by(PollVoter.accreditation_id != bindparam("caster"), PollVoter.accreditation_id)
)


def my_votes(poll: Poll, accreditation_id: int | None) -> list[dict]:
    """The votes an accreditation casts in a poll (its own, its proxies'), with receipts."""
    if poll.state == "draft":
        return []
    return _votes_in(poll.id, poll.encryption is not None, accreditation_id)


def _votes_in(poll_id: int, encrypted: bool, accreditation_id: int | None) -> list[dict]:
    if accreditation_id is None:
        return []
    # On the connection, past the ORM's layer: plain rows, at half the cost per phone.
    parameters = {"poll_id": poll_id, "caster": accreditation_id}
    rows = db.session.connection().execute(_MY_VOTES, parameters)
    return [
        {
            "voter_id": voter_id,
            "own": voter_id == accreditation_id,
            "name": name,
            "weight": weight,
            "cast": tracker is not None,
            "tracker": tracker,
            **({"pseudonym": sealed.pseudonym(poll_id, voter_id)} if encrypted else {}),
        }
        for voter_id, weight, name, tracker in rows
    ]


def shared_voting_state(conference_id: int) -> dict:
    """The part of :func:`voting_state` that is the same for every reader: the open poll and
    the last closed one."""
    current = open_poll_of(conference_id)
    last = last_closed_poll(conference_id)
    return {
        "poll": poll_json(current) if current else None,
        "last_result": poll_json(last) if last else None,
    }


def voting_state(
    conference_id: int,
    accreditation_id: int | None,
    *,
    turnout: bool,
    moderator: bool = False,
    shared: dict | None = None,
    voting_right: bool | None = None,
) -> dict:
    """The voting part of a client's full state: the open poll, my votes, the last result.

    ``turnout`` adds the open poll's counts (moderators, projector); ``moderator`` adds the
    roll call of a named poll to them (:func:`moderator_turnout`). ``voting_right``, where
    the caller knows it, spares reading the accreditation (:func:`no_vote_reason`).

    ``no_vote`` says why there is nothing to cast in the open poll (see
    :data:`.eligibility.NO_VOTE_REASONS`); ``last_votes`` keeps my receipts of the last
    closed poll, so a phone still shows them after the close and after a reload.

    A phone's part is read from the shared state's poll and its own rows alone; the poll
    itself is loaded only for the counts.
    """
    shared = shared if shared is not None else shared_voting_state(conference_id)
    shown, last = shared["poll"], shared["last_result"]
    votes = _shown_votes(shown, accreditation_id) if shown else []
    state = {
        "poll": shown,
        "my_votes": votes,
        "no_vote": no_vote_reason(shown["id"], accreditation_id, votes, voting_right=voting_right)
        if shown
        else None,
        "last_result": last,
        "last_votes": _shown_votes(last, accreditation_id) if last else [],
    }
    if (turnout or moderator) and shown is not None:
        current = db.session.get(Poll, shown["id"])
        if current is not None:
            state["turnout"] = moderator_turnout(current) if moderator else turnout_json(current)
    return state


def _shown_votes(shown: dict, accreditation_id: int | None) -> list[dict]:
    """My votes in a poll as :func:`poll_json` shows it (see :func:`my_votes`)."""
    if shown["state"] == "draft":
        return []
    return _votes_in(shown["id"], shown["encryption"] is not None, accreditation_id)


def published_ballots(poll: Poll) -> dict:
    """After close: every ballot (in key order, which is random) and every tracker.

    Secret polls list trackers and ballots apart; named polls list who chose what.
    """
    if poll.state != "closed" or poll.source != "electronic":
        return {"ballots": [], "trackers": [], "named": []}
    ballots = stored_ballots(poll.id)
    trackers = list(
        db.session.scalars(
            select(PollTracker.tracker)
            .where(PollTracker.poll_id == poll.id)
            .order_by(PollTracker.tracker)
        )
    )
    named = []
    if not poll.secret:
        rows = db.session.execute(
            select(PollParticipation, Person.display_name, Organisation.name, PollVoter.weight)
            .join(Accreditation, Accreditation.id == PollParticipation.voter_id)
            .join(Person, Person.id == Accreditation.person_id)
            .outerjoin(Organisation, Organisation.id == Accreditation.organisation_id)
            .join(
                PollVoter,
                (PollVoter.poll_id == PollParticipation.poll_id)
                & (PollVoter.accreditation_id == PollParticipation.voter_id),
            )
            .where(PollParticipation.poll_id == poll.id)
            .order_by(Person.display_name)
        ).all()
        named = [
            {
                "name": name,
                "organisation": organisation,
                "choice": participation.choice,
                "weight": weight,
                "tracker": participation.tracker,
                "by_proxy": participation.cast_by_id != participation.voter_id,
            }
            for participation, name, organisation, weight in rows
        ]
    return {"ballots": ballots, "trackers": trackers, "named": named}


def ballots_digest(ballots: list[dict]) -> str:
    """SHA-256 over the ballots in key order; recorded in the audit trail at close."""
    canonical = json.dumps(
        [[b["key"], b["choice"], b["weight"]] for b in sorted(ballots, key=lambda b: b["key"])],
        sort_keys=True,
        separators=(",", ":"),
    )
    return hashlib.sha256(canonical.encode()).hexdigest()


def weight_text(units: int, scale: int) -> str:
    """A weight for people: whole numbers as such, shares to two decimals."""
    value = Fraction(units, scale or 1)
    if value.denominator == 1:
        return str(value.numerator)
    return f"{float(value):.2f}"
