"""Document pages, forms and live updates."""

from __future__ import annotations

import re

from sqlalchemy import func, select

from participation.extensions import db
from participation.models import Amendment, Document
from participation.services import conferences
from participation.services import documents as docs
from tests.helpers import TEXT, amend, catalogue, csrf_token, resolution, socket_client


def page(client, url: str, status: int = 200) -> str:
    response = client.get(url)
    assert response.status_code == status, response.get_data(as_text=True)[-2000:]
    return response.get_data(as_text=True)


def post(client, url: str, data: dict, form_page: str | None = None):
    data = {"csrf_token": csrf_token(client, form_page or "/"), **data}
    return client.post(url, data=data)


def test_list_shows_readable_documents_with_filters(app, world, auth):
    cid = world.conference.id
    item = conferences.save_agenda_item(world.staff, cid, number="TOP 4.1", title="Resolution")
    admitted = resolution(world)
    docs.edit_document(
        world.staff,
        cid,
        admitted.id,
        base_version_id=admitted.current_version_id,
        title="Teilhabe stärken",
        body=TEXT,
        agenda_item_id=item.id,
    )
    draft = docs.create_document(
        world.delegate.person, cid, kind="resolution", title="Geheimer Entwurf", body=TEXT
    )
    other = auth.client_as(app, world, "delegate_b")
    html = page(other, f"/c/{cid}/documents")
    assert "Teilhabe stärken" in html and "Geheimer Entwurf" not in html
    own = auth.client_as(app, world, "delegate")
    assert "Geheimer Entwurf" in page(own, f"/c/{cid}/documents")
    filtered = page(own, f"/c/{cid}/documents?status=draft")
    assert "Geheimer Entwurf" in filtered and "Teilhabe stärken" not in filtered
    by_item = page(own, f"/c/{cid}/documents?agenda_item={item.id}&fragment=1")
    assert "Teilhabe stärken" in by_item and "Geheimer Entwurf" not in by_item
    assert "<html" not in by_item
    assert page(other, f"/c/{cid}/documents/{draft.id}", 404)


def test_document_page_numbers_lines_and_shows_amendments_as_diffs(app, world, auth):
    cid = world.conference.id
    document = resolution(world)
    amend(
        world,
        document,
        {1: "Die Kommunen sollen Migrant*innenorganisationen früh und verbindlich beteiligen."},
    )
    amend(world, document, {1: "Die Kommunen sollen alle beteiligen."})
    client = auth.client_as(app, world, "observer")
    html = page(client, f"/c/{cid}/documents/{document.id}")
    assert '<span class="ln" aria-hidden="true">1</span>' in html
    assert 'data-line="2"' in html
    assert "Ä1" in html and "line 2" in html
    assert '<ins class="diff-ins"><span class="visually-hidden">inserted: </span>' in html
    assert "Collides with Ä2" in html and "Collides with Ä1" in html
    assert "Propose an amendment" not in html  # observers read only
    assert "<em>wichtig</em>" in html  # the reasoning, rendered
    fragment = page(client, f"/c/{cid}/documents/{document.id}?fragment=1")
    assert "<html" not in fragment and "diff-ins" in fragment


def test_catalogue_page_shows_demand_labels(app, world, auth):
    cat = catalogue(world)
    html = page(
        auth.client_as(app, world, "delegate_b"), f"/c/{world.conference.id}/documents/{cat.id}"
    )
    assert '<span class="marker demand-label">2.2&nbsp;</span>' in html
    assert "Anonyme Bewerbungen" in html


def test_delegate_files_an_amendment_through_the_form(app, world, auth):
    cid = world.conference.id
    document = resolution(world)
    client = auth.client_as(app, world, "delegate_b")
    form = page(client, f"/c/{cid}/documents/{document.id}/amend")
    assert 'name="block-1"' in form and "Verein Beta" in form
    assert f'name="base_version_id" value="{document.current_version_id}"' in form
    fields = {f"block-{i}": text for i, text in enumerate(TEXT.split("\n\n"))}
    fields["block-2"] = "Das Land soll eine mehrjährige Förderung einführen."
    response = post(
        client,
        f"/c/{cid}/documents/{document.id}/amend",
        {**fields, "base_version_id": document.current_version_id, "reasoning": "Planbarkeit."},
    )
    assert response.status_code == 302
    amendment = db.session.scalar(select(Amendment))
    assert amendment.number == "Ä1" and docs.changes_of(amendment) == {
        2: "Das Land soll eine mehrjährige Förderung einführen."
    }
    assert amendment.organisation_id == world.org_b.id


def test_bad_amendments_get_a_clear_error_and_store_nothing(app, world, auth):
    cid = world.conference.id
    document = resolution(world)
    client = auth.client_as(app, world, "delegate_b")
    url = f"/c/{cid}/documents/{document.id}/amend"
    base = document.current_version_id
    response = post(client, url, {"base_version_id": base, "block-1": "<script>alert(1)</script>"})
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "must not contain HTML" in html
    assert "<script>alert(1)" not in html and "&lt;script&gt;alert(1)" in html
    response = post(client, url, {"base_version_id": base})
    assert response.status_code == 422 and "Nothing was changed" in response.get_data(as_text=True)
    docs.edit_document(
        world.staff, cid, document.id, base_version_id=base, title="T", body=TEXT + "\n\nNeu."
    )
    response = post(client, url, {"base_version_id": base, "block-1": "Anders."})
    html = response.get_data(as_text=True)
    assert response.status_code == 409 and "has changed since you opened it" in html
    assert f'name="base_version_id" value="{document.current_version_id}"' in html
    observer = auth.client_as(app, world, "observer")
    assert post(observer, url, {"base_version_id": base, "block-1": "X"}).status_code == 403
    assert db.session.scalar(select(func.count(Amendment.id))) == 0


def test_moderator_takes_over_and_the_comparison_shows_the_change(app, world, auth):
    cid = world.conference.id
    document = resolution(world)
    amendment = amend(world, document, {3: "Wir teilen unsere Erfahrungen offen."})
    moderator = auth.client_as(app, world, "moderator")
    html = page(moderator, f"/c/{cid}/documents/{document.id}")
    assert "Taken over by the submitters" in html
    response = post(
        moderator, f"/c/{cid}/documents/{document.id}/amendments/{amendment.id}/take-over", {}
    )
    assert response.status_code == 302
    db.session.expire_all()
    assert document.current_version.number == 2
    comparison = page(moderator, f"/c/{cid}/documents/{document.id}/compare?from=1&to=2")
    assert comparison.count('class="cmp cmp-changed"') == 1
    assert comparison.count('class="cmp cmp-equal"') == 3
    assert re.search(r'<ins class="diff-ins">.*?offen</ins>', comparison)


def test_status_buttons_follow_the_workflow(app, world, auth):
    cid = world.conference.id
    draft = docs.create_document(
        world.delegate.person, cid, kind="resolution", title="Entwurf", body=TEXT
    )
    own = auth.client_as(app, world, "delegate")
    url = f"/c/{cid}/documents/{draft.id}/status"
    assert post(own, url, {"to": "admitted"}).status_code == 403
    assert post(own, url, {"to": "bogus"}).status_code == 422
    assert post(own, url, {"to": "submitted"}).status_code == 302
    moderator = auth.client_as(app, world, "moderator")
    assert post(moderator, url, {"to": "admitted"}).status_code == 302
    response = post(moderator, url, {"to": "admitted"})
    assert response.status_code == 409 and "cannot become" in response.get_data(as_text=True)
    db.session.expire_all()
    assert draft.status == "admitted"


def test_new_document_and_edit_forms(app, world, auth):
    cid = world.conference.id
    client = auth.client_as(app, world, "delegate")
    response = post(
        client,
        f"/c/{cid}/documents/new",
        {
            "kind": "catalogue",
            "title": "Forderungen",
            "body": "## Bildung\n\n- Mehr Lehrkräfte",
            "reasoning": "",
            "submit_now": "1",
        },
    )
    assert response.status_code == 302
    cat = db.session.scalar(select(Document))
    assert cat.number == "K1" and cat.status == "submitted" and cat.demands[0].label == "1.1"
    response = post(
        client, f"/c/{cid}/documents/new", {"kind": "resolution", "title": "", "body": "Text"}
    )
    assert response.status_code == 422 and "must not be empty" in response.get_data(as_text=True)
    edit = f"/c/{cid}/documents/{cat.id}/edit"
    assert "Mehr Lehrkräfte" in page(client, edit)
    response = post(
        client,
        edit,
        {
            "base_version_id": cat.current_version_id,
            "title": "Forderungen 2026",
            "body": "## Bildung\n\n- Mehr Lehrkräfte\n- Kleinere Klassen",
            "agenda_item": "",
        },
    )
    assert response.status_code == 302
    db.session.expire_all()
    assert cat.current_version.number == 2 and cat.title == "Forderungen 2026"
    assert [d.label for d in cat.demands] == ["1.1", "1.2"]
    other = auth.client_as(app, world, "delegate_b")
    assert other.get(edit).status_code == 403  # reads the submitted text, to co-sign, no more


def test_translation_page_and_reading_language(app, world, auth):
    cid = world.conference.id
    conferences.save_conference(
        world.staff,
        conference_id=cid,
        title="Testkonferenz",
        number=3,
        status="running",
        languages=["de", "ar"],
    )
    document = resolution(world)
    staff = auth.client_as(app, world, "staff")
    url = f"/c/{cid}/documents/{document.id}/translation"
    assert "Arabic" in page(staff, url) or "العربية" in page(staff, url)
    response = post(
        staff,
        url,
        {
            "language": "ar",
            "title": "المشاركة",
            "body": "نص القرار.",
            "version_id": document.current_version_id,
        },
    )
    assert response.status_code == 302
    reader = auth.client_as(app, world, "delegate_b")
    original = page(reader, f"/c/{cid}/documents/{document.id}")
    assert '<option value="ar"' in original and 'name="lang"' in original
    arabic = page(reader, f"/c/{cid}/documents/{document.id}?lang=ar")
    assert 'class="translated-text" lang="ar" dir="rtl"' in arabic
    assert "نص القرار." in arabic and "Outdated" not in arabic
    docs.take_over_amendment(world.moderator.person, cid, amend(world, document, {1: "X."}).id)
    assert "Outdated" in page(reader, f"/c/{cid}/documents/{document.id}?lang=ar")


def test_vote_order_page(app, world, auth):
    cid = world.conference.id
    document = resolution(world)
    amend(world, document, {3: "Ende."})
    amend(world, document, {0: "Anfang."})
    html = page(auth.client_as(app, world, "observer"), f"/c/{cid}/documents/vote-order")
    assert html.index("Ä2") < html.index("Ä1") < html.index("<strong>A1</strong>")


def test_working_group_pages(app, world, auth):
    cid = world.conference.id
    moderator = auth.client_as(app, world, "moderator")
    assert post(moderator, f"/c/{cid}/groups", {"name": "AG Jugend"}).status_code == 302
    group = docs.groups_of(cid)[0]
    url = f"/c/{cid}/groups/{group.id}"
    assert (
        post(moderator, url + "/members", {"accreditation": world.delegate.id}).status_code == 302
    )
    member = auth.client_as(app, world, "delegate")
    response = post(member, url + "/demands", {"new_section": "Freizeit", "text": "Offene Treffs"})
    assert response.status_code == 302
    assert "Offene Treffs" in page(member, url)
    outsider = auth.client_as(app, world, "delegate_b")
    assert "Offene Treffs" not in page(outsider, url)
    assert post(outsider, url + "/demands", {"section": "Freizeit", "text": "X"}).status_code == 403
    response = post(moderator, url + "/hand-over", {"number": "K5"})
    assert response.status_code == 302
    handed = db.session.scalar(select(Document).where(Document.number == "K5"))
    assert handed.status == "submitted"


def test_a_watching_moderator_is_told_when_an_amendment_is_filed(app, world, auth):
    cid = world.conference.id
    document = resolution(world)
    moderator = auth.client_as(app, world, "moderator")
    sio = socket_client(app, moderator)
    reply = sio.emit(
        "watch_documents", {"conference_id": cid, "document_id": document.id}, callback=True
    )
    assert reply["ok"] and reply["document"] == {
        "id": document.id,
        "status": "admitted",
        "version": 1,
    }
    assert [d["number"] for d in reply["documents"]] == ["A1"]
    sio.get_received()
    delegate = auth.client_as(app, world, "delegate_b")
    fields = {"base_version_id": document.current_version_id, "block-1": "Früher beteiligen."}
    assert post(delegate, f"/c/{cid}/documents/{document.id}/amend", fields).status_code == 302
    received = [(m["name"], m["args"][0]) for m in sio.get_received()]
    assert ("document_changed", {"conference_id": cid, "document_id": document.id}) in received
    assert ("documents_changed", {"conference_id": cid}) in received
    # The page the client then fetches shows the new amendment.
    assert "Früher" in page(moderator, f"/c/{cid}/documents/{document.id}?fragment=1")
    sio.disconnect()


def test_nobody_watches_a_document_they_may_not_read(app, world, auth):
    cid = world.conference.id
    draft = docs.create_document(
        world.delegate.person, cid, kind="resolution", title="Entwurf", body=TEXT
    )
    sio = socket_client(app, auth.client_as(app, world, "delegate_b"))
    reply = sio.emit(
        "watch_documents", {"conference_id": cid, "document_id": draft.id}, callback=True
    )
    assert reply["ok"] is False and reply["status"] == 404
    reply = sio.emit("watch_documents", {"conference_id": cid, "document_id": "1"}, callback=True)
    assert reply["ok"] is False
    reply = sio.emit("watch_documents", {"conference_id": cid}, callback=True)
    assert reply["ok"] and reply["documents"] == []
    sio.disconnect()
