"""A moderator runs a whole agenda item from the console alone, on a laptop screen: call the
item, set its speaking time, take a point of order first, open the next vote from the voting
order, close it and put the result on the projector."""

from __future__ import annotations

import re

from playwright.sync_api import expect

from tests.browser.helpers import (
    BUSY,
    PHONE,
    PROJECTOR,
    axe_violations,
    describe,
    refuse_while_busy,
    screenshot,
)

MODERATOR = "Samira Benali"
LAPTOP = {"width": 1366, "height": 768}


def _online(page):
    page.wait_for_selector("#connection[data-state=online]")
    return page


def _phone(new_page, server, name):
    page = new_page(PHONE, is_mobile=True, has_touch=True)
    page.goto(server.join_urls[name])
    return _online(page)


def _fits_the_screen(page) -> None:
    """Nothing of the console lies below the fold: the page itself does not scroll."""
    height = page.evaluate("document.documentElement.scrollHeight")
    width = page.evaluate("document.documentElement.scrollWidth")
    assert (width, height) <= (LAPTOP["width"], LAPTOP["height"]), (width, height)


def test_a_moderator_runs_an_agenda_item_from_the_console_alone(live_server, new_page):
    console = new_page(LAPTOP)
    console.goto(live_server.join_urls[MODERATOR])
    console.goto(live_server.url + "/c/1/console")
    _online(console)
    projector = new_page(PROJECTOR)
    projector.goto(live_server.join_urls[MODERATOR])
    projector.goto(live_server.url + "/c/1/projector")
    _online(projector)
    aylin = _phone(new_page, live_server, "Aylin Demir")
    mariam = _phone(new_page, live_server, "Mariam Haddad")
    elif_ = _phone(new_page, live_server, "Elif Kaya")

    # Call up the item; everyone follows.
    item = console.locator("#console-agenda > li", has_text="TOP 4.1")
    item.locator(".set-current").click()
    expect(item).to_have_class(re.compile("current"))
    expect(projector.locator("#room-item-title")).to_contain_text("Teilhabe vor Ort")
    expect(aylin.locator("#now-item")).to_contain_text("TOP 4.1")

    # Two minutes of speaking time on this item.
    console.click("#speakers-settings summary")
    settings = console.locator("form.item-speakers-settings:visible")
    settings.locator("input[name$=speaking_time]").fill("2:00")
    settings.locator("button[type=submit]").click()
    _online(console)
    expect(console.locator(".flash-success")).to_be_visible()

    # A request to speak, then a point of order, which goes first and says so everywhere.
    console.check("#projector-form input[name=view][value=speakers]")
    console.click("#projector-form button[type=submit]")
    aylin.click("#speak-request")
    mariam.click("#speak-point")
    names = console.locator("#speakers-waiting .speaker-name")
    expect(names).to_have_count(2)
    expect(names.first).to_contain_text("Point of order")
    expect(names.first).to_contain_text("Mariam Haddad")
    expect(projector.locator("#room-next li.point-of-order")).to_contain_text("Mariam Haddad")
    console.click("#speakers-next")
    expect(projector.locator("#room-speaker-name")).to_contain_text("Point of order")
    expect(aylin.locator("#now-speaker")).to_contain_text("Point of order")

    # Aylin speaks; her own phone counts down her two minutes.
    console.click("#speakers-next")
    expect(aylin.locator("#now-yours")).to_be_visible()
    expect(mariam.locator("#now-yours")).to_be_hidden()
    expect(aylin.locator("#now-countdown")).to_have_text(re.compile(r"^(2:00|1:[0-5]\d)$"))
    expect(console.locator("#countdown")).to_have_text(re.compile(r"^(2:00|1:[0-5]\d)$"))
    screenshot(aylin, "console-phone-speaking")
    console.click("#speakers-stop")
    expect(console.locator("#current-speaker")).to_contain_text("Nobody is speaking")

    # The next vote of the voting order, opened from the console.
    next_vote = console.locator("#console-vote-order .vote-order:visible button.open-next-vote")
    expect(next_vote).to_have_count(1)
    next_vote.click()
    _online(console)
    expect(console.locator("#poll-live")).to_contain_text("Open now")
    expect(projector.locator("#projector-poll")).to_be_visible()
    for phone, choice in ((aylin, ".ballot-yes"), (elif_, ".ballot-yes")):
        phone.click(f"#ballot {choice}")
        phone.click("#ballot .ballot-confirm")
        expect(phone.locator("#ballot .ballot-done")).to_be_visible()
    expect(console.locator("#turnout-fill")).to_have_attribute("data-count", "2")
    # A named vote: the console lists who has voted, live.
    expect(console.locator("#roll-voted summary")).to_contain_text("(2)")
    expect(console.locator("#roll-voted")).to_contain_text("Aylin Demir")
    expect(console.locator("#roll-voted")).to_contain_text("Elif Kaya")
    expect(console.locator("#roll-not_yet")).not_to_contain_text("Aylin Demir")
    _fits_the_screen(console)

    # Close it and show the result.
    console.click("button.close-poll")
    _online(console)
    expect(console.locator("#last-result")).to_contain_text("Adopted")
    console.click("#show-result")
    expect(projector.locator("#projector-result .result")).to_be_visible()
    _fits_the_screen(console)
    screenshot(console, "console")
    violations = axe_violations(console)
    assert not violations, describe(violations)
    # Also with the secondary panels open: the settings and the new-poll form.
    console.click("#speakers-settings summary")
    console.click("#new-poll summary")
    violations = axe_violations(console)
    assert not violations, describe(violations)


def test_the_console_shows_a_refused_watch_and_asks_again(live_server, new_page):
    """A busy server's refusal of the console's watch is shown, and the console asks again
    until it follows the conference (the page's first three watches are refused)."""
    console = new_page(LAPTOP)
    console.goto(live_server.join_urls[MODERATOR])
    watches = refuse_while_busy(console, 3)
    console.goto(live_server.url + "/c/1/console")
    status = console.locator("#connection")
    expect(status).to_have_text(BUSY)
    expect(status).to_have_attribute("data-state", "offline")
    _online(console)
    expect(console.locator("#console-agenda > li").first).to_be_visible()
    assert len(watches) >= 4
