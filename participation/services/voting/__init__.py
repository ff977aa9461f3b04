"""Live voting: polls, the eligible set frozen at opening, ballots exactly once, results, proxies.

Exactly once. Ballots are stored in batches, a single one as a batch of one (see
:mod:`.casting`). A batch's transaction first takes the poll's lock with a conditional UPDATE
(``… WHERE state = 'open'``), which refuses a poll that closed; then it inserts who voted
(unique per poll and voter, by the schema), the ballots and the trackers, and appends the audit
entries. A retry with the same submission id gets the same receipt.
Opening and closing are compare-and-set UPDATEs too, so two moderators closing at once produce
one result and one audit entry.

Secrecy. In a secret poll, who voted (``PollParticipation``) and what was chosen (``Ballot``)
share nothing but the poll: the ballot has a random key, no voter, no time; the audit entry,
the broadcasts and the logs name the voter but never the choice.

One module per concern, each building only on those listed before it:

* :mod:`.rules` – ballot shapes, tallies, majorities and quorum (pure functions);
* :mod:`.polls` – reading and creating polls, the conference's voting defaults, targets;
* :mod:`.eligibility` – the eligible set and weights, frozen when a poll opens, and why a
  person has no vote in an open poll;
* :mod:`.shapes` – what clients see: polls, turnout, my votes, published ballots;
* :mod:`.proxies` – a delegate's vote cast by another of the same organisation;
* :mod:`.ballot_box` – where ballots that arrive together wait to be stored as one batch;
* :mod:`.opening`, :mod:`.casting`, :mod:`.closing` – a poll's life: open, ballots, result.

Callers use the names below as ``voting.<name>``.
"""

from participation.services.audit import audit_head, seq_of
from participation.services.audit_public import audit_page, published_audit_seq, verify_public
from participation.services.voting.ballot_box import Receipt
from participation.services.voting.board import ballot_board
from participation.services.voting.casting import (
    SUBMISSION_ID,
    accepted_entry_data,
    cast_ballot,
    holds_only_proxies,
    publish_vote_recorded,
)
from participation.services.voting.closing import (
    base_weight,
    cancel_poll,
    close_due_polls,
    close_poll,
    min_ballots,
    next_closing_at,
    record_paper_result,
    submit_decryption,
)
from participation.services.voting.eligibility import (
    NO_VOTE_REASONS,
    Snapshot,
    eligible_snapshot,
    no_vote_reason,
)
from participation.services.voting.opening import open_poll
from participation.services.voting.polls import (
    DEFAULT_SETTINGS,
    MAX_CANDIDATES,
    MAX_DURATION,
    TARGET_MODELS,
    create_poll,
    describe_target,
    get_poll,
    last_closed_poll,
    open_poll_of,
    parse_quorum,
    polls_of,
    set_voting_settings,
    target_choices,
    voting_settings,
)
from participation.services.voting.proxies import (
    proxies_of,
    proxy_choices,
    record_proxy,
    revoke_proxy,
)
from participation.services.voting.records import Mismatch, check_polls
from participation.services.voting.shapes import (
    ballots_digest,
    moderator_turnout,
    my_votes,
    poll_json,
    publish_turnout,
    published_ballots,
    roll_call,
    shared_voting_state,
    turnout_json,
    voting_state,
    weight_text,
)

__all__ = [
    "ballot_board",
    "DEFAULT_SETTINGS",
    "Mismatch",
    "MAX_CANDIDATES",
    "MAX_DURATION",
    "NO_VOTE_REASONS",
    "SUBMISSION_ID",
    "TARGET_MODELS",
    "Receipt",
    "Snapshot",
    "accepted_entry_data",
    "audit_head",
    "audit_page",
    "ballots_digest",
    "base_weight",
    "cancel_poll",
    "cast_ballot",
    "check_polls",
    "close_due_polls",
    "next_closing_at",
    "close_poll",
    "create_poll",
    "describe_target",
    "eligible_snapshot",
    "get_poll",
    "holds_only_proxies",
    "last_closed_poll",
    "min_ballots",
    "moderator_turnout",
    "my_votes",
    "no_vote_reason",
    "open_poll",
    "open_poll_of",
    "parse_quorum",
    "poll_json",
    "polls_of",
    "proxies_of",
    "proxy_choices",
    "publish_turnout",
    "publish_vote_recorded",
    "published_audit_seq",
    "published_ballots",
    "record_paper_result",
    "submit_decryption",
    "record_proxy",
    "revoke_proxy",
    "roll_call",
    "seq_of",
    "set_voting_settings",
    "target_choices",
    "turnout_json",
    "verify_public",
    "voting_settings",
    "shared_voting_state",
    "voting_state",
    "weight_text",
]
