"""A socket event's sender is read once per process until something it depends on changes."""

from __future__ import annotations

import contextlib

from sqlalchemy import event, update

from participation.extensions import db
from participation.models import Accreditation, Conference
from participation.services import conferences, directory
from participation.services.identities import IdentityCache, identity_cache
from tests.helpers import csrf_token, socket_client


@contextlib.contextmanager
def identity_reads():
    """Counts the queries that read a login session's identity."""
    reads: list[str] = []

    def note(_conn, _cursor, statement, *_args):
        if "FROM login_session JOIN person" in statement:
            reads.append(statement)

    event.listen(db.engine, "before_cursor_execute", note)
    try:
        yield reads
    finally:
        event.remove(db.engine, "before_cursor_execute", note)


def _watch(sio, world) -> dict:
    return sio.emit("watch_conference", {"conference_id": world.conference.id}, callback=True)


def test_a_phone_is_read_once_then_remembered_across_its_events(app, world, auth):
    sio = socket_client(app, auth.client_as(app, world, "delegate"))
    with identity_reads() as reads:
        for _ in range(3):
            assert _watch(sio, world)["ok"] is True
    assert len(reads) == 0  # remembered since the connect


def test_a_changed_accreditation_is_judged_at_the_next_event(app, world, auth):
    sio = socket_client(app, auth.client_as(app, world, "delegate"))
    assert _watch(sio, world)["state"]["me"]["present"] is True
    conferences.set_presence(world.staff, world.conference.id, world.delegate.id, False)
    with identity_reads() as reads:
        assert _watch(sio, world)["state"]["me"]["present"] is False
    assert len(reads) == 1


def test_a_moderator_demoted_cannot_moderate_on_the_open_socket(app, world, auth):
    sio = socket_client(app, auth.client_as(app, world, "moderator"))
    change = {"conference_id": world.conference.id, "agenda_item_id": None}
    assert sio.emit("set_current_item", change, callback=True)["ok"] is True
    conferences.save_accreditation(
        world.staff,
        world.conference.id,
        accreditation_id=world.moderator.id,
        person_id=world.moderator.person_id,
        role="observer",
    )
    refused = sio.emit("set_current_item", change, callback=True)
    assert (refused["ok"], refused["status"]) == (False, 403)
    assert _watch(sio, world)["state"]["me"]["role"] == "observer"


def test_a_write_without_the_orm_clears_it_too(app, world, auth):
    sio = socket_client(app, auth.client_as(app, world, "delegate"))
    assert _watch(sio, world)["state"]["me"]["voting_right"] is True
    db.session.execute(
        update(Accreditation)
        .where(Accreditation.id == world.delegate.id)
        .values(voting_right=False)
    )
    db.session.commit()
    assert _watch(sio, world)["state"]["me"]["voting_right"] is False


def test_a_renamed_person_or_conference_clears_it(app, world, auth):
    cache = identity_cache()
    assert cache is not None
    sio = socket_client(app, auth.client_as(app, world, "delegate"))
    assert _watch(sio, world)["ok"] is True
    assert cache.entries
    directory.save_person(world.staff, person_id=world.observer.person_id, display_name="Oli O.")
    assert not cache.entries
    assert _watch(sio, world)["ok"] is True and cache.entries
    db.session.get(Conference, world.conference.id).title = "Umbenannt"
    db.session.commit()
    assert not cache.entries


def test_a_signed_out_session_is_not_remembered(app, world, auth):
    phone = auth.client_as(app, world, "delegate")
    sio = socket_client(app, phone)
    assert _watch(sio, world)["ok"] is True
    phone.post("/logout", data={"csrf_token": csrf_token(phone, "/")})
    assert not sio.is_connected()
    again = socket_client(app, phone)  # the old cookie
    assert not again.is_connected()


def test_several_processes_read_the_sender_on_every_event(app, world, auth):
    """With a message queue a change in another process would not clear this one's memory."""
    sio = socket_client(app, auth.client_as(app, world, "delegate"))
    app.config["SOCKETIO_MESSAGE_QUEUE"] = "redis://127.0.0.1:6379/0"  # only read, not used
    try:
        assert identity_cache() is None
        with identity_reads() as reads:
            for _ in range(3):
                assert _watch(sio, world)["ok"] is True
        assert len(reads) == 3
    finally:
        app.config["SOCKETIO_MESSAGE_QUEUE"] = None


def test_requests_over_http_read_the_sender_every_time(app, world, auth):
    phone = auth.client_as(app, world, "delegate")
    with identity_reads() as reads:
        for _ in range(2):
            assert phone.get(f"/c/{world.conference.id}/live").status_code == 200
    assert len(reads) == 2


def test_a_read_that_overlapped_a_change_is_not_kept():
    cache = IdentityCache()
    before = cache.generation
    cache.clear()  # a change committed while the row was being read
    cache.keep("token", object(), before)
    assert cache.get("token") is None
    cache.keep("token", identity := object(), cache.generation)
    assert cache.get("token") is identity
