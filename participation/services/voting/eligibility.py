"""Who may vote, and with what weight: the eligible set, frozen when a poll opens."""

from __future__ import annotations

import hashlib
import json
import math
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import func, insert, select

from participation.extensions import db
from participation.models import (
    Accreditation,
    Conference,
    Organisation,
    Person,
    Poll,
    PollVoter,
    Proxy,
)
from participation.services.voting.polls import voting_settings


@dataclass(frozen=True)
class Snapshot:
    #: (owner accreditation id, caster accreditation id, weight units, organisation id)
    voters: list[tuple[int, int, int, int | None]]
    scale: int
    organisations_present: int
    organisations_total: int
    #: Every accredited vote with voting right, present or not, in units of 1/scale.
    member_weight: int = 0
    #: What the conference counts quorum against ("present" or "members").
    quorum_base: str = "present"

    @property
    def weight(self) -> int:
        return sum(v[2] for v in self.voters)


def eligible_snapshot(conference: Conference) -> Snapshot:
    """Who may vote, and with what weight, if a poll opened now.

    A vote belongs to each delegate with voting right. It is cast by the delegate if present,
    or by the holder of the delegate's proxy if the holder is present and may vote. With votes
    per organisation, each organisation's votes are shared equally by its eligible votes, so
    weights become fractions; they are kept as whole multiples of 1/scale.
    """
    accreditations = db.session.scalars(
        select(Accreditation).where(
            Accreditation.conference_id == conference.id, Accreditation.voting_right.is_(True)
        )
    ).all()
    by_id = {a.id: a for a in accreditations}
    proxies: dict[int, int] = dict(
        db.session.execute(
            select(Proxy.giver_id, Proxy.holder_id).where(Proxy.conference_id == conference.id)
        )
        .tuples()
        .all()
    )
    eligible = []
    for owner in accreditations:
        caster = by_id.get(proxies[owner.id]) if owner.id in proxies else owner
        if caster is not None and caster.present:
            eligible.append((owner, caster))
    settings = voting_settings(conference)
    per_org = settings["votes_per_organisation"]
    shares: dict[int, int] = {}
    if per_org:
        for owner, _caster in eligible:
            if owner.organisation_id is not None:
                shares[owner.organisation_id] = shares.get(owner.organisation_id, 0) + 1
    scale = math.lcm(*shares.values()) if shares else 1
    voters = []
    for owner, caster in eligible:
        if per_org and owner.organisation_id is not None:
            weight = per_org * scale // shares[owner.organisation_id]
        else:
            weight = owner.vote_weight * scale
        voters.append((owner.id, caster.id, weight, owner.organisation_id))
    total = db.session.scalar(
        select(func.count()).select_from(Organisation).where(Organisation.active.is_(True))
    )
    present = len({v[3] for v in voters if v[3] is not None})
    members = _member_weight(accreditations, per_org, scale)
    return Snapshot(
        sorted(voters), scale, present, int(total or 0), members, settings["quorum_base"]
    )


def _member_weight(accreditations: Sequence[Accreditation], per_org: int | None, scale: int) -> int:
    """The weight of every accredited vote with voting right, present or not: an
    organisation's votes once when they are shared, else each delegate's own."""
    if per_org:
        organisations = {a.organisation_id for a in accreditations if a.organisation_id}
        unaffiliated = [a for a in accreditations if a.organisation_id is None]
        return (per_org * len(organisations) + sum(a.vote_weight for a in unaffiliated)) * scale
    return sum(a.vote_weight for a in accreditations) * scale


def freeze(poll: Poll, snapshot: Snapshot) -> None:
    """Keep the snapshot as the poll's votes and totals: later check-ins do not change them."""
    if snapshot.voters:
        db.session.execute(
            insert(PollVoter),
            [
                {
                    "poll_id": poll.id,
                    "accreditation_id": owner,
                    "caster_id": caster,
                    "weight": weight,
                    "organisation_id": organisation,
                }
                for owner, caster, weight, organisation in snapshot.voters
            ],
        )
    poll.weight_scale = snapshot.scale
    poll.eligible_count = len(snapshot.voters)
    poll.eligible_weight = snapshot.weight
    poll.member_weight = snapshot.member_weight
    poll.quorum_base = snapshot.quorum_base
    poll.organisations_present = snapshot.organisations_present
    poll.organisations_total = snapshot.organisations_total


def snapshot_digest(snapshot: Snapshot) -> str:
    """SHA-256 over the eligible set; recorded in the audit trail when it is frozen."""
    return hashlib.sha256(json.dumps(snapshot.voters).encode()).hexdigest()


#: Why a phone shows no ballot to cast, as the voting state names it (the phone words it).
NO_VOTE_REASONS = (
    "no_right",  # an observer, a guest, staff: no voting right at this conference
    "not_checked_in",  # voting right, but not checked in at the desk
    "checked_in_late",  # checked in after the poll opened: the eligible set was frozen then
    "proxy",  # the vote was transferred and the holder casts it
    "proxy_absent",  # the vote was transferred, but the holder was not checked in at opening
    "voted",  # every vote this person casts is cast
)


def no_vote_reason(
    poll_id: int,
    accreditation_id: int | None,
    votes: list[dict],
    *,
    voting_right: bool | None = None,
) -> dict | None:
    """Why the accreditation has nothing to cast in the open poll, or None when it has.

    ``votes`` are the votes it casts (:func:`.shapes.my_votes`). The answer is read from the
    frozen eligible set first, so a check-in or a proxy recorded after the opening does not
    change what the phone says about this poll. The accreditation is read only when that set
    does not answer, and not at all for ``voting_right=False`` (a phone's identity carries
    it): a hall connecting at once reads no row for what it already knows.
    """
    if votes:
        return {"reason": "voted"} if all(v["cast"] for v in votes) else None
    if accreditation_id is None or voting_right is False:
        return {"reason": "no_right"}
    accreditation = db.session.get(Accreditation, accreditation_id)
    if accreditation is None or not accreditation.voting_right:
        return {"reason": "no_right"}
    holder = db.session.execute(
        select(Person.display_name)
        .join(Accreditation, Accreditation.person_id == Person.id)
        .join(PollVoter, PollVoter.caster_id == Accreditation.id)
        .where(PollVoter.poll_id == poll_id, PollVoter.accreditation_id == accreditation.id)
    ).scalar()
    if holder is not None:
        return {"reason": "proxy", "holder": holder}
    absent_holder = db.session.execute(
        select(Person.display_name)
        .join(Accreditation, Accreditation.person_id == Person.id)
        .join(Proxy, Proxy.holder_id == Accreditation.id)
        .where(Proxy.giver_id == accreditation.id)
    ).scalar()
    if absent_holder is not None:
        return {"reason": "proxy_absent", "holder": absent_holder}
    return {"reason": "checked_in_late" if accreditation.present else "not_checked_in"}
