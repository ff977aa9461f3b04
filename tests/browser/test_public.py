"""A visitor without an account finds the adopted texts of the demo's earlier conference,
reads one in English, sees the results and downloads the book of resolutions as PDF; and reads
the audit trail on a phone."""

from __future__ import annotations

import io
import re

from playwright.sync_api import expect
from pypdf import PdfReader

from tests.browser.helpers import axe_violations, describe, screenshot


def test_a_visitor_reads_an_adopted_text_and_downloads_the_book(live_server, phone_page):
    page = phone_page
    page.goto(live_server.url + "/")
    page.get_by_role("link", name=re.compile(r"Netzwerkkonferenz 2025")).first.click()
    expect(page.locator("h1")).to_contain_text("Netzwerkkonferenz 2025")
    adopted = page.locator("section", has=page.locator("#adopted-heading"))
    expect(adopted).to_contain_text("Berufliche Abschlüsse schneller anerkennen")
    expect(adopted).to_contain_text("Unsere Forderungen an die Kommunen")
    others = page.locator("section", has=page.locator("#others-heading"))
    expect(others).to_contain_text("Ein eigenes Netzwerkbüro in jeder Region")
    book_url = page.get_by_role("link", name=re.compile(r"PDF\) – German")).get_attribute("href")

    adopted.get_by_role("link", name=re.compile("Berufliche Abschlüsse")).click()
    text = page.locator(".archive-text")
    expect(text.locator(".ln").first).to_have_text("1")
    expect(text).to_contain_text("die Gebühren für Menschen mit")  # the adopted amendment
    votes = page.locator("#decisions-heading + *").locator("..")
    expect(votes).to_contain_text("Rule: simple majority")
    expect(votes).to_contain_text("Quorum")
    expect(page.locator(".result-numbers").first).to_contain_text("6")
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    violations = axe_violations(page)
    assert not violations, describe(violations)
    screenshot(page, "public-text-phone")

    page.get_by_role("link", name="English").click()
    expect(page).to_have_url(re.compile(r"[?&]lang=en"))
    expect(page.locator("h1")).to_contain_text("Recognise professional qualifications faster")
    expect(page.locator(".archive-text")).to_have_attribute("lang", "en")
    expect(page.locator(".archive-text .ln").first).to_have_text("1")

    response = page.request.get(live_server.url + book_url)
    assert response.status == 200 and response.headers["content-type"] == "application/pdf"
    reader = PdfReader(io.BytesIO(response.body()))
    book = "\n".join(p.extract_text() for p in reader.pages)
    assert "Contents" in book or "Inhalt" in book  # in the reader's language
    assert "Berufliche Abschlüsse schneller anerkennen" in book
    assert re.search(r"^\s*1 ?Viele Menschen", book, re.MULTILINE)
    assert re.search(r"(Yes|Ja) ?6", book)


def test_a_visitor_searches_the_archive(live_server, desktop_page):
    page = desktop_page
    page.goto(live_server.url + "/")
    page.get_by_role("searchbox").fill("Anerkennung")
    page.get_by_role("button", name="Search").click()
    hits = page.locator(".search-hit")
    expect(hits.first).to_contain_text("Berufliche Abschlüsse schneller anerkennen")
    expect(hits.first.locator("mark").first).to_have_text(re.compile("Anerkennung", re.I))
    violations = axe_violations(page)
    assert not violations, describe(violations)


def test_a_visitor_reads_the_audit_trail_on_a_phone(live_server, phone_page):
    page = phone_page
    page.goto(live_server.url + "/audit?verify=1")
    expect(page.locator("[role=status]", has_text="The chain is intact")).to_be_visible()
    # The demo's polls, as stored, match what the chain recorded of them.
    expect(page.locator("#records-check")).to_contain_text("match the audit trail")
    rows = page.locator(".audit-log > li")
    first, second = (int(rows.nth(i).get_attribute("id").removeprefix("entry-")) for i in (0, 1))
    assert first > second  # newest first
    entry = rows.first.locator("details")
    entry.locator("summary").click()
    expect(entry.locator("dl")).to_be_visible()
    expect(entry).to_contain_text("Previous hash")
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    violations = axe_violations(page)
    assert not violations, describe(violations)
    screenshot(page, "public-audit-phone")
