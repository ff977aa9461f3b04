"""A socket event's sender is read once per process until something it depends on changes."""

from __future__ import annotations

import contextlib
import os
import threading
import time
import uuid

import pytest
from sqlalchemy import event, update

from participation.extensions import db
from participation.models import Accreditation, Conference
from participation.services import conferences, directory
from participation.services.identities import IdentityCache, SharedGeneration, identity_cache
from tests.helpers import csrf_token, socket_client

REDIS = os.environ.get("TEST_REDIS_URL")
needs_redis = pytest.mark.skipif(not REDIS, reason="needs TEST_REDIS_URL; .ci/run sets it")


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


def _reads_in_three_events(app, sio, world, queue: str) -> int:
    """How often three events read their sender, the app configured with message queue
    ``queue`` (only read, not used: no manager is made for it)."""
    app.config["SOCKETIO_MESSAGE_QUEUE"] = queue
    try:
        with identity_reads() as reads:
            for _ in range(3):
                assert _watch(sio, world)["ok"] is True
        return len(reads)
    finally:
        app.config["SOCKETIO_MESSAGE_QUEUE"] = None


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


def test_with_a_message_queue_other_than_redis_the_sender_is_read_on_every_event(app, world, auth):
    """Without Redis the processes share no generation: a change elsewhere would go unheard."""
    sio = socket_client(app, auth.client_as(app, world, "delegate"))
    kafka = "kafka://127.0.0.1:9092"
    app.config["SOCKETIO_MESSAGE_QUEUE"] = kafka
    try:
        assert identity_cache() is None
    finally:
        app.config["SOCKETIO_MESSAGE_QUEUE"] = None
    assert _reads_in_three_events(app, sio, world, kafka) == 3


@pytest.fixture
def on_redis(app):
    """The app as one of several processes on Redis (the queue's address is only read for the
    shared generation; no manager uses it), under a generation key of its own."""
    import redis

    key = f"test-identities-{uuid.uuid4().hex}"
    app.config.update(SOCKETIO_MESSAGE_QUEUE=REDIS, IDENTITY_GENERATION_KEY=key)
    store = redis.Redis.from_url(REDIS)
    yield lambda: store.get(key), lambda value: store.set(key, value)
    store.delete(key)
    store.close()
    app.config["SOCKETIO_MESSAGE_QUEUE"] = None


@needs_redis
def test_several_processes_remember_the_sender_until_a_change_is_announced(
    app, world, auth, on_redis
):
    _read, announce = on_redis
    sio = socket_client(app, auth.client_as(app, world, "delegate"))
    with identity_reads() as reads:
        for _ in range(3):
            assert _watch(sio, world)["ok"] is True
    assert len(reads) == 0  # remembered since the connect
    announce("changed-by-another-process")
    with identity_reads() as reads:
        for _ in range(3):
            assert _watch(sio, world)["ok"] is True
    assert len(reads) == 1


@needs_redis
def test_a_change_committed_here_is_announced_before_it_is_answered(app, world, auth, on_redis):
    read, _announce = on_redis
    sio = socket_client(app, auth.client_as(app, world, "delegate"))
    assert _watch(sio, world)["state"]["me"]["present"] is True
    before = read()
    conferences.set_presence(world.staff, world.conference.id, world.delegate.id, False)
    assert read() != before
    with identity_reads() as reads:
        assert _watch(sio, world)["state"]["me"]["present"] is False
    assert len(reads) == 1
    directory.save_person(world.staff, person_id=world.observer.person_id, display_name="Oli O.")
    assert read() not in (before, None)


def test_when_redis_does_not_answer_the_sender_is_read_afresh(app, world, auth, caplog):
    sio = socket_client(app, auth.client_as(app, world, "delegate"))
    nothing_listens = "redis://127.0.0.1:1/0"
    assert _reads_in_three_events(app, sio, world, nothing_listens) == 3
    complaints = [r for r in caplog.records if "identity generation" in r.getMessage()]
    assert len(complaints) == 1 and complaints[0].exc_info is None  # once, no traceback


@needs_redis
def test_the_generation_is_read_after_each_caller_asked_and_shared_by_those_waiting():
    """A caller never trusts a lookup sent before it asked; callers that asked while one was in
    flight share the next."""
    shared = SharedGeneration(REDIS, f"test-identities-{uuid.uuid4().hex}")
    shared._redis.set(shared.key, "old")
    real_get = shared._redis.get
    sent: list[str] = []
    left = threading.Event()

    def slow_get(key):
        value = real_get(key)
        sent.append(value.decode())
        left.set()
        time.sleep(0.3)  # the value changes while this answer is on its way
        return value

    shared._redis.get = slow_get
    first: list[str | None] = []
    early = threading.Thread(target=lambda: first.append(shared.current()))
    early.start()
    left.wait(5)
    shared._redis.set(shared.key, "new")  # announced after the first lookup left
    later: list[str | None] = []
    callers = [threading.Thread(target=lambda: later.append(shared.current())) for _ in range(8)]
    for caller in callers:
        caller.start()
    for thread in (early, *callers):
        thread.join(10)
    shared._redis.delete(shared.key)
    assert first == ["old"]
    assert later == ["new"] * 8
    assert sent == ["old", "new"]  # the eight shared one lookup


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
