"""Translations follow the decided text block by block: unchanged blocks keep their
translation, changed ones show the original until translated, rejected demands vanish."""

from __future__ import annotations

import io
import re
from html import unescape
from pathlib import Path

import pytest
from flask_babel import force_locale, gettext
from pypdf import PdfReader

from participation.extensions import db
from participation.services import conferences
from participation.services import documents as docs
from participation.services.errors import Conflict, Invalid, NotAllowed
from tests.helpers import amend, build_world, catalogue, csrf_token, make_app, voted_poll

TRANSLATIONS = Path(__file__).resolve().parent.parent / "participation" / "translations"
#: The catalogue in Arabic; each block carries a tag, so a PDF's text can be searched for it.
ARABIC = (
    "## التعليم\n\n- مزيد من المعلمين [ar-1.1]\n- فصول أصغر [ar-1.2]\n\n"
    "## العمل\n\n- اعتراف أسرع [ar-2.1]\n- طلبات مجهولة [ar-2.2]\n\n"
    "## المشاركة\n\n- حق التصويت المحلي [ar-3.1]"
)


@pytest.fixture
def translated_app(tmp_path):
    """The app with the project's catalogues, to read statuses in Arabic."""
    app = make_app(
        tmp_path, BABEL_TRANSLATION_DIRECTORIES=str(TRANSLATIONS), PDF_RATE_LIMIT="1000 per minute"
    )
    with app.app_context():
        yield app
        db.session.remove()
        db.engine.dispose()


def decided_catalogue(world):
    """K-catalogue translated into Arabic, then demand 1.2 rejected, 2.1 amended, adopted."""
    cid = world.conference.id
    conferences.save_conference(
        world.staff,
        conference_id=cid,
        title="Testkonferenz",
        number=3,
        status="running",
        languages=["de", "ar"],
    )
    cat = catalogue(world)
    docs.save_translation(world.staff, cid, cat.id, language="ar", title="مطالب", body=ARABIC)
    rejected = next(d for d in cat.demands if d.label == "1.2")
    voted_poll(world, "demand", rejected.id, ["no", "no"])
    index = next(d.block_index for d in cat.demands if d.label == "2.1")
    change = amend(world, cat, {index: "- Schnellere und faire Anerkennung"})
    voted_poll(world, "amendment", change.id, ["yes", "yes"])
    voted_poll(world, "document", cat.id, ["yes", "yes"])
    db.session.commit()
    return cat


def visible(html: str) -> str:
    return " ".join(unescape(re.sub(r"<[^>]+>", " ", html)).split())


# --- the service -------------------------------------------------------------------------------


def test_a_new_version_carries_unchanged_blocks_and_marks_changed_ones(app, world):
    cat = decided_catalogue(world)
    translation = docs.latest_translation(cat, "ar")
    assert translation.version_id == cat.current_version_id
    rows = docs.translation_rows(cat, "ar")[1]
    states = {row.original: row.state for row in rows}
    assert states["- Mehr Lehrkräfte"] == "current"
    assert states["- Anonyme Bewerbungen"] == "current"
    assert states["- Schnellere und faire Anerkennung"] == "outdated"
    assert "- Kleinere Klassen" not in states  # the rejected demand left the text
    shown = docs.published_translation(translation, cat.current_version)
    assert "[ar-1.2]" not in shown.body and "[ar-2.1]" not in shown.body
    assert "Schnellere und faire Anerkennung" in shown.body and "[ar-2.2]" in shown.body
    assert len(shown.originals) == 1


def test_the_translator_brings_a_block_forward(app, world):
    cat = decided_catalogue(world)
    rows = docs.translation_rows(cat, "ar")[1]
    outdated = next(row for row in rows if row.state == "outdated")
    assert outdated.translated_from == "- Schnellere Anerkennung"
    docs.save_translated_block(
        world.staff,
        world.conference.id,
        cat.id,
        language="ar",
        index=outdated.index,
        text="اعتراف أسرع وعادل [ar-2.1b]",
        version_id=cat.current_version_id,
    )
    rows = docs.translation_rows(cat, "ar")[1]
    assert all(row.state == "current" for row in rows)
    assert rows[outdated.index].text == "- اعتراف أسرع وعادل [ar-2.1b]"  # still a demand
    shown = docs.published_translation(docs.latest_translation(cat, "ar"), cat.current_version)
    assert not shown.originals and "[ar-2.1b]" in shown.body


# --- the pages ---------------------------------------------------------------------------------


def test_the_arabic_page_shows_only_what_was_decided(translated_app):
    world = build_world()
    cat = decided_catalogue(world)
    client = translated_app.test_client()
    html = client.get(f"/c/{world.conference.id}/texts/{cat.number}?lang=ar").get_data(as_text=True)
    text = visible(html)
    body = visible(html.split('id="text-heading"', 1)[1].split("</section>", 1)[0])
    assert "[ar-1.2]" not in text and "Kleinere Klassen" not in body, text
    assert "[ar-2.1]" not in text and "Schnellere und faire Anerkennung" in text
    assert "[ar-1.1]" in text and "[ar-3.1]" in text
    for label in ("1.1", "2.1", "2.2", "3.1"):
        assert f'demand-label">{label}' in html
    assert re.search(r'class="block block-item untranslated" data-block="\d+" lang="de"', html)
    with force_locale("ar"):
        note = gettext("This paragraph is not translated yet; it is shown in the original.")
        rejected = str(docs.DEMAND_STATUS_LABELS["rejected"])
    assert note in text, text
    assert rejected in text
    assert rejected != "abgelehnt"


def test_the_arabic_pdf_shows_only_what_was_decided(translated_app):
    world = build_world()
    cat = decided_catalogue(world)
    client = translated_app.test_client()
    for url in (
        f"/c/{world.conference.id}/texts/{cat.number}.pdf?lang=ar",
        f"/c/{world.conference.id}/book.pdf?lang=ar",
    ):
        response = client.get(url)
        assert response.status_code == 200
        reader = PdfReader(io.BytesIO(response.get_data()))
        text = "\n".join(p.extract_text() for p in reader.pages)
        assert "فصول أصغر" not in text and "اعتراف أسرع" not in text
        assert "مزيد من المعلمين" in text and "Schnellere und faire Anerkennung" in text
        assert "abgelehnt" not in text and "Zeile" not in text  # statuses, lines in Arabic


def test_the_translator_sees_what_changed_and_brings_it_forward(app, world, auth):
    cat = decided_catalogue(world)
    staff = auth.client_as(app, world, "staff")
    url = f"/c/{world.conference.id}/documents/{cat.id}/translation?language=ar"
    html = staff.get(url).get_data(as_text=True)
    outdated = html.split('class="stack translate-block state-outdated"', 1)[1].split("</form>")[0]
    assert '<ins class="diff-ins">' in outdated and "und faire" in outdated
    assert "[ar-2.1]" in outdated  # the old translation, to bring forward
    index = re.search(r'name="block" value="(\d+)"', outdated).group(1)
    response = staff.post(
        f"/c/{world.conference.id}/documents/{cat.id}/translation",
        data={
            "csrf_token": csrf_token(staff, "/"),
            "language": "ar",
            "block": index,
            "text": "اعتراف أسرع وعادل [ar-2.1b]",
            "version_id": cat.current_version_id,
        },
    )
    assert response.status_code == 302
    assert "state-outdated" not in staff.get(url).get_data(as_text=True)
    public = visible(
        app.test_client().get(f"/c/{world.conference.id}/texts/K1?lang=ar").get_data(as_text=True)
    )
    assert (
        "[ar-2.1b]" in public
        and "Schnellere und faire Anerkennung" not in public.split("Votes taken")[0]
    )


def test_a_stale_or_misplaced_paragraph_is_refused(app, world):
    cat = decided_catalogue(world)
    old_version = cat.versions[0].id
    refused = dict(language="ar", text="نص", version_id=cat.current_version_id)
    with pytest.raises(Invalid):
        docs.save_translated_block(world.staff, world.conference.id, cat.id, index=99, **refused)
    with pytest.raises(Invalid):
        docs.save_translated_block(
            world.staff, world.conference.id, cat.id, index=1, **{**refused, "text": "  "}
        )
    with pytest.raises(Conflict):
        docs.save_translated_block(
            world.staff,
            world.conference.id,
            cat.id,
            index=1,
            **{**refused, "version_id": old_version},
        )
    with pytest.raises(NotAllowed):
        docs.save_translated_block(
            world.delegate.person, world.conference.id, cat.id, index=1, **refused
        )
