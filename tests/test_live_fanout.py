"""What a hall's screens get with the events themselves, so that none has to ask at once.

A closed poll's result comes drawn in each screen's language; an agenda change carries the
agenda; the full state's part that is the same for everyone is read once per change.
"""

from __future__ import annotations

import threading
import time

import pytest
from babel import localedata
from sqlalchemy import event, text

from participation import events
from participation.extensions import db
from participation.realtime import rooms, state
from participation.services import audit, conferences, voting
from tests.helpers import ROOT, build_world, make_app, socket_client

TRANSLATIONS = ROOT / "participation" / "translations"


@pytest.fixture
def translated(tmp_path):
    app = make_app(tmp_path, BABEL_TRANSLATION_DIRECTORIES=str(TRANSLATIONS))
    with app.app_context():
        yield app, build_world()
        db.session.remove()
        db.engine.dispose()


def _screen(app, auth, world, who, locale=None):
    """A phone of ``who`` (a world accreditation's name) following the conference."""
    accreditation = getattr(world, who)
    if locale:
        accreditation.person.locale = locale
        db.session.commit()
    client = auth.joined_client(app, world.codes[accreditation.id])
    sio = socket_client(app, client)
    assert sio.emit("watch_conference", {"conference_id": world.conference.id}, callback=True)["ok"]
    sio.get_received()
    return client, sio


def _named(sio, name):
    return [e["args"][0] for e in sio.get_received() if e["name"] == name]


def _cast(sio, world, poll_id, vote):
    reply = sio.emit(
        "cast_ballot",
        {
            "conference_id": world.conference.id,
            "poll_id": poll_id,
            "choice": {"vote": vote},
            "submission_id": f"fanout-{vote}-{poll_id}",
        },
        callback=True,
    )
    assert reply["ok"], reply


def test_a_result_reaches_every_screen_drawn_in_its_own_language(translated, auth):
    app, world = translated
    cid = world.conference.id
    german_client, german = _screen(app, auth, world, "delegate", "de")
    english_client, english = _screen(app, auth, world, "delegate_b", "en")
    projector = socket_client(app, auth.client_as(app, world, "moderator"))
    assert projector.emit("watch_projector", {"conference_id": cid}, callback=True)["ok"]
    poll = voting.create_poll(world.moderator.person, cid, title="Schluss der Debatte")
    voting.open_poll(world.moderator.person, cid, poll.id)
    _cast(german, world, poll.id, "yes")
    _cast(english, world, poll.id, "yes")

    voting.close_poll(world.moderator.person, cid, poll.id)

    (seen_in_german,) = _named(german, "poll_closed")
    (seen_in_english,) = _named(english, "poll_closed")
    (on_the_projector,) = _named(projector, "poll_closed")
    assert seen_in_german["result"]["outcome"] == seen_in_english["result"]["outcome"] == "adopted"
    assert "Angenommen" in seen_in_german["result_html"]
    assert "Adopted" in seen_in_english["result_html"]
    # The same block a screen would have fetched, in that screen's language.
    partial = f"/c/{cid}/votes/{poll.id}?partial=result"
    assert seen_in_german["result_html"] == german_client.get(partial).get_data(as_text=True)
    assert seen_in_english["result_html"] == english_client.get(partial).get_data(as_text=True)
    # The projector shows the chain's head with the result, without asking for it.
    assert on_the_projector["audit_head"] == audit.audit_head()
    assert f'data-poll-id="{poll.id}"' in on_the_projector["result_html"]


def test_an_opened_poll_brings_what_it_decides_drawn_in_each_language(translated, auth):
    app, world = translated
    cid = world.conference.id
    german_client, german = _screen(app, auth, world, "delegate", "de")
    english_client, english = _screen(app, auth, world, "delegate_b", "en")
    poll = voting.create_poll(world.moderator.person, cid, title="Schluss der Debatte")

    voting.open_poll(world.moderator.person, cid, poll.id)

    (in_german,) = _named(german, "poll_opened")
    (in_english,) = _named(english, "poll_opened")
    subject = f"/c/{cid}/polls/{poll.id}/subject"
    assert in_german["subject_html"] == german_client.get(subject).get_data(as_text=True)
    assert in_english["subject_html"] == english_client.get(subject).get_data(as_text=True)
    assert "Einfache Mehrheit" in in_german["subject_html"]
    assert "Simple majority" in in_english["subject_html"]


def test_a_language_nobody_follows_in_is_not_drawn(translated, auth, monkeypatch):
    app, world = translated
    cid = world.conference.id
    _client, german = _screen(app, auth, world, "delegate", "de")
    drawn = []
    original = rooms._drawn

    def noted(app, event, conference_id, locale):
        drawn.append(locale)
        return original(app, event, conference_id, locale)

    monkeypatch.setattr(rooms, "_drawn", noted)
    poll = voting.create_poll(world.moderator.person, cid, title="Vertagung")
    voting.open_poll(world.moderator.person, cid, poll.id)
    voting.cancel_poll(world.moderator.person, cid, poll.id)
    assert drawn == ["de", "de"]  # the opening and the cancelling
    (cancelled,) = _named(german, "poll_closed")
    assert cancelled["state"] == "cancelled" and "Abgebrochen" in cancelled["result_html"]


def test_an_agenda_change_carries_what_the_screens_show(app, world, auth):
    _client, phone = _screen(app, auth, world, "delegate")
    item = conferences.save_agenda_item(
        world.staff, world.conference.id, number="TOP 9", title="Verschiedenes"
    )
    received = {e["name"]: e["args"][0] for e in phone.get_received()}
    agenda = received["agenda_changed"]["agenda"]
    assert {"id": item.id, "number": "TOP 9", "title": "Verschiedenes", "parent_id": None} in agenda
    assert "room" in received  # the current item may have been renamed or removed
    # The same agenda a phone connecting now receives.
    reply = phone.emit("watch_conference", {"conference_id": world.conference.id}, callback=True)
    assert reply["state"]["agenda"] == agenda


def _statements(app):
    """The statements run from now on, and how to stop noting them."""
    counted: list[str] = []
    listener = lambda _conn, _cursor, statement, *_args: counted.append(statement)  # noqa: E731
    event.listen(db.engine, "before_cursor_execute", listener)
    return counted, lambda: event.remove(db.engine, "before_cursor_execute", listener)


def test_the_shared_state_is_read_once_until_something_changes(app, world, auth):
    cid = world.conference.id
    _c, first = _screen(app, auth, world, "delegate")
    _c, second = _screen(app, auth, world, "delegate_b")
    poll = voting.create_poll(world.moderator.person, cid, title="Redezeit")
    voting.open_poll(world.moderator.person, cid, poll.id)
    counted, stop = _statements(app)
    try:
        reply = second.emit("watch_conference", {"conference_id": cid}, callback=True)
        renewed = len(counted)
        counted.clear()
        again = first.emit("watch_conference", {"conference_id": cid}, callback=True)
        kept = len(counted)
    finally:
        stop()
    # Opening the poll was an event of the conference: the next screen sees the open poll,
    # each with its own votes.
    assert reply["state"]["voting"]["poll"]["id"] == poll.id
    assert reply["state"]["voting"]["my_votes"][0]["voter_id"] == world.delegate_b.id
    assert again["state"]["voting"]["poll"] == reply["state"]["voting"]["poll"]
    assert again["state"]["voting"]["my_votes"][0]["voter_id"] == world.delegate.id
    # The first screen after the change read the shared part; the next one only its own.
    assert kept < renewed


def test_a_phone_coming_back_to_an_open_poll_reads_only_its_own_votes(app, world, auth):
    """A reconnect storm costs each phone one query: the shared state and the phone's
    identity (with its voting right) are kept, and neither the open poll nor the phone's
    accreditation is read again."""
    cid = world.conference.id
    poll = voting.create_poll(world.moderator.person, cid, title="Redezeit")
    voting.open_poll(world.moderator.person, cid, poll.id)
    _c, delegate = _screen(app, auth, world, "delegate")
    _c, observer = _screen(app, auth, world, "observer")
    delegate.emit("watch_conference", {"conference_id": cid}, callback=True)  # since the join
    read: dict[str, list[str]] = {}
    for name, phone in (("delegate", delegate), ("observer", observer)):
        read[name], stop = _statements(app)
        try:
            reply = phone.emit("watch_conference", {"conference_id": cid}, callback=True)
        finally:
            stop()
        assert reply["state"]["voting"]["poll"]["id"] == poll.id
    assert [s.split("FROM")[1].split()[0] for s in read["delegate"]] == ["poll_voter"]
    assert [s.split("FROM")[1].split()[0] for s in read["observer"]] == ["poll_voter"]


def test_a_phone_connects_without_a_transaction_and_leaves_none_behind(any_db_app, auth):
    """On PostgreSQL a connect's reads stand alone (no BEGIN, no rollback: two round trips
    fewer per phone); its connection goes back to the pool in the usual mode, so the next
    write is one transaction again."""
    world = build_world()
    cid = world.conference.id
    client = auth.client_as(any_db_app, world, "delegate")
    modes: list[bool | None] = []

    def note(conn, *_args):
        modes.append(getattr(conn.connection.dbapi_connection, "autocommit", None))

    event.listen(db.engine, "before_cursor_execute", note)
    try:
        phone = socket_client(any_db_app, client, auth={"conference_id": cid})
        connected = list(modes)
        modes.clear()
        conferences.set_presence(world.staff, cid, world.delegate.id, False)
        written = list(modes)
    finally:
        event.remove(db.engine, "before_cursor_execute", note)
    sent = [m for m in phone.get_received() if m["name"] == "conference_state"]
    assert sent and sent[0]["args"][0]["state"]["me"]["role"] == "delegate"
    if db.engine.dialect.name == "postgresql":
        assert connected and all(mode is True for mode in connected)
    assert written and not any(written)


def test_a_state_read_while_an_event_arrives_is_not_kept(app, world, monkeypatch):
    shared = state.SharedStates()
    cid = world.conference.id
    real = state.shared_state

    def read_while_the_agenda_changes(conference_id):
        read = real(conference_id)
        shared.changed(events.Event("agenda_changed", f"conference:{conference_id}"))
        return read

    monkeypatch.setattr(state, "shared_state", read_while_the_agenda_changes)
    shared.get(cid)
    monkeypatch.setattr(state, "shared_state", real)
    conferences.save_agenda_item(world.staff, cid, number="TOP 9", title="Neu")
    assert "TOP 9" in [entry["number"] for entry in shared.get(cid)["agenda"]]


def test_readers_asking_while_the_shared_state_is_read_wait_for_that_reading(app, monkeypatch):
    """A hall reconnecting at once (a reader waiting for PostgreSQL meanwhile) reads the
    shared state once; everyone gets the same, and those waiting hold no database connection
    the reader might need."""
    waiting = []

    class Watched(threading.Event):
        def wait(self, timeout=None):
            waiting.append(1)
            return super().wait(timeout)

    class Reading(state._Reading):
        def __init__(self, generation):
            super().__init__(generation)
            self.done = Watched()

    reads, held_while_waiting = [], []

    def read(conference_id):
        reads.append(conference_id)
        deadline = time.monotonic() + 10
        while len(waiting) < 4 and time.monotonic() < deadline:
            time.sleep(0.01)  # until the other four are waiting for this reading
        held_while_waiting.append(db.engine.pool.checkedout())
        return {"conference": conference_id}

    monkeypatch.setattr(state, "_Reading", Reading)
    monkeypatch.setattr(state, "shared_state", read)
    states = state.SharedStates()
    got = []

    def reader(first: bool):
        with app.app_context():
            if not first:
                db.session.execute(text("SELECT 1"))  # a connection, as an event's has
            got.append(states.get(7))
            db.session.remove()

    first = threading.Thread(target=reader, args=(True,))
    first.start()
    while not reads:
        time.sleep(0.01)
    others = [threading.Thread(target=reader, args=(False,)) for _ in range(4)]
    for thread in others:
        thread.start()
    for thread in [first, *others]:
        thread.join()
    assert reads == [7]
    assert len(got) == 5 and all(one is got[0] for one in got)
    assert held_while_waiting == [0]


def test_events_for_one_person_keep_the_shared_state(app, world):
    shared = state.SharedStates()
    cid = world.conference.id
    before = shared.get(cid)
    shared.changed(events.Event("vote_recorded", f"user:{world.delegate.person_id}"))
    shared.changed(events.Event("poll_turnout", f"moderators:{cid}"))
    assert shared.get(cid) is before
    shared.changed(events.Event("room", f"conference:{cid}"))
    assert shared.get(cid) is not before
    after = shared.get(cid)
    shared.changed(events.Event("something_new", f"document:{cid}"))  # not sure whose: all
    assert shared.get(cid) is not after


def test_a_closed_connection_leaves_every_room_and_nothing_else(app, world, auth):
    from participation.extensions import socketio

    cid = world.conference.id
    _c, staying = _screen(app, auth, world, "delegate")
    _c, leaving = _screen(app, auth, world, "delegate_b")
    manager = socketio.server.manager
    sid = manager.sid_from_eio_sid(leaving.eio_sid, "/")
    joined = {room for room, members in manager.rooms["/"].items() if sid in members}
    assert {f"conference:{cid}", f"conference:{cid}:de", sid, None} <= joined
    assert sorted(manager._rooms_of[("/", sid)], key=str) == sorted(joined, key=str)

    leaving.disconnect()

    assert not [room for room, members in manager.rooms["/"].items() if sid in members]
    assert ("/", sid) not in manager._rooms_of
    conferences.save_agenda_item(world.staff, cid, number="TOP 9", title="Neu")
    assert [e for e in staying.get_received() if e["name"] == "agenda_changed"]


def _connected_with(app, auth, world, who, credentials):
    client = auth.joined_client(app, world.codes[getattr(world, who).id])
    sio = socket_client(app, client, auth=credentials)
    assert sio.is_connected()
    return {e["name"]: e["args"][0] for e in sio.get_received()}


def test_a_page_naming_its_conference_gets_the_full_state_with_the_connection(app, world, auth):
    cid = world.conference.id
    received = _connected_with(app, auth, world, "delegate", {"conference_id": cid})
    reply = received["conference_state"]
    assert reply["ok"] and reply["state"]["conference"]["id"] == cid
    assert reply["state"]["me"]["role"] == "delegate"
    # The same as asking for it; and the connection follows the conference from then on.
    _c, asked = _screen(app, auth, world, "delegate")
    assert reply == asked.emit("watch_conference", {"conference_id": cid}, callback=True)


@pytest.mark.parametrize(
    ("credentials", "status"),
    [
        ({"conference_id": "eins"}, 422),
        ({"conference_id": 1, "extra": True}, 422),
        (["conference_id"], 400),
    ],
)
def test_a_wrong_connect_payload_is_answered_and_the_connection_stays(
    app, world, auth, credentials, status
):
    received = _connected_with(app, auth, world, "delegate", credentials)
    reply = received["conference_state"]
    assert reply["ok"] is False and reply["status"] == status and reply["error"]


def test_a_conference_one_is_not_accredited_to_sends_no_state(app, world, auth):
    other = conferences.save_conference(world.staff, title="Andere Konferenz", number=99)
    received = _connected_with(app, auth, world, "delegate", {"conference_id": other.id})
    assert received["conference_state"]["ok"] is False
    assert received["conference_state"]["status"] == 403


def test_a_result_that_cannot_be_drawn_still_reaches_every_screen(app, world, auth, monkeypatch):
    cid = world.conference.id
    _client, phone = _screen(app, auth, world, "delegate")

    def broken(*_args):
        raise RuntimeError("a template that fails")

    monkeypatch.setattr(rooms, "_drawn", broken)
    poll = voting.create_poll(world.moderator.person, cid, title="Vertagung")
    voting.open_poll(world.moderator.person, cid, poll.id)
    voting.cancel_poll(world.moderator.person, cid, poll.id)

    received = phone.get_received()
    (opened,) = [e["args"][0] for e in received if e["name"] == "poll_opened"]
    (closed,) = [e["args"][0] for e in received if e["name"] == "poll_closed"]
    assert opened["id"] == closed["id"] == poll.id and closed["state"] == "cancelled"
    assert "subject_html" not in opened and "result_html" not in closed  # the pages fetch them


def test_a_prepared_server_draws_the_opening_and_the_result_without_compiling(
    translated, auth, monkeypatch
):
    app, world = translated
    cid = world.conference.id
    _client, phone = _screen(app, auth, world, "delegate", "en")
    rooms.prepare_drawing(app)
    compiled: list[str | None] = []
    compile_template = app.jinja_env.compile

    def compile_and_note(source, name=None, *args, **kwargs):
        compiled.append(name)
        return compile_template(source, name, *args, **kwargs)

    monkeypatch.setattr(app.jinja_env, "compile", compile_and_note)
    poll = voting.create_poll(world.moderator.person, cid, title="Schluss der Debatte")
    voting.open_poll(world.moderator.person, cid, poll.id)
    _cast(phone, world, poll.id, "yes")
    voting.close_poll(world.moderator.person, cid, poll.id)

    received = phone.get_received()
    (opened,) = [e["args"][0] for e in received if e["name"] == "poll_opened"]
    (closed,) = [e["args"][0] for e in received if e["name"] == "poll_closed"]
    assert opened["subject_html"] and "Adopted" in closed["result_html"]
    assert compiled == []


def test_a_language_is_read_when_its_first_reader_follows_not_when_a_result_is_drawn(
    translated, auth, monkeypatch
):
    """A server holds the formats of the languages its halls read, and reads each one before
    a result has to be drawn in it."""
    app, world = translated
    cid = world.conference.id
    monkeypatch.setattr(localedata, "_cache", {})
    monkeypatch.setattr(rooms, "_LANGUAGES_READ", set())
    rooms.prepare_drawing(app)
    assert "de" in localedata._cache and "uk" not in localedata._cache

    _client, phone = _screen(app, auth, world, "delegate", "uk")
    assert "uk" in localedata._cache
    read_before_the_close = set(localedata._cache)
    poll = voting.create_poll(world.moderator.person, cid, title="Schluss der Debatte")
    voting.open_poll(world.moderator.person, cid, poll.id)
    _cast(phone, world, poll.id, "yes")
    voting.close_poll(world.moderator.person, cid, poll.id)

    (closed,) = _named(phone, "poll_closed")
    assert closed["result_html"]
    assert set(localedata._cache) == read_before_the_close
    assert not {"fa", "ar", "tr", "ru"} & set(localedata._cache)
