"""Closing a poll: count, decide, record the result and settle the target; cancelling; paper."""

from __future__ import annotations

from datetime import datetime

from flask_babel import gettext as _
from flask_babel import ngettext
from sqlalchemy import delete, func, insert, select, update

from participation import clock, events
from participation.extensions import db
from participation.models import Ballot, Person, Poll
from participation.services import audit, authz, documents
from participation.services.conferences import get_conference
from participation.services.errors import Conflict, Invalid
from participation.services.unit import use_case
from participation.services.voting import proofcheck, rules, sealed
from participation.services.voting.eligibility import eligible_snapshot, freeze, snapshot_digest
from participation.services.voting.polls import (
    candidate_ids,
    get_poll,
    poll_table,
    stored_ballots,
    target_of,
    voting_settings,
)
from participation.services.voting.records import named_digest
from participation.services.voting.shapes import ballots_digest, poll_json


@use_case
def close_poll(
    actor: Person | None, conference_id: int, poll_id: int, *, by: str = "moderator"
) -> Poll:
    """Close an open poll, count, decide, record the result and move the target's status."""
    authz.require_actor(actor, "moderator", conference_id)
    poll = get_poll(poll_id, conference_id)
    table = poll_table()
    encrypted = poll.encryption is not None
    # An encrypted poll's proofs are checked before the close takes any lock.
    checked = (
        sealed.verify_stored(poll) if encrypted and poll.state == "open" else proofcheck.Checked()
    )
    closed = db.session.execute(
        update(table)
        .where(table.c.id == poll.id, table.c.state == "open")
        .values(state="counting" if encrypted else "closed", closed_at=clock.now())
        .returning(table.c.id)
    ).first()
    db.session.refresh(poll)
    if closed is None:
        if poll.state in ("counting", "closed", "cancelled"):
            raise Conflict(_("This poll is closed already."))
        raise Conflict(_("This poll is not open."))
    _require_enough_ballots(poll)
    ballots = _reseal(poll.id)
    if encrypted:
        return _start_count(actor, poll, ballots, by, checked)
    counted = rules.tally(
        poll.method, candidate_ids(poll), [(b["choice"], b["weight"]) for b in ballots]
    )
    if counted["ballots"] != poll.cast_count or counted["weight"] != poll.cast_weight:
        raise RuntimeError(f"poll {poll.id}: ballots and turnout disagree")  # never expected
    poll.result = result = _decide(poll, counted)
    recorded = {"by": by, "result": poll.result, "ballots_digest": ballots_digest(ballots)}
    if not poll.secret:
        recorded["named_digest"] = named_digest(poll.id)
    _settle_target(poll, result["outcome"], actor)
    db.session.flush()
    audit.record(
        "poll.closed",
        f"poll:{poll.id}",
        actor=audit.actor_of(actor) if by != "countdown" else "system",
        conference_id=conference_id,
        data=recorded,
    )
    _publish_closed(poll)
    return poll


def _start_count(
    actor: Person | None, poll: Poll, ballots: list[dict], by: str, checked: proofcheck.Checked
) -> Poll:
    """Sum an encrypted poll's valid ballots and wait for the trustees; a poll without valid
    ballots has nothing to decrypt and closes at once."""
    counting = sealed.start_count(poll, ballots, checked)
    audit.record(
        "poll.counting",
        f"poll:{poll.id}",
        actor=audit.actor_of(actor) if by != "countdown" else "system",
        conference_id=poll.conference_id,
        data={
            "by": by,
            "ballots_digest": ballots_digest(ballots),
            "totals": counting["totals"],
            "weight": counting["weight"],
            "invalid": counting["invalid"],
        },
    )
    if len(counting["invalid"]) == len(ballots):
        zeros = [[0] * q.choices for q in sealed.poll_questions(poll)]
        _finish_count(poll, sealed.counted_from(poll, zeros, 0, 0), None, actor)
        return poll
    sealed.tell_trustees(poll)
    _publish_closed(poll)
    return poll


@use_case
def submit_decryption(
    actor: Person | None, conference_id: int, poll_id: int, partial: object
) -> Poll:
    """A trustee's partial decryption of a counting poll; the t-th valid one closes it."""
    poll = sealed.poll_for_decryption(poll_id, conference_id)
    number = sealed.trustee_number(actor, (poll.encryption or {})["ceremony"])
    sealed.lock_counting(poll)
    db.session.refresh(poll)
    partials = sealed.accept_decryption(poll, number, partial)
    assert actor is not None and isinstance(partial, dict)
    sealed.record_decryption(poll, number, partial, actor)
    if len(partials) < (poll.encryption or {})["threshold"]:
        events.publish(
            db.session(), "polls_changed", f"moderators:{poll.conference_id}", {"poll": poll.id}
        )
        return poll
    ballots = sealed.counted_ballots(poll)
    decryption = sealed.decrypted_counts(poll, ballots, partials)
    counted = sealed.counted_from(poll, decryption["counts"], len(ballots), decryption["weight"])
    _finish_count(poll, counted, decryption, actor)
    return poll


def _finish_count(poll: Poll, counted: dict, decryption: dict | None, actor: Person | None) -> None:
    """Decide, record and publish an encrypted poll's result from its decrypted counts."""
    encryption = poll.encryption or {}
    invalid = encryption.get("invalid", [])
    if (
        counted["ballots"] + len(invalid),
        counted["weight"] + sum(i["weight"] for i in invalid),
    ) != (
        poll.cast_count,
        poll.cast_weight,
    ):
        raise RuntimeError(f"poll {poll.id}: ballots and turnout disagree")  # never expected
    poll.state = "closed"
    poll.result = result = _decide(poll, counted)
    result["invalid_ballots"] = len(invalid)
    result["encryption"] = {
        "mode": "single" if encryption["trustees"] == 1 else "trustees",
        "threshold": encryption["threshold"],
        "trustees": encryption["trustees"],
    }
    _settle_target(poll, result["outcome"], actor)
    db.session.flush()
    audit.record(
        "poll.closed",
        f"poll:{poll.id}",
        actor=audit.actor_of(actor),
        conference_id=poll.conference_id,
        data={
            "by": "trustees",
            "result": result,
            "ballots_digest": ballots_digest(stored_ballots(poll.id)),
            "decryption": decryption,
        },
    )
    _publish_closed(poll)


class TooFewBallots(Conflict):
    """A secret poll with fewer ballots than a result may be published from."""


def min_ballots(poll: Poll) -> int:
    """How many ballots a secret poll needs before its result may be published."""
    if not poll.secret or poll.source != "electronic":
        return 0
    return int(voting_settings(get_conference(poll.conference_id))["secret_min_ballots"])


def _require_enough_ballots(poll: Poll) -> None:
    needed = min_ballots(poll)
    if 0 < poll.cast_count < needed:  # no ballot at all tells nothing of anyone
        raise TooFewBallots(
            ngettext(
                "A secret result is published only from %(n)s ballot on; %(cast)s were cast. "
                "Keep the poll open or cancel it.",
                "A secret result is published only from %(n)s ballots on; %(cast)s were "
                "cast. Keep the poll open or cancel it.",
                needed,
                n=needed,
                cast=poll.cast_count,
            )
        )


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


def _decide(poll: Poll, counted: dict) -> dict:
    result = rules.decide(
        counted,
        method=poll.method,
        seats=poll.seats,
        candidate_ids=candidate_ids(poll),
        rule=poll.majority,
        quorum_kind=poll.quorum_kind,
        quorum_numerator=poll.quorum_numerator,
        quorum_denominator=poll.quorum_denominator,
        eligible_weight=base_weight(poll),
        organisations_present=poll.organisations_present,
        organisations_total=poll.organisations_total,
    )
    result["quorum_base"] = poll.quorum_base
    result["base_weight"] = base_weight(poll)
    result["eligible_weight"] = poll.eligible_weight
    result["eligible_count"] = poll.eligible_count
    result["weight_scale"] = poll.weight_scale
    result["source"] = poll.source
    return result


def base_weight(poll: Poll) -> int:
    """The weight quorum and "absolute majority of the eligible" count against."""
    if poll.quorum_base == "members" and poll.member_weight is not None:
        return poll.member_weight
    return poll.eligible_weight


def _settle_target(poll: Poll, outcome: str, actor: Person | None) -> None:
    """Adopt or reject the text the poll decided on; a poll not quorate hands it back."""
    target = target_of(poll)
    if target is None:
        return
    kind, target_id = target
    if outcome == "not_quorate":
        documents.cancel_vote(kind, target_id, actor)
    else:
        documents.apply_vote_result(kind, target_id, outcome == "adopted", actor)


def _publish_closed(poll: Poll) -> None:
    payload = poll_json(poll)
    events.publish(db.session(), "poll_closed", f"conference:{poll.conference_id}", payload)
    events.publish(
        db.session(), "polls_changed", f"moderators:{poll.conference_id}", {"poll": poll.id}
    )


def next_closing_at() -> datetime | None:
    """When the earliest countdown of an open poll runs out, whichever process opened it."""
    return db.session.scalar(
        select(func.min(Poll.closes_at)).where(Poll.state == "open", Poll.closes_at.is_not(None))
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
        except TooFewBallots:
            # No one is there to decide at the end of a countdown: the result may not be
            # published, so the poll is cancelled (and says why in the audit trail).
            cancel_poll(None, conference_id, poll_id, reason="too_few_ballots")
        except Conflict:
            continue  # a moderator closed it first
        closed.append(poll_id)
    return closed


@use_case
def cancel_poll(
    actor: Person | None, conference_id: int, poll_id: int, *, reason: str | None = None
) -> Poll:
    """Cancel a draft or open poll; ballots cast so far are never counted.

    ``reason`` is recorded: "too_few_ballots" when a countdown ran out on a secret poll with
    fewer ballots than a result may be published from.
    """
    authz.require_actor(actor, "moderator", conference_id)
    poll = get_poll(poll_id, conference_id)
    table = poll_table()
    was_open = False
    for state in ("open", "counting", "draft"):
        done = db.session.execute(
            update(table)
            .where(table.c.id == poll.id, table.c.state == state)
            .values(state="cancelled", closed_at=clock.now())
            .returning(table.c.id)
        ).first()
        if done is not None:
            was_open = state != "draft"
            break
    else:
        raise Conflict(_("This poll is closed already."))
    db.session.refresh(poll)
    if was_open and poll.secret:
        # Never counted, never published: the choices go, as a close rewrites them.
        db.session.execute(delete(Ballot).where(Ballot.poll_id == poll.id))
    target = target_of(poll)
    if was_open and target is not None:
        documents.cancel_vote(*target, actor)
    audit.record(
        "poll.cancelled",
        f"poll:{poll.id}",
        actor=audit.actor_of(actor),
        conference_id=conference_id,
        data={
            "was_open": was_open,
            "cast_count": poll.cast_count,
            **({"reason": reason} if reason else {}),
        },
    )
    _publish_closed(poll)
    return poll


# --- paper fallback ---------------------------------------------------------------------------


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
    authz.require_actor(actor, "moderator", conference_id)
    poll = get_poll(poll_id, conference_id)
    if poll.state != "draft":
        raise Conflict(_("Counts can only be entered for a poll that has not been opened."))
    snapshot = eligible_snapshot(get_conference(conference_id))
    counted = _paper_tally(poll, counts, snapshot.scale)
    if counted["weight"] > snapshot.weight:
        raise Invalid(_("More votes were entered than there are eligible votes."))
    table = poll_table()
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
        .returning(table.c.id)
    ).first()
    if done is None:
        raise Conflict(_("Counts can only be entered for a poll that has not been opened."))
    db.session.refresh(poll)
    freeze(poll, snapshot)
    poll.result = result = _decide(poll, counted)
    target = target_of(poll)
    if target is not None:
        documents.start_vote(*target, actor)
    _settle_target(poll, result["outcome"], actor)
    db.session.flush()
    audit.record(
        "poll.paper_result",
        f"poll:{poll.id}",
        actor=audit.actor_of(actor),
        conference_id=conference_id,
        data={
            "counts": counts,
            "result": poll.result,
            "eligible_digest": snapshot_digest(snapshot),
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
    ids = candidate_ids(poll)
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
