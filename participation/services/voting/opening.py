"""Opening a poll: the eligible set frozen, the target moved into the vote, the ballot shown."""

from __future__ import annotations

from datetime import timedelta

from flask_babel import gettext as _
from sqlalchemy import select, update
from sqlalchemy.orm import aliased

from participation import clock, events
from participation.extensions import db
from participation.models import Accreditation, Person, Poll, PollVoter
from participation.services import audit, authz, documents, trustees
from participation.services.conferences import get_conference
from participation.services.errors import Conflict
from participation.services.unit import use_case
from participation.services.voting import sealed
from participation.services.voting.eligibility import eligible_snapshot, freeze, snapshot_digest
from participation.services.voting.polls import (
    get_poll,
    open_poll_of,
    poll_table,
    target_of,
    voting_settings,
)
from participation.services.voting.shapes import iso, poll_json, publish_turnout


@use_case
def open_poll(actor: Person | None, conference_id: int, poll_id: int) -> Poll:
    """Open a draft poll: freeze the eligible set and weights, show the ballot on every phone."""
    authz.require_actor(actor, "moderator", conference_id)
    poll = get_poll(poll_id, conference_id)
    if poll.state != "draft":
        raise Conflict(_("This poll has been opened already."))
    if open_poll_of(conference_id) is not None:
        raise Conflict(_("Another poll is open. Close it first."))
    _require_trustees(poll)
    now = clock.now()
    closes_at = now + timedelta(seconds=poll.duration_seconds) if poll.duration_seconds else None
    table = poll_table()
    opened = db.session.execute(
        update(table)
        .where(table.c.id == poll.id, table.c.state == "draft")
        .values(state="open", opened_at=now, closes_at=closes_at)
        .returning(table.c.id)
    ).first()
    if opened is None:
        raise Conflict(_("This poll has been opened already."))
    db.session.refresh(poll)
    snapshot = eligible_snapshot(get_conference(conference_id))
    freeze(poll, snapshot)
    poll.encryption = sealed.encryption_at_opening(poll, trustees.ready_ceremony(conference_id))
    target = target_of(poll)
    if target is not None:
        documents.start_vote(*target, actor)
    db.session.flush()
    audit.record(
        "poll.opened",
        f"poll:{poll.id}",
        actor=audit.actor_of(actor),
        conference_id=conference_id,
        data={
            "eligible_count": poll.eligible_count,
            "eligible_weight": poll.eligible_weight,
            "weight_scale": poll.weight_scale,
            "organisations_present": poll.organisations_present,
            "eligible_digest": snapshot_digest(snapshot),
            "closes_at": iso(closes_at),
            **({"encryption": poll.encryption} if poll.encryption else {}),
        },
    )
    payload = poll_json(poll)
    _publish_ballots(poll, payload)
    events.publish(db.session(), "poll_opened", f"conference:{conference_id}", payload)
    publish_turnout(poll, poll.cast_count, poll.cast_weight)
    return poll


def _require_trustees(poll: Poll) -> None:
    """A secret electronic poll is encrypted, unless the conference allows it unencrypted."""
    if not poll.secret or poll.source != "electronic":
        return
    if trustees.ready_ceremony(poll.conference_id) is not None:
        return
    if not voting_settings(get_conference(poll.conference_id))["unencrypted_secret"]:
        raise Conflict(
            _(
                "Secret ballots are encrypted to the trustees' key, and no trustees hold one "
                "yet. Appoint trustees first, or allow secret ballots without trustees in the "
                "voting settings."
            )
        )


def _publish_ballots(poll: Poll, payload: dict) -> None:
    """Send each person who casts votes in the opened poll their ballot state, before the
    opening reaches the hall: a thousand phones then show the ballot without a thousand
    requests for it at once (``ballot_ready``, the same shape as ``poll_state``'s answer)."""
    voter = aliased(Accreditation)
    rows = db.session.execute(
        select(PollVoter, Person.display_name, Accreditation.person_id)
        .join(voter, voter.id == PollVoter.accreditation_id)
        .join(Person, Person.id == voter.person_id)
        .join(Accreditation, Accreditation.id == PollVoter.caster_id)
        .where(PollVoter.poll_id == poll.id)
        .order_by(
            PollVoter.caster_id,
            PollVoter.accreditation_id != PollVoter.caster_id,
            PollVoter.accreditation_id,
        )
    ).all()
    ballots: dict[tuple[int, int], list[dict]] = {}
    for vote, name, caster_person_id in rows:
        ballots.setdefault((caster_person_id, vote.caster_id), []).append(
            {
                "voter_id": vote.accreditation_id,
                "own": vote.accreditation_id == vote.caster_id,
                "name": name,
                "weight": vote.weight,
                "cast": False,
                "tracker": None,
                **_pseudonym(poll, vote.accreditation_id),
            }
        )
    for (person_id, _caster_id), votes in ballots.items():
        voting = {"poll": payload, "my_votes": votes, "last_result": None}
        events.publish(
            db.session(),
            "ballot_ready",
            f"user:{person_id}",
            {"conference_id": poll.conference_id, "voting": voting},
        )


def _pseudonym(poll: Poll, accreditation_id: int) -> dict:
    """The label an encrypted poll's ballot for this vote is made under."""
    if poll.encryption is None:
        return {}
    return {"pseudonym": sealed.pseudonym(poll.id, accreditation_id)}
