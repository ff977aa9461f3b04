"""Accessibility of the screens used during a vote: the delegate's phone and the projector.

axe-core checks WCAG 2.1 AA at every step of a poll — before it opens, with the ballot, at the
confirmation, with the receipt, and on the projector with the turnout and then the result.
"""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.browser.axe import axe_violations, describe
from tests.browser.conftest import DESKTOP, PHONE, PROJECTOR, sign_in_staff

MODERATOR = "Samira Benali (Moderation)"
DELEGATE = "Aylin Demir"


class Findings:
    """axe's findings at each step, reported together at the end of a test."""

    def __init__(self) -> None:
        self.found: list[str] = []

    def check(self, page, where: str) -> None:
        violations = axe_violations(page)
        if violations:
            self.found.append(f"{where}:\n{describe(violations)}")

    def assert_none(self) -> None:
        assert not self.found, "\n".join(self.found)


def _conference_base(moderator, server) -> str:
    moderator.goto(server.join_urls[MODERATOR])
    conference_id = re.search(r"/c/(\d+)/live", moderator.url).group(1)
    return f"{server.url}/c/{conference_id}"


def _draft_poll(moderator, base: str, title: str) -> None:
    moderator.goto(f"{base}/polls")
    moderator.click("#new-poll summary")
    moderator.fill("#title", title)
    moderator.click("#new-poll button[type=submit].primary")
    moderator.wait_for_selector("button.open-poll")


def _phone(new_page, url: str, **options):
    page = new_page(PHONE, is_mobile=True, has_touch=True, device_scale_factor=2, **options)
    page.goto(url)
    expect(page.locator("#connection")).to_have_attribute("data-state", "online")
    return page


def _vote_and_check_every_step(live_server, new_page, color_scheme: str, theme: str) -> None:
    axe = Findings()
    moderator = new_page(DESKTOP)
    base = _conference_base(moderator, live_server)
    if theme != "dark":  # the projector's default
        moderator.goto(f"{base}/console")
        expect(moderator.locator("#connection")).to_have_attribute("data-state", "online")
        moderator.check(f"#projector-form input[name=theme][value={theme}]")
        moderator.click("#projector-form button[type=submit]")
    _draft_poll(moderator, base, "Schluss der Debatte")

    phone = _phone(new_page, live_server.join_urls[DELEGATE], color_scheme=color_scheme)
    axe.check(phone, "phone, no poll open")

    projector = new_page(PROJECTOR, color_scheme=color_scheme)
    sign_in_staff(projector, live_server)
    projector.goto(f"{base}/projector")
    expect(projector.locator("#connection")).to_have_attribute("data-state", "online")
    expect(projector.locator("body")).to_have_attribute("data-theme", theme)
    axe.check(projector, "projector, no poll open")

    moderator.click("button.open-poll")
    ballot = phone.locator("#ballot")
    expect(ballot.locator(".ballot-yes")).to_be_visible()
    axe.check(phone, "phone, ballot")
    expect(projector.locator("#turnout-fill")).to_have_attribute("data-count", "0")
    axe.check(projector, "projector, poll open")

    ballot.locator(".ballot-yes").click()
    expect(ballot.locator(".ballot-confirm")).to_be_visible()
    axe.check(phone, "phone, confirmation")
    ballot.locator(".ballot-confirm").click()
    expect(ballot.locator(".ballot-done")).to_be_visible(timeout=30_000)
    axe.check(phone, "phone, receipt")

    expect(projector.locator("#turnout-fill")).to_have_attribute("data-count", "1")
    expect(projector.locator("#turnout-text")).to_contain_text("1")
    axe.check(projector, "projector, turnout")

    moderator.click("button.close-poll")
    expect(projector.locator("#projector-result .result")).to_be_visible()
    axe.check(projector, "projector, result")
    expect(phone.locator("#ballot-result .result")).to_be_visible()
    axe.check(phone, "phone, result")
    axe.assert_none()


@pytest.mark.parametrize(
    ("color_scheme", "theme"),
    [("light", "dark"), ("dark", "light")],
    ids=["light-phone-dark-projector", "dark-phone-light-projector"],
)
def test_the_phone_and_the_projector_pass_axe_through_a_vote(
    live_server, new_page, color_scheme, theme
):
    """Both colour schemes of the phone, both themes of the projector, each against the
    other system preference (the projector's theme overrides it)."""
    _vote_and_check_every_step(live_server, new_page, color_scheme, theme)
