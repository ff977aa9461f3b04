"""What the document pages say about an amendment's lines and its diff."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import func, select

import participation
from participation.extensions import db
from participation.models import Amendment
from participation.services import documents as docs
from tests.helpers import amend, csrf_token, make_app, resolution

LONG = (
    "Die Konferenz beauftragt den Vorstand, gemeinsam mit den Mitgliedsorganisationen ein "
    "Konzept für die Beratung neu zugewanderter Menschen zu erarbeiten. Das Konzept soll "
    "die Angebote der Kommunen, der Wohlfahrtsverbände und der Selbstorganisationen "
    "zusammenführen und Lücken benennen, insbesondere bei der Anerkennung von "
    "Berufsabschlüssen, beim Zugang zu Sprachkursen und bei der Wohnungssuche. Der "
    "Vorstand berichtet der nächsten Konferenz über den Stand der Arbeit und legt einen "
    "Zeitplan vor, der die Beteiligung der Mitgliedsorganisationen in allen Regionen "
    "sichert und ihre Erfahrungen aus der Beratungspraxis aufnimmt, damit niemand "
    "übersehen wird."
)


@pytest.fixture
def app(tmp_path):
    """The app with its real catalogues, so the pages speak German."""
    translations = Path(participation.__file__).parent / "translations"
    app = make_app(tmp_path, BABEL_TRANSLATION_DIRECTORIES=str(translations))
    with app.app_context():
        yield app
        db.session.remove()
        db.engine.dispose()


def page(client, url: str) -> str:
    response = client.get(url)
    assert response.status_code == 200, response.get_data(as_text=True)[-2000:]
    return response.get_data(as_text=True)


def german_reader(app, world, auth):
    world.observer.person.locale = "de"
    db.session.commit()
    return auth.client_as(app, world, "observer")


def test_amendment_heading_names_the_lines_it_changes(app, world, auth):
    document = resolution(world, body=LONG)
    # At 80 columns the paragraph has eight lines; "Kommunen" and "Wohlfahrtsverbände"
    # are on line 3, "Anerkennung" ends line 4.
    changed = LONG.replace("Wohlfahrtsverbände", "Wohlfahrtsverbände, der Kirchen").replace(
        "Anerkennung von", "schnellen Anerkennung von"
    )
    amendment = amend(world, document, {0: changed})
    html = page(
        german_reader(app, world, auth), f"/c/{world.conference.id}/documents/{document.id}"
    )
    assert f"{amendment.number} zu {document.number}, Zeile 3\u20134" in html
    assert "Zeile 1\u20138" not in html
    assert '<span class="line" data-line="8">' in html
    assert '<ins class="diff-ins"><span class="visually-hidden">' in html


def test_amendment_diff_shows_formatting_not_markdown(app, world, auth):
    document = resolution(world, body="Wir fordern:\n\n- Sprachkurse für alle")
    amend(world, document, {1: "- **kostenlose** Sprachkurse für alle\n- Beratung vor Ort"})
    html = page(
        german_reader(app, world, auth), f"/c/{world.conference.id}/documents/{document.id}"
    )
    diff = html[html.index('class="diff-text"') :]
    diff = diff[: diff.index("</div>")]
    assert "<strong>kostenlose</strong>" in diff
    assert "<ul><li>" in diff
    assert "**" not in diff and "- " not in diff
    assert "Zeile 2" in html


def test_version_comparison_shows_formatted_blocks(app, world, auth):
    cid = world.conference.id
    document = resolution(world, body="Wir fordern:\n\n- Sprachkurse\n- Beratung")
    amendment = amend(world, document, {2: "- **mehrsprachige** Beratung"})
    docs.take_over_amendment(world.moderator.person, cid, amendment.id)
    db.session.commit()
    html = page(
        german_reader(app, world, auth), f"/c/{cid}/documents/{document.id}/compare?from=1&to=2"
    )
    assert '<div class="cmp-equal"><ul><li>Sprachkurse</li></ul></div>' in html
    assert '<ins class="diff-ins"><strong>mehrsprachige</strong> </ins>Beratung' in html
    assert "- Sprachkurse" not in html and "**" not in html
    # the versions' notes are in the reader's language
    assert f"Fassung 2 – {amendment.number} übernommen" in html
    assert "Fassung 1 – eingereicht" in html
    assert "taken over" not in html


def test_amendment_form_previews_the_diff_before_filing(app, world, auth):
    cid = world.conference.id
    document = resolution(world, body="Wir fordern:\n\n- Sprachkurse für alle")
    client = auth.client_as(app, world, "delegate_b")
    world.delegate_b.person.locale = "de"
    db.session.commit()
    url = f"/c/{cid}/documents/{document.id}/amend"
    form = {
        "csrf_token": csrf_token(client, url),
        "base_version_id": str(document.current_version_id),
        "block-1": "- **kostenlose** Sprachkurse für alle",
        "reasoning": "Damit niemand ausgeschlossen ist.",
        "preview": "1",
    }
    response = client.post(url, data=form)
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert 'id="amend-preview"' in html and "Vorschau" in html
    assert "<strong>kostenlose</strong>" in html
    assert "Zeile 2" in html
    # the boxes keep what was typed, and nothing is filed yet
    assert "- **kostenlose** Sprachkurse für alle</textarea>" in html
    assert db.session.scalar(select(func.count()).select_from(Amendment)) == 0
    # an unchanged text is refused as filing would refuse it
    response = client.post(url, data={**form, "block-1": "- Sprachkurse für alle"})
    assert response.status_code == 422
    assert 'id="amend-preview"' not in response.get_data(as_text=True)
    # filing from the same form works as before
    response = client.post(url, data={k: v for k, v in form.items() if k != "preview"})
    assert response.status_code == 302
    assert db.session.scalar(select(func.count()).select_from(Amendment)) == 1


def test_revising_an_amendment_can_preview_too(app, world, auth):
    cid = world.conference.id
    document = resolution(world, body="Wir fordern Sprachkurse für alle.")
    flagged = amend(world, document, {0: "Wir fordern Sprachkurse für Erwachsene."})
    taken = amend(world, document, {0: "Wir fordern Sprachkurse für jede Person."})
    docs.take_over_amendment(world.moderator.person, cid, taken.id)
    db.session.commit()
    assert flagged.needs_review
    client = auth.client_as(app, world, "delegate_b")
    url = f"/c/{cid}/documents/{document.id}/amendments/{flagged.id}/revise"
    response = client.post(
        url,
        data={
            "csrf_token": csrf_token(client, url),
            "base_version_id": str(document.current_version_id),
            "block-0": "Wir fordern kostenlose Sprachkurse für jede Person.",
            "preview": "1",
        },
    )
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert 'id="amend-preview"' in html
    assert "<p>Wir fordern<ins" in html
    assert '<span class="visually-hidden">eingefügt: </span> kostenlose</ins> Sprachkurse' in html
    db.session.expire_all()
    assert flagged.needs_review  # nothing was revised
