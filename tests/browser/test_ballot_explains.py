"""A ballot that explains itself on a 360×740 phone: the amendment's diff under the question,
the rule and quorum in one line, the reason why a moderator has no vote, and after the close
the receipt with a link that finds it in the published list — in German and in Arabic, with
axe-core finding nothing to fix."""

from __future__ import annotations

import re

from playwright.sync_api import expect

from tests.browser.helpers import DESKTOP, PHONE, axe_violations, describe, screenshot

MODERATOR = "Samira Benali"
DELEGATE = "Aylin Demir"
#: From Ä1 of the demo resolution A1 (participation/demo/documents.py).
AMENDED = "mit einem eigenen Budget"
#: The Arabic title of A1 in the demo.
ARABIC_TITLE = "تعزيز المشاركة على المستوى المحلي"


def _phone(new_page, url: str, locale: str):
    page = new_page(PHONE, is_mobile=True, has_touch=True, device_scale_factor=2, locale=locale)
    page.goto(url)
    expect(page.locator("#connection")).to_have_attribute("data-state", "online")
    return page


def _amendment_poll(moderator, server) -> tuple[str, str]:
    """A named poll on Ä1 to A1, drafted at the desk; the conference's base URL and Ä1's id."""
    moderator.goto(server.join_urls[MODERATOR])
    conference_id = re.search(r"/c/(\d+)/live", moderator.url).group(1)
    base = f"{server.url}/c/{conference_id}"
    moderator.goto(f"{base}/documents")
    moderator.click(".document-list a:has-text('A1')")
    first = moderator.locator("article.amendment.amendment-admitted[data-number='Ä1']")
    amendment_id = first.get_attribute("id").removeprefix("amendment-")
    moderator.goto(f"{base}/polls?target=amendment:{amendment_id}")
    moderator.click("#new-poll button[type=submit].primary")
    moderator.wait_for_selector("button.open-poll")
    return base, amendment_id


def _unfold_subject(phone):
    ballot = phone.locator("#ballot")
    subject = ballot.locator(".ballot-subject")
    expect(subject).to_be_visible()
    subject.locator("details summary").click()
    expect(subject.locator("details .diff-text").first).to_be_visible()
    return subject


def test_a_delegate_reads_the_diff_votes_and_keeps_the_receipt(live_server, new_page):
    moderator = new_page(DESKTOP)
    base, amendment_id = _amendment_poll(moderator, live_server)
    phone = _phone(new_page, live_server.join_urls[DELEGATE], "de-DE")
    hall = _phone(new_page, live_server.join_urls[MODERATOR], "de-DE")  # no voting right
    moderator.click("button.open-poll")

    # Before voting: what is decided, the rule with the quorum, the way to the document.
    subject = _unfold_subject(phone)
    expect(subject.locator(".ballot-rule")).to_have_text("Einfache Mehrheit · ohne Quorum")
    expect(subject.locator(".diff-text")).to_contain_text(AMENDED)
    link = subject.locator("a.ballot-document-link")
    assert link.get_attribute("href").endswith(f"#amendment-{amendment_id}")
    assert phone.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    screenshot(phone, "ballot")
    violations = axe_violations(phone)
    assert not violations, describe(violations)

    # A moderator's phone says why it shows no buttons.
    no_vote = hall.locator("#ballot .ballot-no-vote")
    reason = hall.locator("#ballot").get_attribute("data-reason-no-right")
    expect(no_vote).to_have_text(reason)
    assert hall.locator("#ballot .ballot-yes").count() == 0

    # Voting keeps the text unfolded.
    ballot = phone.locator("#ballot")
    ballot.locator(".ballot-yes").click()
    ballot.locator(".ballot-confirm").click()
    expect(ballot.locator(".ballot-done")).to_be_visible(timeout=30_000)
    tracker = ballot.locator("code.tracker").inner_text()
    assert re.fullmatch(r"[0-9a-f]{32}", tracker)
    assert ballot.locator(".ballot-subject details").evaluate("el => el.open")

    # After the close: the result, the receipt and the link that checks it.
    moderator.click("button.close-poll")
    result = phone.locator("#ballot-result")
    expect(result.locator(".result[data-outcome='adopted']")).to_be_visible()
    expect(result.locator(".ballot-receipts code.tracker")).to_have_text(tracker)
    check = result.locator("a.ballot-check")
    assert f"tracker={tracker}" in check.get_attribute("href")
    screenshot(phone, "ballot-receipt")
    violations = axe_violations(phone)
    assert not violations, describe(violations)

    # Still there after a reload, and the link finds the receipt in the published list.
    phone.reload()
    expect(result.locator(".ballot-receipts code.tracker")).to_have_text(tracker)
    expect(result.locator("h2")).to_have_text("Ä1 zu A1 Teilhabe vor Ort stärken")
    check.click()
    expect(phone.locator(".trackers code.mark")).to_have_text(tracker)
    expect(phone.locator(".tracker-search + .flash-success")).to_be_visible()
    assert phone.url.startswith(f"{base}/votes/")


def test_an_arabic_phone_shows_the_translated_title_and_passes_axe(live_server, new_page):
    moderator = new_page(DESKTOP)
    _amendment_poll(moderator, live_server)
    phone = _phone(new_page, live_server.join_urls[DELEGATE], "ar")
    expect(phone.locator("html")).to_have_attribute("dir", "rtl")
    moderator.click("button.open-poll")

    subject = _unfold_subject(phone)
    title = phone.locator("#ballot-title")
    expect(title).to_contain_text(ARABIC_TITLE)
    expect(title).to_have_attribute("lang", "ar")
    # The amendment's wording exists in German only, and says so.
    expect(subject.locator(".diff-text").first).to_have_attribute("lang", "de")
    expect(subject.locator(".diff-text")).to_contain_text(AMENDED)
    assert phone.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    screenshot(phone, "ballot-ar")
    violations = axe_violations(phone)
    assert not violations, describe(violations)


def test_a_ballot_waits_for_its_subject_from_the_opening_however_late(live_server, new_page):
    """The subject comes with "poll_opened", just after the ballot itself. A phone that gets
    the opening late (a slow Wi-Fi, a busy server) still does not ask for it over HTTP."""
    moderator = new_page(DESKTOP)
    _amendment_poll(moderator, live_server)
    phone = new_page(PHONE, is_mobile=True, has_touch=True, locale="de-DE")
    sockets: list = []
    held: list[str] = []

    def hold_the_opening(page_socket):
        server = page_socket.connect_to_server()
        sockets.append(page_socket)

        def arrive(message):
            if isinstance(message, str) and message.startswith('42["poll_opened"'):
                held.append(message)
            else:
                page_socket.send(message)

        server.on_message(arrive)

    phone.route_web_socket(re.compile(r".*/socket\.io/.*"), hold_the_opening)
    asked: list[str] = []
    phone.on("request", lambda request: asked.append(request.url))
    phone.goto(live_server.join_urls[DELEGATE])
    expect(phone.locator("#connection")).to_have_attribute("data-state", "online")

    moderator.click("button.open-poll")
    expect(phone.locator("#ballot .ballot-yes")).to_be_visible()
    # Longer than any phone waits before asking for a subject the opening did not bring.
    phone.wait_for_timeout(2_000)
    assert len(held) == 1
    expect(phone.locator("#ballot .ballot-subject")).to_have_count(0)
    sockets[-1].send(held.pop())
    subject = _unfold_subject(phone)
    expect(subject.locator(".diff-text")).to_contain_text(AMENDED)
    assert not [url for url in asked if url.endswith("/subject")], asked


def test_the_subject_reaches_the_phones_in_frames_compressed_once_for_all(live_server, new_page):
    """Chromium accepts the server's answer to its permessage-deflate offer (each message
    compressed on its own, so one frame serves the hall) and reads the frames it gets."""
    moderator = new_page(DESKTOP)
    _amendment_poll(moderator, live_server)
    answers: list[str] = []
    phones = []
    for name in (DELEGATE, MODERATOR):
        phone = new_page(PHONE, is_mobile=True, has_touch=True, locale="de-DE")
        devtools = phone.context.new_cdp_session(phone)
        devtools.send("Network.enable")
        devtools.on(
            "Network.webSocketHandshakeResponseReceived",
            lambda event: answers.append(
                {k.lower(): v for k, v in event["response"]["headers"].items()}.get(
                    "sec-websocket-extensions", ""
                )
            ),
        )
        phone.goto(live_server.join_urls[name])
        expect(phone.locator("#connection")).to_have_attribute("data-state", "online")
        phones.append(phone)

    moderator.click("button.open-poll")
    for phone in phones:
        _unfold_subject(phone)
        transport = phone.evaluate("window.participationSocket.io.engine.transport.name")
        assert transport == "websocket"
    assert len(answers) == 2, answers
    for answer in answers:
        assert "permessage-deflate" in answer and "server_no_context_takeover" in answer, answer
