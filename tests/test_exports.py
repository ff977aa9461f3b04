"""PDF exports: a single text and the book of resolutions, read back with pypdf."""

from __future__ import annotations

import io
import re

import pytest
from pypdf import PdfReader

from participation.exports import pdf
from participation.services import conferences, documents
from tests.helpers import build_world, make_app, voted_poll


def read(response) -> PdfReader:
    assert response.status_code == 200, response.get_data(as_text=True)[:500]
    assert response.mimetype == "application/pdf"
    return PdfReader(io.BytesIO(response.data))


def text_of(reader: PdfReader) -> str:
    return "\n".join(page.extract_text() or "" for page in reader.pages)


def numbered_lines(text: str) -> list[tuple[int, str]]:
    """(number, text) of every line that starts with a line number."""
    return [
        (int(m.group(1)), m.group(2))
        for m in re.finditer(r"^\s*(\d{1,3}) ?([^\W\d_].*)$", text, re.MULTILINE)
    ]


def fonts(reader: PdfReader) -> set[str]:
    names = set()
    for page in reader.pages:
        resources = page.get("/Resources") or {}
        for font in (resources.get("/Font") or {}).values():
            names.add(str(font.get_object().get("/BaseFont")))
    return names


def test_a_text_as_pdf_has_its_line_numbers_and_results(archive_app, archive):
    _world, arc = archive
    reader = read(archive_app.test_client().get(f"/c/{arc.conference_id}/texts/A1.pdf"))
    text = text_of(reader)
    lines = numbered_lines(text)
    # The same lines as on the screen: 1–5, each starting where the numbering says.
    by_number = {}
    for number, line in lines:
        by_number.setdefault(number, line)
    assert by_number[1].startswith("Die Konferenz fordert saubere Luft in allen Stadtteilen")
    assert by_number[2].startswith("Familien mit wenig Geld an großen Straßen wohnen.")
    assert by_number[4].startswith("veröffentlichen und Bäume an den Schulwegen pflanzen.")
    assert by_number[5].startswith("Das Netzwerk lädt Fachleute ein")
    assert "Saubere Luft in allen Stadtteilen" in text and "adopted as amended" in text
    assert re.search(r"Yes ?2 ?\(100\s?%\) ?No ?0 ?\(0\s?%\) ?Abstain ?0 ?\(0\s?%\)", text)
    assert "Rule: simple majority" in text and "Quorate." in text
    assert "Adopted amendments" in text and "Ä1 to A1, line 3–4" in text
    assert any("DejaVu-Sans-Mono" in name for name in fonts(reader))


def test_a_translated_text_as_pdf(archive_app, archive):
    _world, arc = archive
    reader = read(archive_app.test_client().get(f"/c/{arc.conference_id}/texts/A1.pdf?lang=en"))
    text = text_of(reader)
    assert "Clean air in all districts" in text
    first = {}
    for number, line in numbered_lines(text):
        first.setdefault(number, line)
    assert first[1].startswith("The conference calls for clean air")
    assert "Translation into English" in text
    assert reader.metadata.title.startswith("A1 Clean air")


def test_the_book_of_resolutions(archive_app, archive):
    _world, arc = archive
    client = archive_app.test_client()
    reader = read(client.get(f"/c/{arc.conference_id}/book.pdf"))
    text = text_of(reader)
    assert "Book of resolutions" in text and "3. Conference: Testkonferenz" in text
    contents = reader.pages[1].extract_text()
    assert "Contents" in contents
    # Table of contents with the page each text starts on.
    toc = dict(re.findall(r"(A1|K1) [^\n]*?\.* ?(\d+)\s*$", contents, re.MULTILINE))
    assert set(toc) == {"A1", "K1"}
    a1_page = reader.pages[int(toc["A1"]) - 1].extract_text()
    assert "Saubere Luft in allen Stadtteilen" in a1_page
    assert re.search(r"^\s*1 ?Die", a1_page, re.M)
    k1_page = reader.pages[int(toc["K1"]) - 1].extract_text()
    assert "Forderungen für gutes Wohnen" in k1_page and "1.1" in k1_page
    # The rest, with what became of it; and no unpublished text.
    assert "A2 Ein Fahrradweg zu jedem Vereinsheim – rejected" in " ".join(text.split())
    assert "geheim" not in text
    outline = [item.title for item in reader.outline if not isinstance(item, list)]
    assert any(title.startswith("A1") for title in outline)
    english = text_of(read(client.get(f"/c/{arc.conference_id}/book.pdf?lang=en")))
    assert "Clean air in all districts" in english and "Forderungen für gutes Wohnen" in english


def test_an_empty_book_and_unknown_texts(app):
    world = build_world()
    client = app.test_client()
    text = text_of(read(client.get(f"/c/{world.conference.id}/book.pdf")))
    assert "No texts have been adopted yet." in text
    assert client.get(f"/c/{world.conference.id}/texts/A1.pdf").status_code == 404
    assert client.get("/c/4711/book.pdf").status_code == 404


def test_a_right_to_left_translation_as_pdf(app):
    world = build_world()
    cid = world.conference.id
    conferences.save_conference(
        world.staff,
        conference_id=cid,
        title="Konferenz",
        number=3,
        status="running",
        languages=["de", "ar"],
    )
    moderator = world.moderator.person
    document = documents.create_document(
        moderator,
        cid,
        kind="resolution",
        number="A1",
        title="Titel",
        body="Ein Satz.",
        organisation_ids=[world.org_a.id],
        submit=True,
    )
    documents.admit_document(moderator, cid, document.id)
    voted_poll(world, "document", document.id, ["yes", "yes"])
    documents.save_translation(
        world.staff, cid, document.id, language="ar", title="عنوان", body="جملة واحدة."
    )
    response = app.test_client().get(f"/c/{cid}/texts/A1.pdf?lang=ar")
    reader = read(response)
    assert b'dir="rtl"' not in response.data  # a PDF, not the HTML
    assert len(reader.pages) == 1
    assert any("DejaVu" in name for name in fonts(reader))


def test_pdfs_fetch_nothing(monkeypatch):
    asked = []

    def refuse(url, *args, **kwargs):
        asked.append(url)
        raise pdf.FetchRefused(url)

    monkeypatch.setattr(pdf, "refuse_fetch", refuse)
    html = '<p>x</p><img src="http://127.0.0.1:9/x.png"><link rel="stylesheet" href="http://127.0.0.1:9/a.css">'
    body = pdf._write(html, "p { color: black; }")
    assert body.startswith(b"%PDF")
    assert asked and all(url.startswith("http://127.0.0.1:9/") for url in asked)


@pytest.mark.parametrize("width", [40, 80, 120, 160])
def test_numbered_lines_fit_the_page(width):
    size = pdf.mono_font_size(width)
    assert pdf.MIN_FONT_PT <= size <= pdf.MAX_FONT_PT
    if size > pdf.MIN_FONT_PT:
        assert (width + pdf.GUTTER_COLUMNS) * pdf.MONO_ADVANCE * size <= pdf.TEXT_WIDTH_PT + 0.01


def test_pdfs_are_rate_limited(tmp_path):
    app = make_app(tmp_path, PDF_RATE_LIMIT="2 per minute")
    with app.app_context():
        world = build_world()
        client = app.test_client()
        url = f"/c/{world.conference.id}/book.pdf"
        assert [client.get(url).status_code for _ in range(3)] == [200, 200, 429]
