"""The plenary in the browser: the console calls up an item, phones follow, people speak."""

from __future__ import annotations

import re

from playwright.sync_api import expect

from tests.browser.conftest import DESKTOP, PHONE, screenshot

MODERATOR = "Samira Benali (Moderation)"


def _console(new_page, server):
    page = new_page(DESKTOP)
    page.goto(server.join_urls[MODERATOR])
    page.goto(server.url + "/c/1/console")
    page.wait_for_selector("#connection[data-state=online]")
    return page


def _phone(new_page, server, name):
    page = new_page(PHONE, is_mobile=True, has_touch=True)
    page.goto(server.join_urls[name])
    page.wait_for_selector("#connection[data-state=online]")
    return page


def test_console_runs_the_speakers_list_while_phones_follow(live_server, new_page):
    console = _console(new_page, live_server)
    aylin = _phone(new_page, live_server, "Aylin Demir")
    mariam = _phone(new_page, live_server, "Mariam Haddad")

    item = console.locator("#console-agenda > li", has_text="TOP 4.1")
    item.locator("button.set-current").click()
    for phone in (aylin, mariam):
        expect(phone.locator("#now-item")).to_contain_text("TOP 4.1")
    expect(item).to_have_class(re.compile("current"))

    aylin.click("#speak-request")
    mariam.click("#speak-point")
    names = console.locator("#speakers-waiting .speaker-name")
    expect(names).to_have_count(2)
    expect(names.first).to_contain_text("Mariam Haddad")  # a point of order goes first
    expect(aylin.locator("#speak-status")).to_contain_text("2")

    console.click("#speakers-next")
    expect(console.locator("#current-speaker")).to_contain_text("Mariam Haddad")
    console.click("#speakers-next")
    expect(aylin.locator("#now-speaker")).to_contain_text("Aylin Demir")
    expect(aylin.locator("#now-countdown")).to_have_text(re.compile(r"\d:\d\d"))
    expect(console.locator("#countdown")).to_have_text(re.compile(r"\d:\d\d"))
    assert aylin.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    screenshot(console, "room-console")
    screenshot(aylin, "room-phone-360")

    # A reload shows the same state as before.
    mariam.reload()
    expect(mariam.locator("#now-speaker")).to_contain_text("Aylin Demir")
