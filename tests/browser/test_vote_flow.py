"""The demo, end to end: a secret poll on an amendment, three phones vote, the projector shows
turnout and then the result with its rule, the amendment is merged, the audit chain verifies."""

from __future__ import annotations

import json
import re

from tests.browser.helpers import (
    PHONE,
    PROJECTOR,
    axe_violations,
    describe,
    screenshot,
    sign_in_staff,
)

DELEGATES = ("Aylin Demir", "Mariam Haddad", "Elif Kaya")
#: From Ä1 of the demo resolution A1 (participation/demo.py).
AMENDED = "mit einem eigenen Budget"


def _phone(new_page, url):
    page = new_page(PHONE, is_mobile=True, has_touch=True, device_scale_factor=2)
    page.goto(url)
    page.wait_for_selector("#connection[data-state=online]")
    return page


def _answers(page) -> list[tuple[str, str, str]]:
    """The projector's result as it reads: each answer's name, number and share."""
    rows = page.locator("#projector-result .answer")
    return [
        tuple(
            rows.nth(i).locator(part).inner_text().replace("\xa0", " ").strip()
            for part in (".answer-label", ".answer-count", ".answer-share")
        )
        for i in range(rows.count())
    ]


def _projector_in(new_page, live_server, base: str, locale: str):
    projector = new_page(PROJECTOR, locale=locale)
    sign_in_staff(projector, live_server)
    projector.goto(f"{base}/projector")
    projector.wait_for_selector("#connection[data-state=online]")
    return projector


def _check_result_in(projector, locale: str, expected: list) -> None:
    """The result on a projector in another language: labelled, readable, and axe-clean."""
    projector.locator("#projector-result .result[data-outcome='adopted']").wait_for()
    assert _answers(projector)[:2] == expected
    # The number and the share of an answer stand apart, whichever way the page runs.
    count = projector.locator("#projector-result .n-yes .answer-count").bounding_box()
    share = projector.locator("#projector-result .n-yes .answer-share").bounding_box()
    gap = share["x"] - (count["x"] + count["width"])
    if locale == "ar":
        gap = count["x"] - (share["x"] + share["width"])
    assert gap >= 20, gap
    screenshot(projector, f"vote-projector-result-{locale}")
    violations = axe_violations(projector)
    assert not violations, describe(violations)


def test_secret_poll_on_an_amendment_from_phones_to_projector(live_server, desktop_page, new_page):
    moderator = desktop_page
    moderator.goto(live_server.join_urls["Samira Benali"])
    conference_id = re.search(r"/c/(\d+)/live", moderator.url).group(1)
    base = f"{live_server.url}/c/{conference_id}"

    # Ä1 to A1 is admitted in the demo, so it can go to the vote.
    moderator.click("#documents-link")
    moderator.click(".document-list a:has-text('A1')")
    document_url = moderator.url
    assert AMENDED not in moderator.inner_text(".numbered-text")
    first = moderator.locator("article.amendment.amendment-admitted[data-number='Ä1']")
    amendment_id = first.get_attribute("id").removeprefix("amendment-")

    # A secret poll on it, created from the desk (the form opens with the target chosen).
    moderator.goto(f"{base}/polls?target=amendment:{amendment_id}")
    assert moderator.input_value("#target") == f"amendment:{amendment_id}"
    moderator.check("#secret")
    moderator.click("#new-poll button[type=submit].primary")
    moderator.wait_for_selector("button.open-poll")

    projector = new_page(PROJECTOR)
    sign_in_staff(projector, live_server)
    projector.goto(f"{base}/projector")
    projector.wait_for_selector("#connection[data-state=online]")
    phones = [_phone(new_page, live_server.join_urls[name]) for name in DELEGATES]
    for phone in phones:
        assert phone.locator("#ballot").is_hidden()

    # What the poll decides comes with its opening: no phone asks for it.
    opening: list[str] = []
    for phone in phones:
        phone.on("request", lambda request: opening.append(request.url))
    moderator.click("button.open-poll")
    moderator.wait_for_selector("button.close-poll")

    # Every phone shows the ballot; each delegate chooses, confirms and gets a receipt.
    trackers = []
    for phone in phones:
        phone.wait_for_selector("#ballot .ballot-yes", timeout=5_000)
        assert "Ä1" in phone.inner_text("#ballot .ballot-title")
        phone.wait_for_selector("#ballot .ballot-subject")
        if phone is phones[0]:
            screenshot(phone, "vote-phone-ballot")
        # Two yes, one no: every bar of the result has something to show.
        phone.click("#ballot .ballot-no" if phone is phones[-1] else "#ballot .ballot-yes")
        if phone is phones[0]:
            screenshot(phone, "vote-phone-confirm")
        phone.click("#ballot .ballot-confirm")
        phone.wait_for_selector("#ballot .ballot-done")
        tracker = phone.inner_text("#ballot code.tracker")
        assert re.fullmatch(r"[0-9a-f]{32}", tracker)
        trackers.append(tracker)
        assert phone.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    screenshot(phones[0], "vote-phone-receipt")

    assert not [url for url in opening if url.endswith("/subject")], opening

    # Turnout, never partial results, on the projector and the desk.
    projector.wait_for_selector("#turnout-fill[data-count='3']")
    assert projector.locator("#projector-result").is_hidden()
    turnout = projector.inner_text("#turnout-text")
    assert re.search(r"\b3\b.*\b13\b", turnout), turnout
    moderator.wait_for_selector("#turnout-fill[data-count='3']")
    screenshot(projector, "vote-projector-turnout")
    screenshot(moderator, "vote-desk-open")

    # The same hall in German and in Arabic (right to left).
    translated = {
        locale: _projector_in(new_page, live_server, base, locale) for locale in ("de-DE", "ar")
    }
    # The poll was created in English; a German projector names it in German, with its rule.
    german = translated["de-DE"]
    german.wait_for_function(
        "document.getElementById('poll-title').textContent.startsWith('Ä1 zu A1')"
    )
    assert "Einfache Mehrheit" in german.inner_text("#poll-rule")
    assert "Ä1 to A1" in projector.inner_text("#poll-title")
    # The result comes drawn with the event, in each screen's language: no screen asks for it,
    # so a hall of phones does not ask the server all at once.
    asked: list[str] = []
    for screen in (projector, *translated.values(), *phones):
        screen.on("request", lambda request: asked.append(request.url))
    moderator.click("button.close-poll")

    result = projector.locator("#projector-result .result[data-outcome='adopted']")
    result.wait_for(timeout=5_000)
    assert projector.locator("#projector-poll").is_hidden()
    rule = projector.inner_text("#projector-result .result-rule")
    assert "yes 2, no 1" in rule
    assert _answers(projector) == [
        ("Yes", "2", "66.7%"),
        ("No", "1", "33.3%"),
        ("Abstain", "0", "0%"),
    ]
    assert re.fullmatch(r"[0-9a-f]{64}", projector.inner_text("#audit-head"))
    screenshot(projector, "vote-projector-result")
    _check_result_in(translated["de-DE"], "de-DE", [("Ja", "2", "66,7 %"), ("Nein", "1", "33,3 %")])
    _check_result_in(translated["ar"], "ar", [("نعم", "2", "66.7%"), ("لا", "1", "33.3%")])
    for phone in phones:
        phone.wait_for_selector("#ballot-result .result[data-outcome='adopted']")
        assert phone.locator("#ballot").is_hidden()
    assert "66.7%" in phones[0].inner_text("#ballot-result .n-yes")
    assert not [url for url in asked if "partial=result" in url or "/votes/" in url], asked
    assert phones[0].evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    phones[0].locator("#ballot-result").scroll_into_view_if_needed()
    screenshot(phones[0], "vote-phone-result")

    # The public page lists every tracker; the amendment is merged into A1.
    poll_page = new_page(PROJECTOR)
    poll_page.goto(f"{base}/votes")
    poll_page.click(".poll-list a")
    listed = poll_page.inner_text(".trackers")
    assert all(tracker in listed for tracker in trackers)
    moderator.goto(document_url)
    moderator.wait_for_selector(f"article#amendment-{amendment_id}.amendment-adopted")
    assert AMENDED in moderator.inner_text(".numbered-text")

    verified = live_server.flask("audit", "verify")
    assert verified.returncode == 0, verified.stderr
    assert "intact" in verified.stdout
    assert projector.inner_text("#audit-head") in verified.stdout


def test_a_ballot_confirmed_offline_is_sent_again_with_the_same_id(live_server, new_page):
    moderator = new_page(PHONE)
    moderator.goto(live_server.join_urls["Samira Benali"])
    conference_id = re.search(r"/c/(\d+)/live", moderator.url).group(1)
    moderator.goto(f"{live_server.url}/c/{conference_id}/polls")
    moderator.click("#new-poll summary")
    moderator.fill("#title", "Schluss der Debatte")
    moderator.click("#new-poll button[type=submit].primary")
    first = _phone(new_page, live_server.join_urls["Aylin Demir"])
    second = _phone(new_page, live_server.join_urls["Mariam Haddad"])
    moderator.click("button.open-poll")

    # Aylin's phone loses the network after confirming; it sends again when it is back.
    first.click("#ballot .ballot-no")
    first.context.set_offline(True)
    first.wait_for_selector("#connection[data-state=offline]")
    first.click("#ballot .ballot-confirm")
    assert first.evaluate("Object.keys(localStorage).length") == 1
    first.context.set_offline(False)
    first.wait_for_selector("#ballot .ballot-done", timeout=30_000)
    assert first.evaluate("Object.keys(localStorage).length") == 0

    # Mariam's phone confirms offline and is closed; the page opened later sends it.
    second.click("#ballot .ballot-yes")
    context = second.context
    context.set_offline(True)
    second.wait_for_selector("#connection[data-state=offline]")
    second.click("#ballot .ballot-confirm")
    second.close()
    context.set_offline(False)
    again = context.new_page()
    again.goto(f"{live_server.url}/c/{conference_id}/live")
    again.wait_for_selector("#ballot .ballot-done", timeout=30_000)

    moderator.wait_for_selector("#turnout-fill[data-count='2']")
    moderator.click("button.close-poll")
    moderator.wait_for_selector("tr[data-state=closed]")
    tally = again.request.get(f"{live_server.url}/api/v1/polls?conference_id={conference_id}")
    result = tally.json()["polls"][0]["result"]["tally"]
    assert result["ballots"] == 2 and result["weights"]["yes"] == 1 and result["weights"]["no"] == 1


def test_the_countdown_closes_the_poll_on_the_server(live_server, new_page):
    moderator = new_page(PHONE)
    moderator.goto(live_server.join_urls["Samira Benali"])
    conference_id = re.search(r"/c/(\d+)/live", moderator.url).group(1)
    moderator.goto(f"{live_server.url}/c/{conference_id}/polls")
    moderator.click("#new-poll summary")
    moderator.fill("#title", "Pause von 15 Minuten")
    moderator.fill("#duration", "8")
    moderator.click("#new-poll button[type=submit].primary")
    phone = _phone(new_page, live_server.join_urls["Elif Kaya"])
    moderator.click("button.open-poll")
    phone.click("#ballot .ballot-yes")
    phone.click("#ballot .ballot-confirm")
    phone.wait_for_selector("#ballot .ballot-done")
    # Nobody closes it: the countdown does, and every screen follows.
    phone.wait_for_selector("#ballot-result .result[data-outcome='adopted']", timeout=30_000)
    moderator.wait_for_selector("tr[data-state=closed]", timeout=30_000)


def _socket_packet(message) -> tuple[str, list] | None:
    """Split a Socket.IO event or acknowledgement packet ("42…[…]", "43…[…]") into its
    Engine.IO+Socket.IO prefix (with the ack id) and its JSON arguments."""
    if not isinstance(message, str):
        return None
    match = re.match(r"^(4[23]\d*)(\[.*)$", message, re.DOTALL)
    return (match.group(1), json.loads(match.group(2))) if match else None


def _moderator_with_a_draft_poll(live_server, new_page, title: str):
    """The moderator's page on the poll desk, with a new draft poll ready to open."""
    moderator = new_page(PHONE)
    moderator.goto(live_server.join_urls["Samira Benali"])
    conference_id = re.search(r"/c/(\d+)/live", moderator.url).group(1)
    moderator.goto(f"{live_server.url}/c/{conference_id}/polls")
    moderator.click("#new-poll summary")
    moderator.fill("#title", title)
    moderator.click("#new-poll button[type=submit].primary")
    return moderator


def test_a_ballot_answered_busy_is_sent_again_with_the_same_id(live_server, new_page):
    """The server answers 503 when its database stayed locked; the phone keeps the ballot and
    sends it again later with the same submission id, as after a timeout."""
    moderator = _moderator_with_a_draft_poll(live_server, new_page, "Vertagung")

    sent = []  # the cast_ballot payloads that left the phone

    def busy_once(ws):
        server = ws.connect_to_server()

        def from_page(message):
            packet = _socket_packet(message)
            if packet and packet[1][0] == "cast_ballot":
                sent.append(packet[1][1])
                if len(sent) == 1:  # answer the first one as a locked database would
                    ack = "43" + packet[0][2:]
                    busy = {"ok": False, "status": 503, "error": "busy"}
                    ws.send(ack + json.dumps([busy]))
                    return
            server.send(message)

        ws.on_message(from_page)

    phone = new_page(PHONE, is_mobile=True, has_touch=True, device_scale_factor=2)
    phone.route_web_socket(re.compile(r"/socket\.io/"), busy_once)
    phone.goto(live_server.join_urls["Elif Kaya"])
    phone.wait_for_selector("#connection[data-state=online]")
    moderator.click("button.open-poll")
    phone.click("#ballot .ballot-yes")
    phone.click("#ballot .ballot-confirm")
    phone.wait_for_selector("#ballot .ballot-sending")  # "sending again" while it waits
    assert phone.evaluate("Object.keys(localStorage).length") == 1
    phone.wait_for_selector("#ballot .ballot-done", timeout=30_000)
    assert phone.evaluate("Object.keys(localStorage).length") == 0
    assert len(sent) == 2 and sent[0]["submission_id"] == sent[1]["submission_id"]
    assert sent[0]["choice"] == sent[1]["choice"] == {"vote": "yes"}
    moderator.wait_for_selector("#turnout-fill[data-count='1']")


def test_the_projector_never_shows_an_older_turnout(live_server, new_page):
    """Turnout events may overtake each other; within one poll the count never steps back."""
    moderator = _moderator_with_a_draft_poll(live_server, new_page, "Schluss der Rednerliste")
    conference_id = re.search(r"/c/(\d+)/polls", moderator.url).group(1)

    turnouts = []  # poll_turnout events as they reached the projector
    routes = []

    def keep_turnouts(ws):
        server = ws.connect_to_server()
        routes.append(ws)

        def from_server(message):
            packet = _socket_packet(message)
            if packet and packet[1][0] == "poll_turnout":
                turnouts.append(packet[1][1])
            ws.send(message)

        server.on_message(from_server)

    projector = new_page(PROJECTOR)
    sign_in_staff(projector, live_server)
    projector.route_web_socket(re.compile(r"/socket\.io/"), keep_turnouts)
    projector.goto(f"{live_server.url}/c/{conference_id}/projector")
    projector.wait_for_selector("#connection[data-state=online]")
    moderator.click("button.open-poll")
    for name in ("Aylin Demir", "Mariam Haddad"):
        phone = _phone(new_page, live_server.join_urls[name])
        phone.click("#ballot .ballot-yes")
        phone.click("#ballot .ballot-confirm")
        phone.wait_for_selector("#ballot .ballot-done")
    projector.wait_for_selector("#turnout-fill[data-count='2']")

    # Every count the projector shows from now on is noted.
    projector.evaluate(
        """() => {
          const fill = document.getElementById("turnout-fill");
          window.shownCounts = [];
          new MutationObserver(() => window.shownCounts.push(fill.dataset.count))
            .observe(fill, {attributes: true, attributeFilter: ["data-count"]});
        }"""
    )
    # The first event arrives again, late, and then a newer one: only the newer one shows.
    late = next(t for t in turnouts if t["cast_count"] == 1)
    newer = {**late, "cast_count": 3, "cast_weight": late["cast_weight"] * 3}
    for event in (late, newer):
        routes[-1].send("42" + json.dumps(["poll_turnout", event]))
    projector.wait_for_selector("#turnout-fill[data-count='3']")
    assert projector.evaluate("() => window.shownCounts") == ["3"]
    assert re.search(r"\b3\b", projector.inner_text("#turnout-text"))
