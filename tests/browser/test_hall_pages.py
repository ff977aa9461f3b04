"""The pages of a conference day outside the vote pass axe-core in German and in Arabic: the
admin overview, settings and agenda with its move buttons, the check-in desk with its search,
the console, the poll desk, the projector, the public home, conference page, search and audit
trail, a document, the results, an error page and the phone's live page."""

from __future__ import annotations

import re

from playwright.sync_api import expect

from tests.browser.helpers import (
    BUSY,
    DESKTOP,
    PHONE,
    axe_violations,
    describe,
    refuse_while_busy,
    screenshot,
    sign_in_staff,
)

DELEGATE = "Aylin Demir"


def test_the_day_s_pages_pass_axe_in_german_and_arabic(live_server, new_page):
    found = []
    for locale in ("de-DE", "ar"):
        phone = new_page(PHONE, locale=locale, is_mobile=True, has_touch=True)
        phone.goto(live_server.join_urls[DELEGATE])
        conference_id = re.search(r"/c/(\d+)/live", phone.url).group(1)
        base = f"{live_server.url}/c/{conference_id}"
        phone.wait_for_selector("#connection[data-state=online]")
        pages = [(phone, "live page")]

        desk = new_page(DESKTOP, locale=locale)
        sign_in_staff(desk, live_server)
        for path, where in (
            (f"/admin/c/{conference_id}/agenda", "admin agenda"),
            (f"/admin/c/{conference_id}/checkin?q=a", "check-in desk, searched"),
            (f"/c/{conference_id}/votes", "results"),
            (f"/c/{conference_id}/votes/99999", "error page"),
            ("/admin/", "admin overview"),
            (f"/admin/c/{conference_id}", "conference settings"),
            (f"/c/{conference_id}/console", "console"),
            (f"/c/{conference_id}/polls", "poll desk"),
            (f"/c/{conference_id}/projector", "projector"),
            ("/", "public home"),
            (f"/c/{conference_id}", "public conference page"),
            ("/search?q=Teilhabe", "public search"),
            ("/audit", "audit trail"),
        ):
            desk.goto(live_server.url + path)
            found += _check(desk, f"{locale} {where}")
            screenshot(desk, f"hall-{where.split(',')[0].replace(' ', '-')}-{locale}")
        desk.goto(f"{base}/documents")
        desk.click(".document-list a:has-text('A1')")
        found += _check(desk, f"{locale} document")
        assert desk.locator("link[rel=icon]").count() == 2
        for page, where in pages:
            found += _check(page, f"{locale} {where}")
    assert not found, "\n".join(found)


def _check(page, where: str) -> list[str]:
    violations = axe_violations(page)
    return [f"{where}:\n{describe(violations)}"] if violations else []


def test_a_phone_whose_state_is_refused_says_why_and_asks_again(live_server, new_page):
    """The full state pushed at connect comes as a busy server's refusal: the phone shows the
    server's reason, asks for the state itself (refused once more) and goes live."""
    phone = new_page(PHONE, is_mobile=True, has_touch=True)
    watches = refuse_while_busy(phone, 1)
    phone.goto(live_server.join_urls[DELEGATE])
    status = phone.locator("#connection")
    expect(status).to_have_text(BUSY)
    expect(status).to_have_attribute("data-state", "offline")
    expect(status).to_have_attribute("data-state", "online")
    expect(phone.locator("#agenda li").first).to_be_visible()
    assert len(watches) >= 2
