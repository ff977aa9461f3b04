"""Encrypted secret ballots in the browser: three trustees set up the key on their own devices,
phones encrypt (one by keyboard), a lost trustee device does not matter, and the projector shows
"waiting for the trustees" until a second trustee's page decrypts, then the result."""

from __future__ import annotations

import re
import subprocess
import sys

from tests.browser.helpers import (
    DESKTOP,
    PHONE,
    PROJECTOR,
    ROOT,
    axe_violations,
    describe,
    screenshot,
    sign_in_staff,
)

TRUSTEES = ("Samira Benali", "Aylin Demir", "Mariam Haddad")
VOTERS = ("Aylin Demir", "Mariam Haddad", "Elif Kaya")


def _signed_in(new_page, live_server, name, viewport=PHONE):
    page = new_page(viewport)
    page.goto(live_server.join_urls[name])
    return page


def _trustee_page(new_page, live_server, base, name):
    page = _signed_in(new_page, live_server, name, DESKTOP)
    page.goto(f"{base}/trustees")
    page.wait_for_selector("#trustee")
    return page


def _check_encryption(phone, new_page, base, live_server):
    """Benaloh's check: the phone opens one encryption of the choice, never cast; another
    device (and the independent command) sees that it holds "Yes"."""
    phone.click("#ballot .ballot-spoil")
    reveal = phone.locator("#ballot textarea.ballot-reveal").input_value()
    screenshot(phone, "vote-phone-check-encryption")
    violations = axe_violations(phone)
    assert not violations, describe(violations)
    second = new_page(PHONE)
    second.goto(f"{base}/check-ballot")
    second.fill("#reveal", reveal)
    second.click("#check")
    second.wait_for_selector("#check-result [data-verdict=ok]")
    assert second.inner_text("#check-marks") == "Yes"
    violations = axe_violations(second)
    assert not violations, describe(violations)
    path = live_server.instance / "ballot-check.json"
    path.write_text(reveal)
    checked = subprocess.run(
        [sys.executable, str(ROOT / "tools" / "check_spoiled.py"), str(path)],
        capture_output=True,
        text=True,
        check=False,
    )
    path.unlink()
    assert checked.returncode == 0, checked.stdout + checked.stderr
    assert "question 1: Yes" in checked.stdout
    phone.click("#ballot .ballot-back")
    phone.wait_for_selector("#ballot .ballot-confirm")


def test_trustees_phones_and_projector(live_server, new_page):
    moderator = _signed_in(new_page, live_server, "Samira Benali", DESKTOP)
    conference_id = re.search(r"/c/(\d+)/live", moderator.url).group(1)
    base = f"{live_server.url}/c/{conference_id}"

    # The moderator appoints three trustees, any two of whom decrypt.
    moderator.goto(f"{base}/trustees")
    moderator.select_option("#people", label=list(TRUSTEES))
    moderator.fill("#threshold", "2")
    moderator.click("form[action$='/trustees'] button[type=submit]")
    moderator.wait_for_selector("#ceremony-state[data-state=dealing]")

    # Each trustee's own page does its part (the moderator's is the one she appointed from);
    # the key is ready when all three have.
    pages = {name: _trustee_page(new_page, live_server, base, name) for name in TRUSTEES[1:]}
    pages["Samira Benali"] = moderator
    for page in pages.values():
        page.wait_for_selector("#trustee-share:has-text('holds your key share')", timeout=20_000)
    # Every open page shows the ceremony as it stands, without a reload by hand.
    for page in pages.values():
        page.wait_for_selector("#ceremony-state[data-state=ready]")
        assert page.locator("#trustee-table td[data-step=confirmed]").all_inner_texts() == [
            "yes"
        ] * len(TRUSTEES)
    # Another device of the same trustee holds nothing and says so.
    elsewhere = _trustee_page(new_page, live_server, base, "Mariam Haddad")
    elsewhere.wait_for_selector("#trustee-status:has-text('Restore')")
    elsewhere.context.close()
    screenshot(pages["Aylin Demir"], "trustee-ready")
    violations = axe_violations(pages["Aylin Demir"])
    assert not violations, describe(violations)
    # The server holds no share: what the page stored never left the browser.
    stored = pages["Aylin Demir"].evaluate("JSON.stringify(Object.assign({}, localStorage))")
    share = re.search(r'\\"share\\":\\"([0-9a-f]{64})\\"', stored).group(1)

    # A secret poll; phones encrypt and show the tracker before the server answers.
    moderator = _signed_in(new_page, live_server, "Samira Benali", DESKTOP)
    moderator.goto(f"{base}/polls")
    moderator.click("#new-poll summary")
    moderator.fill("#title", "Verschlüsselte Abstimmung")
    moderator.check("#secret")
    moderator.click("#new-poll button[type=submit].primary")
    moderator.click("button.open-poll")
    moderator.wait_for_selector("button.close-poll")
    projector = new_page(PROJECTOR)
    sign_in_staff(projector, live_server)
    projector.goto(f"{base}/projector")
    projector.wait_for_selector("#connection[data-state=online]")

    trackers = []
    for name in VOTERS:
        phone = _signed_in(new_page, live_server, name, PHONE)
        phone.wait_for_selector("#ballot .ballot-yes", timeout=10_000)
        assert "encrypted" in phone.inner_text("#ballot .ballot-kicker").lower()
        if name == "Elif Kaya":  # by keyboard
            phone.focus("#ballot .ballot-no")
            phone.keyboard.press("Enter")
            phone.wait_for_selector("#ballot .ballot-confirm:focus")
            phone.keyboard.press("Enter")
        else:
            phone.click("#ballot .ballot-yes")
            if name == "Aylin Demir":  # checks the encryption on a second device first
                _check_encryption(phone, new_page, base, live_server)
            phone.click("#ballot .ballot-confirm")
        phone.wait_for_selector("#ballot .ballot-done")
        tracker = phone.inner_text("#ballot code.tracker")
        assert re.fullmatch(r"[0-9a-f]{64}", tracker)
        trackers.append(tracker)
        if name == "Elif Kaya":
            screenshot(phone, "vote-phone-encrypted-receipt")
            violations = axe_violations(phone)
            assert not violations, describe(violations)

    # Mariam prints a backup of her share (text and QR code), then her device is lost; with
    # Aylin's away too, the count waits.
    mariam = pages.pop("Mariam Haddad")
    mariam.evaluate("window.print = () => { window.printed = true; }")
    mariam.click("#trustee-print-button")
    assert mariam.evaluate("window.printed") is True
    printed = mariam.inner_text("#trustee-print pre")
    assert mariam.locator("#trustee-print .qr svg").count() == 1
    mariam.context.close()
    aylin = pages.pop("Aylin Demir")
    aylins_device = aylin.context
    aylin.close()
    moderator.click("button.close-poll")
    projector.wait_for_selector("#projector-result .result-counting", timeout=10_000)
    assert "trustees" in projector.inner_text("#projector-result").lower()
    screenshot(projector, "vote-projector-waiting-for-trustees")

    # Aylin opens her trustee page again on her device: it decrypts by itself, and the result
    # appears.
    aylin = aylins_device.new_page()
    aylin.goto(f"{base}/trustees")
    projector.wait_for_selector("#projector-result .result[data-outcome='adopted']", timeout=20_000)
    assert "2 of 3 trustees" in projector.inner_text("#projector-result .result-encryption")
    assert re.fullmatch(r"[0-9a-f]{64}", projector.inner_text("#audit-head"))
    screenshot(projector, "vote-projector-encrypted-result")

    # Mariam restores her printed backup on a new device, which then holds her share.
    replaced = _trustee_page(new_page, live_server, base, "Mariam Haddad")
    replaced.wait_for_selector("#trustee-status:has-text('Restore')")
    replaced.click("#trustee details summary")
    replaced.fill("#trustee-restore-text", printed)
    replaced.click("#trustee-restore-text-button")
    replaced.wait_for_selector("#trustee-share:has-text('holds your key share')")
    violations = axe_violations(replaced)
    assert not violations, describe(violations)

    # The public page lists every tracker; no ballot shows a choice.
    poll_page = new_page(PROJECTOR)
    poll_page.goto(f"{base}/votes")
    poll_page.click(".poll-list a")
    listed = poll_page.inner_text(".trackers")
    assert all(tracker in listed for tracker in trackers)
    assert set(poll_page.locator(".ballots tbody td:nth-child(2)").all_inner_texts()) == {
        "encrypted"
    }
    verified = live_server.flask("audit", "verify")
    assert verified.returncode == 0, verified.stderr
    # No file of the server's instance (database, write-ahead log, logs) holds the share.
    secret = bytes.fromhex(share)
    for path in live_server.instance.rglob("*"):
        if path.is_file():
            content = path.read_bytes()
            assert share.encode() not in content and secret not in content, path
