"""Hostile input to the JSON API: refused with a clear 413 or 422, never a server error, and
nothing changes."""

from __future__ import annotations

import io
import json
import re
import uuid
from typing import get_args

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from participation.ballots import Question, deal, encrypt_ballot, public_key
from participation.extensions import db
from participation.models import AuditHead, Ballot, Poll, PollParticipation
from participation.models.conference import CONFERENCE_STATUSES
from participation.models.documents import AMENDMENT_STATUSES, DEMAND_STATUSES, DOCUMENT_STATUSES
from participation.models.voting import (
    MAJORITIES,
    METHODS,
    POLL_STATES,
    QUORUM_KINDS,
    TARGET_KINDS,
)
from participation.schemas import api as shapes
from participation.schemas import nesting_of, parse, replies
from participation.schemas.events import CastBallot
from participation.services import voting
from participation.services.errors import Invalid
from participation.services.voting.rules import VOTES
from participation.web.api import BALLOT_BYTES
from participation.web.openapi import document
from tests.helpers import Auth, new_poll

HUGE = 99999999999999999999


def signed_in(app, world, who: str) -> dict:
    """The bearer header of the world's accreditation ``who``."""
    code = world.codes[getattr(world, who).id]
    return {"Authorization": f"Bearer {Auth().api_token(app, code)}"}


def state() -> tuple:
    """What a refused request must leave as it was: the audit chain, polls, ballots."""
    db.session.expire_all()
    head = db.session.get(AuditHead, 1)
    return (
        (head.seq, head.hash) if head else None,
        tuple(db.session.execute(select(Poll.id, Poll.state, Poll.cast_count)).all()),
        db.session.scalar(select(func.count()).select_from(Ballot)),
        db.session.scalar(select(func.count()).select_from(PollParticipation)),
    )


def refused(response, status: int = 422) -> dict:
    assert response.status_code == status, response.get_data(as_text=True)[:300]
    error = response.get_json()["error"]
    assert error["status"] == status and error["message"].strip()
    return error


@pytest.fixture
def open_poll(world):
    poll = new_poll(world)
    return voting.open_poll(world.moderator.person, world.conference.id, poll.id)


def test_huge_numbers_in_queries_are_refused(app, world):
    client = app.test_client()
    before = state()
    for url in (
        f"/api/v1/polls?conference_id={HUGE}",
        "/api/v1/polls?conference_id=2147483648",
        "/api/v1/polls?conference_id=0",
        f"/api/v1/audit?after={HUGE}",
        "/api/v1/audit?limit=0",
        "/api/v1/audit?limit=1001",
        f"/api/v1/search?q=Luft&conference_id={HUGE}",
    ):
        error = refused(client.get(url))
        assert error["details"], url
    assert refused(client.get(f"/api/v1/polls?conference_id={HUGE}"))["details"] == {
        "conference_id": "This number is out of range."
    }
    assert client.get(f"/api/v1/polls/{HUGE}").status_code == 404
    assert client.get(f"/api/v1/polls/{HUGE}/ballots").status_code == 404
    assert state() == before


def test_booleans_and_texts_are_not_numbers(app, world, open_poll):
    client = app.test_client()
    moderator = signed_in(app, world, "moderator")
    delegate = signed_in(app, world, "delegate")
    before = state()
    for url in (
        "/api/v1/polls?conference_id=true",
        "/api/v1/polls?conference_id=1.0",
        "/api/v1/polls?conference_id=%201",
        "/api/v1/audit?after=true",
        "/api/v1/search?q=Luft&conference_id=1e3",
    ):
        assert refused(client.get(url))["details"], url
    poll = client.post("/api/v1/polls", json={"conference_id": True}, headers=moderator)
    assert refused(poll)["details"] == {"conference_id": "Must be a whole number."}
    poll = client.post(
        "/api/v1/polls", json={"conference_id": str(world.conference.id)}, headers=moderator
    )
    assert refused(poll)["details"] == {"conference_id": "Must be a whole number."}
    cast = client.post(
        f"/api/v1/polls/{open_poll.id}/ballots",
        json={"choice": "yes", "submission_id": uuid.uuid4().hex, "voter_id": True},
        headers=delegate,
    )
    assert refused(cast)["details"] == {"voter_id": "Must be a whole number."}
    assert state() == before


def test_huge_numbers_in_bodies_are_refused(app, world, open_poll):
    client = app.test_client()
    moderator = signed_in(app, world, "moderator")
    delegate = signed_in(app, world, "delegate")
    before = state()
    cid = world.conference.id
    for body in (
        {"conference_id": HUGE},
        {"conference_id": 2**31},
        {"conference_id": cid, "target_kind": "document", "target_id": HUGE},
        {"conference_id": cid, "agenda_item_id": -1},
        {"conference_id": cid, "duration_seconds": HUGE},
        {"conference_id": cid, "target_kind": "election", "candidates": ["A"], "seats": HUGE},
    ):
        error = refused(client.post("/api/v1/polls", json=body, headers=moderator))
        assert len(error["details"]) == 1, body
    for extra in ({"voter_id": HUGE}, {"choice": {"approve": [HUGE]}}, {"choice": 1}):
        body = {"choice": "yes", "submission_id": uuid.uuid4().hex, **extra}
        refused(client.post(f"/api/v1/polls/{open_poll.id}/ballots", json=body, headers=delegate))
    assert state() == before


def test_a_title_or_question_that_is_no_text_is_refused(app, world):
    client = app.test_client()
    moderator = signed_in(app, world, "moderator")
    before = state()
    for key, value in (("title", 5), ("title", ["a"]), ("question", {"a": 1}), ("title", None)):
        body = {"conference_id": world.conference.id, key: value}
        error = refused(client.post("/api/v1/polls", json=body, headers=moderator))
        assert error["details"] == {key: "Must be a text."}
    long = {"conference_id": world.conference.id, "title": "x" * 301}
    assert refused(client.post("/api/v1/polls", json=long, headers=moderator))["details"] == {
        "title": "Too long: at most 300."
    }
    unknown = {"conference_id": world.conference.id, "colour": "red"}
    assert refused(client.post("/api/v1/polls", json=unknown, headers=moderator))["details"] == {
        "colour": "This key is not expected here."
    }
    assert state() == before


def test_deeply_nested_json_is_refused_before_it_is_decoded(app, world, open_poll):
    client = app.test_client()
    delegate = signed_in(app, world, "delegate")
    before = state()
    deep = "[" * 100_000 + "]" * 100_000
    join = client.post("/api/v1/auth/join", data=deep, content_type="application/json")
    refused(join, 413)
    within_size = "[" * 400 + "]" * 400
    join = client.post("/api/v1/auth/join", data=within_size, content_type="application/json")
    assert refused(join)["message"] == "The request nests too deeply."
    nested = '{"choice": ' + "[" * 3000 + "]" * 3000 + ', "submission_id": "abcdefgh"}'
    cast = client.post(
        f"/api/v1/polls/{open_poll.id}/ballots",
        data=nested,
        content_type="application/json",
        headers=delegate,
    )
    assert refused(cast)["message"] == "The request nests too deeply."
    assert state() == before


def _depth(value) -> int:
    if isinstance(value, dict):
        return 1 + max(map(_depth, value.values()), default=0)
    if isinstance(value, list):
        return 1 + max(map(_depth, value), default=0)
    return 0


_TRICKY = st.text(alphabet='[]{}"\\ab\u005b\n', max_size=8)
_JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | _TRICKY,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(_TRICKY, inner, max_size=3),
    max_leaves=20,
)


@settings(max_examples=300, deadline=None)
@given(_JSON)
def test_the_nesting_counted_before_decoding_is_the_nesting_of_the_value(value):
    """Brackets inside strings, escaped quotes and backslashes do not count."""
    assert nesting_of(json.dumps(value)) == _depth(value)
    assert nesting_of(json.dumps(value, ensure_ascii=False).encode()) == _depth(value)


def test_an_unterminated_string_hides_the_brackets_after_it():
    assert nesting_of(r'[{"a": "}}]]') == 2
    assert nesting_of(r'["\\", [["') == 3  # an escaped backslash ends nothing
    assert nesting_of(r'["\", [["') == 1  # an escaped quote: the string goes on
    assert nesting_of('[{"a": "{{{ ends in a backslash \\') == 2


class CountingStream(io.BytesIO):
    """A request body that remembers how much of it was read."""

    def __init__(self, data: bytes):
        super().__init__(data)
        self.taken = 0

    def read(self, size: int | None = -1) -> bytes:
        chunk = super().read(size)
        self.taken += len(chunk)
        return chunk


def test_a_megabyte_ballot_is_refused_unread(app, world, open_poll):
    client = app.test_client()
    delegate = signed_in(app, world, "delegate")
    before = state()
    big = {"choice": "yes", "submission_id": uuid.uuid4().hex, "pad": "x" * 1_000_000}
    response = client.post(f"/api/v1/polls/{open_poll.id}/ballots", json=big, headers=delegate)
    assert re.search(r"at most 262.?144 bytes", refused(response, 413)["message"])
    # Without a Content-Length (chunked), the body is read only up to the limit.
    stream = CountingStream(json.dumps(big).encode())
    response = client.post(
        f"/api/v1/polls/{open_poll.id}/ballots",
        input_stream=stream,
        content_type="application/json",
        headers=delegate,
        environ_overrides={"wsgi.input_terminated": True},
    )
    refused(response, 413)
    assert stream.taken <= BALLOT_BYTES + 1
    # A write without a body takes none either.
    cancel = client.post(f"/api/v1/polls/{open_poll.id}/cancel", data="x" * 5000, headers=delegate)
    refused(cancel, 413)
    assert state() == before
    fits = {"choice": "yes", "submission_id": uuid.uuid4().hex}
    assert (
        client.post(
            f"/api/v1/polls/{open_poll.id}/ballots", json=fits, headers=delegate
        ).status_code
        == 201
    )


def test_bodies_must_be_json_objects(app, world):
    client = app.test_client()
    for data, content_type in (
        ('{"code": "x"', "application/json"),
        ("", "application/json"),
        ("code=x", "application/x-www-form-urlencoded"),
        ("\xff\xfe", "application/json"),
        ('["code"]', "application/json"),
        ('"code"', "application/json"),
    ):
        response = client.post("/api/v1/auth/join", data=data, content_type=content_type)
        refused(response)


def test_the_limits_are_in_the_description(app):
    spec = document()
    ballot = spec["paths"]["/polls/{poll_id}/ballots"]["post"]
    assert f"At most {BALLOT_BYTES} bytes" in ballot["requestBody"]["description"]
    assert "413" in ballot["responses"]
    ids = spec["components"]["schemas"]["BallotBody"]["properties"]["voter_id"]["anyOf"][0]
    assert ids == {"type": "integer", "minimum": 1, "maximum": 2**31 - 1}


def test_the_shapes_name_the_values_the_database_allows():
    assert set(get_args(shapes.TargetKind)) == set(TARGET_KINDS)
    assert get_args(shapes.Method) == METHODS
    assert get_args(shapes.Majority) == MAJORITIES
    assert get_args(shapes.QuorumKind) == QUORUM_KINDS
    assert get_args(shapes.Vote) == VOTES
    assert get_args(replies.PollState) == POLL_STATES
    assert get_args(replies.ConferenceStatus) == CONFERENCE_STATUSES
    assert get_args(replies.DocumentStatus) == DOCUMENT_STATUSES
    assert get_args(replies.AmendmentStatus) == AMENDMENT_STATUSES
    assert get_args(replies.DemandStatus) == DEMAND_STATUSES


def test_an_encrypted_choice_is_checked_against_its_shape_and_kept_as_sent():
    """Nothing of an encrypted ballot is changed on its way in; what does not fit is refused."""
    dealing, _shares = deal("c1.p1", 1, 1, 1)
    ballot, _randomness = encrypt_ballot(
        public_key([dealing]), "c1.p1", "v1", [Question.one_of(3)], [[0, 1, 0]]
    )
    choice = {"encrypted": ballot}
    payload = {"conference_id": 1, "poll_id": 1, "choice": choice, "submission_id": "s" * 12}
    assert parse(CastBallot, payload).raw_choice() is choice
    body = {"choice": choice, "submission_id": payload["submission_id"]}
    assert parse(shapes.BallotBody, body).raw_choice() is choice
    answer = ballot["answers"][0]
    for wrong in (
        {**answer, "extra": 1},
        {**answer, "choices": [{"alpha": "FF" * 32, "beta": "00" * 32}]},
        {**answer, "overall_proof": []},
    ):
        refused = {"encrypted": {**ballot, "answers": [wrong]}}
        with pytest.raises(Invalid) as error:
            parse(CastBallot, {**payload, "choice": refused})
        assert list(error.value.errors) == ["choice"]
