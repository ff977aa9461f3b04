"""Accessibility of the screens used during a vote: the delegate's phone and the projector.

axe-core checks WCAG 2.1 AA at every step of a poll — before it opens, with the ballot, at the
confirmation, with the receipt, and on the projector with the turnout and then the result.
"""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.browser.helpers import (
    DESKTOP,
    PHONE,
    PROJECTOR,
    axe_violations,
    describe,
    screenshot,
    sign_in_staff,
)

MODERATOR = "Samira Benali"
DELEGATE = "Aylin Demir"
#: Of the same organisation as DELEGATE in the demo (participation/demo.py).
PROXY_GIVER = "Jonas Okafor"


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


# --- Voting in Arabic with the keyboard only --------------------------------------------------

#: Enough presses to cross the whole live page; more means the target is not reachable.
MAX_TABS = 40


def _tab_to(page, target, key: str = "Tab") -> list[str]:
    """Press ``key`` until ``target`` has the focus; return what was focused on the way."""
    path = []
    for _ in range(MAX_TABS):
        page.keyboard.press(key)
        if target.evaluate("el => el === document.activeElement"):
            return path
        path.append(
            page.evaluate("() => document.activeElement.id || document.activeElement.className")
        )
    raise AssertionError(f"{key} never reached the target; the focus went through {path}")


def _choose_with_keyboard(select, page, value: str) -> None:
    """Move a focused <select> to ``value`` with the arrow keys (no pointer)."""
    options = select.locator("option").evaluate_all("options => options.map(o => o.value)")
    steps = options.index(value) - options.index(select.input_value())
    for _ in range(abs(steps)):
        page.keyboard.press("ArrowDown" if steps > 0 else "ArrowUp")
    expect(select).to_have_value(value)


def _shows_focus(locator) -> bool:
    return locator.evaluate(
        "el => el.matches(':focus-visible') && getComputedStyle(el).outlineStyle !== 'none'"
        " && parseFloat(getComputedStyle(el).outlineWidth) >= 2"
    )


def test_a_delegate_votes_in_arabic_with_the_keyboard_only(live_server, new_page):
    """The delegate switches the interface to Arabic and votes without a pointer: the page is
    mirrored, every button says what it votes on, the focus follows the steps and each step is
    announced."""
    title = "Schluss der Debatte"
    moderator = new_page(DESKTOP)
    base = _conference_base(moderator, live_server)
    _draft_poll(moderator, base, title)

    # The delegate's phone: from here on, only keys.
    phone = _phone(new_page, live_server.join_urls[DELEGATE])
    keyboard = phone.keyboard
    language = phone.locator("#locale-select")
    _tab_to(phone, language)
    assert _shows_focus(language)
    _choose_with_keyboard(language, phone, "ar")
    _tab_to(phone, phone.locator("form.language button[type=submit]"))
    keyboard.press("Enter")
    expect(phone.locator("html")).to_have_attribute("lang", "ar")
    expect(phone.locator("html")).to_have_attribute("dir", "rtl")
    expect(phone.locator("#connection")).to_have_attribute("data-state", "online")

    moderator.click("button.open-poll")

    ballot = phone.locator("#ballot")
    expect(ballot).to_be_visible()
    expect(ballot).to_have_attribute("aria-labelledby", "ballot-title")
    expect(phone.get_by_role("region", name=title)).to_be_visible()
    strings = ballot.evaluate("el => Object.assign({}, el.dataset)")
    status = phone.locator("#ballot-status")
    expect(status).to_have_attribute("role", "status")
    expect(status).to_contain_text(title)  # the poll that just opened is announced

    yes, no, abstain = (ballot.locator(f".ballot-{v}") for v in ("yes", "no", "abstain"))
    for button, label in (
        (yes, strings["yes"]),
        (no, strings["no"]),
        (abstain, strings["abstain"]),
    ):
        expect(button).to_have_accessible_name(re.compile(f"^{re.escape(label)}.*{title}"))

    # Forward to the second choice, back to the first, choose it with the Enter key.
    _tab_to(phone, no)
    _tab_to(phone, yes, key="Shift+Tab")
    expect(yes).to_be_focused()
    assert _shows_focus(yes)
    keyboard.press("Enter")

    # The focus moves to the confirmation, which says what was chosen and on what.
    confirm = ballot.locator(".ballot-confirm")
    change = ballot.locator(".ballot-change")
    expect(confirm).to_be_focused()
    assert _shows_focus(confirm)
    expect(confirm).to_have_accessible_name(
        re.compile(f"^{re.escape(strings['confirm'])}.*{title}")
    )
    expect(confirm).to_have_accessible_description(re.compile(re.escape(strings["yes"])))
    expect(ballot.locator(".ballot-chosen")).to_contain_text(strings["yes"])
    expect(status).to_contain_text(strings["yes"])

    # Mirrored: right to left, the primary action comes first, at the right.
    assert ballot.evaluate("el => getComputedStyle(el).direction") == "rtl"
    confirm_box, change_box = confirm.bounding_box(), change.bounding_box()
    assert confirm_box["x"] > change_box["x"], (confirm_box, change_box)
    card_box = ballot.bounding_box()
    card_right, confirm_right = (
        card_box["x"] + card_box["width"],
        confirm_box["x"] + confirm_box["width"],
    )
    assert card_right - confirm_right < card_box["width"] / 8, (card_box, confirm_box)
    assert phone.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    screenshot(phone, "vote-arabic-keyboard-confirm")

    keyboard.press("Space")
    done = ballot.locator(".ballot-done")
    expect(done).to_be_visible(timeout=30_000)
    expect(done).to_be_focused()
    expect(done).to_have_text(strings["stored"])
    expect(status).to_contain_text(strings["stored"])
    assert re.fullmatch(r"[0-9a-f]{32}", ballot.locator("code.tracker").inner_text())
    assert phone.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    violations = axe_violations(phone)
    assert not violations, describe(violations)
    screenshot(phone, "vote-arabic-keyboard")

    expect(moderator.locator("#turnout-fill")).to_have_attribute("data-count", "1")


def _moderator_with_a_draft_election(live_server, new_page, title, method, candidates):
    """The moderator's desk with a draft election for two seats, ready to open."""
    moderator = new_page(DESKTOP)
    base = _conference_base(moderator, live_server)
    moderator.goto(f"{base}/polls")
    moderator.click("#new-poll summary")
    moderator.select_option("#target", "election")
    moderator.fill("#title", title)
    moderator.select_option("#method", method)
    moderator.fill("#seats", "2")
    moderator.fill("#candidates", "\n".join(candidates))
    moderator.click("#new-poll button[type=submit].primary")
    moderator.wait_for_selector("button.open-poll")
    return moderator


def test_an_election_is_filled_in_with_the_keyboard(live_server, new_page):
    """Toggling a candidate redraws the ballot; the focus stays on that candidate."""
    title = "Wahl der Kassenprüfung"
    moderator = _moderator_with_a_draft_election(
        live_server, new_page, title, "approval", ["Leyla Aydın", "Jonas Weber", "Olena Koval"]
    )

    phone = _phone(new_page, live_server.join_urls[DELEGATE])
    moderator.click("button.open-poll")
    ballot = phone.locator("#ballot")
    leyla, jonas, olena = (
        ballot.locator(".ballot-candidate", has_text=n) for n in ("Leyla", "Jonas", "Olena")
    )
    expect(leyla).to_have_accessible_name(re.compile(f"^Leyla Aydın.*{title}"))
    assert not axe_violations(phone), describe(axe_violations(phone))

    _tab_to(phone, leyla)
    phone.keyboard.press("Space")
    expect(leyla).to_have_attribute("aria-pressed", "true")
    expect(leyla).to_be_focused()
    phone.keyboard.press("Tab")
    expect(jonas).to_be_focused()
    phone.keyboard.press("Enter")
    expect(jonas).to_have_attribute("aria-pressed", "true")
    expect(jonas).to_be_focused()
    expect(olena).to_be_disabled()  # two seats, two chosen
    phone.keyboard.press("Tab")  # past the disabled candidate, to "Continue"
    expect(ballot.locator(".ballot-next")).to_be_focused()
    phone.keyboard.press("Enter")

    confirm = ballot.locator(".ballot-confirm")
    expect(confirm).to_be_focused()
    expect(confirm).to_have_accessible_description(re.compile("Leyla Aydın, Jonas Weber"))
    phone.keyboard.press("Enter")
    expect(ballot.locator(".ballot-done")).to_be_focused(timeout=30_000)
    expect(phone.locator("#ballot-status")).to_contain_text("Your vote has been stored.")


def test_a_proxy_holder_casts_both_votes_with_the_keyboard(live_server, new_page):
    """Two votes on one phone, her own and one by proxy: each has its own buttons, named after
    whose vote they cast, and each goes through choose, confirm and receipt by keyboard."""
    title = "Vertagung der Wahl"
    moderator = new_page(DESKTOP)
    base = _conference_base(moderator, live_server)
    moderator.goto(f"{base}/proxies")
    for field, name in (("#giver_id", PROXY_GIVER), ("#holder_id", DELEGATE)):
        option = moderator.locator(f"{field} option", has_text=name)
        moderator.select_option(field, option.get_attribute("value"))
    moderator.get_by_role("button", name="Record proxy").click()
    expect(moderator.locator("table")).to_contain_text(PROXY_GIVER)
    _draft_poll(moderator, base, title)

    phone = _phone(new_page, live_server.join_urls[DELEGATE])
    moderator.click("button.open-poll")
    ballot = phone.locator("#ballot")
    own, proxy = ballot.locator(".ballot-vote").nth(0), ballot.locator(".ballot-vote").nth(1)
    expect(proxy.locator("h3")).to_contain_text(PROXY_GIVER)
    expect(proxy.locator(".ballot-no")).to_have_accessible_name(re.compile(PROXY_GIVER))
    assert not axe_violations(phone), describe(axe_violations(phone))

    for vote, choice in ((own, ".ballot-yes"), (proxy, ".ballot-no")):
        _tab_to(phone, vote.locator(choice))
        phone.keyboard.press("Enter")
        confirm = vote.locator(".ballot-confirm")
        expect(confirm).to_be_focused()
        phone.keyboard.press("Space")
        done = vote.locator(".ballot-done")
        expect(done).to_be_visible(timeout=30_000)
        expect(done).to_be_focused()
    expect(phone.locator("#ballot-status")).to_contain_text(PROXY_GIVER)
    assert not axe_violations(phone), describe(axe_violations(phone))
    screenshot(phone, "vote-proxy-keyboard")
    expect(moderator.locator("#turnout-fill")).to_have_attribute("data-count", "2")


def test_yes_no_or_abstain_for_each_candidate_by_keyboard(live_server, new_page):
    """Each candidate is a group of three buttons named after the candidate; marking one keeps
    the focus on it, and "Continue" comes only when every candidate is marked."""
    title = "Wahl der Delegierten zum Bundesrat"
    moderator = _moderator_with_a_draft_election(
        live_server,
        new_page,
        title,
        "candidate_yes_no_abstain",
        ["Amal Nasser", "Piotr Wiśniewski"],
    )

    phone = _phone(new_page, live_server.join_urls[DELEGATE])
    moderator.click("button.open-poll")
    ballot = phone.locator("#ballot")
    amal = ballot.locator("fieldset.ballot-candidate-row", has_text="Amal Nasser")
    piotr = ballot.locator("fieldset.ballot-candidate-row", has_text="Piotr")
    expect(amal.locator(".ballot-yes")).to_have_accessible_name(re.compile("Amal Nasser"))
    next_button = ballot.locator(".ballot-next")
    expect(next_button).to_be_disabled()
    assert not axe_violations(phone), describe(axe_violations(phone))

    _tab_to(phone, amal.locator(".ballot-yes"))
    phone.keyboard.press("Enter")
    expect(amal.locator(".ballot-yes")).to_have_attribute("aria-pressed", "true")
    expect(amal.locator(".ballot-yes")).to_be_focused()
    _tab_to(phone, piotr.locator(".ballot-abstain"))
    phone.keyboard.press("Space")
    expect(piotr.locator(".ballot-abstain")).to_have_attribute("aria-pressed", "true")
    expect(next_button).to_be_enabled()
    _tab_to(phone, next_button)
    phone.keyboard.press("Enter")

    confirm = ballot.locator(".ballot-confirm")
    expect(confirm).to_be_focused()
    expect(confirm).to_have_accessible_description(re.compile("Amal Nasser"))
    phone.keyboard.press("Enter")
    expect(ballot.locator(".ballot-done")).to_be_focused(timeout=30_000)
    assert not axe_violations(phone), describe(axe_violations(phone))
    expect(moderator.locator("#turnout-fill")).to_have_attribute("data-count", "1")
