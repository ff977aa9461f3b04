"""Live voting: polls, the eligible set frozen at opening, ballots exactly once, results, proxies.

Exactly once. A ballot's transaction first bumps the poll's counter with a conditional UPDATE
(``… WHERE state = 'open'``), which takes the write lock and refuses a poll that closed; then
it inserts who voted (unique per poll and voter, by the schema), the ballot and the tracker,
and appends the audit entry. A retry with the same submission id gets the same receipt.
Opening and closing are compare-and-set UPDATEs too, so two moderators closing at once produce
one result and one audit entry.

Secrecy. In a secret poll, who voted (``PollParticipation``) and what was chosen (``Ballot``)
share nothing but the poll: the ballot has a random key, no voter, no time; the audit entry,
the broadcasts and the logs name the voter but never the choice.
"""

from __future__ import annotations

import hashlib
import json
import math
import re
from dataclasses import dataclass
from datetime import timedelta
from fractions import Fraction

from flask import current_app
from flask_babel import gettext as _
from sqlalchemy import delete, func, insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import aliased

from participation import clock, events
from participation.extensions import db
from participation.models import (
    Accreditation,
    Amendment,
    AuditEntry,
    AuditHead,
    Ballot,
    Conference,
    Demand,
    Document,
    Organisation,
    Person,
    Poll,
    PollCandidate,
    PollParticipation,
    PollTracker,
    PollVoter,
    Proxy,
)
from participation.models.voting import MAJORITIES, QUORUM_KINDS
from participation.services import audit
from participation.services import voting_rules as rules
from participation.services.errors import Conflict, Invalid, NotAllowed, NotFound
from participation.services.unit import use_case

#: Conference.settings["voting"] keys and their defaults.
DEFAULT_SETTINGS = {
    "secret": False,
    "majority": "simple",
    "quorum_kind": "none",
    #: A share ("1/2", "50%") or, for organisations_count, a number.
    "quorum": "1/2",
    #: Votes each member organisation holds, shared by its present delegates; None: per person.
    "votes_per_organisation": None,
    "max_proxies_per_holder": 1,
    "duration_seconds": None,
}
TARGET_MODELS = {"amendment": Amendment, "document": Document, "demand": Demand}
SUBMISSION_ID = re.compile(r"^[A-Za-z0-9_.:-]{8,64}$")
MAX_CANDIDATES = 100
MAX_DURATION = 24 * 3600


def _documents():
    """The documents service (imported late: it calls nothing of ours, but is written apart)."""
    from participation.services import documents

    return documents


# --- reading ---------------------------------------------------------------------------------


def get_poll(poll_id: int, conference_id: int | None = None) -> Poll:
    """The poll, refusing one of another conference than the caller names."""
    poll = db.session.get(Poll, poll_id)
    if poll is None or (conference_id is not None and poll.conference_id != conference_id):
        raise NotFound(_("No such poll."))
    return poll


def voting_settings(conference: Conference) -> dict:
    stored = (conference.settings or {}).get("voting") or {}
    return {**DEFAULT_SETTINGS, **{k: v for k, v in stored.items() if k in DEFAULT_SETTINGS}}


def polls_of(conference_id: int) -> list[Poll]:
    return list(
        db.session.scalars(
            select(Poll).where(Poll.conference_id == conference_id).order_by(Poll.id.desc())
        )
    )


def open_poll_of(conference_id: int) -> Poll | None:
    return db.session.scalar(
        select(Poll).where(Poll.conference_id == conference_id, Poll.state == "open")
    )


def last_closed_poll(conference_id: int) -> Poll | None:
    return db.session.scalar(
        select(Poll)
        .where(Poll.conference_id == conference_id, Poll.state == "closed")
        .order_by(Poll.closed_at.desc(), Poll.id.desc())
        .limit(1)
    )


def describe_target(poll: Poll) -> dict:
    """Label and title of what the poll decides on."""
    if poll.target_kind in ("question", "election"):
        return {"label": "", "title": poll.title}
    target_id = _target_id(poll.target_kind, poll)
    try:
        return _documents().describe_target(poll.target_kind, target_id)
    except (ImportError, AttributeError):
        return _own_description(poll.target_kind, target_id)


def _own_description(kind: str, target_id: int) -> dict:
    row = db.session.get(TARGET_MODELS[kind], target_id)
    if row is None:
        return {"label": "", "title": ""}
    if kind == "amendment":
        return {"label": f"{row.document.number} {row.number}", "title": row.document.title}
    if kind == "demand":
        return {"label": f"{row.catalogue.number} {row.label}", "title": row.catalogue.title}
    return {"label": row.number, "title": row.title}


def _target_id(kind: str, poll: Poll) -> int | None:
    return {
        "amendment": poll.amendment_id,
        "document": poll.document_id,
        "demand": poll.demand_id,
    }.get(kind)


def target_choices(actor, conference_id: int) -> list[tuple[str, str]]:
    """(value, label) pairs of what can go to the vote now, in the voting order."""
    choices = []
    for _item, entries in _documents().vote_order(actor, conference_id):
        for entry in entries:
            label = f"{entry.label} – {entry.document.title}"
            choices.append((f"{entry.kind}:{entry.target_id}", label[:200]))
    return choices


def poll_json(poll: Poll) -> dict:
    """What anyone may see of a poll: settings, state and, once closed, the result."""
    data = {
        "id": poll.id,
        "conference_id": poll.conference_id,
        "title": poll.title,
        "question": poll.question,
        "kind": poll.kind,
        "target_kind": poll.target_kind,
        "target_id": _target_id(poll.target_kind, poll),
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
        "opened_at": _iso(poll.opened_at),
        "closes_at": _iso(poll.closes_at),
        "closed_at": _iso(poll.closed_at),
        "weight_scale": poll.weight_scale,
    }
    if poll.state != "draft":
        data["eligible"] = {"count": poll.eligible_count, "weight": poll.eligible_weight}
    if poll.state == "closed":
        data["result"] = poll.result
        data["turnout"] = turnout_json(poll)
    return data


def _iso(moment) -> str | None:
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


def my_votes(poll: Poll, accreditation_id: int | None) -> list[dict]:
    """The votes an accreditation casts in a poll (its own, its proxies'), with receipts."""
    if accreditation_id is None or poll.state == "draft":
        return []
    rows = db.session.execute(
        select(PollVoter, Person.display_name, PollParticipation.tracker)
        .join(Accreditation, Accreditation.id == PollVoter.accreditation_id)
        .join(Person, Person.id == Accreditation.person_id)
        .outerjoin(
            PollParticipation,
            (PollParticipation.poll_id == PollVoter.poll_id)
            & (PollParticipation.voter_id == PollVoter.accreditation_id),
        )
        .where(PollVoter.poll_id == poll.id, PollVoter.caster_id == accreditation_id)
        .order_by(PollVoter.accreditation_id != accreditation_id, PollVoter.accreditation_id)
    ).all()
    return [
        {
            "voter_id": voter.accreditation_id,
            "own": voter.accreditation_id == accreditation_id,
            "name": name,
            "weight": voter.weight,
            "cast": tracker is not None,
            "tracker": tracker,
        }
        for voter, name, tracker in rows
    ]


def voting_state(conference_id: int, accreditation_id: int | None, *, turnout: bool) -> dict:
    """The voting part of a client's full state: the open poll, my votes, the last result."""
    current = open_poll_of(conference_id)
    last = last_closed_poll(conference_id)
    state = {
        "poll": poll_json(current) if current else None,
        "my_votes": my_votes(current, accreditation_id) if current else [],
        "last_result": poll_json(last) if last else None,
    }
    if turnout and current is not None:
        state["turnout"] = turnout_json(current)
    return state


def published_ballots(poll: Poll) -> dict:
    """After close: every ballot (in key order, which is random) and every tracker.

    Secret polls list trackers and ballots apart; named polls list who chose what.
    """
    if poll.state != "closed" or poll.source != "electronic":
        return {"ballots": [], "trackers": [], "named": []}
    ballots = [
        {"key": b.key, "choice": b.choice, "weight": b.weight}
        for b in db.session.execute(
            select(Ballot.key, Ballot.choice, Ballot.weight)
            .where(Ballot.poll_id == poll.id)
            .order_by(Ballot.key)
        )
    ]
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


def audit_head() -> dict:
    """The chain's head: how many entries, and the hash of the last."""
    head = db.session.get(AuditHead, 1)
    return {"seq": head.seq if head else 0, "hash": head.hash if head else "0" * 64}


def published_audit_seq() -> int | None:
    """The last entry the public may read, or None when every entry is public.

    While a poll is open, the public log ends with the entry that opened it: one
    ``ballot.accepted`` entry per ballot would let anyone count its turnout before the close.
    The withheld entries appear, with their place in the chain unchanged, once it closes.
    """
    open_polls = db.session.scalars(select(Poll.id).where(Poll.state == "open")).all()
    if not open_polls:
        return None
    return db.session.scalar(
        select(func.min(AuditEntry.seq)).where(
            AuditEntry.action == "poll.opened",
            AuditEntry.subject.in_([f"poll:{poll_id}" for poll_id in open_polls]),
        )
    )


def audit_page(after: int = 0, limit: int = 200) -> dict:
    """A page of the public audit chain, oldest first, and its public head."""
    limit = max(1, min(int(limit), 1000))
    withheld_after = published_audit_seq()
    if withheld_after is None:
        head = audit_head()
    else:
        last = db.session.scalar(select(AuditEntry).where(AuditEntry.seq == withheld_after))
        head = {"seq": last.seq, "hash": last.hash}
    entries = db.session.scalars(
        select(AuditEntry)
        .where(AuditEntry.seq > after, AuditEntry.seq <= head["seq"])
        .order_by(AuditEntry.seq)
        .limit(limit)
    ).all()
    return {
        "head": head,
        "withheld": withheld_after is not None,
        "entries": [
            {
                "seq": e.seq,
                "at": e.at.isoformat(timespec="microseconds"),
                "actor": e.actor,
                "action": e.action,
                "subject": e.subject,
                "conference_id": e.conference_id,
                "data": e.data,
                "prev_hash": e.prev_hash,
                "hash": e.hash,
            }
            for e in entries
        ],
    }


# --- creating --------------------------------------------------------------------------------


def parse_quorum(kind: str, value) -> tuple[int, int]:
    """(numerator, denominator) of a quorum given as a share or, for a count, a number."""
    if kind == "none":
        return 0, 1
    if kind == "organisations_count":
        text = str(value).strip()
        if not text.isdigit() or int(text) < 1:
            raise Invalid(_("The quorum must be a number of organisations (1 or more)."))
        return int(text), 1
    try:
        share = rules.parse_share(value)
    except ValueError:
        raise Invalid(_("The quorum must be a share such as 1/2 or 50%.")) from None
    return share.numerator, share.denominator


@use_case
def create_poll(
    actor: Person | None,
    conference_id: int,
    *,
    title: str = "",
    target_kind: str = "question",
    target_id: int | None = None,
    question: str = "",
    secret: bool | None = None,
    method: str | None = None,
    majority: str | None = None,
    quorum_kind: str | None = None,
    quorum=None,
    seats: int = 1,
    candidates: list[str] | None = None,
    duration_seconds: int | None = None,
    agenda_item_id: int | None = None,
) -> Poll:
    """A draft poll; settings not given come from the conference's voting defaults."""
    conference = db.session.get(Conference, conference_id)
    if conference is None:
        raise NotFound(_("No such conference."))
    defaults = voting_settings(conference)
    poll = Poll(conference_id=conference.id, created_by_id=actor.id if actor else None)
    _set_target(poll, conference.id, target_kind, target_id)
    poll.kind = "election" if target_kind == "election" else "motion"
    poll.method = method or ("approval" if poll.kind == "election" else "yes_no_abstain")
    if (poll.kind == "motion") != (poll.method == "yes_no_abstain") or poll.method not in (
        "yes_no_abstain",
        "approval",
        "candidate_yes_no_abstain",
    ):
        raise Invalid(_("This answer mode does not fit the kind of poll."))
    poll.title = _clean(title, 300) or _default_title(poll)
    if not poll.title:
        raise Invalid(_("The poll needs a title or a question."))
    poll.question = (question or "").strip()[:5000]
    poll.secret = bool(defaults["secret"] if secret is None else secret)
    poll.majority = majority or defaults["majority"]
    if poll.majority not in MAJORITIES:
        raise Invalid(_("Unknown majority rule."))
    poll.quorum_kind = quorum_kind or defaults["quorum_kind"]
    if poll.quorum_kind not in QUORUM_KINDS:
        raise Invalid(_("Unknown quorum."))
    poll.quorum_numerator, poll.quorum_denominator = parse_quorum(
        poll.quorum_kind, defaults["quorum"] if quorum in (None, "") else quorum
    )
    _set_candidates(poll, seats, candidates)
    duration = defaults["duration_seconds"] if duration_seconds is None else duration_seconds
    if duration is not None and not (isinstance(duration, int) and 0 <= duration <= MAX_DURATION):
        raise Invalid(_("The countdown must be between 0 seconds and 24 hours."))
    poll.duration_seconds = duration or None
    poll.agenda_item_id = agenda_item_id or None
    db.session.add(poll)
    db.session.flush()
    audit.record(
        "poll.created",
        f"poll:{poll.id}",
        actor=audit.actor_of(actor),
        conference_id=conference.id,
        # Settings only: a poll's title and question are public once it opens, not before.
        data={k: v for k, v in _settings_of(poll).items() if k not in ("title", "question")},
    )
    events.publish(db.session, "polls_changed", f"moderators:{conference.id}", {"poll": poll.id})
    return poll


def _clean(value: str | None, maximum: int) -> str:
    return " ".join((value or "").split())[:maximum]


def _default_title(poll: Poll) -> str:
    if poll.target_kind in ("question", "election"):
        return ""
    target = describe_target(poll)
    return _clean(f"{target.get('label', '')} {target.get('title', '')}", 300)


def _set_target(poll: Poll, conference_id: int, kind: str, target_id: int | None) -> None:
    if kind not in ("amendment", "document", "demand", "question", "election"):
        raise Invalid(_("Unknown kind of poll."))
    poll.target_kind = kind
    if kind in ("question", "election"):
        return
    row = db.session.get(TARGET_MODELS[kind], target_id) if target_id else None
    owner = None
    if row is not None:
        owner = {
            "amendment": lambda r: r.document.conference_id,
            "document": lambda r: r.conference_id,
            "demand": lambda r: r.catalogue.conference_id,
        }[kind](row)
    if owner != conference_id:
        raise Invalid(_("Choose what the poll decides on."))
    setattr(poll, f"{kind}_id", row.id)


def _set_candidates(poll: Poll, seats, candidates: list[str] | None) -> None:
    if poll.kind == "motion":
        poll.seats = 1
        return
    names = [_clean(name, 200) for name in (candidates or [])]
    names = [name for name in names if name]
    if not names:
        raise Invalid(_("An election needs at least one candidate."))
    if len(names) > MAX_CANDIDATES or len(set(names)) != len(names):
        raise Invalid(_("Each candidate may appear once (at most 100)."))
    if not isinstance(seats, int) or not 1 <= seats <= len(names):
        raise Invalid(_("The number of seats must be between 1 and the number of candidates."))
    poll.seats = seats
    poll.candidates = [PollCandidate(name=n, position=i) for i, n in enumerate(names, start=1)]


def _settings_of(poll: Poll) -> dict:
    return {
        "title": poll.title,
        "kind": poll.kind,
        "target": f"{poll.target_kind}:{_target_id(poll.target_kind, poll) or ''}",
        "secret": poll.secret,
        "method": poll.method,
        "seats": poll.seats,
        "majority": poll.majority,
        "quorum": [poll.quorum_kind, poll.quorum_numerator, poll.quorum_denominator],
        "candidates": [c.name for c in poll.candidates],
        "duration_seconds": poll.duration_seconds,
    }


@use_case
def set_voting_settings(actor: Person | None, conference_id: int, **values) -> dict:
    """Change a conference's voting defaults (majority, quorum, votes per organisation …)."""
    conference = db.session.get(Conference, conference_id)
    if conference is None:
        raise NotFound(_("No such conference."))
    current = voting_settings(conference)
    for key, value in values.items():
        if key not in DEFAULT_SETTINGS:
            raise Invalid(_("Unknown setting."))
        current[key] = value
    if current["majority"] not in MAJORITIES or current["quorum_kind"] not in QUORUM_KINDS:
        raise Invalid(_("Unknown majority rule or quorum."))
    parse_quorum(current["quorum_kind"], current["quorum"])
    for key, low in (("votes_per_organisation", 1), ("max_proxies_per_holder", 1)):
        value = current[key]
        if value is not None and not (isinstance(value, int) and low <= value <= 1000):
            raise Invalid(_("Numbers of votes must be whole numbers from 1 to 1000."))
    if current["max_proxies_per_holder"] is None:
        current["max_proxies_per_holder"] = 1
    current["secret"] = bool(current["secret"])
    duration = current["duration_seconds"]
    if duration is not None and not (isinstance(duration, int) and 0 <= duration <= MAX_DURATION):
        raise Invalid(_("The countdown must be between 0 seconds and 24 hours."))
    conference.settings = {**(conference.settings or {}), "voting": current}
    audit.record(
        "conference.voting_settings",
        f"conference:{conference.id}",
        actor=audit.actor_of(actor),
        conference_id=conference.id,
        data=current,
    )
    return current


# --- opening ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Snapshot:
    #: (owner accreditation id, caster accreditation id, weight units, organisation id)
    voters: list[tuple[int, int, int, int | None]]
    scale: int
    organisations_present: int
    organisations_total: int

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
    proxies = dict(
        db.session.execute(
            select(Proxy.giver_id, Proxy.holder_id).where(Proxy.conference_id == conference.id)
        ).all()
    )
    eligible = []
    for owner in accreditations:
        caster = by_id.get(proxies[owner.id]) if owner.id in proxies else owner
        if caster is not None and caster.present:
            eligible.append((owner, caster))
    per_org = voting_settings(conference)["votes_per_organisation"]
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
    return Snapshot(sorted(voters), scale, present, int(total or 0))


def _freeze(poll: Poll, snapshot: Snapshot) -> None:
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
    poll.organisations_present = snapshot.organisations_present
    poll.organisations_total = snapshot.organisations_total


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
            }
        )
    for (person_id, _caster_id), votes in ballots.items():
        voting = {"poll": payload, "my_votes": votes, "last_result": None}
        events.publish(
            db.session,
            "ballot_ready",
            f"user:{person_id}",
            {"conference_id": poll.conference_id, "voting": voting},
        )


def _snapshot_digest(snapshot: Snapshot) -> str:
    return hashlib.sha256(json.dumps(snapshot.voters).encode()).hexdigest()


@use_case
def open_poll(actor: Person | None, conference_id: int, poll_id: int) -> Poll:
    """Open a draft poll: freeze the eligible set and weights, show the ballot on every phone."""
    poll = get_poll(poll_id, conference_id)
    if poll.state != "draft":
        raise Conflict(_("This poll has been opened already."))
    if open_poll_of(conference_id) is not None:
        raise Conflict(_("Another poll is open. Close it first."))
    now = clock.now()
    closes_at = now + timedelta(seconds=poll.duration_seconds) if poll.duration_seconds else None
    opened = db.session.execute(
        update(Poll.__table__)
        .where(Poll.__table__.c.id == poll.id, Poll.__table__.c.state == "draft")
        .values(state="open", opened_at=now, closes_at=closes_at)
    )
    if opened.rowcount != 1:
        raise Conflict(_("This poll has been opened already."))
    db.session.refresh(poll)
    snapshot = eligible_snapshot(db.session.get(Conference, conference_id))
    _freeze(poll, snapshot)
    if poll.target_kind in TARGET_MODELS:
        _documents().start_vote(poll.target_kind, _target_id(poll.target_kind, poll), actor)
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
            "eligible_digest": _snapshot_digest(snapshot),
            "closes_at": _iso(closes_at),
        },
    )
    payload = poll_json(poll)
    _publish_ballots(poll, payload)
    events.publish(db.session, "poll_opened", f"conference:{conference_id}", payload)
    publish_turnout(poll, poll.cast_count, poll.cast_weight)
    return poll


# --- casting ---------------------------------------------------------------------------------


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
        normalised = rules.normalise_choice(poll.method, poll.seats, _candidate_ids(poll), choice)
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


def publish_turnout(poll: Poll, cast_count: int, cast_weight: int) -> None:
    payload = {
        "conference_id": poll.conference_id,
        "poll_id": poll.id,
        "cast_count": cast_count,
        "cast_weight": cast_weight,
        "eligible_count": poll.eligible_count,
        "eligible_weight": poll.eligible_weight,
        "weight_scale": poll.weight_scale,
    }
    for room in (f"moderators:{poll.conference_id}", f"projector:{poll.conference_id}"):
        events.publish(db.session, "poll_turnout", room, payload)


# --- closing ---------------------------------------------------------------------------------


@use_case
def close_poll(
    actor: Person | None, conference_id: int, poll_id: int, *, by: str = "moderator"
) -> Poll:
    """Close an open poll, count, decide, record the result and move the target's status."""
    poll = get_poll(poll_id, conference_id)
    table = Poll.__table__
    closed = db.session.execute(
        update(table)
        .where(table.c.id == poll.id, table.c.state == "open")
        .values(state="closed", closed_at=clock.now())
    )
    db.session.refresh(poll)
    if closed.rowcount != 1:
        if poll.state in ("closed", "cancelled"):
            raise Conflict(_("This poll is closed already."))
        raise Conflict(_("This poll is not open."))
    ballots = _reseal(poll.id)
    counted = rules.tally(
        poll.method, _candidate_ids(poll), [(b["choice"], b["weight"]) for b in ballots]
    )
    if counted["ballots"] != poll.cast_count or counted["weight"] != poll.cast_weight:
        raise RuntimeError(f"poll {poll.id}: ballots and turnout disagree")  # never expected
    poll.result = _decide(poll, counted)
    digest = ballots_digest(ballots)
    _settle_target(poll, actor)
    db.session.flush()
    audit.record(
        "poll.closed",
        f"poll:{poll.id}",
        actor=audit.actor_of(actor) if by != "countdown" else "system",
        conference_id=conference_id,
        data={"by": by, "result": poll.result, "ballots_digest": digest},
    )
    _publish_closed(poll)
    return poll


def _reseal(poll_id: int) -> list[dict]:
    """Write a closing poll's ballots anew, under new random keys, in random order.

    A row can carry traces of when it was written that no column shows: PostgreSQL keeps the
    writing transaction's id (``xmin``, shared with the participation row written with it)
    and stores rows in arrival order. Rewritten in the closing transaction, every ballot
    carries the same transaction and lands in key order, which is random.
    """
    rows = db.session.execute(
        select(Ballot.choice, Ballot.weight).where(Ballot.poll_id == poll_id)
    ).all()
    db.session.execute(delete(Ballot).where(Ballot.poll_id == poll_id))
    ballots = sorted(
        ({"key": clock.token_hex(16), "choice": row.choice, "weight": row.weight} for row in rows),
        key=lambda b: b["key"],
    )
    if ballots:
        db.session.execute(insert(Ballot), [{"poll_id": poll_id, **b} for b in ballots])
    return ballots


def _candidate_ids(poll: Poll) -> list[int]:
    """The candidates' ids; no query for a motion, which has none."""
    return [c.id for c in poll.candidates] if poll.kind == "election" else []


def _decide(poll: Poll, counted: dict) -> dict:
    result = rules.decide(
        counted,
        method=poll.method,
        seats=poll.seats,
        candidate_ids=_candidate_ids(poll),
        rule=poll.majority,
        quorum_kind=poll.quorum_kind,
        quorum_numerator=poll.quorum_numerator,
        quorum_denominator=poll.quorum_denominator,
        eligible_weight=poll.eligible_weight,
        organisations_present=poll.organisations_present,
        organisations_total=poll.organisations_total,
    )
    result["eligible_count"] = poll.eligible_count
    result["weight_scale"] = poll.weight_scale
    result["source"] = poll.source
    return result


def _settle_target(poll: Poll, actor: Person | None) -> None:
    if poll.target_kind not in TARGET_MODELS:
        return
    target_id = _target_id(poll.target_kind, poll)
    outcome = poll.result["outcome"]
    if outcome == "not_quorate":
        _documents().cancel_vote(poll.target_kind, target_id, actor)
    else:
        _documents().apply_vote_result(poll.target_kind, target_id, outcome == "adopted", actor)


def _publish_closed(poll: Poll) -> None:
    payload = poll_json(poll)
    events.publish(db.session, "poll_closed", f"conference:{poll.conference_id}", payload)
    events.publish(
        db.session, "polls_changed", f"moderators:{poll.conference_id}", {"poll": poll.id}
    )


def close_due_polls() -> list[int]:
    """Close every open poll whose countdown has run out; returns their ids."""
    due = db.session.execute(
        select(Poll.id, Poll.conference_id).where(
            Poll.state == "open", Poll.closes_at.is_not(None), Poll.closes_at <= clock.now()
        )
    ).all()
    db.session.rollback()
    closed = []
    for poll_id, conference_id in due:
        try:
            close_poll(None, conference_id, poll_id, by="countdown")
        except Conflict:
            continue  # a moderator closed it first
        closed.append(poll_id)
    return closed


@use_case
def cancel_poll(actor: Person | None, conference_id: int, poll_id: int) -> Poll:
    """Cancel a draft or open poll; ballots cast so far are never counted."""
    poll = get_poll(poll_id, conference_id)
    table = Poll.__table__
    was_open = False
    for state in ("open", "draft"):
        done = db.session.execute(
            update(table)
            .where(table.c.id == poll.id, table.c.state == state)
            .values(state="cancelled", closed_at=clock.now())
        )
        if done.rowcount == 1:
            was_open = state == "open"
            break
    else:
        raise Conflict(_("This poll is closed already."))
    db.session.refresh(poll)
    if was_open and poll.target_kind in TARGET_MODELS:
        _documents().cancel_vote(poll.target_kind, _target_id(poll.target_kind, poll), actor)
    audit.record(
        "poll.cancelled",
        f"poll:{poll.id}",
        actor=audit.actor_of(actor),
        conference_id=conference_id,
        data={"was_open": was_open, "cast_count": poll.cast_count},
    )
    _publish_closed(poll)
    return poll


# --- paper fallback ----------------------------------------------------------------------------


@use_case
def record_paper_result(
    actor: Person | None, conference_id: int, poll_id: int, counts: dict
) -> Poll:
    """Record the counts of a show of hands or of paper ballots for a draft poll.

    ``counts``: for a motion ``{"yes", "no", "abstain"}``; for an approval election
    ``{"ballots", "approvals": {candidate_id: n}}``; for yes/no/abstain per candidate
    ``{"candidates": {candidate_id: {"yes", "no", "abstain"}}}``. Whole votes; the eligible
    set is frozen now, as when a poll opens.
    """
    poll = get_poll(poll_id, conference_id)
    if poll.state != "draft":
        raise Conflict(_("Counts can only be entered for a poll that has not been opened."))
    snapshot = eligible_snapshot(db.session.get(Conference, conference_id))
    counted = _paper_tally(poll, counts, snapshot.scale)
    if counted["weight"] > snapshot.weight:
        raise Invalid(_("More votes were entered than there are eligible votes."))
    table = Poll.__table__
    now = clock.now()
    done = db.session.execute(
        update(table)
        .where(table.c.id == poll.id, table.c.state == "draft")
        .values(
            state="closed",
            source="paper",
            opened_at=now,
            closed_at=now,
            cast_count=counted["ballots"],
            cast_weight=counted["weight"],
        )
    )
    if done.rowcount != 1:
        raise Conflict(_("Counts can only be entered for a poll that has not been opened."))
    db.session.refresh(poll)
    _freeze(poll, snapshot)
    poll.result = _decide(poll, counted)
    if poll.target_kind in TARGET_MODELS:
        _documents().start_vote(poll.target_kind, _target_id(poll.target_kind, poll), actor)
    _settle_target(poll, actor)
    db.session.flush()
    audit.record(
        "poll.paper_result",
        f"poll:{poll.id}",
        actor=audit.actor_of(actor),
        conference_id=conference_id,
        data={
            "counts": counts,
            "result": poll.result,
            "eligible_digest": _snapshot_digest(snapshot),
        },
    )
    _publish_closed(poll)
    return poll


def _count(value) -> int:
    if isinstance(value, bool):
        raise Invalid(_("Counts must be whole numbers, 0 or more."))
    try:
        number = int(str(value).strip() or "0")
    except ValueError:
        raise Invalid(_("Counts must be whole numbers, 0 or more.")) from None
    if number < 0 or number > 10**7:
        raise Invalid(_("Counts must be whole numbers, 0 or more."))
    return number


def _paper_tally(poll: Poll, counts: dict, scale: int) -> dict:
    if not isinstance(counts, dict):
        raise Invalid(_("Counts must be whole numbers, 0 or more."))
    ids = _candidate_ids(poll)
    weights = rules.empty_tally(poll.method, ids)
    if poll.method == "yes_no_abstain":
        for vote in rules.VOTES:
            weights[vote] = _count(counts.get(vote)) * scale
        ballots = sum(weights.values()) // scale
    elif poll.method == "approval":
        approvals = counts.get("approvals") or {}
        for c in ids:
            weights["approvals"][str(c)] = _count(approvals.get(str(c), approvals.get(c))) * scale
        ballots = _count(counts.get("ballots"))
        if any(w > ballots * scale for w in weights["approvals"].values()):
            raise Invalid(_("A candidate cannot have more approvals than there were ballots."))
    else:
        per = counts.get("candidates") or {}
        for c in ids:
            entered = per.get(str(c), per.get(c)) or {}
            for vote in rules.VOTES:
                weights["candidates"][str(c)][vote] = _count(entered.get(vote)) * scale
        sums = {sum(v.values()) for v in weights["candidates"].values()}
        ballots = max(sums) // scale if sums else 0
    return {"weights": weights, "heads": None, "ballots": ballots, "weight": ballots * scale}


# --- proxies ---------------------------------------------------------------------------------


def proxies_of(conference_id: int) -> list[Proxy]:
    return list(
        db.session.scalars(
            select(Proxy).where(Proxy.conference_id == conference_id).order_by(Proxy.id)
        )
    )


def proxy_choices(conference_id: int) -> list[tuple[int, str]]:
    """Delegates with voting right, as (accreditation id, "name (organisation)")."""
    rows = db.session.execute(
        select(Accreditation.id, Person.display_name, Organisation.short_name, Organisation.name)
        .join(Person, Person.id == Accreditation.person_id)
        .outerjoin(Organisation, Organisation.id == Accreditation.organisation_id)
        .where(Accreditation.conference_id == conference_id, Accreditation.voting_right.is_(True))
        .order_by(Person.display_name)
    ).all()
    return [
        (acc_id, f"{name} ({short or organisation})" if organisation else name)
        for acc_id, name, short, organisation in rows
    ]


@use_case
def record_proxy(actor: Person | None, conference_id: int, giver_id: int, holder_id: int) -> Proxy:
    """A delegate's vote goes to another delegate of the same organisation.

    It applies to polls opened from now on; an open poll keeps the eligible set it froze.
    """
    conference = db.session.get(Conference, conference_id)
    giver = db.session.get(Accreditation, giver_id)
    holder = db.session.get(Accreditation, holder_id)
    if conference is None or giver is None or holder is None:
        raise NotFound(_("No such accreditation."))
    if giver.conference_id != conference.id or holder.conference_id != conference.id:
        raise NotFound(_("No such accreditation."))
    if giver.id == holder.id:
        raise Invalid(_("A delegate cannot give the vote to themselves."))
    if not (giver.voting_right and holder.voting_right):
        raise Invalid(_("Both must be delegates with voting right."))
    if giver.organisation_id is None or giver.organisation_id != holder.organisation_id:
        raise Invalid(_("A vote can only go to a delegate of the same organisation."))
    existing = proxies_of(conference.id)
    if any(p.giver_id == giver.id for p in existing):
        raise Conflict(_("This delegate has given their vote already."))
    if any(p.holder_id == giver.id for p in existing):
        raise Conflict(_("This delegate holds a vote and cannot give their own."))
    if any(p.giver_id == holder.id for p in existing):
        raise Conflict(_("This delegate has given their own vote and cannot hold one."))
    limit = voting_settings(conference)["max_proxies_per_holder"] or 1
    taken = {p.slot for p in existing if p.holder_id == holder.id}
    free = [slot for slot in range(1, limit + 1) if slot not in taken]
    if not free:
        raise Conflict(_("This delegate holds as many votes as allowed."))
    proxy = Proxy(
        conference_id=conference.id,
        giver_id=giver.id,
        holder_id=holder.id,
        slot=free[0],
        created_by_id=actor.id if actor else None,
        created_at=clock.now(),
    )
    db.session.add(proxy)
    db.session.flush()
    audit.record(
        "proxy.recorded",
        f"proxy:{proxy.id}",
        actor=audit.actor_of(actor),
        conference_id=conference.id,
        data={"giver": f"accreditation:{giver.id}", "holder": f"accreditation:{holder.id}"},
    )
    events.publish(db.session, "proxies_changed", f"moderators:{conference.id}", {})
    return proxy


@use_case
def revoke_proxy(actor: Person | None, conference_id: int, proxy_id: int) -> None:
    """End a proxy; polls opened from now on count the giver's vote as the giver's again."""
    proxy = db.session.get(Proxy, proxy_id)
    if proxy is None or proxy.conference_id != conference_id:
        raise NotFound(_("No such proxy."))
    audit.record(
        "proxy.revoked",
        f"proxy:{proxy.id}",
        actor=audit.actor_of(actor),
        conference_id=conference_id,
        data={
            "giver": f"accreditation:{proxy.giver_id}",
            "holder": f"accreditation:{proxy.holder_id}",
        },
    )
    db.session.delete(proxy)
    events.publish(db.session, "proxies_changed", f"moderators:{conference_id}", {})


def weight_text(units: int, scale: int) -> str:
    """A weight for people: whole numbers as such, shares to two decimals."""
    value = Fraction(units, scale or 1)
    if value.denominator == 1:
        return str(value.numerator)
    return f"{float(value):.2f}"
