"""Socket.IO connections are authenticated at connect and receive the full state."""

from __future__ import annotations

from participation.services import conferences
from tests.helpers import csrf_token, socket_client


def test_signed_in_phone_connects_and_gets_the_state(app, world, auth):
    phone = app.test_client()
    auth.join(phone, world.codes[world.delegate.id])
    sio = socket_client(app, phone)
    assert sio.is_connected()
    reply = sio.emit("watch_conference", {"conference_id": world.conference.id}, callback=True)
    assert reply["ok"] is True
    assert reply["state"]["conference"]["id"] == world.conference.id
    assert reply["state"]["me"]["voting_right"] is True
    assert "presence" not in reply["state"]  # moderators only


def test_anonymous_sockets_are_refused(app, world):
    sio = socket_client(app, app.test_client())
    assert not sio.is_connected()


def test_malformed_payloads_get_an_error_ack(app, world, auth):
    phone = app.test_client()
    auth.join(phone, world.codes[world.delegate.id])
    sio = socket_client(app, phone)
    for payload in (None, "x", {"conference_id": "1"}, {"conference_id": 999}, {}):
        reply = sio.emit("watch_conference", payload, callback=True)
        assert reply["ok"] is False, payload


def test_a_delegate_cannot_watch_another_conference(app, world, auth):
    other = conferences.save_conference(world.staff, title="Andere", number=9)
    phone = app.test_client()
    auth.join(phone, world.codes[world.delegate.id])
    sio = socket_client(app, phone)
    reply = sio.emit("watch_conference", {"conference_id": other.id}, callback=True)
    assert reply == {"ok": False, "status": 403, "error": reply["error"]}


def test_moderators_receive_live_presence(app, world, auth):
    desk = app.test_client()
    auth.sign_in_staff(desk)
    sio = socket_client(app, desk)
    sio.emit("watch_conference", {"conference_id": world.conference.id}, callback=True)
    sio.get_received()
    conferences.set_presence(world.staff, world.conference.id, world.delegate.id, False)
    events = [e for e in sio.get_received() if e["name"] == "presence"]
    assert events and events[-1]["args"][0]["present"] == 1


def test_signing_out_disconnects_open_sockets(app, world, auth):
    phone = app.test_client()
    auth.join(phone, world.codes[world.delegate.id])
    sio = socket_client(app, phone)
    assert sio.is_connected()
    phone.post("/logout", data={"csrf_token": csrf_token(phone, "/")})
    assert not sio.is_connected()
