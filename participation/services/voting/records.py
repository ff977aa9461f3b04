"""Whether the stored polls still say what the audit chain recorded of them.

The chain's hashes show that no entry was changed, removed or reordered; they say nothing of
the rows beside the chain. These checks compare what a result depends on with the entries:

* every vote cast has its ``ballot.accepted`` entry and every entry its vote (a participation
  deleted or added is found), and ballots, receipts' trackers and turnout agree in number and
  weight with those votes (a ballot added or removed is found, open or closed);
* a closed poll's ballots hash to the digest its ``poll.closed`` entry recorded, so do a named
  poll's choices by voter, and its stored result is the entry's result (a ballot, a named
  choice or a result changed after the close is found);
* a paper result is the result its entry recorded.

A ballot changed while its poll is still open keeps its count and weight and is not found
here: only encrypted ballots on a public board make each ballot itself verifiable.
"""

from __future__ import annotations

import hashlib
import json
from collections import defaultdict
from dataclasses import dataclass

from sqlalchemy import func, select

from participation.ballots import tracker
from participation.extensions import db
from participation.models import AuditEntry, Ballot, Poll, PollParticipation, PollTracker
from participation.services.voting.polls import stored_ballots
from participation.services.voting.shapes import ballots_digest

#: The entries the checks read, by action.
RECORDED = ("ballot.accepted", "poll.counting", "poll.closed", "poll.paper_result")
#: What can differ, for the operator's terminal (the audit page words them in its language).
DIFFERENCES = {
    "votes": "the votes cast differ from the ballot entries of the audit trail",
    "counts": "ballots, trackers and votes cast differ in number",
    "weight": "the ballots' weight differs from the turnout",
    "no_close": "the audit trail has no entry of the close",
    "ballots": "the ballots differ from those recorded at the close",
    "named": "who chose what differs from what was recorded at the close",
    "result": "the result differs from the one recorded",
    "no_counts": "the audit trail has no entry of the counts",
    "trackers": "the encrypted ballots differ from the trackers recorded when they were cast",
    "named_ballots": "a named choice differs from the one recorded when it was cast",
}


@dataclass(frozen=True)
class Mismatch:
    """A poll whose rows differ from its entries in the chain."""

    poll_id: int
    #: What differs: a key of :data:`DIFFERENCES`.
    what: str

    @property
    def text(self) -> str:
        return DIFFERENCES[self.what]


def check_polls() -> list[Mismatch]:
    """Every poll whose stored votes, ballots or result differ from the audit chain."""
    recorded = _recorded()
    mismatches: list[Mismatch] = []
    polls = db.session.scalars(
        select(Poll).where(Poll.state.in_(("open", "counting", "closed"))).order_by(Poll.id)
    )
    for poll in polls:
        entries = recorded.get(poll.id, {})
        if poll.source == "paper":
            found = _paper_mismatch(poll, entries)
        else:
            found = (
                _votes_mismatch(poll, entries)
                or _trackers_mismatch(poll, entries)
                or _counting_mismatch(poll, entries)
                or (_closed_mismatch(poll, entries) if poll.state == "closed" else None)
                or _named_choices_mismatch(poll, entries)
            )
        if found:
            mismatches.append(Mismatch(poll.id, found))
    return mismatches


def _recorded() -> dict[int, dict[str, list[dict]]]:
    """The data of the entries the checks read, per poll and action, oldest first."""
    recorded: dict[int, dict[str, list[dict]]] = defaultdict(lambda: defaultdict(list))
    rows = db.session.execute(
        select(AuditEntry.subject, AuditEntry.action, AuditEntry.data)
        .where(AuditEntry.action.in_(RECORDED), AuditEntry.subject.like("poll:%"))
        .order_by(AuditEntry.seq)
    )
    for subject, action, data in rows:
        poll_id = subject.removeprefix("poll:")
        if poll_id.isdigit():
            recorded[int(poll_id)][action].append(data or {})
    return recorded


def _votes_mismatch(poll: Poll, entries: dict[str, list[dict]]) -> str | None:
    recorded = sorted(str(e.get("voter")) for e in entries.get("ballot.accepted", []))
    stored = sorted(
        f"accreditation:{voter}"
        for voter in db.session.scalars(
            select(PollParticipation.voter_id).where(PollParticipation.poll_id == poll.id)
        )
    )
    if recorded != stored:
        return "votes"
    count, weight = db.session.execute(
        select(func.count(), func.coalesce(func.sum(Ballot.weight), 0)).where(
            Ballot.poll_id == poll.id
        )
    ).one()
    trackers = db.session.scalar(
        select(func.count()).select_from(PollTracker).where(PollTracker.poll_id == poll.id)
    )
    if not count == trackers == poll.cast_count == len(stored):
        return "counts"
    if weight != poll.cast_weight:
        return "weight"
    return None


def _trackers_mismatch(poll: Poll, entries: dict[str, list[dict]]) -> str | None:
    """An encrypted ballot is its tracker's preimage: each stored ballot hashes to a tracker
    recorded when it was cast, and the published trackers are exactly those."""
    if poll.encryption is None:
        return None
    recorded = sorted(str(e.get("tracker")) for e in entries.get("ballot.accepted", []))
    hashed = sorted(tracker(b["choice"]) for b in stored_ballots(poll.id))
    published = sorted(
        db.session.scalars(select(PollTracker.tracker).where(PollTracker.poll_id == poll.id))
    )
    return None if recorded == hashed == published else "trackers"


def _counting_mismatch(poll: Poll, entries: dict[str, list[dict]]) -> str | None:
    """An encrypted poll's ballots since its close match those it was counting from."""
    if poll.encryption is None or poll.state == "open":
        return None
    counts = entries.get("poll.counting", [])
    if not counts:
        return "no_close"
    if ballots_digest(stored_ballots(poll.id)) != counts[-1].get("ballots_digest"):
        return "ballots"
    return None


def _closed_mismatch(poll: Poll, entries: dict[str, list[dict]]) -> str | None:
    closes = entries.get("poll.closed", [])
    if not closes:
        return "no_close"
    close = closes[-1]
    ballots = stored_ballots(poll.id)
    if "ballots_digest" in close and ballots_digest(ballots) != close["ballots_digest"]:
        return "ballots"
    if "named_digest" in close and named_digest(poll.id) != close["named_digest"]:
        return "named"
    if _canonical(close.get("result")) != _canonical(poll.result):
        return "result"
    return None


def named_digest(poll_id: int) -> str:
    """SHA-256 over a named poll's choices by voter and caster; recorded at the close."""
    rows = db.session.execute(
        select(
            PollParticipation.voter_id,
            PollParticipation.cast_by_id,
            PollParticipation.tracker,
            PollParticipation.choice,
        )
        .where(PollParticipation.poll_id == poll_id)
        .order_by(PollParticipation.voter_id)
    )
    named = [[r.voter_id, r.cast_by_id, r.tracker, r.choice] for r in rows]
    return hashlib.sha256(_canonical(named).encode()).hexdigest()


def choice_digest(tracker: str, choice: object) -> str:
    """What a named ballot's entry records of its choice while the poll is open: SHA-256 over
    its tracker (unknown to readers until the close, so the few possible choices cannot be
    tried out) and the choice."""
    return hashlib.sha256((tracker + _canonical(choice)).encode()).hexdigest()


def _named_choices_mismatch(poll: Poll, entries: dict[str, list[dict]]) -> str | None:
    """Each named choice is the one its ``ballot.accepted`` entry recorded (entries written
    before they recorded choices are left to the close's digest)."""
    if poll.secret:
        return None
    recorded = {
        e.get("voter"): e["choice_digest"]
        for e in entries.get("ballot.accepted", [])
        if "choice_digest" in e
    }
    if not recorded:
        return None
    rows = db.session.execute(
        select(
            PollParticipation.voter_id, PollParticipation.tracker, PollParticipation.choice
        ).where(PollParticipation.poll_id == poll.id)
    )
    for voter_id, tracker_, choice in rows:
        digest = recorded.get(f"accreditation:{voter_id}")
        if digest is not None and digest != choice_digest(tracker_, choice):
            return "named_ballots"
    return None


def _paper_mismatch(poll: Poll, entries: dict[str, list[dict]]) -> str | None:
    recorded = entries.get("poll.paper_result", [])
    if not recorded:
        return "no_counts"
    if _canonical(recorded[-1].get("result")) != _canonical(poll.result):
        return "result"
    return None


def _canonical(value: object) -> str:
    return json.dumps(value, sort_keys=True, separators=(",", ":"))
