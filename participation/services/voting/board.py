"""The ballot board of an encrypted poll: everything its result depends on, for anyone to check.

Published once the poll is closed, as one JSON document (``format`` names its version):

* the poll (label, method, questions, candidates, weight scale), the key and the threshold;
* the trustees' dealings, from which anyone computes the key and each trustee's
  verification key;
* every accepted ballot (ciphertexts and proofs) with its voter's weight, in random order,
  apart those whose proofs failed when the poll closed (``invalid``, each with the reason:
  they are not counted), and every tracker;
* the decryption: the weighted encrypted totals, the partial decryptions used (with their
  proofs) and the decrypted counts; and the published result;
* the audit entries of the poll and of its key ceremony as the public log shows them: each
  entry's hash covers its data, and ``prev_hash`` links it into the chain.

``tools/verify_board.py`` checks all of it without the application.
"""

from __future__ import annotations

from sqlalchemy import select

from participation.ballots import tracker
from participation.extensions import db
from participation.models import AuditEntry, Poll, PollTracker, Trustee
from participation.services.audit_public import public_entry, published_audit_seq
from participation.services.voting.polls import stored_ballots

FORMAT = "participation/board/v1"


def ballot_board(poll: Poll) -> dict | None:
    """The board of a closed encrypted poll; None for any other poll, or while entries after
    its close are withheld (another poll is open)."""
    if poll.encryption is None or poll.state != "closed":
        return None
    encryption = poll.encryption
    entries = db.session.scalars(
        select(AuditEntry)
        .where(AuditEntry.subject.in_((f"poll:{poll.id}", f"ceremony:{encryption['ceremony']}")))
        .order_by(AuditEntry.seq)
    ).all()
    limit = published_audit_seq()
    if limit is not None and any(e.seq > limit for e in entries):
        return None
    close = next(e for e in reversed(entries) if e.action == "poll.closed")
    dealings = db.session.scalars(
        select(Trustee.dealing)
        .where(Trustee.ceremony_id == encryption["ceremony"])
        .order_by(Trustee.number)
    ).all()
    stored = [{"ballot": b["choice"], "weight": b["weight"]} for b in stored_ballots(poll.id)]
    invalid = {i["tracker"]: i["reason"] for i in encryption.get("invalid", [])}
    return {
        "format": FORMAT,
        "poll": {
            "id": poll.id,
            "label": encryption["label"],
            "method": poll.method,
            "seats": poll.seats,
            "candidates": [{"id": c.id, "name": c.name} for c in poll.candidates],
            "questions": encryption["questions"],
            "weight_scale": poll.weight_scale,
        },
        "key": encryption["key"],
        "threshold": encryption["threshold"],
        "trustees": encryption["trustees"],
        "ceremony_label": f"c{poll.conference_id}.k{encryption['ceremony']}",
        "dealings": list(dealings),
        "ballots": [b for b in stored if tracker(b["ballot"]) not in invalid],
        "invalid": [
            {**b, "reason": invalid[tracker(b["ballot"])]}
            for b in stored
            if tracker(b["ballot"]) in invalid
        ],
        "trackers": list(
            db.session.scalars(
                select(PollTracker.tracker)
                .where(PollTracker.poll_id == poll.id)
                .order_by(PollTracker.tracker)
            )
        ),
        "decryption": close.data.get("decryption"),
        "result": poll.result,
        "entries": [public_entry(e, True) for e in entries],
    }
