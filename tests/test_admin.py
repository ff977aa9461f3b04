"""Admin pages: organisations, people, conferences, agenda, accreditations, desk and slips."""

from __future__ import annotations

import re

from sqlalchemy import func, select

from participation.extensions import db
from participation.models import Accreditation, AgendaItem, Conference, Organisation
from participation.services import conferences
from tests.helpers import csrf_token


def _post(client, path, data):
    return client.post(path, data={**data, "csrf_token": csrf_token(client, path)})


def test_staff_create_an_organisation(app, world, auth):
    client = auth.staff_client(app)
    response = _post(
        client,
        "/admin/organisations",
        {"name": "Kulturbrücke Hamm", "short_name": "KBH", "town": "Hamm", "active": "y"},
    )
    assert response.status_code == 302
    assert db.session.scalar(select(Organisation).where(Organisation.name == "Kulturbrücke Hamm"))


def test_duplicate_organisation_is_refused_clearly(app, world, auth):
    client = auth.staff_client(app)
    response = _post(client, "/admin/organisations", {"name": "Verein Alpha"})
    assert response.status_code == 422
    assert "Verein Alpha" in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count()).select_from(Organisation)) == 2


def test_post_without_csrf_token_is_refused_and_changes_nothing(app, world, auth):
    client = auth.staff_client(app)
    response = client.post("/admin/organisations", data={"name": "Ohne Token"})
    assert response.status_code == 400
    assert db.session.scalar(select(Organisation).where(Organisation.name == "Ohne Token")) is None


def test_a_delegate_opening_an_admin_page_is_refused(app, world, auth):
    phone = app.test_client()
    auth.join(phone, world.codes[world.delegate.id])
    for path in (
        "/admin/",
        "/admin/organisations",
        f"/admin/c/{world.conference.id}/checkin",
        f"/admin/c/{world.conference.id}/accreditations",
    ):
        response = phone.get(path)
        assert response.status_code == 403, path
        assert "not allowed" in response.get_data(as_text=True) or "nicht" in response.get_data(
            as_text=True
        )
    response = phone.post(
        "/admin/organisations", data={"name": "Sneaky", "csrf_token": csrf_token(phone, "/")}
    )
    assert response.status_code == 403
    assert db.session.scalar(select(Organisation).where(Organisation.name == "Sneaky")) is None


def test_staff_create_a_conference_with_agenda(app, world, auth):
    client = auth.staff_client(app)
    response = _post(
        client,
        "/admin/conferences",
        {
            "title": "5. Netzwerkkonferenz",
            "number": "5",
            "starts_on": "2027-05-08",
            "ends_on": "2027-05-08",
            "venue": "Rathaus",
            "status": "planned",
            "languages": ["de", "ar"],
            "line_width": "80",
        },
    )
    assert response.status_code == 302
    conference = db.session.scalar(select(Conference).where(Conference.number == 5))
    assert conference.languages == ["de", "ar"]
    path = f"/admin/c/{conference.id}/agenda"
    assert (
        _post(client, path, {"number": "TOP 1", "title": "Begrüßung", "parent_id": "0"}).status_code
        == 302
    )
    parent = db.session.scalar(select(AgendaItem).where(AgendaItem.number == "TOP 1"))
    assert (
        _post(
            client, path, {"number": "TOP 1.1", "title": "Grußwort", "parent_id": str(parent.id)}
        ).status_code
        == 302
    )
    child = db.session.scalar(select(AgendaItem).where(AgendaItem.number == "TOP 1.1"))
    # Only one level of sub-items.
    response = _post(
        client, path, {"number": "TOP 1.1.1", "title": "Zu tief", "parent_id": str(child.id)}
    )
    assert response.status_code == 422
    duplicate = _post(client, path, {"number": "TOP 1", "title": "Nochmal", "parent_id": "0"})
    assert duplicate.status_code == 422


def test_end_before_start_is_refused(app, world, auth):
    client = auth.staff_client(app)
    response = _post(
        client,
        "/admin/conferences",
        {
            "title": "Falsch",
            "number": "6",
            "starts_on": "2027-05-08",
            "ends_on": "2027-05-01",
            "status": "planned",
            "languages": ["de"],
            "line_width": "80",
        },
    )
    assert response.status_code == 422
    assert db.session.scalar(select(Conference).where(Conference.title == "Falsch")) is None


def test_accredit_a_new_person(app, world, auth):
    client = auth.staff_client(app)
    path = f"/admin/c/{world.conference.id}/accreditations"
    response = _post(
        client,
        path,
        {
            "person_id": "0",
            "new_person_name": "Neu Delegierte",
            "role": "delegate",
            "organisation_id": str(world.org_a.id),
            "voting_right": "y",
            "vote_weight": "2",
        },
    )
    assert response.status_code == 302
    acc = db.session.scalar(select(Accreditation).where(Accreditation.vote_weight == 2))
    assert acc.person.display_name == "Neu Delegierte" and acc.voting_right


def test_observers_cannot_get_a_voting_right(app, world, auth):
    client = auth.staff_client(app)
    path = f"/admin/c/{world.conference.id}/accreditations/{world.observer.id}"
    _post(
        client,
        path,
        {"role": "observer", "organisation_id": "0", "voting_right": "y", "vote_weight": "1"},
    )
    db.session.refresh(world.observer)
    assert world.observer.voting_right is False


def test_check_in_by_code_and_live_count(app, world, auth):
    conferences.set_presence(world.staff, world.conference.id, world.delegate.id, False)
    client = auth.staff_client(app)
    path = f"/admin/c/{world.conference.id}/checkin"
    assert "1 of 2" in client.get(path).get_data(as_text=True) or "1 von 2" in client.get(
        path
    ).get_data(as_text=True)
    typed = world.codes[world.delegate.id].lower()
    assert _post(client, path, {"code": typed}).status_code == 302
    db.session.refresh(world.delegate)
    assert world.delegate.present
    assert _post(client, path, {"code": "AAAA-BBBB-CCCC-DDDD-EEEE-FFFF-GG"}).status_code == 422


def test_moderators_run_the_desk_but_not_the_accreditations(app, world, auth):
    client = app.test_client()
    auth.join(client, world.codes[world.moderator.id])
    assert client.get(f"/admin/c/{world.conference.id}/checkin").status_code == 200
    assert client.get(f"/admin/c/{world.conference.id}/accreditations").status_code == 403


def test_slips_issue_fresh_codes_with_qr_codes(app, world, auth):
    client = auth.staff_client(app)
    path = f"/admin/c/{world.conference.id}/slips"
    response = _post(client, path, {"accreditations": [str(world.delegate.id)]})
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "<svg" in html and "Dana Delegate" in html
    assert html.count("<svg") == 1
    # The old code stopped working; the printed one works.
    assert app.test_client().get(f"/join/{world.codes[world.delegate.id]}").status_code == 404
    printed = re.search(r'class="code">([0-9A-Z-]+)<', html).group(1)
    auth.join(app.test_client(), printed)


def test_objects_of_another_conference_are_not_reachable(app, world, auth):
    other = conferences.save_conference(world.staff, title="Andere", number=8)
    client = auth.staff_client(app)
    response = client.get(f"/admin/c/{other.id}/accreditations/{world.delegate.id}")
    assert response.status_code == 404
