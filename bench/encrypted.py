"""The vote burst with encrypted ballots: a trustee for the benchmark conference, ballots
encrypted before the burst (a phone's work, not the server's), and the trustee's decryption.

The benchmark's moderator is the only trustee (the weaker single-trustee mode), so the script
can decrypt for it; the server's work per ballot (checking every proof) and per count (the
weighted sums, checking the decryption) is the same as with t of n trustees.
"""

from __future__ import annotations

import socketio

from participation.ballots import (
    Ciphertext,
    KeyShare,
    Point,
    Question,
    deal,
    encrypt_ballot,
    partial_decrypt,
)
from participation.ballots.group import scalar_from_hex, scalar_hex
from participation.ballots.transport import seal_share, transport_keypair


def appoint_single_trustee(staff, conference_id: int, person) -> str:
    """Run the key ceremony for ``person`` alone (inside an app context); its share, in hex."""
    from participation.services import trustees

    ceremony = trustees.appoint(staff, conference_id, [person.id], 1)
    label = ceremony.label
    secret, public = transport_keypair()
    del secret  # the share is kept below; the transport key only carries it
    trustees.publish_transport_key(person, conference_id, public.hex())
    dealing, shares = deal(label, 1, 1, 1)
    sealed = [seal_share(label, 1, 1, public, shares[1])]
    trustees.publish_dealing(person, conference_id, dealing.to_json(), sealed)
    trustees.confirm_share(person, conference_id)
    return scalar_hex(shares[1])


def ballots(payloads: dict[int, dict], marks_of) -> dict[int, dict]:
    """Each delegate's encrypted choice, from the ``ballot_ready`` it received."""
    made = {}
    for index, ready in payloads.items():
        voting = ready["voting"]
        encryption = voting["poll"]["encryption"]
        ballot, _ = encrypt_ballot(
            Point.from_hex(encryption["key"]),
            encryption["label"],
            voting["my_votes"][0]["pseudonym"],
            [Question(**q) for q in encryption["questions"]],
            marks_of(index),
        )
        made[index] = {"encrypted": ballot}
    return made


async def decrypt(url: str, token: str, conference_id: int, share: str) -> dict:
    """Decrypt every poll waiting for the trustee, as its page does; the last reply."""
    client = socketio.AsyncClient(reconnection=False)
    await client.connect(
        url, headers={"Authorization": f"Bearer {token}"}, transports=["websocket"]
    )
    reply: dict = {}
    try:
        state = await client.call("trustee_state", {"conference_id": conference_id}, timeout=60)
        key_share = KeyShare(state["state"]["me"], scalar_from_hex(share))
        for work in state["state"]["work"]:
            totals = [[Ciphertext.from_json(ct) for ct in row] for row in work["totals"]]
            partial = partial_decrypt(work["label"], key_share, totals)
            reply = await client.call(
                "trustee_decrypt",
                {"conference_id": conference_id, "poll_id": work["poll_id"], "partial": partial},
                timeout=60,
            )
    finally:
        await client.disconnect()
    return reply
