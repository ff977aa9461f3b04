"""Encrypted secret polls: trustees hold the key in shares, phones encrypt, the server checks
the proofs and sums, and two of three trustees decrypt only the totals."""

from __future__ import annotations

import importlib
import time
import uuid

import pytest
from sqlalchemy import select, update

from participation.ballots import Ciphertext, deal, partial_decrypt, tracker
from participation.ballots.ballot import read_ciphertexts
from participation.ballots.transport import seal_share, transport_keypair
from participation.extensions import db
from participation.models import AuditEntry, Ballot, KeyCeremony, Poll, PollParticipation
from participation.services import audit, trustees, voting
from participation.services.errors import Conflict, Invalid, NotAllowed
from participation.services.voting import proofcheck, sealed
from participation.services.voting.records import check_polls
from tests.helpers import (
    add_delegate,
    appoint_trustees,
    decrypt_as,
    encrypted_choice,
    new_poll,
)

YES, NO, ABSTAIN = [1, 0, 0], [0, 1, 0], [0, 0, 1]


@pytest.fixture
def ceremony(world):
    """Three trustees (the moderator and the two delegates), any two of whom decrypt."""
    people = [world.moderator.person, world.delegate.person, world.delegate_b.person]
    return appoint_trustees(world, people, 2)


def _open(world, **options):
    options.setdefault("secret", True)
    poll = new_poll(world, **options)
    return voting.open_poll(world.moderator.person, world.conference.id, poll.id)


def _cast(poll, accreditation, marks):
    return voting.cast_ballot(
        accreditation.id, poll.id, encrypted_choice(poll, accreditation.id, marks), uuid.uuid4().hex
    )


def _checked_in_background(poll, count):
    """Wait (at most 30 s) until the background has checked ``count`` of the poll's ballots."""
    deadline = time.monotonic() + 30
    while len(proofcheck.known(poll.id)) < count and time.monotonic() < deadline:
        time.sleep(0.05)


def _forgery_for(poll, accreditation, receipt):
    """The key of the row holding ``receipt``'s ballot, and a ballot for the same vote whose
    proofs fail, to swap in as someone with the database would."""
    forged = encrypted_choice(poll, accreditation.id, [YES])["encrypted"]
    forged["answers"][0]["choices"][1] = forged["answers"][0]["choices"][0]
    key = next(
        key
        for key, choice in db.session.execute(
            select(Ballot.key, Ballot.choice).where(Ballot.poll_id == poll.id)
        )
        if tracker(choice) == receipt.tracker
    )
    return key, forged


def test_the_ceremony_gives_a_key_no_one_holds(world, ceremony):
    stored = db.session.get(KeyCeremony, ceremony.id)
    assert stored.state == "ready"
    assert stored.public_key
    actions = db.session.scalars(
        select(AuditEntry.action).where(AuditEntry.subject == f"ceremony:{ceremony.id}")
    ).all()
    assert actions.count("trustee.dealing") == 3
    assert actions[-1] == "trustees.ready"


def test_a_secret_poll_is_encrypted_and_two_of_three_trustees_decrypt(world, ceremony):
    weighty = add_delegate(world, "Wera Zwei", world.org_a, weight=2)
    poll = _open(world)
    assert poll.encryption["key"] == db.session.get(KeyCeremony, ceremony.id).public_key
    receipts = [
        _cast(poll, world.delegate, [YES]),
        _cast(poll, world.delegate_b, [NO]),
        _cast(poll, weighty, [YES]),
    ]
    # The tracker is the hash of the encrypted ballot, as the phone computes it.
    assert all(len(r.tracker) == 64 for r in receipts)
    voting.close_poll(world.moderator.person, world.conference.id, poll.id)
    db.session.refresh(poll)
    assert poll.state == "counting" and poll.result is None
    decrypt_as(ceremony, 3, poll)
    db.session.refresh(poll)
    assert poll.state == "counting"  # one trustee alone decrypts nothing
    decrypt_as(ceremony, 1, poll)
    db.session.refresh(poll)
    assert poll.state == "closed"
    assert poll.result["tally"]["weights"] == {"yes": 3, "no": 1, "abstain": 0}
    assert poll.result["outcome"] == "adopted"
    assert poll.result["encryption"] == {"mode": "trustees", "threshold": 2, "trustees": 3}
    assert audit.verify().ok
    assert check_polls() == []
    # A third decryption after the result is refused, not counted again.
    with pytest.raises(Conflict):
        decrypt_as(ceremony, 2, poll)


def test_an_election_by_approval_decrypts_per_candidate(world, ceremony):
    poll = _open(
        world, target_kind="election", method="approval", seats=2, candidates=["Ada", "Bea", "Cem"]
    )
    _cast(poll, world.delegate, [[1, 0, 1]])
    _cast(poll, world.delegate_b, [[1, 1, 0]])
    voting.close_poll(world.moderator.person, world.conference.id, poll.id)
    decrypt_as(ceremony, 1, poll)
    decrypt_as(ceremony, 2, poll)
    db.session.refresh(poll)
    ids = [str(c.id) for c in poll.candidates]
    assert poll.result["tally"]["weights"]["approvals"] == dict(zip(ids, [2, 1, 1], strict=True))
    assert check_polls() == []


def test_yes_no_abstain_per_candidate(world, ceremony):
    poll = _open(
        world, target_kind="election", method="candidate_yes_no_abstain", candidates=["Ada", "Bea"]
    )
    _cast(poll, world.delegate, [YES, ABSTAIN])
    _cast(poll, world.delegate_b, [YES, NO])
    voting.close_poll(world.moderator.person, world.conference.id, poll.id)
    decrypt_as(ceremony, 2, poll)
    decrypt_as(ceremony, 3, poll)
    db.session.refresh(poll)
    first, second = (str(c.id) for c in poll.candidates)
    votes = poll.result["tally"]["weights"]["candidates"]
    assert votes[first] == {"yes": 2, "no": 0, "abstain": 0}
    assert votes[second] == {"yes": 0, "no": 1, "abstain": 1}


def test_plaintext_and_stolen_ballots_are_refused(world, ceremony):
    poll = _open(world)
    with pytest.raises(Invalid):
        voting.cast_ballot(world.delegate.id, poll.id, "yes", uuid.uuid4().hex)
    # A ballot made under another voter's pseudonym is refused at once.
    stolen = encrypted_choice(poll, world.delegate_b.id, [YES])
    with pytest.raises(Invalid):
        voting.cast_ballot(world.delegate.id, poll.id, stolen, uuid.uuid4().hex)
    # So is one made for another poll.
    other = encrypted_choice(poll, world.delegate.id, [YES])
    other["encrypted"]["poll"] = "c1.p999"
    with pytest.raises(Invalid):
        voting.cast_ballot(world.delegate.id, poll.id, other, uuid.uuid4().hex)
    db.session.refresh(poll)
    assert poll.cast_count == 0


def _decrypt_counting_one_no_and_one_invalid(poll, ceremony):
    """Two trustees decrypt: one "no" is counted, one invalid ballot is not, and the records
    of the poll verify."""
    decrypt_as(ceremony, 1, poll)
    decrypt_as(ceremony, 2, poll)
    db.session.refresh(poll)
    assert poll.result["tally"]["weights"] == {"yes": 0, "no": 1, "abstain": 0}
    assert poll.result["invalid_ballots"] == 1
    assert check_polls() == []


def test_a_ballot_whose_proofs_fail_is_listed_invalid_and_not_counted(world, ceremony):
    poll = _open(world)
    _cast(poll, world.delegate_b, [NO])
    # Two marks where one is allowed cannot be proven: a forged ballot's proofs fail. It is
    # acknowledged (the proofs are checked after), then listed invalid at the close.
    forged = encrypted_choice(poll, world.delegate.id, [YES])
    answer = forged["encrypted"]["answers"][0]
    answer["choices"][1] = answer["choices"][0]
    receipt = voting.cast_ballot(world.delegate.id, poll.id, forged, uuid.uuid4().hex)
    voting.close_poll(world.moderator.person, world.conference.id, poll.id)
    db.session.refresh(poll)
    assert [i["tracker"] for i in poll.encryption["invalid"]] == [receipt.tracker]
    assert "question 1" in poll.encryption["invalid"][0]["reason"]
    _decrypt_counting_one_no_and_one_invalid(poll, ceremony)
    board = voting.ballot_board(poll)
    assert [b["reason"] for b in board["invalid"]] == [poll.encryption["invalid"][0]["reason"]]
    assert len(board["ballots"]) == 1


def test_a_ballot_with_a_point_off_the_group_is_listed_invalid_and_not_counted(world, ceremony):
    """A point is checked for group membership with the proofs, after the acknowledgement;
    a ballot misspelling one is refused at once."""
    poll = _open(world)
    _cast(poll, world.delegate_b, [NO])
    misspelt = encrypted_choice(poll, world.delegate.id, [YES])
    misspelt["encrypted"]["answers"][0]["choices"][0]["alpha"] = "FF" * 32
    with pytest.raises(Invalid):
        voting.cast_ballot(world.delegate.id, poll.id, misspelt, uuid.uuid4().hex)
    off_group = encrypted_choice(poll, world.delegate.id, [YES])
    off_group["encrypted"]["answers"][0]["choices"][0]["alpha"] = "ff" * 32
    receipt = voting.cast_ballot(world.delegate.id, poll.id, off_group, uuid.uuid4().hex)
    voting.close_poll(world.moderator.person, world.conference.id, poll.id)
    db.session.refresh(poll)
    assert poll.encryption["invalid"] == [
        {"tracker": receipt.tracker, "weight": 1, "reason": "not a ristretto255 group element"}
    ]
    _decrypt_counting_one_no_and_one_invalid(poll, ceremony)


def test_only_a_trustee_decrypts_and_only_with_a_valid_proof(world, ceremony):
    poll = _open(world)
    _cast(poll, world.delegate, [YES])
    voting.close_poll(world.moderator.person, world.conference.id, poll.id)
    db.session.refresh(poll)
    with pytest.raises(NotAllowed):
        voting.submit_decryption(world.observer.person, world.conference.id, poll.id, {})
    totals = [[Ciphertext.from_json(ct) for ct in row] for row in poll.encryption["totals"]]
    # Trustee 1's factors sent by trustee 2 (or with trustee 2's number) do not verify.
    forged = partial_decrypt(poll.encryption["label"], ceremony.shares[1], totals)
    forged["trustee"] = 2
    with pytest.raises(Invalid):
        voting.submit_decryption(ceremony.people[1], world.conference.id, poll.id, forged)
    db.session.refresh(poll)
    assert poll.state == "counting"


def test_a_lost_trustee_below_the_threshold_loses_nothing(world, ceremony):
    poll = _open(world)
    _cast(poll, world.delegate, [NO])
    voting.close_poll(world.moderator.person, world.conference.id, poll.id)
    del ceremony.shares[1]  # the moderator's device is gone
    decrypt_as(ceremony, 2, poll)
    decrypt_as(ceremony, 3, poll)
    db.session.refresh(poll)
    assert poll.result["tally"]["weights"]["no"] == 1


def test_a_poll_without_ballots_closes_at_once(world, ceremony):
    poll = _open(world)
    voting.close_poll(world.moderator.person, world.conference.id, poll.id)
    db.session.refresh(poll)
    assert poll.state == "closed"
    assert poll.result["tally"]["ballots"] == 0


def test_a_counting_poll_may_be_cancelled_and_blocks_a_new_ceremony(world, ceremony):
    poll = _open(world)
    _cast(poll, world.delegate, [YES])
    voting.close_poll(world.moderator.person, world.conference.id, poll.id)
    with pytest.raises(Conflict):
        trustees.appoint(world.moderator.person, world.conference.id, [world.delegate.person_id], 1)
    voting.cancel_poll(world.moderator.person, world.conference.id, poll.id)
    assert db.session.scalars(select(Ballot).where(Ballot.poll_id == poll.id)).all() == []
    again = trustees.appoint(
        world.moderator.person, world.conference.id, [world.delegate.person_id], 1
    )
    assert again.state == "dealing"
    assert db.session.get(KeyCeremony, ceremony.id).state == "retired"


def test_opening_an_encrypted_poll_loads_libsodium_before_the_ballots_come(
    world, ceremony, monkeypatch
):
    """The group loads libsodium at its first operation; an encrypted poll's opening does it,
    so that the hall's first ballots do not wait for the import. A plaintext poll does not."""
    from participation.ballots import group

    monkeypatch.setattr(group, "_rbcl", None)
    plain = _open(world, secret=False)
    assert group._rbcl is None
    voting.close_poll(world.moderator.person, world.conference.id, plain.id)
    _open(world)
    assert group._rbcl is not None


def test_without_trustees_a_secret_poll_stays_as_before(world):
    poll = _open(world)
    assert poll.encryption is None
    voting.cast_ballot(world.delegate.id, poll.id, "yes", uuid.uuid4().hex)


def test_a_ballot_changed_in_the_database_is_found(world, ceremony):
    poll = _open(world)
    _cast(poll, world.delegate, [YES])
    _cast(poll, world.delegate_b, [NO])
    # Swap in another valid encrypted ballot for the same pseudonym (an attacker who can
    # write the database but not read a ballot can only replace it wholesale).
    replacement = encrypted_choice(poll, world.delegate.id, [NO])["encrypted"]
    key = db.session.scalars(select(Ballot.key).where(Ballot.poll_id == poll.id)).first()
    db.session.execute(update(Ballot).where(Ballot.key == key).values(choice=replacement))
    db.session.commit()
    assert [m.what for m in check_polls()] == ["trackers"]


def test_the_appointment_is_checked(world):
    moderator = world.moderator.person
    with pytest.raises(Invalid):
        trustees.appoint(moderator, world.conference.id, [world.delegate.person_id], 2)
    with pytest.raises(Invalid):
        trustees.appoint(moderator, world.conference.id, [world.staff.id], 1)
    with pytest.raises(NotAllowed):
        trustees.appoint(world.delegate.person, world.conference.id, [world.delegate.person_id], 1)


def test_a_bad_share_ends_the_ceremony(world):
    people = [world.moderator.person, world.delegate.person]
    trustees.appoint(world.moderator.person, world.conference.id, [p.id for p in people], 2)
    keys = {}
    for person in people:
        secret, public = transport_keypair()
        keys[person.id] = public
        trustees.publish_transport_key(person, world.conference.id, public.hex())
    label = trustees.current_ceremony(world.conference.id).label
    for number, person in enumerate(people, start=1):
        dealing, shares = deal(label, number, 2, 2)
        sealed = [
            seal_share(label, number, j, keys[people[j - 1].id], s) for j, s in shares.items()
        ]
        trustees.publish_dealing(person, world.conference.id, dealing.to_json(), sealed)
    trustees.confirm_share(people[1], world.conference.id, failed_dealer=1)
    ceremony = trustees.current_ceremony(world.conference.id)
    assert ceremony.state == "failed"
    poll = _open(world)
    assert poll.encryption is None  # no ready key: the poll is not encrypted
    with pytest.raises(Conflict):
        trustees.confirm_share(people[0], world.conference.id)


def test_participations_and_ballots_hold_no_choice(world, ceremony):
    poll = _open(world)
    _cast(poll, world.delegate, [YES])
    _cast(poll, world.delegate_b, [NO])
    voting.close_poll(world.moderator.person, world.conference.id, poll.id)
    decrypt_as(ceremony, 1, poll)
    decrypt_as(ceremony, 2, poll)
    rows = db.session.scalars(select(Ballot.choice).where(Ballot.poll_id == poll.id)).all()
    assert all(set(choice) == {"poll", "voter", "answers"} for choice in rows)
    assert db.session.scalars(
        select(PollParticipation.choice).where(PollParticipation.poll_id == poll.id)
    ).all() == [None, None]
    assert db.session.get(Poll, poll.id).state == "closed"


def test_every_page_shows_a_poll_waiting_for_the_trustees(app, world, ceremony, auth):
    poll = _open(world)
    _cast(poll, world.delegate, [YES])
    voting.close_poll(world.moderator.person, world.conference.id, poll.id)
    moderator = auth.joined_client(app, world.codes[world.moderator.id])
    delegate = auth.joined_client(app, world.codes[world.delegate.id])
    conference = f"/c/{world.conference.id}"
    pages = [
        (moderator, f"{conference}/console"),
        (moderator, f"{conference}/polls"),
        (moderator, f"{conference}/trustees"),
        (delegate, f"{conference}/trustees"),
        (delegate, f"{conference}/votes"),
        (delegate, f"{conference}/votes/{poll.id}"),
        (delegate, f"{conference}/votes/{poll.id}?partial=result"),
    ]
    for client, path in pages:
        response = client.get(path)
        assert response.status_code == 200, path
        assert "trustee" in response.get_data(as_text=True).lower(), path
    # A trustee's phone links to the trustee page; anyone else's does not.
    assert 'id="trustee-link"' in delegate.get(f"{conference}/live").get_data(as_text=True)
    observer = auth.joined_client(app, world.codes[world.observer.id])
    assert 'id="trustee-link"' not in observer.get(f"{conference}/live").get_data(as_text=True)
    # The board is published only with the result.
    assert delegate.get(f"{conference}/votes/{poll.id}/board.json").status_code == 404
    decrypt_as(ceremony, 1, poll)
    decrypt_as(ceremony, 2, poll)
    board = delegate.get(f"{conference}/votes/{poll.id}/board.json").get_json()
    assert board["format"] == "participation/board/v1"
    assert len(board["ballots"]) == 1


def test_the_desk_says_whether_secret_ballots_are_encrypted(app, world, auth):
    moderator = auth.joined_client(app, world.codes[world.moderator.id])
    desk = f"/c/{world.conference.id}/polls"
    assert 'id="no-trustees"' in moderator.get(desk).get_data(as_text=True)
    people = [world.moderator.person, world.delegate.person]
    ceremony = appoint_trustees(world, people, 2)
    page = moderator.get(desk).get_data(as_text=True)
    assert 'id="no-trustees"' not in page
    poll = _open(world)
    _cast(poll, world.delegate, [YES])
    voting.close_poll(world.moderator.person, world.conference.id, poll.id)
    # Waiting for the trustees: the desk may cancel the count when they cannot decrypt.
    page = moderator.get(desk).get_data(as_text=True)
    assert f"/polls/{poll.id}/cancel" in page
    assert ceremony.shares


def test_proofs_are_checked_while_the_poll_is_open(world, ceremony, monkeypatch):
    poll = _open(world)
    receipts = [_cast(poll, world.delegate, [YES]), _cast(poll, world.delegate_b, [NO])]
    wanted = {r.tracker for r in receipts}
    _checked_in_background(poll, 2)
    assert proofcheck.known(poll.id) == dict.fromkeys(wanted, "")

    # The close takes those results and checks nothing again.
    def checked_again(*_args):
        raise AssertionError("a ballot checked while the poll was open was checked again")

    monkeypatch.setattr(sealed, "proof_failure", checked_again)
    voting.close_poll(world.moderator.person, world.conference.id, poll.id)
    db.session.refresh(poll)
    assert poll.state == "counting" and poll.encryption["invalid"] == []
    assert proofcheck.known(poll.id) == {}


def test_proofs_wait_until_ballots_stop_arriving(world, ceremony, monkeypatch):
    """While ballots keep coming (here the retries of one), the background checks none."""
    monkeypatch.setattr(proofcheck, "QUIET", 0.4)
    poll = _open(world)
    choice = encrypted_choice(poll, world.delegate.id, [YES])
    submission = uuid.uuid4().hex
    receipt = voting.cast_ballot(world.delegate.id, poll.id, choice, submission)
    until = time.monotonic() + 1.2
    while time.monotonic() < until:
        time.sleep(0.1)
        repeated = voting.cast_ballot(world.delegate.id, poll.id, choice, submission)
        assert repeated.repeated and repeated.tracker == receipt.tracker
        assert proofcheck.known(poll.id) == {}
    _checked_in_background(poll, 1)
    assert proofcheck.known(poll.id) == {receipt.tracker: ""}


def test_the_close_adds_only_what_the_background_has_not(world, ceremony, monkeypatch):
    weighty = add_delegate(world, "Wera Zwei", world.org_a, weight=2)
    poll = _open(world)
    _cast(poll, world.delegate, [YES])
    _cast(poll, weighty, [NO])
    _checked_in_background(poll, 2)
    # The last ballot comes just before the close, too late for the background.
    _cast(poll, world.delegate_b, [YES])
    # The module, not the function the package names after it.
    tally_module = importlib.import_module("participation.ballots.tally")
    read = []

    def counted_ballot(*args):
        read.append(args)
        return read_ciphertexts(*args)

    monkeypatch.setattr(tally_module, "read_ciphertexts", counted_ballot)
    voting.close_poll(world.moderator.person, world.conference.id, poll.id)
    assert len(read) == 1
    monkeypatch.undo()
    db.session.refresh(poll)
    decrypt_as(ceremony, 1, poll)
    decrypt_as(ceremony, 2, poll)
    db.session.refresh(poll)
    assert poll.result["tally"]["weights"] == {"yes": 2, "no": 2, "abstain": 0}
    assert check_polls() == []


def test_a_ballot_changed_after_its_check_is_checked_again(world, ceremony):
    poll = _open(world)
    receipts = [_cast(poll, world.delegate, [YES]), _cast(poll, world.delegate_b, [NO])]
    _checked_in_background(poll, 2)
    # Someone with the database swaps in a ballot whose proofs fail: its content no longer
    # hashes to the tracker checked, so the close checks it itself and finds it invalid.
    key, forged = _forgery_for(poll, world.delegate, receipts[0])
    db.session.execute(update(Ballot).where(Ballot.key == key).values(choice=forged))
    db.session.commit()
    voting.close_poll(world.moderator.person, world.conference.id, poll.id)
    db.session.refresh(poll)
    assert len(poll.encryption["invalid"]) == 1
    assert [m.what for m in check_polls()] == ["trackers"]


def test_a_ballot_changed_while_the_poll_closes_is_hashed_again(world, ceremony, monkeypatch):
    """The close hashes a ballot again unless it is the very ballot read before its lock: one
    swapped in between is judged by its own tracker, not the one checked earlier."""
    poll = _open(world)
    receipts = [_cast(poll, world.delegate, [YES]), _cast(poll, world.delegate_b, [NO])]
    _checked_in_background(poll, 2)
    key, forged = _forgery_for(poll, world.delegate, receipts[0])
    read_before_the_lock = sealed.verify_stored

    def then_swapped(poll):
        checked = read_before_the_lock(poll)
        db.session.execute(update(Ballot).where(Ballot.key == key).values(choice=forged))
        db.session.commit()
        return checked

    monkeypatch.setattr(sealed, "verify_stored", then_swapped)
    voting.close_poll(world.moderator.person, world.conference.id, poll.id)
    db.session.refresh(poll)
    assert [entry["tracker"] for entry in poll.encryption["invalid"]] == [tracker(forged)]


def test_without_trustees_a_secret_poll_opens_only_where_allowed(world):
    settings = dict(world.conference.settings)
    settings["voting"] = {**settings["voting"], "unencrypted_secret": False}
    world.conference.settings = settings
    db.session.commit()
    secret = new_poll(world, secret=True)
    with pytest.raises(Conflict, match="Appoint trustees first"):
        voting.open_poll(world.moderator.person, world.conference.id, secret.id)
    # A named poll needs no trustees; once they hold a key, the secret poll opens encrypted.
    named = voting.open_poll(world.moderator.person, world.conference.id, new_poll(world).id)
    voting.close_poll(world.moderator.person, world.conference.id, named.id)
    appoint_trustees(world, [world.moderator.person], 1)
    opened = voting.open_poll(world.moderator.person, world.conference.id, secret.id)
    assert opened.encryption is not None


def test_the_default_is_no_secret_ballot_without_trustees(app):
    assert voting.DEFAULT_SETTINGS["unencrypted_secret"] is False
