"""A state machine of a plenary (check-ins, proxies, open, vote, retry, close) against a model.

Hypothesis drives the real services on the real database (SQLite and PostgreSQL) and checks
every step against a small model written from the rules in DESIGN.md: who may vote and with
what weight, which ballots are accepted, the tallies, majorities and quorum.
"""

from __future__ import annotations

import itertools
import uuid
from fractions import Fraction

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    precondition,
    rule,
    run_state_machine_as_test,
)
from sqlalchemy import func, select

from participation.extensions import db
from participation.models import Organisation, Poll
from participation.services import audit, conferences, directory, voting
from participation.services.errors import Conflict, DomainError, Invalid, NotAllowed

DELEGATES = 6
ORGANISATIONS = 3
_counter = itertools.count()

MAJORITY = st.sampled_from(["simple", "absolute", "two_thirds", "absolute_eligible"])
QUORUM = st.sampled_from(
    [
        ("none", None),
        ("weight_share", "1/2"),
        ("weight_share", "2/3"),
        ("organisations_count", "2"),
        ("organisations_count", "3"),
        ("organisations_share", "1/2"),
    ]
)


# --- the model ---------------------------------------------------------------------------------


def model_majority(rule: str, yes, no, abstain, eligible) -> bool:
    if rule == "simple":
        return yes > no
    if rule == "absolute":
        return yes > (yes + no + abstain) / 2
    if rule == "two_thirds":
        return yes > 0 and yes >= Fraction(2, 3) * (yes + no)
    return yes > eligible / 2


def model_approval(rule: str, approvals, ballots, eligible) -> bool:
    if rule == "simple":
        return approvals > 0
    if rule == "absolute":
        return approvals > ballots / 2
    if rule == "two_thirds":
        return approvals > 0 and approvals >= Fraction(2, 3) * ballots
    return approvals > eligible / 2


def model_quorum(kind, value, participating, eligible, orgs_present, orgs_total) -> bool:
    if kind == "none":
        return True
    if kind == "weight_share":
        return participating >= Fraction(value) * eligible
    if kind == "organisations_count":
        return orgs_present >= int(value)
    return orgs_present >= Fraction(value) * orgs_total


class Plenary(RuleBasedStateMachine):
    """One conference per example: six delegates of three organisations, two each."""

    @initialize(
        weights=st.lists(st.integers(1, 3), min_size=DELEGATES, max_size=DELEGATES),
        present=st.lists(st.booleans(), min_size=DELEGATES, max_size=DELEGATES),
        per_org=st.sampled_from([None, None, 1, 2]),
    )
    def setup(self, weights, present, per_org):
        n = next(_counter)
        self.conference = conferences.save_conference(
            None, title=f"Plenum {n}", number=1, status="running"
        )
        self.cid = self.conference.id
        # The model counts plaintext ballots; encrypted ones are tested on their own.
        voting.set_voting_settings(None, self.cid, unencrypted_secret=True)
        self.orgs = [
            directory.save_organisation(None, name=f"Verein {n}-{i}").id
            for i in range(ORGANISATIONS)
        ]
        if per_org:
            voting.set_voting_settings(None, self.cid, votes_per_organisation=per_org)
        self.per_org = per_org
        self.ids, self.weight, self.org, self.present = [], {}, {}, {}
        for i in range(DELEGATES):
            person = directory.save_person(None, display_name=f"Delegierte {n}-{i}")
            acc = conferences.save_accreditation(
                None,
                self.cid,
                person_id=person.id,
                role="delegate",
                organisation_id=self.orgs[i % ORGANISATIONS],
                voting_right=True,
                vote_weight=weights[i],
            )
            if present[i]:
                conferences.set_presence(None, self.cid, acc.id, True)
            self.ids.append(acc.id)
            self.weight[acc.id] = weights[i]
            self.org[acc.id] = self.orgs[i % ORGANISATIONS]
            self.present[acc.id] = present[i]
        self.proxies: dict[int, int] = {}  # giver -> holder
        self.poll = None  # the open poll's model
        self.receipts: list[
            tuple[int, int, int, str, str]
        ] = []  # poll, voter, caster, sid, tracker
        self.closed_polls: list[int] = []

    # --- the room ---------------------------------------------------------------------------

    @rule(i=st.integers(0, DELEGATES - 1), present=st.booleans())
    def check_in_or_out(self, i, present):
        acc = self.ids[i]
        conferences.set_presence(None, self.cid, acc, present)
        self.present[acc] = present  # applies to polls opened later

    @rule(giver=st.integers(0, DELEGATES - 1), holder=st.integers(0, DELEGATES - 1))
    def record_proxy(self, giver, holder):
        g, h = self.ids[giver], self.ids[holder]
        valid = (
            g != h
            and self.org[g] == self.org[h]
            and g not in self.proxies
            and g not in self.proxies.values()
            and h not in self.proxies
            and h not in self.proxies.values()  # at most one proxy per holder
        )
        try:
            voting.record_proxy(None, self.cid, g, h)
        except DomainError:
            assert not valid
        else:
            assert valid
            self.proxies[g] = h

    @rule(data=st.data())
    def revoke_proxy(self, data):
        if not self.proxies:
            return
        giver = data.draw(st.sampled_from(sorted(self.proxies)))
        proxy = next(p for p in voting.proxies_of(self.cid) if p.giver_id == giver)
        voting.revoke_proxy(None, self.cid, proxy.id)
        del self.proxies[giver]

    # --- polls --------------------------------------------------------------------------------

    def expected_eligible(self) -> dict[int, tuple[int, Fraction]]:
        eligible = {}
        for owner in self.ids:
            caster = self.proxies.get(owner, owner)
            if self.present[caster]:
                eligible[owner] = caster
        shares = {}
        for owner in eligible:
            shares[self.org[owner]] = shares.get(self.org[owner], 0) + 1
        return {
            owner: (
                caster,
                Fraction(self.per_org, shares[self.org[owner]])
                if self.per_org
                else Fraction(self.weight[owner]),
            )
            for owner, caster in eligible.items()
        }

    @precondition(lambda self: self.poll is None)
    @rule(
        election=st.booleans(),
        majority=MAJORITY,
        quorum=QUORUM,
        secret=st.booleans(),
    )
    def open_poll(self, election, majority, quorum, secret):
        options = {"majority": majority, "quorum_kind": quorum[0], "secret": secret}
        if quorum[1]:
            options["quorum"] = quorum[1]
        if election:
            options.update(target_kind="election", candidates=["A", "B", "C"], seats=2)
        poll = voting.create_poll(None, self.cid, title="Abstimmung", **options)
        poll = voting.open_poll(None, self.cid, poll.id)
        eligible = self.expected_eligible()
        scale = poll.weight_scale
        assert poll.eligible_count == len(eligible)
        assert Fraction(poll.eligible_weight, scale) == sum(w for _c, w in eligible.values())
        assert poll.organisations_present == len({self.org[o] for o in eligible})
        self.poll = {
            "id": poll.id,
            "election": election,
            "candidates": [c.id for c in poll.candidates],
            "majority": majority,
            "quorum": quorum,
            "eligible": eligible,
            "cast": {},  # owner -> choice
            "scale": scale,
            "secret": secret,
        }

    def _choices(self):
        if self.poll["election"]:
            ids = self.poll["candidates"]
            valid = st.lists(st.sampled_from(ids), max_size=2, unique=True).map(
                lambda picked: {"approve": picked}
            )
            invalid = st.sampled_from([{"approve": ids}, {"approve": [0]}, "yes"])
        else:
            valid = st.sampled_from(["yes", "no", "abstain"]).map(lambda v: {"vote": v})
            invalid = st.sampled_from(["maybe", {"vote": None}, ["yes"]])
        return valid, invalid

    @precondition(lambda self: self.poll is not None)
    @rule(data=st.data(), caster=st.integers(0, DELEGATES - 1), bad=st.booleans())
    def vote(self, data, caster, bad):
        poll = self.poll
        caster_id = self.ids[caster]
        mine = sorted(o for o, (c, _w) in poll["eligible"].items() if c == caster_id)
        owner = data.draw(st.sampled_from(mine)) if mine and data.draw(st.booleans()) else None
        valid, invalid = self._choices()
        choice = data.draw(invalid if bad else valid)
        submission = uuid.uuid4().hex
        target = owner if owner is not None else caster_id
        try:
            receipt = voting.cast_ballot(caster_id, poll["id"], choice, submission, voter_id=owner)
        except NotAllowed:
            assert poll["eligible"].get(target, (None,))[0] != caster_id
        except Conflict:
            assert target in poll["cast"]
        except Invalid:
            assert bad and target not in poll["cast"]
        else:
            assert not bad and poll["eligible"][target][0] == caster_id
            assert target not in poll["cast"]
            poll["cast"][target] = choice["vote"] if "vote" in choice else choice["approve"]
            self.receipts.append((poll["id"], target, caster_id, submission, receipt.tracker))

    @precondition(lambda self: self.receipts)
    @rule(data=st.data())
    def retry(self, data):
        poll_id, voter, caster, submission, tracker = data.draw(st.sampled_from(self.receipts))
        receipt = voting.cast_ballot(caster, poll_id, "yes", submission, voter_id=voter)
        assert receipt.tracker == tracker and receipt.repeated

    @precondition(lambda self: self.closed_polls)
    @rule(data=st.data(), caster=st.integers(0, DELEGATES - 1))
    def vote_after_close(self, data, caster):
        poll_id = data.draw(st.sampled_from(self.closed_polls))
        try:
            voting.cast_ballot(self.ids[caster], poll_id, "yes", uuid.uuid4().hex)
        except (Conflict, NotAllowed):
            pass
        else:
            raise AssertionError("a ballot after close was accepted")

    @precondition(lambda self: self.poll is not None)
    @rule()
    def close(self):
        poll = self.poll
        if poll["secret"] and 0 < len(poll["cast"]) < voting.DEFAULT_SETTINGS["secret_min_ballots"]:
            # Too few ballots for a secret result: refused, and the moderator cancels.
            try:
                voting.close_poll(None, self.cid, poll["id"])
            except Conflict:
                pass
            else:
                raise AssertionError("a secret result of too few ballots was published")
            assert db.session.get(Poll, poll["id"]).state == "open"
            voting.cancel_poll(None, self.cid, poll["id"])
            self.receipts = [r for r in self.receipts if r[0] != poll["id"]]
            self.closed_polls.append(poll["id"])
            self.poll = None
            return
        closed = voting.close_poll(None, self.cid, poll["id"])
        result, scale = closed.result, poll["scale"]
        eligible = sum(w for _c, w in poll["eligible"].values())
        weights = {o: w for o, (_c, w) in poll["eligible"].items()}
        participating = sum(weights[o] for o in poll["cast"])
        orgs_present = len({self.org[o] for o in poll["eligible"]})
        orgs_total = db.session.scalar(
            select(func.count()).select_from(Organisation).where(Organisation.active.is_(True))
        )
        kind, value = poll["quorum"]
        quorate = model_quorum(kind, value, participating, eligible, orgs_present, orgs_total)
        assert result["quorum"]["met"] == quorate
        assert result["tally"]["ballots"] == len(poll["cast"])
        assert Fraction(result["tally"]["weight"], scale) == participating
        if poll["election"]:
            approvals = {c: Fraction(0) for c in poll["candidates"]}
            for owner, picked in poll["cast"].items():
                for c in picked:
                    approvals[c] += weights[owner]
            for c, total in approvals.items():
                assert Fraction(result["tally"]["weights"]["approvals"][str(c)], scale) == total
            qualified = sorted(
                (
                    c
                    for c in approvals
                    if model_approval(poll["majority"], approvals[c], participating, eligible)
                ),
                key=lambda c: -approvals[c],
            )
            if not quorate:
                expected = ("not_quorate", [], [])
            elif len(qualified) <= 2:
                expected = ("elected" if qualified else "none_elected", sorted(qualified), [])
            else:
                edge = approvals[qualified[1]]
                if approvals[qualified[2]] == edge:
                    above = sorted(c for c in qualified if approvals[c] > edge)
                    tied = sorted(c for c in qualified if approvals[c] == edge)
                    expected = ("tie", above, tied)
                else:
                    expected = ("elected", sorted(qualified[:2]), [])
            got = (result["outcome"], sorted(result["elected"]), sorted(result["tied"]))
            assert got == expected, (got, expected, approvals)
        else:
            sums = {"yes": Fraction(0), "no": Fraction(0), "abstain": Fraction(0)}
            for owner, vote in poll["cast"].items():
                sums[vote] += weights[owner]
            for key, total in sums.items():
                assert Fraction(result["tally"]["weights"][key], scale) == total
            adopted = model_majority(
                poll["majority"], sums["yes"], sums["no"], sums["abstain"], eligible
            )
            if not quorate:
                expected = "not_quorate"
            elif adopted:
                expected = "adopted"
            elif sums["yes"] == sums["no"] and sums["yes"] > 0:
                expected = "tie"
            else:
                expected = "rejected"
            assert result["outcome"] == expected, (result, sums, poll)
        self.closed_polls.append(poll["id"])
        self.poll = None

    # --- invariants ---------------------------------------------------------------------------

    @invariant()
    def turnout_matches_the_model(self):
        if getattr(self, "poll", None) is None:
            return
        db.session.rollback()
        row = db.session.execute(
            select(Poll.cast_count, Poll.state).where(Poll.id == self.poll["id"])
        ).one()
        assert row.state == "open" and row.cast_count == len(self.poll["cast"])

    def teardown(self):
        if hasattr(self, "cid"):
            assert audit.verify().ok


def test_plenary_state_machine(any_db_app):
    run_state_machine_as_test(
        Plenary,
        settings=settings(
            max_examples=10,
            stateful_step_count=35,
            deadline=None,
            suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
        ),
    )
