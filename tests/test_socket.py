"""Socket.IO connections are authenticated at connect and receive the full state."""

from __future__ import annotations

import gc
import logging
import uuid

import pytest
from flask.ctx import RequestContext

from participation.services import conferences, voting
from tests.helpers import csrf_token, opened, socket_client, stored


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


def test_a_connection_reads_its_session_cookie_once(app, world, auth, monkeypatch):
    """Every event is judged by the session the connection started with, whose cookie is
    verified at the connect and not again for each event."""
    from flask.sessions import SecureCookieSessionInterface

    opened_with_cookie = []
    verify = SecureCookieSessionInterface.open_session

    def counted(self, app, request):
        opened_with_cookie.append(request.path)
        return verify(self, app, request)

    monkeypatch.setattr(SecureCookieSessionInterface, "open_session", counted)
    phone = app.test_client()
    auth.join(phone, world.codes[world.delegate.id])
    opened_with_cookie.clear()
    sio = socket_client(app, phone)
    assert sio.is_connected()
    for _ in range(3):
        reply = sio.emit("watch_conference", {"conference_id": world.conference.id}, callback=True)
        assert reply["ok"] is True
        assert reply["state"]["me"]["voting_right"] is True
    assert len(opened_with_cookie) == 1
    # The signed-in browser's pages still read the cookie on every request.
    phone.get(f"/c/{world.conference.id}")
    assert len(opened_with_cookie) == 2


def test_a_connection_and_its_events_leave_no_request_in_a_reference_cycle(app, world, auth):
    """Reference counting frees each event's request context at once: a hall's burst or
    reconnect storm does not pile up garbage for the cyclic collector."""
    phone = app.test_client()
    auth.join(phone, world.codes[world.delegate.id])
    gc.collect()
    gc.set_debug(gc.DEBUG_SAVEALL)
    try:
        sio = socket_client(app, phone)
        for _ in range(3):
            reply = sio.emit(
                "watch_conference", {"conference_id": world.conference.id}, callback=True
            )
            assert reply["ok"] is True
        sio.disconnect()
        gc.collect()
        in_cycles = [found for found in gc.garbage if isinstance(found, RequestContext)]
    finally:
        gc.set_debug(0)
        gc.garbage.clear()
    assert in_cycles == []
    # A page that no route matches is still answered as one.
    assert phone.get("/no-such-page").status_code == 404


def test_socket_events_are_judged_by_the_request_loader_alone(app, world, auth, monkeypatch):
    """No session-protection hash, remember-me cookie or signal per event: the principal
    comes from the request loader (pages still go through all of Flask-Login)."""
    from participation.extensions import login_manager

    hashed = []
    identifier = login_manager._session_identifier_generator
    monkeypatch.setattr(
        login_manager,
        "_session_identifier_generator",
        lambda: hashed.append(1) or identifier(),
    )
    phone = app.test_client()
    auth.join(phone, world.codes[world.delegate.id])
    sio = socket_client(app, phone)
    hashed.clear()
    for _ in range(3):
        reply = sio.emit("watch_conference", {"conference_id": world.conference.id}, callback=True)
        assert reply["ok"] is True and reply["state"]["me"]["voting_right"] is True
    assert hashed == []
    phone.get(f"/c/{world.conference.id}")
    assert hashed == [1]


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


# --- what a hostile or broken client sends -------------------------------------------------------


def _no_errors_logged(caplog) -> None:
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR or r.exc_info]


def test_a_payload_that_is_not_one_object_is_answered_400(app, world, auth, caplog):
    sio = socket_client(app, auth.client_as(app, world, "delegate"))
    cid = world.conference.id
    for args in ((), (None,), ("x",), (7,), ([cid],), ({"conference_id": cid}, "extra")):
        reply = sio.emit("watch_conference", *args, callback=True)
        assert reply == {"ok": False, "status": 400, "error": "Send a JSON object."}, args
    _no_errors_logged(caplog)


def test_a_payload_off_its_shape_names_each_wrong_field(app, world, auth):
    sio = socket_client(app, auth.client_as(app, world, "moderator"))
    reply = sio.emit(
        "speakers_reorder",
        {"conference_id": world.conference.id, "agenda_item_id": True, "order": [1, "2"], "x": 1},
        callback=True,
    )
    assert reply["ok"] is False and reply["status"] == 422
    assert reply["errors"] == {
        "agenda_item_id": "Must be a whole number.",
        "order.1": "Must be a whole number.",
        "x": "This key is not expected here.",
    }
    too_long = {"conference_id": world.conference.id, "agenda_item_id": 1, "order": [1] * 2001}
    assert sio.emit("speakers_reorder", too_long, callback=True)["errors"] == {
        "order": "Too long: at most 2000."
    }


@pytest.mark.parametrize(
    "choice",
    [
        [[[["yes"]]]],
        {"vote": ["yes"]},
        {"vote": "yes", "also": "no"},
        {"votes": {"1": {"deeper": "yes"}}},
        "yes" * 100,
        list(range(1, 102)),
        None,
        True,
    ],
)
def test_a_ballot_choice_off_every_form_is_refused_before_the_ballot_box(app, world, auth, choice):
    poll = opened(world)
    sio = socket_client(app, auth.client_as(app, world, "delegate"))
    payload = {
        "conference_id": world.conference.id,
        "poll_id": poll.id,
        "choice": choice,
        "submission_id": uuid.uuid4().hex,
    }
    reply = sio.emit("cast_ballot", payload, callback=True)
    assert reply["ok"] is False and reply["status"] == 422
    assert list(reply["errors"]) == ["choice"]
    assert stored(poll.id) == (0, 0, 0, 0)
    assert sio.emit("cast_ballot", {**payload, "choice": {"vote": "yes"}}, callback=True)["ok"]


def test_json_nested_a_hundred_thousand_deep_is_answered_not_crashed(app, world, auth, caplog):
    sio = socket_client(app, auth.client_as(app, world, "delegate"))
    deep = "[" * 100_000 + "]" * 100_000
    reply = sio.emit_text(f'["watch_conference",{deep}]')
    assert reply == {"ok": False, "status": 400, "error": "The request nests too deeply."}
    # Seventeen levels of payload are too many as well, without any recursion to run out of.
    nested = {"conference_id": world.conference.id}
    for _ in range(17):
        nested = {"x": nested}
    assert sio.emit("watch_conference", nested, callback=True)["status"] == 400
    assert sio.emit("watch_conference", {"conference_id": world.conference.id}, callback=True)["ok"]
    _no_errors_logged(caplog)


@pytest.mark.parametrize(
    ("data", "error"),
    [
        ('["watch_conference",{"conference_id":', "The request is not valid JSON."),
        ('["watch_conference",{"conference_id":NaN}]', "The request is not valid JSON."),
        (
            '["watch_conference",{"conference_id":1' + "0" * 5000 + "}]",
            "A number in the request is too long.",
        ),
        ('{"conference_id":1}', "The request could not be understood."),
        ("[1,2]", "The request could not be understood."),
        ("", "The request could not be understood."),
    ],
)
def test_a_packet_that_cannot_be_decoded_is_answered(app, world, auth, caplog, data, error):
    sio = socket_client(app, auth.client_as(app, world, "delegate"))
    assert sio.emit_text(data) == {"ok": False, "status": 400, "error": error}
    assert sio.is_connected()
    _no_errors_logged(caplog)


def test_an_event_without_a_handler_is_answered(app, world, auth):
    sio = socket_client(app, auth.client_as(app, world, "delegate"))
    reply = sio.emit("drop_tables", {"conference_id": world.conference.id}, callback=True)
    assert reply == {"ok": False, "status": 404, "error": "Unknown action."}


def test_an_unexpected_failure_is_answered_500_and_logged_once(
    app, world, auth, caplog, monkeypatch
):
    def broken(*args, **kwargs):
        raise RuntimeError("a bug")

    monkeypatch.setattr(voting, "voting_state", broken)
    sio = socket_client(app, auth.client_as(app, world, "delegate"))
    reply = sio.emit("poll_state", {"conference_id": world.conference.id}, callback=True)
    assert reply == {
        "ok": False,
        "status": 500,
        "error": "Something went wrong on our side. Please try again.",
    }
    logged = [r for r in caplog.records if r.levelno >= logging.ERROR or r.exc_info]
    assert len(logged) == 1 and "poll_state" in logged[0].getMessage()
    assert logged[0].exc_info[0] is RuntimeError


def test_an_error_acknowledgement_names_only_the_first_wrong_fields(app, world, auth):
    sio = socket_client(app, auth.client_as(app, world, "delegate"))
    payload = {
        "conference_id": world.conference.id,
        **{f"{n:05d}" + "k" * 500: n for n in range(5000)},
    }
    reply = sio.emit("watch_conference", payload, callback=True)
    assert reply["status"] == 422 and len(reply["errors"]) == 20
    assert all(len(name) <= 80 for name in reply["errors"])


def test_an_event_named_like_the_connection_handlers_does_not_reach_them(app, world, auth):
    """A forged ``disconnect`` event would untrack the socket, which would then outlive the
    end of its session."""
    phone = auth.client_as(app, world, "delegate")
    sio = socket_client(app, phone)
    for name in ("disconnect", "connect"):
        assert sio.emit(name, {}, callback=True) == {
            "ok": False,
            "status": 404,
            "error": "Unknown action.",
        }
    phone.post("/logout", data={"csrf_token": csrf_token(phone, "/")})
    assert not sio.is_connected()
