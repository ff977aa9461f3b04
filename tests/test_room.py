"""The room: current agenda item, projector and speakers lists, through the socket events."""

from __future__ import annotations

import pytest

from participation.extensions import db
from participation.services import conferences, room
from participation.services.errors import Conflict, NotAllowed
from tests.helpers import socket_client


@pytest.fixture
def item(world):
    return conferences.save_agenda_item(
        world.staff, world.conference.id, number="TOP 4", title="Anträge"
    )


def _socket(auth, app, code=None):
    client = app.test_client()
    if code:
        auth.join(client, code)
    else:
        auth.sign_in_staff(client)
    sio = socket_client(app, client)
    reply = sio.emit("watch_conference", {"conference_id": 1}, callback=True)
    assert reply["ok"], reply
    return sio, reply["state"]


def _last(sio, name):
    events = [e["args"][0] for e in sio.get_received() if e["name"] == name]
    return events[-1] if events else None


def test_setting_the_current_item_moves_every_phone(app, world, item, auth):
    phone, state = _socket(auth, app, world.codes[world.delegate.id])
    assert state["room"]["current_agenda_item"] is None
    console, _ = _socket(auth, app)
    assert console.emit(
        "set_current_item", {"conference_id": 1, "agenda_item_id": item.id}, callback=True
    ) == {"ok": True}
    pushed = _last(phone, "room")
    assert pushed["current_agenda_item"]["number"] == "TOP 4"
    # A reconnecting phone gets the same state.
    _again, state = _socket(auth, app, world.codes[world.delegate.id])
    assert state["room"]["current_agenda_item"]["id"] == item.id
    assert state["speakers"]["agenda_item_id"] == item.id


def test_delegates_cannot_move_the_room(app, world, item, auth):
    phone, _ = _socket(auth, app, world.codes[world.delegate.id])
    reply = phone.emit(
        "set_current_item", {"conference_id": 1, "agenda_item_id": item.id}, callback=True
    )
    assert reply["ok"] is False and reply["status"] == 403
    assert room.room_state(1).current_agenda_item_id is None


def test_a_double_tap_asks_to_speak_once(app, world, item, auth):
    phone, _ = _socket(auth, app, world.codes[world.delegate.id])
    payload = {"conference_id": 1, "agenda_item_id": item.id}
    first = phone.emit("request_to_speak", payload, callback=True)
    second = phone.emit("request_to_speak", payload, callback=True)
    assert first["request_id"] == second["request_id"]
    assert len(room.speakers_list(item)["waiting"]) == 1


def test_point_of_order_jumps_the_queue_and_next_gives_the_floor(app, world, item):
    a = db.session.get(type(world.delegate), world.delegate.id)
    room.request_to_speak(a, item.id)
    room.request_to_speak(world.delegate_b, item.id)
    room.request_to_speak(world.delegate_b, item.id, kind="point_of_order")
    names = [(w["name"], w["kind"]) for w in room.speakers_list(item)["waiting"]]
    assert names == [
        ("Bo Delegate", "point_of_order"),
        ("Dana Delegate", "speech"),
        ("Bo Delegate", "speech"),
    ]
    room.call_next(world.staff, 1, item.id)
    listing = room.speakers_list(item)
    assert listing["current"]["kind"] == "point_of_order"
    room.call_next(world.staff, 1, item.id)
    assert room.speakers_list(item)["current"]["name"] == "Dana Delegate"
    assert len(room.speakers_list(item)["waiting"]) == 1


def test_closed_list_takes_no_speeches_but_moderators_can_add(app, world, item):
    room.set_list_closed(world.staff, 1, item.id, True)
    with pytest.raises(Conflict):
        room.request_to_speak(world.delegate, item.id)
    room.request_to_speak(world.delegate, item.id, kind="point_of_order")
    room.add_speaker(world.staff, 1, item.id, world.delegate_b.id)
    assert len(room.speakers_list(item)["waiting"]) == 2


def test_observers_cannot_ask_to_speak(app, world, item):
    with pytest.raises(NotAllowed):
        room.request_to_speak(world.observer, item.id)


def test_only_the_requester_withdraws(app, world, item):
    request = room.request_to_speak(world.delegate, item.id)
    with pytest.raises(NotAllowed):
        room.withdraw_request(world.delegate_b, request.id)
    room.withdraw_request(world.delegate, request.id)
    assert room.speakers_list(item)["waiting"] == []


def test_reorder_needs_the_current_list(app, world, item):
    first = room.request_to_speak(world.delegate, item.id)
    second = room.request_to_speak(world.delegate_b, item.id)
    with pytest.raises(Conflict):
        room.reorder_speakers(world.staff, 1, item.id, [second.id])
    room.reorder_speakers(world.staff, 1, item.id, [second.id, first.id])
    assert [w["id"] for w in room.speakers_list(item)["waiting"]] == [second.id, first.id]


def test_first_time_speakers_go_first_on_an_alternating_list(app, world, item):
    conference = world.conference
    conference.settings = {"speakers_alternation": "first_time"}
    db.session.commit()
    room.request_to_speak(world.delegate, item.id)
    room.call_next(world.staff, 1, item.id)  # Dana has spoken now
    room.stop_speaker(world.staff, 1, item.id)
    room.request_to_speak(world.delegate, item.id)
    room.request_to_speak(world.delegate_b, item.id)
    names = [w["name"] for w in room.speakers_list(item)["waiting"]]
    assert names == ["Bo Delegate", "Dana Delegate"]


def test_projector_settings_are_validated(app, world, auth):
    console, _ = _socket(auth, app)
    bad = console.emit("set_projector", {"conference_id": 1, "view": "fireworks"}, callback=True)
    assert bad["ok"] is False and bad["status"] == 422
    good = console.emit(
        "set_projector", {"conference_id": 1, "view": "speakers", "theme": "light"}, callback=True
    )
    assert good["ok"] is True
    assert room.room_state(1).projector_view == "speakers"
