"""Small things the hall notices: the icon, the way back from an error, the live page without
JavaScript, language names, and a final vote that waits for its amendments."""

from __future__ import annotations

import re

import pytest

from participation.extensions import db
from participation.models import Poll
from participation.services import conferences, directory, documents, room, voting
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


def test_the_check_in_list_is_searched_without_a_script(app, world, auth):
    desk = auth.client_as(app, world, "moderator")
    path = f"/admin/c/{world.conference.id}/checkin"
    everyone = desk.get(path).get_data(as_text=True)
    assert 'role="search"' in everyone and 'name="q"' in everyone
    assert everyone.count("<tr data-search=") == 4
    assert "<tr data-search=" in everyone and " hidden>" not in everyone
    found = desk.get(path + "?q=bo+delegate").get_data(as_text=True)
    shown = [row for row in found.split("<tr data-search=")[1:] if " hidden>" not in row[:200]]
    assert len(shown) == 1 and "Bo Delegate" in shown[0]
    assert "1 of 4 shown" in found
    by_organisation = desk.get(path + "?q=ALPHA").get_data(as_text=True)
    shown = [r for r in by_organisation.split("<tr data-search=")[1:] if " hidden>" not in r[:200]]
    assert len(shown) == 1 and "Dana Delegate" in shown[0]


def test_many_co_signers_fold_away_behind_and_n_more(app, world, auth):
    cid = world.conference.id
    document = resolution(world)
    for number in range(1, 8):
        organisation = directory.save_organisation(world.staff, name=f"Verein {number:02d}")
        documents.cosign_document(world.moderator.person, cid, document.id, organisation.id)
    phone = auth.client_as(app, world, "observer")
    response = phone.get(f"/c/{cid}/documents/{document.id}")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    names = re.search(r'<div class="document-by names-list">(.*?)</div>', html, re.S)
    assert names, html[:300]
    text = " ".join(names.group(1).split())
    assert "Verein 01, Verein 02, Verein 03, Verein 04" in text
    assert "<summary>and 3 more</summary>Verein 05, Verein 06, Verein 07</details>" in text
