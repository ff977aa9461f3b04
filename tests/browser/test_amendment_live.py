"""A delegate files an amendment on a phone; the moderator's open page shows it at once."""

from playwright.sync_api import expect

from tests.browser.helpers import BUSY, refuse_while_busy, screenshot

NEW_TEXT = (
    "Die Mitgliedsorganisationen des Netzwerks verpflichten sich, ihre Erfahrungen untereinander "
    "zu teilen und bis zur nächsten Konferenz einen gemeinsamen, mehrsprachigen Leitfaden für "
    "gute Beteiligung zu erarbeiten."
)


def open_resolution(page, join_url: str) -> None:
    """Join, go from the live view to the documents, open A1."""
    page.goto(join_url)
    page.click("#documents-link")
    page.click(".document-list a:has-text('A1')")
    page.wait_for_selector("#document-connection[data-state=online]")


def test_amendment_from_a_phone_appears_on_the_moderators_page(
    live_server, desktop_page, phone_page
):
    moderator, delegate = desktop_page, phone_page
    open_resolution(moderator, live_server.join_urls["Samira Benali"])
    amendments = moderator.locator("#document-live article.amendment")
    before = amendments.count()
    assert before == 3  # the demo's Ä1–Ä3
    assert moderator.locator(".numbered-text .ln").first.inner_text() == "1"
    moderator.evaluate("window.notReloaded = true")

    open_resolution(delegate, live_server.join_urls["Aylin Demir"])
    assert delegate.evaluate("document.documentElement.scrollWidth") <= 360
    screenshot(delegate, "document-phone")
    delegate.click("a[href$='/amend']")
    delegate.wait_for_selector("#amend-form")
    assert delegate.evaluate("document.documentElement.scrollWidth") <= 360
    last = delegate.locator("details.amend-block").last
    lines = last.locator(".amend-lines").inner_text()
    last.locator("summary").click()
    box = last.locator("textarea")
    box.fill(NEW_TEXT)
    assert box.bounding_box()["width"] <= 360
    delegate.fill("#amend-reasoning", "Nicht alle lesen Deutsch.")
    screenshot(delegate, "amendment-phone-form")
    delegate.click("#amend-submit")
    delegate.wait_for_selector(".flash-success")
    assert "Ä4" in delegate.inner_text(".flash-success")

    filed = moderator.locator("article.amendment[data-number='Ä4']")
    filed.wait_for(timeout=5_000)
    assert moderator.evaluate("window.notReloaded") is True
    assert amendments.count() == before + 1
    heading = filed.locator("h3").inner_text()
    assert "Ä4" in heading and "A1" in heading
    # The heading names the lines the change touches, within the paragraph's lines.
    block_first, _, block_last = lines.split(" ", 1)[-1].partition("\u2013")
    first, _, last = heading.rsplit(" ", 1)[-1].partition("\u2013")
    assert int(block_first) <= int(first) <= int(last or first) <= int(block_last or block_first)
    assert filed.locator("ins.diff-ins").first.inner_text().strip().endswith("mehrsprachigen")
    screenshot(moderator, "amendment-moderator-live")


def test_a_document_page_whose_watch_is_refused_says_why_and_still_follows(
    live_server, desktop_page, phone_page
):
    """The first two answers to the document page's watch are a busy server's refusal: the
    page shows the reason, asks again, goes live and shows a new amendment without a reload."""
    moderator, delegate = desktop_page, phone_page
    moderator.goto(live_server.join_urls["Samira Benali"])
    moderator.click("#documents-link")
    watches = refuse_while_busy(moderator, 2)  # from the next page on
    moderator.click(".document-list a:has-text('A1')")
    status = moderator.locator("#document-connection")
    expect(status).to_have_text(BUSY)
    expect(status).to_have_attribute("data-state", "online")
    assert len(watches) >= 3
    moderator.evaluate("window.notReloaded = true")

    open_resolution(delegate, live_server.join_urls["Aylin Demir"])
    delegate.click("a[href$='/amend']")
    last = delegate.locator("details.amend-block").last
    last.locator("summary").click()
    last.locator("textarea").fill(NEW_TEXT)
    delegate.click("#amend-submit")
    delegate.wait_for_selector(".flash-success")
    expect(moderator.locator("article.amendment[data-number='Ä4']")).to_be_visible()
    assert moderator.evaluate("window.notReloaded") is True
