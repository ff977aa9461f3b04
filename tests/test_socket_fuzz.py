"""Every socket event, sent anything at all by an observer, a delegate and a moderator.

Payloads are arbitrary JSON (huge and negative numbers, booleans, floats, nested lists and
objects, long and odd texts, null, things that are not objects) mixed with nearly valid ones:
the event's own keys, each with a value that fits or one that does not. Whatever is sent,
the event is answered with an acknowledgement, nothing is logged as an error, and a refused
event changes nothing. Then the packet's text itself: broken JSON, brackets thousands deep and
numbers longer than any id after an event's name are answered too.
"""

from __future__ import annotations

import json
import logging

import hypothesis
import pytest
from hypothesis import strategies as st
from sqlalchemy import func, select

from participation.extensions import db
from participation.models import Ballot, Poll, PollParticipation, SpeakerRequest
from participation.realtime.handlers import EVENT_ACCESS, EVENT_SHAPES
from participation.services import audit, conferences, room
from tests.helpers import opened, socket_client

#: Examples per role; three roles in all.
EXAMPLES = 150

SETTINGS = hypothesis.settings(
    max_examples=EXAMPLES,
    deadline=None,
    database=None,
    derandomize=True,
    suppress_health_check=list(hypothesis.HealthCheck),
)

#: Numbers a client may send in place of an id.
ODD_NUMBERS = st.sampled_from(
    [0, -1, 2**31 - 1, 2**31, 2**53 + 1, 2**63, 2**64, -(2**63), 10**30, 10**99, 10**150]
)
TEXTS = st.one_of(
    st.text(max_size=30),
    st.text(st.characters(codec=None, exclude_categories=()), max_size=30),
    st.builds(lambda char, n: char * n, st.characters(), st.integers(0, 70_000)),
)
SCALARS = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    ODD_NUMBERS,
    st.floats(allow_nan=False, allow_infinity=False),
    TEXTS,
)
#: Any JSON value, nesting up to some twenty levels.
ANY_JSON = st.recursive(
    SCALARS,
    lambda inner: st.one_of(
        st.lists(inner, max_size=4), st.dictionaries(st.text(max_size=12), inner, max_size=4)
    ),
    max_leaves=25,
)


def deeply_nested(value):
    return st.integers(10, 40).map(lambda depth: _wrap(value, depth))


def _wrap(value, depth):
    for _ in range(depth):
        value = [value]
    return value


def plausible(key: str, ids: dict) -> st.SearchStrategy:
    """Values that fit a key, or nearly do."""
    if key in ids:
        return st.one_of(st.sampled_from(ids[key]), ODD_NUMBERS)
    if key == "order":
        return st.lists(st.sampled_from(ids["request_id"]), max_size=6, unique=True)
    if key == "choice":
        return st.one_of(
            st.sampled_from(["yes", "no", "abstain", "perhaps"]),
            st.builds(lambda v: {"vote": v}, st.sampled_from(["yes", "no", "maybe"])),
            st.lists(st.integers(-3, 10), max_size=4),
            st.builds(lambda c: {"approve": c}, st.lists(st.integers(1, 5), max_size=3)),
            st.builds(lambda v: {"votes": {"1": v}}, st.sampled_from(["yes", "x"])),
            deeply_nested("yes"),
        )
    if key == "submission_id":
        return st.one_of(st.uuids().map(lambda u: u.hex), st.text(max_size=70))
    if key in ("closed", "priority"):
        return st.booleans()
    if key == "kind":
        return st.sampled_from(["speech", "point_of_order", "filibuster"])
    if key == "view":
        return st.sampled_from(["agenda", "speakers", "document", "voting", "fireworks"])
    if key == "theme":
        return st.sampled_from(["light", "dark", "neon"])
    if key == "line":
        return st.integers(-2, 500)
    return ANY_JSON


def mostly(usual: st.SearchStrategy, now_and_then: st.SearchStrategy) -> st.SearchStrategy:
    """``usual`` three times in four."""
    return st.integers(0, 3).flatmap(lambda n: usual if n else now_and_then)


def nearly_valid(event: str, ids: dict) -> st.SearchStrategy:
    """The event's own keys, mostly fitting; now and then one missing, wrong or one too many."""
    fields = EVENT_SHAPES[event].model_fields
    values = {key: mostly(plausible(key, ids), ANY_JSON) for key in fields}
    values["conference_id"] = mostly(st.just(ids["conference_id"][0]), ANY_JSON)
    required = {key: values[key] for key, field in fields.items() if field.is_required()}
    optional = {key: values[key] for key, field in fields.items() if not field.is_required()}
    missing = mostly(st.just(set()), st.sets(st.sampled_from(sorted(required)), max_size=1))
    extra = st.dictionaries(st.sampled_from(["x", "__proto__", "conference", "id"]), ANY_JSON)
    return st.builds(
        lambda fields, gone, more: {**more, **{k: v for k, v in fields.items() if k not in gone}},
        st.fixed_dictionaries(required, optional=optional),
        missing,
        mostly(st.just({}), extra),
    )


def _payloads(ids: dict):
    return st.sampled_from(sorted(EVENT_ACCESS)).flatmap(
        lambda event: st.tuples(
            st.just(event),
            mostly(nearly_valid(event, ids), ANY_JSON),
        )
    )


def _what_is_stored(conference_id: int) -> tuple:
    db.session.rollback()  # read what the events committed, not this session's old snapshot
    count = lambda model: db.session.scalar(select(func.count()).select_from(model))  # noqa: E731
    requests = db.session.execute(
        select(SpeakerRequest.id, SpeakerRequest.status, SpeakerRequest.position)
    ).all()
    polls = db.session.execute(select(Poll.id, Poll.state, Poll.cast_count)).all()
    return (
        audit.audit_head()["hash"],
        sorted(requests),
        sorted(polls),
        count(Ballot),
        count(PollParticipation),
        room.room_json(conference_id),
    )


@pytest.fixture
def hall(world):
    """The world with an agenda item as current, two waiting speakers and an open poll."""
    cid = world.conference.id
    items = [
        conferences.save_agenda_item(world.staff, cid, number=f"TOP {n}", title=f"Punkt {n}")
        for n in (1, 2)
    ]
    room.set_current_agenda_item(world.moderator.person, cid, items[0].id)
    requests = [
        room.request_to_speak(db.session.get(type(speaker), speaker.id), items[0].id)
        for speaker in (world.delegate, world.delegate_b)
    ]
    poll = opened(world)
    return world, {
        "conference_id": [cid],
        "agenda_item_id": [item.id for item in items],
        "request_id": [r.id for r in requests],
        "poll_id": [poll.id],
        "accreditation_id": [world.delegate.id, world.delegate_b.id, world.observer.id],
        "voter_id": [world.delegate.id, world.delegate_b.id],
        "document_id": [1, 2],
    }


@pytest.mark.parametrize("role", ["observer", "delegate", "moderator"])
def test_every_event_answers_anything_and_a_refusal_changes_nothing(app, hall, auth, caplog, role):
    world, ids = hall
    cid = world.conference.id
    sio = socket_client(app, auth.client_as(app, world, role))
    assert sio.is_connected()
    caplog.set_level(logging.INFO)
    answered = {"ok": 0, "refused": 0}

    @SETTINGS
    @hypothesis.given(_payloads(ids))
    def send(sent):
        event, payload = sent
        caplog.clear()
        before = _what_is_stored(cid)
        reply = sio.emit(event, payload, callback=True)
        assert isinstance(reply, dict) and isinstance(reply.get("ok"), bool), (event, reply)
        logged = [r for r in caplog.records if r.levelno >= logging.ERROR or r.exc_info]
        assert not logged, (event, payload, [r.getMessage() for r in logged])
        if reply["ok"]:
            answered["ok"] += 1
        else:
            answered["refused"] += 1
            assert 400 <= reply["status"] < 500 and reply["error"], (event, reply)
            assert _what_is_stored(cid) == before, (event, payload, reply)
        assert sio.is_connected()

    send()
    # The nearly valid payloads reach the handlers: some events go through.
    assert answered["ok"] > 0 and answered["refused"] > 0, answered


#: Text that may follow an event's name in a packet: JSON, broken JSON, deep brackets, numbers
#: longer than any id, constants JSON does not have.
PACKET_TAILS = st.one_of(
    ANY_JSON.map(lambda value: "," + json.dumps(value) + "]"),
    st.text(max_size=40),
    st.text(alphabet='[]{},:"0123456789eE.-truefalsnNaI ', max_size=60),
    st.integers(1, 5000).map(lambda n: "," + "[" * n + "]" * n + "]"),
    st.integers(90, 400).map(lambda n: ',{"conference_id":' + "9" * n + "}]"),
    st.sampled_from([",NaN]", ",Infinity]", ",-Infinity]", ",{'a': 1}]", "]", ""]),
)


def test_every_event_answers_a_packet_of_any_text(app, world, auth, caplog):
    sio = socket_client(app, auth.client_as(app, world, "moderator"))
    caplog.set_level(logging.INFO)

    @hypothesis.settings(SETTINGS, max_examples=EXAMPLES * 2 // 3)
    @hypothesis.given(st.sampled_from([*sorted(EVENT_ACCESS), "", "nonsense"]), PACKET_TAILS)
    def send(event, tail):
        caplog.clear()
        reply = sio.emit_text("[" + json.dumps(event) + tail)
        assert isinstance(reply, dict) and isinstance(reply.get("ok"), bool), (event, tail)
        logged = [r for r in caplog.records if r.levelno >= logging.ERROR or r.exc_info]
        assert not logged, (event, tail, [r.getMessage() for r in logged])
        assert sio.is_connected()

    send()
