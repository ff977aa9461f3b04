"""The support phase: delegates read and co-sign submitted texts before admission, a conference
may ask for a minimum of co-signing organisations, and version notes follow the reader's language.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import func, select

from participation.extensions import db
from participation.models import AuditEntry, DocumentOrganisation
from participation.services import conferences, directory
from participation.services import documents as docs
from participation.services.errors import Conflict, Invalid, NotAllowed, NotFound
from participation.web import presenters
from tests.helpers import add_delegate, amend, build_world, csrf_token, make_app, resolution

TRANSLATIONS = Path(__file__).resolve().parent.parent / "participation" / "translations"


def page(client, url: str, status: int = 200, **headers) -> str:
    response = client.get(url, headers=headers)
    assert response.status_code == status, response.get_data(as_text=True)[-2000:]
    return response.get_data(as_text=True)


def post(client, url: str, data: dict):
    return client.post(url, data={"csrf_token": csrf_token(client, "/"), **data})


def require_supporters(world, minimum: int) -> None:
    conferences.save_conference(
        world.staff,
        conference_id=world.conference.id,
        title=world.conference.title,
        number=world.conference.number,
        status=world.conference.status,
        min_supporters=minimum,
    )


def cosigners(document) -> set[int]:
    return docs.organisation_ids(document, "cosigner")


# --- reading and co-signing before admission ----------------------------------------------------


def test_every_delegate_reads_a_submitted_text_the_public_does_not(app, world):
    cid = world.conference.id
    document = resolution(world, admit=False)
    assert docs.get_document(world.delegate_b.person, cid, document.id) is document
    assert docs.visible_documents(world.delegate_b.person, cid) == [document]
    assert docs.may_cosign(docs.viewer_for(world.delegate_b.person, cid), document)
    assert docs.get_document(world.staff, cid, document.id) is document
    for outsider in (None, world.observer.person):
        with pytest.raises(NotFound):
            docs.get_document(outsider, cid, document.id)
        assert docs.visible_documents(outsider, cid) == []


def test_a_draft_stays_with_its_organisation(app, world):
    cid = world.conference.id
    draft = docs.create_document(
        world.delegate.person, cid, kind="resolution", title="Entwurf", body="Text."
    )
    with pytest.raises(NotFound):
        docs.cosign_document(world.delegate_b.person, cid, draft.id)
    assert cosigners(draft) == set()


def test_a_delegate_co_signs_before_admission_once(app, world):
    cid = world.conference.id
    document = resolution(world, admit=False)
    docs.cosign_document(world.delegate_b.person, cid, document.id)
    docs.cosign_document(world.delegate_b.person, cid, document.id)  # a second tap
    db.session.commit()
    assert document.status == "submitted"
    assert cosigners(document) == {world.org_b.id}
    links = db.session.scalar(
        select(func.count(DocumentOrganisation.id)).where(
            DocumentOrganisation.document_id == document.id
        )
    )
    assert links == 2  # the submitter and one co-signer
    signed = db.session.scalar(
        select(func.count(AuditEntry.seq)).where(AuditEntry.action == "document.cosigned")
    )
    assert signed == 1
    assert not docs.may_cosign(docs.viewer_for(world.delegate_b.person, cid), document)
    with pytest.raises(Conflict):  # the submitters support it already
        docs.cosign_document(world.delegate.person, cid, document.id)


def test_observers_and_other_conferences_cannot_co_sign(app, world):
    cid = world.conference.id
    document = resolution(world, admit=False)
    with pytest.raises(NotFound):  # observers do not read it before admission
        docs.cosign_document(world.observer.person, cid, document.id)
    docs.admit_document(world.moderator.person, cid, document.id)
    with pytest.raises(NotAllowed):
        docs.cosign_document(world.observer.person, cid, document.id)
    other = conferences.save_conference(world.staff, title="Andere", number=8, status="running")
    gamma = directory.save_organisation(world.staff, name="Verein Gamma")
    stranger = directory.save_person(world.staff, display_name="Gio Gast")
    conferences.save_accreditation(
        world.staff, other.id, person_id=stranger.id, role="delegate", organisation_id=gamma.id
    )
    with pytest.raises(NotFound):
        docs.cosign_document(stranger, cid, document.id)
    with pytest.raises(NotFound):
        docs.cosign_document(stranger, other.id, document.id)
    loner = add_delegate(world, "Lou Ohne", None)
    with pytest.raises(Invalid):
        docs.cosign_document(loner.person, cid, document.id)
    assert cosigners(document) == set()


def test_a_co_signature_is_withdrawn_before_admission(app, world):
    cid = world.conference.id
    require_supporters(world, 1)
    document = resolution(world, admit=False)
    docs.cosign_document(world.delegate_b.person, cid, document.id)
    viewer = docs.viewer_for(world.delegate_b.person, cid)
    assert docs.may_withdraw_cosignature(viewer, document)
    docs.withdraw_cosignature(world.delegate_b.person, cid, document.id)
    docs.withdraw_cosignature(world.delegate_b.person, cid, document.id)  # a second tap
    assert cosigners(document) == set() and docs.missing_supporters(document) == 1
    with pytest.raises(Conflict):
        docs.admit_document(world.moderator.person, cid, document.id)
    with pytest.raises(Conflict):  # the submitters withdraw the text, not a co-signature
        docs.withdraw_cosignature(world.delegate.person, cid, document.id)
    with pytest.raises(NotFound):
        docs.withdraw_cosignature(world.observer.person, cid, document.id)
    docs.cosign_document(world.delegate_b.person, cid, document.id)
    docs.admit_document(world.moderator.person, cid, document.id)
    assert not docs.may_withdraw_cosignature(viewer, document)
    with pytest.raises(Conflict):
        docs.withdraw_cosignature(world.delegate_b.person, cid, document.id)
    assert cosigners(document) == {world.org_b.id}
    actions = db.session.scalars(
        select(AuditEntry.action).where(AuditEntry.action.like("document.cosign%"))
    ).all()
    assert actions == ["document.cosigned", "document.cosignature_withdrawn", "document.cosigned"]


# --- the minimum before admission ----------------------------------------------------------------


def test_admission_waits_for_the_minimum_of_co_signers(app, world):
    cid = world.conference.id
    gamma = directory.save_organisation(world.staff, name="Verein Gamma")
    delegate_c = add_delegate(world, "Cem Delegate", gamma)
    require_supporters(world, 2)
    document = resolution(world, admit=False)
    assert docs.missing_supporters(document) == 2
    with pytest.raises(Conflict) as refused:
        docs.admit_document(world.moderator.person, cid, document.id)
    assert "2" in refused.value.message and document.number in refused.value.message
    docs.cosign_document(world.delegate_b.person, cid, document.id)
    with pytest.raises(Conflict) as refused:
        docs.admit_document(world.moderator.person, cid, document.id)
    assert "1" in refused.value.message
    assert document.status == "submitted" and document.admitted_at is None
    docs.cosign_document(delegate_c.person, cid, document.id)
    assert docs.missing_supporters(document) == 0
    docs.admit_document(world.moderator.person, cid, document.id)
    assert document.status == "admitted"


def test_without_a_minimum_admission_needs_no_co_signer(app, world):
    document = resolution(world, admit=False)
    assert world.conference.min_supporters == 0
    docs.admit_document(world.moderator.person, world.conference.id, document.id)
    assert document.status == "admitted"


def test_the_minimum_is_a_whole_number_in_range(app, world):
    for wrong in (-1, 101, "3"):
        with pytest.raises(Invalid):
            require_supporters(world, wrong)
    assert world.conference.min_supporters == 0


# --- pages ----------------------------------------------------------------------------------------


def test_another_organisation_co_signs_on_the_submitted_page(app, world, auth):
    cid = world.conference.id
    document = resolution(world, admit=False)
    db.session.commit()
    url = f"/c/{cid}/documents/{document.id}"
    other = auth.client_as(app, world, "delegate_b")
    html = page(other, url, **{"Accept-Language": "en"})
    assert "Teilhabe stärken" in html and "Co-sign for my organisation" in html
    assert post(other, url + "/cosign", {}).status_code == 302
    assert post(other, url + "/cosign", {}).status_code == 302  # a second tap
    html = page(other, url, **{"Accept-Language": "en"})
    assert "Co-sign for my organisation" not in html and "Verein Beta" in html
    assert "Withdraw my organisation's co-signature" in html
    assert cosigners(document) == {world.org_b.id}
    assert post(other, url + "/cosign/withdraw", {}).status_code == 302
    db.session.expire_all()
    assert cosigners(document) == set()
    assert "Co-sign for my organisation" in page(other, url, **{"Accept-Language": "en"})
    page(auth.client_as(app, world, "observer"), url, 404)
    public = app.test_client()
    assert public.get(url).status_code == 302  # to the sign-in page
    page(public, f"/c/{cid}/texts/{document.number}", 404)
    page(public, f"/api/v1/conferences/{cid}/documents/{document.id}", 404)


def test_the_moderator_sees_the_supporters_and_the_refusal(app, world, auth):
    cid = world.conference.id
    require_supporters(world, 2)
    document = resolution(world, admit=False)
    docs.cosign_document(world.delegate_b.person, cid, document.id)
    db.session.commit()
    url = f"/c/{cid}/documents/{document.id}"
    moderator = auth.client_as(app, world, "moderator")
    html = page(moderator, url, **{"Accept-Language": "en"})
    assert "1 organisation co-signs" in html and "2 needed before admission" in html
    assert "<li>Verein Beta</li>" in html
    assert "1 more co-signing organisation is needed" in html
    refused = post(moderator, url + "/status", {"to": "admitted"})
    assert refused.status_code == 409
    assert "needs 1 more co-signing organisation" in refused.get_data(as_text=True)
    delegate = page(auth.client_as(app, world, "delegate_b"), url, **{"Accept-Language": "en"})
    assert "1 organisation co-signs" not in delegate  # the count and list are the moderator's
    assert "1 more co-signing organisation is needed" in delegate


def test_the_minimum_is_set_on_the_conference_page(app, world, auth):
    cid = world.conference.id
    staff = auth.client_as(app, world, "staff")
    url = f"/admin/c/{cid}"
    assert 'name="min_supporters"' in page(staff, url)
    fields = {
        "title": "Testkonferenz",
        "number": "3",
        "status": "running",
        "languages": "de",
        "line_width": "80",
        "min_supporters": "3",
    }
    assert post(staff, url, fields).status_code == 302
    db.session.refresh(world.conference)
    assert world.conference.min_supporters == 3


# --- version notes in the reader's language -------------------------------------------------------


@pytest.fixture
def translated_app(tmp_path):
    """The app with the project's catalogues (the other tests read the English msgids)."""
    app = make_app(tmp_path, BABEL_TRANSLATION_DIRECTORIES=str(TRANSLATIONS))
    with app.app_context():
        yield app
        db.session.remove()
        db.engine.dispose()


def test_version_notes_follow_the_readers_language(translated_app, auth):
    app = translated_app
    world = build_world()
    cid = world.conference.id
    document = resolution(world)
    change = amend(world, document, {1: "Ein besserer Satz."})
    docs.start_vote("amendment", change.id, world.moderator.person)
    docs.apply_vote_result("amendment", change.id, True, world.moderator.person)
    docs.edit_document(
        world.staff,
        cid,
        document.id,
        base_version_id=document.current_version_id,
        title=document.title,
        body=document.current_version.body + "\n\nNoch ein Absatz.",
        note="Absatz ergänzt",
    )
    db.session.commit()
    assert [v.note for v in document.versions] == [
        "submitted",
        f"{change.number} adopted",
        "Absatz ergänzt",
    ]
    url = f"/c/{cid}/documents/{document.id}"
    reader = auth.client_as(app, world, "delegate_b")
    german = page(reader, url, **{"Accept-Language": "de"})
    assert f"{change.number} angenommen" in german and "· eingereicht" in german
    assert f"{change.number} adopted" not in german and "Absatz ergänzt" in german
    english = page(auth.client_as(app, world, "delegate"), url, **{"Accept-Language": "en"})
    assert f"{change.number} adopted" in english and "· submitted" in english
    compare = page(reader, url + "/compare", **{"Accept-Language": "de"})
    assert f"{change.number} angenommen" in compare


def test_version_notes_written_by_the_platform_are_translated(translated_app):
    with translated_app.test_request_context(headers={"Accept-Language": "de"}):
        assert presenters.version_note("draft") == "Entwurf"
        assert presenters.version_note("Ä2 taken over") == "Ä2 übernommen"
        assert presenters.version_note("1.3 rejected") == "1.3 abgelehnt"
        assert presenters.version_note("Tippfehler korrigiert") == "Tippfehler korrigiert"
