"""Polls and their settings: reading, creating, the conference's voting defaults, targets."""

from __future__ import annotations

from typing import cast

from flask_babel import gettext as _
from sqlalchemy import Table, select

from participation import events
from participation.extensions import db
from participation.models import (
    Amendment,
    Ballot,
    Conference,
    Demand,
    Document,
    Person,
    Poll,
    PollCandidate,
)
from participation.models.voting import MAJORITIES, QUORUM_KINDS
from participation.services import audit, authz, documents
from participation.services.errors import Invalid, NotFound
from participation.services.unit import use_case
from participation.services.voting import rules

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
    #: A secret result is published only with at least this many ballots: one ballot's result
    #: is that ballot.
    "secret_min_ballots": 3,
    #: What quorum and "absolute majority of the eligible" count against: "present" (the votes
    #: present at the opening) or "members" (all accredited votes with voting right).
    "quorum_base": "present",
    #: Secret electronic polls without trustees: stored unencrypted, secret from the hall but
    #: not from whoever holds the database. Off: such a poll opens only once trustees hold a key.
    "unencrypted_secret": False,
}
QUORUM_BASES = ("present", "members")
TARGET_MODELS: dict[str, type[Amendment | Document | Demand]] = {
    "amendment": Amendment,
    "document": Document,
    "demand": Demand,
}
MAX_CANDIDATES = 100
MAX_DURATION = 24 * 3600


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


def stored_ballots(poll_id: int) -> list[dict]:
    """A poll's ballots in key order (random): key, choice and weight, as published and as the
    close's digest reads them."""
    return [
        {"key": row.key, "choice": row.choice, "weight": row.weight}
        for row in db.session.execute(
            select(Ballot.key, Ballot.choice, Ballot.weight)
            .where(Ballot.poll_id == poll_id)
            .order_by(Ballot.key)
        )
    ]


def last_closed_poll(conference_id: int) -> Poll | None:
    """The poll closed last: with its result, or still being counted by the trustees."""
    return db.session.scalar(
        select(Poll)
        .where(Poll.conference_id == conference_id, Poll.state.in_(("closed", "counting")))
        .order_by(Poll.closed_at.desc(), Poll.id.desc())
        .limit(1)
    )


def describe_target(poll: Poll) -> dict:
    """Label and title of what the poll decides on."""
    target = target_of(poll)
    if target is None:
        return {"label": "", "title": poll.title}
    return documents.describe_target(*target)


def target_of(poll: Poll) -> tuple[str, int] | None:
    """Kind and id of the text the poll decides on; None for a question or an election."""
    target_id = target_id_of(poll)
    return (poll.target_kind, target_id) if target_id is not None else None


def target_id_of(poll: Poll) -> int | None:
    """The id of the amendment, document or demand the poll decides on, if it is one."""
    return {
        "amendment": poll.amendment_id,
        "document": poll.document_id,
        "demand": poll.demand_id,
    }.get(poll.target_kind)


def candidate_ids(poll: Poll) -> list[int]:
    """The candidates' ids; no query for a motion, which has none."""
    return [c.id for c in poll.candidates] if poll.kind == "election" else []


def poll_table() -> Table:
    """The polls' table, for the compare-and-set UPDATEs that open, count and close a poll:
    the database decides, and the session's poll is refreshed after."""
    return cast(Table, Poll.__table__)  # declared as any FromClause; it is the Table


def target_choices(actor, conference_id: int) -> list[tuple[str, str]]:
    """(value, label) pairs of what can go to the vote now, in the voting order."""
    choices = []
    for _item, entries in documents.vote_order(actor, conference_id):
        for entry in entries:
            label = f"{entry.label} – {entry.document.title}"
            choices.append((f"{entry.kind}:{entry.target_id}", label[:200]))
    return choices


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
    authz.require_actor(actor, "moderator", conference_id)
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
        # The public log shows these (title, candidates) only from the opening on.
        data=_settings_of(poll),
    )
    events.publish(db.session(), "polls_changed", f"moderators:{conference.id}", {"poll": poll.id})
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
    if not isinstance(row, (Amendment, Document, Demand)) or _conference_of(row) != conference_id:
        raise Invalid(_("Choose what the poll decides on."))
    setattr(poll, f"{kind}_id", row.id)


def _conference_of(row: Amendment | Document | Demand) -> int:
    if isinstance(row, Amendment):
        return row.document.conference_id
    if isinstance(row, Demand):
        return row.catalogue.conference_id
    return row.conference_id


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
        "target": f"{poll.target_kind}:{target_id_of(poll) or ''}",
        "secret": poll.secret,
        "method": poll.method,
        "seats": poll.seats,
        "majority": poll.majority,
        "quorum": [poll.quorum_kind, poll.quorum_numerator, poll.quorum_denominator],
        "candidates": [c.name for c in poll.candidates],
        "duration_seconds": poll.duration_seconds,
    }


# --- the conference's voting defaults --------------------------------------------------------


@use_case
def set_voting_settings(actor: Person | None, conference_id: int, **values) -> dict:
    """Change a conference's voting defaults (majority, quorum, votes per organisation …)."""
    authz.require_actor(actor, "admin", conference_id)
    conference = db.session.get(Conference, conference_id)
    if conference is None:
        raise NotFound(_("No such conference."))
    current = voting_settings(conference)
    for key, value in values.items():
        if key not in DEFAULT_SETTINGS:
            raise Invalid(_("Unknown setting."))
        current[key] = value
    if (
        current["majority"] not in MAJORITIES
        or current["quorum_kind"] not in QUORUM_KINDS
        or current["quorum_base"] not in QUORUM_BASES
    ):
        raise Invalid(_("Unknown majority rule or quorum."))
    parse_quorum(current["quorum_kind"], current["quorum"])
    for key, low in (
        ("votes_per_organisation", 1),
        ("max_proxies_per_holder", 1),
        ("secret_min_ballots", 1),
    ):
        value = current[key]
        if value is not None and not (isinstance(value, int) and low <= value <= 1000):
            raise Invalid(_("Numbers of votes must be whole numbers from 1 to 1000."))
    for key in ("max_proxies_per_holder", "secret_min_ballots"):
        if current[key] is None:
            current[key] = DEFAULT_SETTINGS[key]
    current["secret"] = bool(current["secret"])
    current["unencrypted_secret"] = bool(current["unencrypted_secret"])
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
