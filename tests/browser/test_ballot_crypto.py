"""The phone's ballot module runs in Chromium under the app's Content-Security-Policy: loaded
from our origin with the bundled noble libraries, it makes ballots the server accepts."""

from __future__ import annotations

from participation.ballots import KeyPair, Question, check_spoiled, tracker, verify_ballot

SCRIPT = """async ([publicKey, questions, marks]) => {
  const crypto = await import("/static/js/ballot_crypto.js");
  const made = crypto.encryptBallot({publicKey, poll: "poll-1", voter: "v1", questions, marks});
  const check = crypto.verifyBallot(made.ballot, {publicKey, poll: "poll-1", questions});
  return {...made, reveal: crypto.revealSpoiled(made.ballot, marks, made.randomness), check};
}"""


def test_the_browser_encrypts_a_ballot_the_server_accepts(live_server, phone_page):
    page = phone_page
    static: list[tuple[str, int]] = []
    page.on(
        "response",
        lambda response: "/static/" in response.url
        and static.append((response.url, response.status)),
    )
    page.goto(live_server.url + "/")
    keys = KeyPair.generate()
    questions = [Question.one_of(3), Question.up_to(4, 2)]
    marks = [[0, 1, 0], [1, 0, 0, 1]]
    made = page.evaluate(SCRIPT, [keys.public.hex(), [q.to_json() for q in questions], marks])
    assert made["check"] == {"ok": True, "reason": ""}
    ballot = made["ballot"]
    assert verify_ballot(
        ballot, public_key=keys.public, poll="poll-1", questions=questions, voter="v1"
    ) == (True, "")
    assert made["tracker"] == tracker(ballot)
    assert check_spoiled(made["reveal"], public_key=keys.public, questions=questions) == (True, "")
    loaded = {url.rsplit("/", 1)[1]: status for url, status in static}
    assert (loaded["ballot_crypto.js"], loaded["noble.js"]) == (200, 200)
