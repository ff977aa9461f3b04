"""Small things the hall notices: the icon, the way back from an error, the live page without
JavaScript, language names, and a final vote that waits for its amendments."""

from __future__ import annotations

import pytest

from participation.extensions import db
from participation.models import Poll
from participation.services import conferences, documents, room, voting
from participation.services.errors import Conflict
from tests.helpers import amend, resolution


def test_the_icon_is_served(client):
    with client.get("/favicon.ico") as response:
        assert response.status_code == 200
        assert response.mimetype == "image/vnd.microsoft.icon"
        assert response.data[:4] == b"\x00\x00\x01\x00"  # an ICO file's header
    html = client.get("/").get_data(as_text=True)
    assert 'rel="icon" href="/static/favicon.svg"' in html
    with client.get("/static/favicon.svg") as svg:
        assert svg.status_code == 200 and b"<svg" in svg.data


def test_an_error_leads_back_to_the_page_one_came_from(client, world):
    came_from = f"http://localhost/c/{world.conference.id}"
    html = client.get(
        f"/c/{world.conference.id}/votes/999", headers={"Referer": came_from}
    ).get_data(as_text=True)
    assert f'<a href="{came_from}">Back to the previous page</a>' in html


def test_an_error_leads_to_the_conference_not_to_another_site(client, world):
    response = client.get(
        f"/c/{world.conference.id}/votes/999", headers={"Referer": "https://example.com/x"}
    )
    assert response.status_code == 404
    html = response.get_data(as_text=True)
    assert "example.com" not in html
    assert f'<a href="/c/{world.conference.id}">Back to the conference</a>' in html
    elsewhere = client.get("/no/such/page").get_data(as_text=True)
    assert '<a href="/">Back to the start page</a>' in elsewhere


def test_the_live_page_shows_the_current_item_without_a_script(app, world, auth):
    item = conferences.save_agenda_item(
        world.staff, world.conference.id, number="TOP 4", title="Anträge"
    )
    room.set_current_agenda_item(world.moderator.person, world.conference.id, item.id)
    phone = auth.client_as(app, world, "delegate")
    html = phone.get(f"/c/{world.conference.id}/live").get_data(as_text=True)
    assert 'aria-live="polite" dir="auto">TOP 4 Anträge</p>' in html
    assert 'class=" current" aria-current="true"' in html
    # "Connecting …" is for the script to show; without one the page never connects.
    assert 'id="connection" class="connection" role="status" data-state="connecting" hidden' in html


def test_the_conference_form_names_languages_in_the_readers_language(app, world, auth):
    staff = auth.client_as(app, world, "staff")
    staff.environ_base["HTTP_ACCEPT_LANGUAGE"] = "de"
    html = staff.get(f"/admin/c/{world.conference.id}").get_data(as_text=True)
    assert '<option value="ar">Arabisch</option>' in html
    assert '<option value="fa">Persisch</option>' in html
    staff.environ_base["HTTP_ACCEPT_LANGUAGE"] = "tr"
    html = staff.get(f"/admin/c/{world.conference.id}").get_data(as_text=True)
    assert 'value="de">Almanca</option>' in html


def test_the_final_vote_waits_until_every_amendment_is_decided(app, world):
    moderator = world.moderator.person
    cid = world.conference.id
    document = resolution(world)
    first = amend(world, document, {1: "Ein neuer erster Absatz."})
    second = amend(world, document, {2: "Ein neuer zweiter Absatz."})
    poll = voting.create_poll(moderator, cid, target_kind="document", target_id=document.id)
    with pytest.raises(Conflict) as refused:
        voting.open_poll(moderator, cid, poll.id)
    message = refused.value.message
    assert f"{first.number} (admitted)" in message
    assert f"{second.number} (admitted)" in message
    db.session.expire_all()
    assert db.session.get(Poll, poll.id).state == "draft"
    assert document.status == "admitted"
    for amendment in (first, second):
        documents.withdraw_amendment(moderator, cid, amendment.id)
    assert voting.open_poll(moderator, cid, poll.id).state == "open"
