"""The public archive pages: conferences, adopted texts with amendments and results, the
language switch, search, feeds and data downloads, all without an account."""

from __future__ import annotations

import csv
import io
import re
import xml.etree.ElementTree as ET
from html import unescape

from participation.exports.data import to_csv
from tests.helpers import SECRETS


def page(client, url) -> str:
    response = client.get(url)
    assert response.status_code == 200, (url, response.status_code)
    return response.get_data(as_text=True)


def visible(html: str) -> str:
    """The text of a page, tags dropped and whitespace collapsed."""
    return " ".join(unescape(re.sub(r"<[^>]+>", " ", html)).split())


# --- tests -------------------------------------------------------------------------------------


def test_a_visitor_finds_the_adopted_texts_of_a_conference(archive_app, archive):
    _world, arc = archive
    client = archive_app.test_client()
    home = page(client, "/")
    assert f'href="/c/{arc.conference_id}"' in home
    assert "2 adopted texts" in visible(home)
    text = visible(page(client, f"/c/{arc.conference_id}"))
    adopted = text.split("Adopted texts", 1)[1].split("Rejected, referred and withdrawn", 1)
    assert "A1 Saubere Luft in allen Stadtteilen" in adopted[0]
    assert "K1 Forderungen für gutes Wohnen" in adopted[0]
    assert "A2 Ein Fahrradweg zu jedem Vereinsheim" in adopted[1]
    assert "Book of resolutions (PDF) – Englisch" in text  # named in the reader's language


def test_the_text_page_shows_the_final_numbered_text_amendments_and_results(archive_app, archive):
    _world, arc = archive
    html = page(archive_app.test_client(), f"/c/{arc.conference_id}/texts/A1")
    assert '<span class="ln" aria-hidden="true">1</span>' in html
    text = visible(html)
    assert "adopted as amended" in text
    assert "Bäume an den Schulwegen pflanzen" in text  # the adopted amendment is in the text
    assert "Ä1 to A1, line 3–4" in text and "Ä2 to A1, line 5" in text
    # Results with numbers, rule and quorum.
    assert "Yes 2 100 % No 0 0 % Abstain 0 0 %" in text.replace("\xa0", " ")
    assert "Rule: simple majority" in text
    assert "Quorum: 50 % of the eligible votes" in text.replace("\xa0", " ")
    # The late amendment was never admitted.
    assert "Ä3" not in text and SECRETS["late_amendment"] not in text
    assert f"http://localhost/c/{arc.conference_id}/texts/A1" in text  # the permanent link


def test_the_language_switch_shows_the_translation(archive_app, archive):
    _world, arc = archive
    client = archive_app.test_client()
    original = page(client, f"/c/{arc.conference_id}/texts/A1")
    assert f'href="/c/{arc.conference_id}/texts/A1?lang=en"' in original
    html = page(client, f"/c/{arc.conference_id}/texts/A1?lang=en")
    assert '<div class="archive-text" lang="en" dir="ltr">' in html
    assert "Clean air in all districts" in html and "plant trees" in html
    assert "Translation into Englisch" in visible(html)
    unknown = page(client, f"/c/{arc.conference_id}/texts/A1?lang=xx")
    assert '<div class="archive-text" lang="de"' in unknown


def test_a_catalogue_shows_its_demands_and_their_fate(archive_app, archive):
    _world, arc = archive
    text = visible(page(archive_app.test_client(), f"/c/{arc.conference_id}/texts/K1"))
    assert "1.1 Die Kommunen bauen mehr Sozialwohnungen." in text
    assert "Vermieter dürfen niemanden" not in text.split("Votes")[0]  # rejected: gone
    assert "1.2 rejected Rejected (yes 0, no 1, abstain 1)" in text
    assert "2.1 adopted with the catalogue" in text
    assert "Submitted by: Sprecher*innenrat" in text


def test_unpublished_and_unknown_texts_are_not_found(archive_app, archive):
    _world, arc = archive
    client = archive_app.test_client()
    for document in arc.unpublished:
        response = client.get(f"/c/{arc.conference_id}/texts/{document.number}")
        assert response.status_code == 404
    assert client.get(f"/c/{arc.conference_id}/texts/Z99").status_code == 404
    assert client.get("/c/999/texts/A1").status_code == 404
    assert client.get("/c/99999999999999999999").status_code == 404


def test_search_finds_adopted_texts_with_their_lines(archive_app, archive):
    _world, arc = archive
    client = archive_app.test_client()
    html = page(client, "/search?q=Grundschule+Luft")
    assert "1 text found" in visible(html)
    assert "<mark>Grundschule</mark>" in html
    assert re.search(r"line 3</span> Die Städte sollen an jeder <mark>", html)
    english = visible(page(client, f"/search?q=trees&conference={arc.conference_id}"))
    assert "1 text found" in english and "English" in english
    assert "0 texts found" in visible(page(client, f"/search?q={SECRETS['admitted_body']}"))
    assert "<mark>" not in page(client, "/search?q=%3Cscript%3E")


def test_the_atom_feed_lists_newly_adopted_texts(archive_app, archive):
    _world, arc = archive
    client = archive_app.test_client()
    for url in ("/feed.atom", f"/c/{arc.conference_id}/feed.atom"):
        response = client.get(url)
        assert response.status_code == 200 and response.mimetype == "application/atom+xml"
        root = ET.fromstring(response.data)
        ns = {"a": "http://www.w3.org/2005/Atom"}
        titles = [e.findtext("a:title", namespaces=ns) for e in root.findall("a:entry", ns)]
        assert sorted(titles) == [
            "A1 Saubere Luft in allen Stadtteilen",
            "K1 Forderungen für gutes Wohnen",
        ]
        links = [e.find("a:link", ns).get("href") for e in root.findall("a:entry", ns)]
        assert f"http://localhost/c/{arc.conference_id}/texts/A1" in links


def test_texts_and_results_as_csv_and_json(archive_app, archive):
    _world, arc = archive
    client = archive_app.test_client()
    rows = list(csv.DictReader(io.StringIO(page(client, f"/c/{arc.conference_id}/texts.csv"))))
    a1_de = [r for r in rows if r["document"] == "A1" and r["language"] == "de"]
    assert [r["line"] for r in a1_de][:2] == ["1", "2"]
    assert {r["language"] for r in rows if r["document"] == "A1"} == {"de", "en"}
    assert {r["document"] for r in rows} == {"A1", "A2", "K1"}
    results = list(csv.DictReader(io.StringIO(page(client, f"/c/{arc.conference_id}/results.csv"))))
    a2 = next(r for r in results if r["target"] == "A2")
    assert (a2["outcome"], a2["yes"], a2["no"], a2["secret"]) == ("tie", "1", "1", "yes")
    assert a2["quorum"] == "weight_share" and a2["quorum_met"] == "yes"
    assert "Pause jetzt?" not in page(client, f"/c/{arc.conference_id}/results.csv")
    texts = client.get(f"/c/{arc.conference_id}/texts.json").get_json()
    a1 = next(d for d in texts["documents"] if d["number"] == "A1")
    assert a1["status"] == "adopted_amended" and a1["text"]["lines"][0]["number"] == 1
    assert [t["language"] for t in a1["translations"]] == ["en"]
    assert {a["number"]: a["status"] for a in a1["amendments"]} == {
        "Ä1": "adopted",
        "Ä2": "rejected",
    }
    results_json = client.get(f"/c/{arc.conference_id}/results.json").get_json()
    assert all(p["state"] == "closed" for p in results_json["polls"])


def test_csv_cells_never_start_a_formula():
    out = to_csv(["a", "b"], [["=HYPERLINK(1)", "ok"], ["-1", "+2"]])
    assert out.splitlines()[1:] == ["'=HYPERLINK(1),ok", "'-1,'+2"]


def test_the_public_pages_work_at_phone_width_without_javascript(archive_app, archive):
    _world, arc = archive
    html = page(archive_app.test_client(), f"/c/{arc.conference_id}/texts/A1")
    assert "<script" not in html
    assert 'name="viewport"' in html
