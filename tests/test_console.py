"""The moderators' console and the speakers lists' settings: speaking time, order, points of
order; where the console is linked and who may change what."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from participation.extensions import db
from participation.models import AuditEntry, Poll
from participation.services import conferences, room, speakers_settings
from participation.services.errors import Invalid, NotAllowed
from tests.helpers import add_delegate, amend, csrf_token, resolution, socket_client


@pytest.fixture
def item(world):
    return conferences.save_agenda_item(
        world.staff, world.conference.id, number="TOP 4", title="Anträge"
    )


def _post(client, url, data=None, prefix=""):
    """Post a form; the console's settings forms prefix every field, their token too."""
    token = csrf_token(client, "/")
    return client.post(url, data={f"{prefix}csrf_token": token, **(data or {})})


# --- speaking time --------------------------------------------------------------------------


def test_the_default_speaking_time_is_three_minutes(app, world, item):
    assert room.speakers_list(item)["speaking_time"] == 180


def test_the_conference_speaking_time_reaches_every_countdown(app, world, item, auth):
    phone = socket_client(app, auth.client_as(app, world, "delegate"))
    phone.emit("watch_conference", {"conference_id": world.conference.id}, callback=True)
    room.set_current_agenda_item(world.staff, world.conference.id, item.id)
    speakers_settings.set_conference_speakers_settings(
        world.moderator.person, world.conference.id, speaking_time=90, alternation="none"
    )
    pushed = [e["args"][0] for e in phone.get_received() if e["name"] == "speakers"]
    assert pushed[-1]["speaking_time"] == 90
    assert room.speakers_list(item)["speaking_time"] == 90


def test_an_item_keeps_its_own_speaking_time_until_it_is_cleared(app, world, item):
    cid = world.conference.id
    speakers_settings.set_conference_speakers_settings(
        world.staff, cid, speaking_time=120, alternation="none"
    )
    speakers_settings.set_item_speakers_settings(
        world.moderator.person, cid, item.id, speaking_time=300, alternation=None
    )
    assert room.speakers_list(item)["speaking_time"] == 300
    speakers_settings.set_item_speakers_settings(
        world.staff, cid, item.id, speaking_time=None, alternation=None
    )
    assert room.speakers_list(item)["speaking_time"] == 120


@pytest.mark.parametrize("seconds", [0, 5, 3601, -60, True])
def test_a_speaking_time_out_of_range_changes_nothing(app, world, item, seconds):
    with pytest.raises(Invalid):
        speakers_settings.set_item_speakers_settings(
            world.staff, world.conference.id, item.id, speaking_time=seconds, alternation=None
        )
    db.session.refresh(item)
    assert item.speaking_time is None


def test_delegates_cannot_change_the_settings(app, world, item):
    with pytest.raises(NotAllowed):
        speakers_settings.set_conference_speakers_settings(
            world.delegate.person, world.conference.id, speaking_time=600, alternation="none"
        )
    with pytest.raises(NotAllowed):
        speakers_settings.set_item_speakers_settings(
            world.delegate.person, world.conference.id, item.id, speaking_time=600, alternation=None
        )
    assert room.speakers_list(item)["speaking_time"] == 180


def test_settings_leave_an_audit_entry(app, world, item):
    speakers_settings.set_item_speakers_settings(
        world.staff, world.conference.id, item.id, speaking_time=240, alternation="first_time"
    )
    entry = db.session.scalars(
        select(AuditEntry).where(AuditEntry.action == "speakers.settings")
    ).one()
    assert entry.subject == f"agenda_item:{item.id}"


# --- order of the list ----------------------------------------------------------------------


def test_points_of_order_go_first_and_say_so(app, world, item):
    room.request_to_speak(world.delegate, item.id)
    point = room.request_to_speak(world.delegate_b, item.id, kind="point_of_order")
    waiting = room.speakers_list(item)["waiting"]
    assert [(w["id"], w["kind"]) for w in waiting][0] == (point.id, "point_of_order")
    called = room.call_next(world.staff, world.conference.id, item.id)
    assert called.id == point.id
    assert room.speakers_list(item)["current"]["kind"] == "point_of_order"


def test_a_point_of_order_is_taken_on_a_closed_list(app, world, item):
    room.set_list_closed(world.staff, world.conference.id, item.id, True)
    point = room.request_to_speak(world.delegate, item.id, kind="point_of_order")
    assert room.speakers_list(item)["waiting"][0]["id"] == point.id


def test_an_alternating_item_takes_turns_between_priority_and_open_places(app, world, item):
    cid = world.conference.id
    speakers_settings.set_item_speakers_settings(
        world.staff, cid, item.id, speaking_time=None, alternation="self_declared"
    )
    third = add_delegate(world, "Cem Delegate", world.org_a)
    room.request_to_speak(world.delegate_b, item.id)  # open place
    room.request_to_speak(third, item.id)  # open place
    room.request_to_speak(world.delegate, item.id, priority=True)
    listed = room.speakers_list(item)
    assert listed["alternation"] == "self_declared"
    assert [w["name"] for w in listed["waiting"]] == [
        "Dana Delegate",
        "Bo Delegate",
        "Cem Delegate",
    ]


def test_an_item_in_the_order_of_asking_ignores_declared_priority(app, world, item):
    cid = world.conference.id
    speakers_settings.set_conference_speakers_settings(
        world.staff, cid, speaking_time=180, alternation="self_declared"
    )
    speakers_settings.set_item_speakers_settings(
        world.staff, cid, item.id, speaking_time=None, alternation="none"
    )
    room.request_to_speak(world.delegate_b, item.id)
    room.request_to_speak(world.delegate, item.id, priority=True)
    names = [w["name"] for w in room.speakers_list(item)["waiting"]]
    assert names == ["Bo Delegate", "Dana Delegate"]


def test_an_unknown_order_is_refused(app, world, item):
    with pytest.raises(Invalid):
        speakers_settings.set_conference_speakers_settings(
            world.staff, world.conference.id, speaking_time=180, alternation="lottery"
        )


# --- the console's pages --------------------------------------------------------------------


@pytest.mark.parametrize("who", ["moderator", "staff"])
def test_moderators_find_the_console_everywhere(app, world, auth, who):
    cid = world.conference.id
    client = auth.client_as(app, world, who)
    pages = [f"/c/{cid}/live", f"/c/{cid}/polls"]
    if who == "staff":
        pages += ["/admin/", f"/admin/c/{cid}"]
    for path in pages:
        html = client.get(path).get_data(as_text=True)
        assert f'href="/c/{cid}/console"' in html, path


@pytest.mark.parametrize("who", ["delegate", "observer"])
def test_delegates_see_no_console_link(app, world, auth, who):
    cid = world.conference.id
    client = auth.client_as(app, world, who)
    html = client.get(f"/c/{cid}/live").get_data(as_text=True)
    assert "/console" not in html
    assert client.get(f"/c/{cid}/console").status_code == 403


def test_the_console_holds_the_desk_the_voting_order_and_the_settings(app, world, auth, item):
    cid = world.conference.id
    document = resolution(world)
    document.agenda_item_id = item.id
    db.session.commit()
    html = auth.client_as(app, world, "moderator").get(f"/c/{cid}/console").get_data(as_text=True)
    for part in (
        'id="poll-live"',
        'id="new-poll"',
        'id="console-vote-order"',
        'class="primary open-next-vote"',
        'id="conference-speakers-settings"',
        'id="projector-form"',
        'id="presence"',
    ):
        assert part in html, part


def test_the_settings_forms_save_and_refuse(app, world, auth, item):
    cid = world.conference.id
    mod = auth.client_as(app, world, "moderator")
    response = _post(
        mod,
        f"/c/{cid}/console/speakers-settings",
        {"speakers-speaking_time": "2:30", "speakers-alternation": "first_time"},
        prefix="speakers-",
    )
    assert response.status_code == 302 and response.location.endswith(f"/c/{cid}/console")
    db.session.expire_all()
    assert room.speakers_list(item)["speaking_time"] == 150
    assert room.speakers_list(item)["alternation"] == "first_time"
    response = _post(
        mod,
        f"/c/{cid}/console/items/{item.id}/speakers-settings",
        {f"item-{item.id}-speaking_time": "soon", f"item-{item.id}-alternation": ""},
        prefix=f"item-{item.id}-",
    )
    assert response.status_code == 302
    assert "minutes:seconds" in mod.get(f"/c/{cid}/console").get_data(as_text=True)
    db.session.expire_all()
    assert room.speakers_list(item)["speaking_time"] == 150
    without_token = mod.post(
        f"/c/{cid}/console/speakers-settings", data={"speakers-speaking_time": "9:00"}
    )
    assert without_token.status_code in (302, 400)
    db.session.expire_all()
    assert room.speakers_list(item)["speaking_time"] == 150


def test_the_next_vote_opens_from_the_voting_order(app, world, auth, item):
    cid = world.conference.id
    document = resolution(world)
    document.agenda_item_id = item.id
    db.session.commit()
    change = amend(world, document, {0: "Ein geänderter Absatz."})
    mod = auth.client_as(app, world, "moderator")
    room.set_current_agenda_item(world.staff, cid, item.id)
    html = mod.get(f"/c/{cid}/console").get_data(as_text=True)
    assert f'name="target" value="amendment:{change.id}"' in html
    response = _post(mod, f"/c/{cid}/console/votes/next", {"target": f"amendment:{change.id}"})
    assert response.status_code == 302
    poll = db.session.scalars(select(Poll)).one()
    assert (poll.state, poll.amendment_id, poll.agenda_item_id) == ("open", change.id, item.id)
    # While it is in the vote, nothing else is offered as the next vote, nor opened.
    assert "open-next-vote" not in mod.get(f"/c/{cid}/console").get_data(as_text=True)
    _post(mod, f"/c/{cid}/console/votes/next", {"target": f"document:{document.id}"})
    assert db.session.scalars(select(Poll)).all() == [poll]


def test_the_next_vote_refuses_what_is_not_in_the_voting_order(app, world, auth, item):
    cid = world.conference.id
    mod = auth.client_as(app, world, "moderator")
    for target in ("amendment:999", "document:x", "", "fireworks:1"):
        response = _post(mod, f"/c/{cid}/console/votes/next", {"target": target})
        assert response.status_code == 302
    assert db.session.scalars(select(Poll)).all() == []


def test_the_poll_desk_returns_to_the_console(app, world, auth):
    cid = world.conference.id
    mod = auth.client_as(app, world, "moderator")
    response = _post(
        mod,
        f"/c/{cid}/console/polls",
        {
            "target": "question",
            "title": "Schluss der Debatte",
            "majority": "simple",
            "quorum_kind": "none",
            "method": "approval",
        },
    )
    assert response.status_code == 302 and response.location.endswith(f"/c/{cid}/console")
    poll = db.session.scalars(select(Poll)).one()
    response = _post(mod, f"/c/{cid}/polls/{poll.id}/open?back=console")
    assert response.location.endswith(f"/c/{cid}/console")
    response = _post(mod, f"/c/{cid}/polls/{poll.id}/close?back=elsewhere")
    assert response.location.endswith(f"/c/{cid}/polls")


def test_a_refused_new_poll_stays_on_the_console_with_its_errors(app, world, auth):
    cid = world.conference.id
    mod = auth.client_as(app, world, "moderator")
    fields = {"target": "question", "title": "", "majority": "simple", "quorum_kind": "none"}
    response = _post(mod, f"/c/{cid}/console/polls", fields)
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert 'id="speakers-item"' in page  # the console, not the poll desk
    assert re.search(r'<details class="console-secondary" id="new-poll"\s+open', page)
    assert db.session.scalars(select(Poll)).all() == []
    delegate = auth.client_as(app, world, "delegate")
    assert _post(delegate, f"/c/{cid}/console/polls", fields).status_code in (403, 404)
