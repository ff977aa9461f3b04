"""The plenary in the browser: the console calls up an item, phones follow, people speak."""

from __future__ import annotations

import re

from playwright.sync_api import expect

from tests.browser.helpers import DESKTOP, PHONE, PROJECTOR, screenshot

MODERATOR = "Samira Benali"


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


def test_a_whole_agenda_item_from_speakers_list_to_closed_vote(live_server, new_page):
    """The console runs TOP 4.1; two phones and the projector follow without reloading."""
    console = _console(new_page, live_server)
    projector = new_page(PROJECTOR)
    projector.goto(live_server.join_urls[MODERATOR])
    projector.goto(live_server.url + "/c/1/projector")
    projector.wait_for_selector("#connection[data-state=online]")
    aylin = _phone(new_page, live_server, "Aylin Demir")
    elif_ = _phone(new_page, live_server, "Elif Kaya")

    console.locator("#console-agenda > li", has_text="TOP 4.1").locator(".set-current").click()
    expect(projector.locator("#room-item-title")).to_contain_text("Teilhabe vor Ort")
    expect(elif_.locator("#now-item")).to_contain_text("TOP 4.1")

    # The debate: Aylin asks to speak and gets the floor; the projector shows her countdown.
    aylin.click("#speak-request")
    expect(console.locator("#speakers-waiting .speaker-name")).to_have_count(1)
    console.check("#projector-form input[name=view][value=speakers]")
    console.click("#projector-form button[type=submit]")
    console.click("#speakers-next")
    expect(projector.locator("#room-speaker-name")).to_contain_text("Aylin Demir")
    expect(projector.locator("#room-countdown")).to_have_text(re.compile(r"\d:\d\d"))
    screenshot(projector, "plenary-projector-speaker")

    # The text under discussion, with line numbers, on the projector.
    console.check("#projector-form input[name=view][value=document]")
    a1 = console.locator("#projector-document option", has_text="A1 ").get_attribute("value")
    console.select_option("#projector-document", value=a1)
    console.fill("#projector-line", "3")
    console.click("#projector-form button[type=submit]")
    expect(projector.locator("#room-document .ln").first).to_be_visible()
    expect(projector.locator("#room-document [data-line='3']")).to_be_visible()
    screenshot(projector, "plenary-projector-document")
    console.click("#speakers-stop")

    # The vote: a named poll on a procedural question, from the poll desk.
    desk = new_page(DESKTOP)
    desk.goto(live_server.join_urls[MODERATOR])
    desk.goto(live_server.url + "/c/1/polls")
    desk.click("#new-poll summary")
    desk.fill("#title", "Schluss der Redeliste")
    desk.click("#new-poll button[type=submit].primary")
    desk.click("button.open-poll")
    expect(projector.locator("#projector-poll")).to_be_visible()
    for phone, choice in ((aylin, ".ballot-yes"), (elif_, ".ballot-no")):
        phone.click(f"#ballot {choice}")
        phone.click("#ballot .ballot-confirm")
        expect(phone.locator("#ballot .ballot-done")).to_be_visible()
    expect(projector.locator("#turnout-fill")).to_have_attribute("data-count", "2")
    screenshot(projector, "plenary-projector-turnout")
    desk.click("button.close-poll")
    expect(projector.locator("#projector-result .result")).to_be_visible()
    expect(aylin.locator("#ballot-result .result")).to_be_visible()
    screenshot(projector, "plenary-projector-result")
    screenshot(console, "plenary-console")
    screenshot(aylin, "plenary-phone-360")
    assert aylin.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
