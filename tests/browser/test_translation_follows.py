"""Two delegates amend the same paragraph of A1 on their phones, changing different words;
both are adopted without a collision, and the Arabic archive page and PDF of the adopted text
show the changed paragraph in the original, never the Arabic of the replaced sentence."""

from __future__ import annotations

import io
import subprocess
import sys

from pypdf import PdfReader

from tests.browser.helpers import PHONE, ROOT, screenshot

#: The last paragraph of the demo resolution A1, and its Arabic translation's opening words.
LAST = (
    "Die Mitgliedsorganisationen des Netzwerks verpflichten sich, ihre Erfahrungen untereinander "
    "zu teilen und bis zur nächsten Konferenz einen gemeinsamen Leitfaden für gute Beteiligung zu "
    "erarbeiten."
)
REPLACED_ARABIC = "وتلتزم المنظمات الأعضاء"
KEPT_ARABIC = "لذلك نطالب البلديات"
#: Adopt the two new amendments by vote, reject the demo's three, adopt A1 as amended.
DECIDE = """
from sqlalchemy import select
from participation.extensions import db
from participation.models import Document
from participation.services import documents as docs
a1 = db.session.scalar(select(Document).where(Document.number == "A1"))
for amendment in list(a1.amendments):
    adopted = amendment.number in ("Ä4", "Ä5")
    docs.start_vote("amendment", amendment.id, None)
    docs.apply_vote_result("amendment", amendment.id, adopted, None)
    db.session.commit()
docs.start_vote("document", a1.id, None)
docs.apply_vote_result("document", a1.id, True, None)
db.session.commit()
print(a1.status, [(a.number, a.status, a.needs_review) for a in a1.amendments])
"""


def file_amendment(page, join_url: str, old: str, new: str) -> None:
    """On a phone: open A1, change one phrase of its last paragraph, file the amendment."""
    page.goto(join_url)
    page.click("#documents-link")
    page.click(".document-list a:has-text('A1')")
    page.click("a[href$='/amend']")
    page.wait_for_selector("#amend-form")
    last = page.locator("details.amend-block").last
    last.locator("summary").click()
    last.locator("textarea").fill(LAST.replace(old, new))
    page.fill("#amend-reasoning", "Klarer.")
    page.click("#amend-submit")
    page.wait_for_selector(".flash-success")


def test_adopted_amendments_leave_no_outdated_arabic_sentence(live_server, new_page):
    first = new_page(PHONE, is_mobile=True, has_touch=True)
    file_amendment(
        first,
        live_server.join_urls["Aylin Demir"],
        "gemeinsamen Leitfaden",
        "gemeinsamen, mehrsprachigen Leitfaden",
    )
    second = new_page(PHONE, is_mobile=True, has_touch=True)
    file_amendment(
        second,
        live_server.join_urls["Mariam Haddad"],
        "ihre Erfahrungen",
        "ihre Erfahrungen und Materialien",
    )
    decided = subprocess.run(
        [sys.executable, "-m", "flask", "--app", "wsgi", "shell"],
        cwd=ROOT,
        env=live_server.env,
        input=f"exec({DECIDE!r})\n",
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert decided.returncode == 0, decided.stderr
    assert "adopted_amended" in decided.stdout
    assert "('Ä5', 'adopted', False)" in decided.stdout  # carried onto Ä4's text, no collision

    reader = new_page(PHONE)
    reader.goto(live_server.url + "/")
    reader.click("a[href^='/c/']")
    conference = reader.url.rstrip("/").rsplit("/", 1)[-1]
    reader.goto(f"{live_server.url}/c/{conference}/texts/A1?lang=ar")
    text = " ".join(reader.locator(".archive-text .line").all_inner_texts())
    assert REPLACED_ARABIC not in text and KEPT_ARABIC in text
    original = reader.locator(".archive-text .block.untranslated")
    assert original.count() == 1
    adopted = " ".join(original.locator(".line").all_inner_texts())
    assert "ihre Erfahrungen und Materialien" in adopted and "mehrsprachigen Leitfaden" in adopted
    assert reader.locator(".untranslated-note").count() == 1
    assert original.get_attribute("lang") == "de" and original.get_attribute("dir") == "ltr"
    assert reader.locator(".archive-text").get_attribute("dir") == "rtl"
    screenshot(reader, "translation-follows-ar")

    download = reader.get_attribute("a.button[href*='.pdf']", "href")
    response = reader.request.get(live_server.url + download)
    assert response.ok
    pdf = PdfReader(io.BytesIO(response.body()))
    pdf_text = "\n".join(page.extract_text() for page in pdf.pages)
    assert REPLACED_ARABIC not in pdf_text and KEPT_ARABIC in pdf_text
    assert "mehrsprachigen" in pdf_text
