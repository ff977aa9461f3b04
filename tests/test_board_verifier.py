"""The independent verifier (tools/verify_board.py) accepts the board of a closed encrypted poll
as the app publishes it, and names what is wrong with every kind of tampered board."""

from __future__ import annotations

import copy
import json
import re
import subprocess
import sys
import uuid
from pathlib import Path

import pytest

from participation.services import voting
from tests.helpers import add_delegate, appoint_trustees, decrypt_as, encrypted_choice, new_poll

ROOT = Path(__file__).resolve().parent.parent
TOOL = ROOT / "tools" / "verify_board.py"
YES, NO, ABSTAIN = [1, 0, 0], [0, 1, 0], [0, 0, 1]


@pytest.fixture
def ceremony(world):
    people = [world.moderator.person, world.delegate.person, world.delegate_b.person]
    return appoint_trustees(world, people, 2)


def _closed(world, ceremony, ballots, trustees=(3, 1), **options):
    """An encrypted poll opened, cast with ``ballots`` ((accreditation, marks)…), closed and
    decrypted by ``trustees``."""
    poll = new_poll(world, secret=True, **options)
    poll = voting.open_poll(world.moderator.person, world.conference.id, poll.id)
    for accreditation, marks in ballots:
        choice = encrypted_choice(poll, accreditation.id, marks)
        voting.cast_ballot(accreditation.id, poll.id, choice, uuid.uuid4().hex)
    voting.close_poll(world.moderator.person, world.conference.id, poll.id)
    for number in trustees:
        decrypt_as(ceremony, number, poll)
    return poll


def _board(client, poll) -> dict:
    response = client.get(f"/c/{poll.conference_id}/votes/{poll.id}/board.json")
    assert response.status_code == 200
    return response.get_json()


def _verify(tmp_path, board, chain=None) -> subprocess.CompletedProcess:
    path = tmp_path / f"board-{uuid.uuid4().hex[:8]}.json"
    path.write_text(json.dumps(board))
    command = [sys.executable, str(TOOL), str(path)]
    if chain is not None:
        chain_path = tmp_path / "chain.json"
        chain_path.write_text(json.dumps(chain))
        command += ["--chain", str(chain_path)]
    return subprocess.run(command, capture_output=True, text=True, cwd=ROOT, check=False)


@pytest.fixture
def motion(world, ceremony, client):
    """The board of a motion: yes with weight 2 and 1, no with weight 1."""
    weighty = add_delegate(world, "Wera Zwei", world.org_a, weight=2)
    ballots = [(world.delegate, [YES]), (world.delegate_b, [NO]), (weighty, [YES])]
    poll = _closed(world, ceremony, ballots)
    board = _board(client, poll)
    assert board["result"]["tally"]["weights"] == {"yes": 3, "no": 1, "abstain": 0}
    return board


def test_the_board_of_a_weighted_motion_verifies(motion, tmp_path):
    done = _verify(tmp_path, motion)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "everything holds" in done.stdout
    assert "ballots: 3 of weight 4" in done.stdout


def test_the_board_of_an_approval_election_verifies(world, ceremony, client, tmp_path):
    ballots = [(world.delegate, [[1, 0, 1]]), (world.delegate_b, [[1, 1, 0]])]
    poll = _closed(
        world,
        ceremony,
        ballots,
        trustees=(1, 2),
        target_kind="election",
        method="approval",
        seats=2,
        candidates=["Ada", "Bea", "Cem"],
    )
    done = _verify(tmp_path, _board(client, poll))
    assert done.returncode == 0, done.stdout + done.stderr


def test_the_board_of_a_yes_no_abstain_election_verifies(world, ceremony, client, tmp_path):
    ballots = [(world.delegate, [YES, ABSTAIN]), (world.delegate_b, [YES, NO])]
    poll = _closed(
        world,
        ceremony,
        ballots,
        trustees=(2, 3),
        target_kind="election",
        method="candidate_yes_no_abstain",
        candidates=["Ada", "Bea"],
    )
    board = _board(client, poll)
    done = _verify(tmp_path, board)
    assert done.returncode == 0, done.stdout + done.stderr
    # The per-candidate mapping is checked too: swapping the candidates breaks it.
    board["poll"]["candidates"].reverse()
    done = _verify(tmp_path, board)
    assert done.returncode == 1
    assert "result: the tally's weights" in done.stdout


def test_a_single_trustees_poll_verifies(world, client, tmp_path):
    single = appoint_trustees(world, [world.moderator.person], 1)
    ballots = [(world.delegate, [ABSTAIN]), (world.delegate_b, [NO])]
    poll = _closed(world, single, ballots, trustees=(1,))
    done = _verify(tmp_path, _board(client, poll))
    assert done.returncode == 0, done.stdout + done.stderr


def test_a_poll_without_ballots_verifies(world, ceremony, client, tmp_path):
    poll = _closed(world, ceremony, [], trustees=())
    board = _board(client, poll)
    assert board["decryption"] is None and board["ballots"] == []
    done = _verify(tmp_path, board)
    assert done.returncode == 0, done.stdout + done.stderr


# --- tampering --------------------------------------------------------------------------------


def _swap_ciphertexts(board):
    choices = board["ballots"][0]["ballot"]["answers"][0]["choices"]
    choices[0], choices[1] = choices[1], choices[0]


def _remove_ballot(board):
    board["ballots"].pop()


def _add_copy(board):
    board["ballots"].append(copy.deepcopy(board["ballots"][0]))


def _change_weight(board):
    board["ballots"][0]["weight"] += 1


def _change_count(board):
    board["decryption"]["counts"][0][0] += 1


def _change_result_weight(board):
    board["result"]["tally"]["weights"]["no"] += 1


def _change_factor(board):
    factors = board["decryption"]["partial_decryptions"][0]["factors"][0]
    factors[0] = factors[1]


def _drop_partial(board):
    board["decryption"]["partial_decryptions"].pop()


def _change_first_commitment(board):
    commitments = board["dealings"][0]["commitments"]
    commitments[0] = commitments[1]


def _change_later_commitment(board):
    commitments = board["dealings"][1]["commitments"]
    commitments[1] = commitments[0]


def _change_tracker(board):
    board["trackers"][0] = "0" * 64


def _change_entry_data(board):
    entry = next(e for e in board["entries"] if e["action"] == "ballot.accepted")
    entry["data"]["voter"] = "accreditation:999"


def _change_closed_result(board):
    entry = next(e for e in reversed(board["entries"]) if e["action"] == "poll.closed")
    entry["data"]["result"]["outcome"] = "rejected"


def _hide_a_valid_ballot_as_invalid(board):
    board["invalid"] = [{**board["ballots"].pop(), "reason": "said to fail"}]


TAMPERING = [
    (_swap_ciphertexts, r"ballot \d: question 1, choice 1: the proof of 0 or 1 fails"),
    (_remove_ballot, "totals: question 1, choice 1 is not the weighted sum of the ballots"),
    (_remove_ballot, "trackers: the list is not the sorted SHA-256 of the ballots"),
    (_add_copy, r"ballots: pseudonym v[0-9a-f]+ cast 2 ballots"),
    (_change_weight, "decryption: the weight 4 is not the ballots' 5"),
    (_change_weight, "is not the weighted sum of the ballots"),
    (_change_count, r"counts: question 1, choice 1: \d+ is not what the total decrypts to"),
    (_change_result_weight, "result: the tally's weights"),
    (_change_factor, r"decryption: trustee \d's decryption proof fails"),
    (_drop_partial, r"decryption: 1 valid partial decryption\(s\), the threshold is 2"),
    (_change_first_commitment, "ceremony: trustee 1's proof of knowledge of its key part fails"),
    (_change_first_commitment, "ceremony: the key is not the sum of the dealings' first"),
    (_change_later_commitment, r"decryption: trustee \d's decryption proof fails"),
    (_change_later_commitment, "entries: the trustee.dealing entries differ"),
    (_change_tracker, "trackers: the list is not the sorted SHA-256 of the ballots"),
    (_change_tracker, "entries: the ballot.accepted entries' trackers"),
    (_change_entry_data, r"entries: seq \d+ \(ballot.accepted\): its hash does not match"),
    (_change_closed_result, "entries: the poll.closed entry's result differs"),
    (_hide_a_valid_ballot_as_invalid, "invalid ballot 1: its proofs hold, yet it was not counted"),
    (_hide_a_valid_ballot_as_invalid, "entries: the poll.counting entry lists other invalid"),
]


@pytest.mark.parametrize(
    ("tamper", "reason"),
    TAMPERING,
    ids=[f"{t.__name__[1:]}-{i}" for i, (t, _) in enumerate(TAMPERING)],
)
def test_a_tampered_board_fails_with_its_reason(motion, tmp_path, tamper, reason):
    board = copy.deepcopy(motion)
    tamper(board)
    done = _verify(tmp_path, board)
    assert done.returncode == 1, done.stdout + done.stderr
    lines = done.stdout.splitlines()
    assert any(re.search(reason, line) for line in lines), done.stdout
    assert all(line.startswith("FAIL ") for line in lines[:-1])


def test_unreadable_input_exits_2(tmp_path):
    path = tmp_path / "board.json"
    path.write_text("{not json")
    done = subprocess.run(
        [sys.executable, str(TOOL), str(path)], capture_output=True, text=True, check=False
    )
    assert done.returncode == 2
    assert "cannot read" in done.stderr


# --- the whole chain --------------------------------------------------------------------------


def _chain_pages(client) -> list[dict]:
    pages, after = [], 0
    while True:
        page = client.get(f"/api/v1/audit?after={after}&limit=1000").get_json()
        if not page["entries"]:
            return pages
        pages.append(page)
        after = page["entries"][-1]["seq"]


def test_the_board_is_in_the_public_chain(motion, client, tmp_path):
    pages = _chain_pages(client)
    entries = [e for page in pages for e in page["entries"]]
    done = _verify(tmp_path, motion, chain=pages)
    assert done.returncode == 0, done.stdout + done.stderr
    assert f"head {entries[-1]['hash']}" in done.stdout
    # A plain list of the entries is read as well.
    assert _verify(tmp_path, motion, chain=entries).returncode == 0
    middle = len(entries) // 2
    cut = entries[:middle] + entries[middle + 1 :]
    done = _verify(tmp_path, motion, chain=cut)
    assert done.returncode == 1
    assert f"chain: entry {middle + 1} missing" in done.stdout
