"""The OpenAPI document: valid, complete, and true to the API.

A property-based run sends every operation values inside and outside its description, as an
anonymous caller, as a delegate and as staff: no answer is a server error, every answer is as
described, and a refused request changes nothing.
"""

from __future__ import annotations

import contextvars
import re

import hypothesis
import pytest
import schemathesis
from openapi_spec_validator import validate
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    negative_data_rejection,
    response_schema_conformance,
    status_code_conformance,
)
from sqlalchemy import func, select

from participation.extensions import db
from participation.models import AuditHead, Ballot, LoginSession, Poll, PollParticipation
from participation.web.openapi import document
from tests.helpers import (
    STAFF_EMAIL,
    STAFF_PASSWORD,
    build_archive,
    build_world,
    csrf_token,
    make_app,
)

#: Examples per operation and kind of data (inside and outside the description), besides
#: schemathesis' boundary cases: enough to try every kind of input, bounded so the whole file
#: stays well under two minutes on a busy machine.
EXAMPLES = 7


def test_the_openapi_document_is_valid(app, client):
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200 and response.mimetype == "application/json"
    spec = response.get_json()
    validate(spec)
    with app.app_context():
        assert spec == document()


def test_every_api_route_is_described_and_nothing_else(app):
    with app.app_context():
        spec = document()
    described = {
        (path, method.upper())
        for path, operations in spec["paths"].items()
        for method in operations
    }
    served = set()
    for rule in app.url_map.iter_rules():
        if not rule.rule.startswith("/api/v1/") or rule.endpoint == "api.openapi":
            continue
        path = re.sub(r"<(?:[^:<>]+:)?([^<>]+)>", r"{\1}", rule.rule[len("/api/v1") :])
        served |= {(path, method) for method in rule.methods - {"HEAD", "OPTIONS"}}
    assert served == described


def test_api_errors_are_json_with_a_message(client):
    for url in ("/api/v1/nothing-here", "/api/v1/conferences/42", "/api/v1/search"):
        response = client.get(url)
        assert response.status_code in (404, 422)
        error = response.get_json()["error"]
        assert error["status"] == response.status_code and error["message"].strip()
    huge = client.get("/api/v1/polls/99999999999999999999")
    assert huge.status_code == 404 and huge.get_json()["error"]["status"] == 404


def test_api_reads_are_rate_limited(tmp_path):
    app = make_app(tmp_path, API_READ_RATE_LIMIT="3 per minute")
    with app.app_context():
        client = app.test_client()
        statuses = [client.get("/api/v1/conferences").status_code for _ in range(3)]
        statuses.append(client.get("/api/v1/audit").status_code)  # one budget for all reads
        assert statuses == [200, 200, 200, 429]
        refused = client.get("/api/v1/conferences").get_json()
        assert refused["error"]["status"] == 429 and "wait" in refused["error"]["message"]
        db.session.remove()
        db.engine.dispose()


# --- the property-based run ----------------------------------------------------------------


class Isolated:
    """The app as a WSGI callable whose requests each run in their own context."""

    def __init__(self, app):
        self.app = app

    def __call__(self, environ, start_response):
        return contextvars.Context().run(self.app, environ, start_response)


@pytest.fixture(scope="module")
def api_app(tmp_path_factory):
    """An app holding published, unpublished and secret data (see test_public), and bearer
    tokens of a delegate and of staff for it."""
    app = make_app(
        tmp_path_factory.mktemp("openapi"),
        API_READ_RATE_LIMIT="100000 per minute",
        JOIN_RATE_LIMIT="100000 per minute",
    )
    with app.app_context():
        world = build_world()
        arc = build_archive(world)
        code = world.codes[world.delegate.id]
        ids = {
            "conference_id": [arc.conference_id],
            "document_id": [d.id for d in (arc.a1, arc.a2, arc.k1, *arc.unpublished)],
            "version_number": [1, 2],
            "poll_id": [
                p.id for p in (arc.open_poll, arc.draft_poll, arc.secret_poll, arc.named_poll)
            ],
        }
        db.session.remove()
    joined = app.test_client().post("/api/v1/auth/join", json={"code": code})
    staff = app.test_client()
    staff.post(
        "/login",
        data={"email": STAFF_EMAIL, "password": STAFF_PASSWORD, "csrf_token": csrf_token(staff)},
    )
    issued = staff.post("/api/v1/auth/tokens", headers={"X-CSRFToken": csrf_token(staff, "/")})
    assert joined.status_code == issued.status_code == 201
    tokens = {
        "delegate": {"Authorization": f"Bearer {joined.get_json()['token']}"},
        "staff": {"Authorization": f"Bearer {issued.get_json()['token']}"},
    }
    yield app, ids, tokens
    with app.app_context():
        db.engine.dispose()


def _schema(app, *, unexpected_methods: bool):
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", Isolated(app))
    schema.config.generation.update(
        modes=[GenerationMode.POSITIVE, GenerationMode.NEGATIVE],
        max_examples=EXAMPLES,
        database="none",
    )
    if not unexpected_methods:
        schema.config.phases.coverage.unexpected_methods = set()
    # A body over its route's size limit is refused (413) before its shape is read.
    rejection = schema.config.checks.negative_data_rejection
    rejection.expected_statuses = [*rejection.expected_statuses, "413"]
    return schema


@pytest.fixture(scope="module")
def api_schema(api_app):
    """The description, also tried with the methods it does not name (PUT, DELETE …)."""
    app, _ids, _tokens = api_app
    return _schema(app, unexpected_methods=True)


@pytest.fixture(scope="module")
def api_schema_signed_in(api_app):
    """The description for signed-in callers, who meet the same router."""
    app, _ids, _tokens = api_app
    return _schema(app, unexpected_methods=False)


CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
    negative_data_rejection,
]
SETTINGS = hypothesis.settings(
    max_examples=EXAMPLES,
    deadline=None,
    database=None,
    derandomize=True,
    suppress_health_check=list(hypothesis.HealthCheck),
)
schema = schemathesis.pytest.from_fixture("api_schema")
signed_in_schema = schemathesis.pytest.from_fixture("api_schema_signed_in")


def what_a_refusal_must_not_change(app) -> tuple:
    """The audit chain's head, and the polls (with their states), votes and sign-ins."""
    with app.app_context():
        head = db.session.get(AuditHead, 1)
        state = (
            (head.seq, head.hash) if head else None,
            tuple(db.session.execute(select(Poll.id, Poll.state).order_by(Poll.id)).all()),
            db.session.scalar(select(func.count()).select_from(Ballot)),
            db.session.scalar(select(func.count()).select_from(PollParticipation)),
            db.session.scalar(select(func.count()).select_from(LoginSession)),
        )
        db.session.remove()
    return state


def call(case, app, headers) -> None:
    """One generated request: no server error, an answer as described, and, if a write was
    refused, nothing changed. (Reads change nothing at all; the run over them stays quick.)"""
    write = case.method.upper() not in ("GET", "HEAD", "OPTIONS")
    before = what_a_refusal_must_not_change(app) if write else None
    response = case.call(headers=headers)
    case.validate_response(response, checks=CHECKS)
    if write and 400 <= response.status_code < 500:
        assert what_a_refusal_must_not_change(app) == before, (
            f"{case.method} {case.formatted_path} was refused "
            f"({response.status_code}) but changed what it must not"
        )


@schema.parametrize()
@SETTINGS
def test_the_api_keeps_to_its_description(case, api_app):
    """Anonymous: every operation, with values inside and outside its description."""
    app, _ids, _tokens = api_app
    call(case, app, {})


@signed_in_schema.exclude(path="/auth/revoke").parametrize()
@SETTINGS
def test_the_api_keeps_to_its_description_for_a_delegate(case, api_app):
    """A delegate's bearer token (one that stays valid: revoking is tested on its own)."""
    app, _ids, tokens = api_app
    call(case, app, tokens["delegate"])


@signed_in_schema.exclude(path="/auth/revoke").parametrize()
@SETTINGS
def test_the_api_keeps_to_its_description_for_staff(case, api_app):
    """Staff with a bearer token, who moderate every conference."""
    app, _ids, tokens = api_app
    call(case, app, tokens["staff"])


def test_real_answers_keep_to_the_description(api_schema, api_app):
    """Every read, for every real id (published or not), anonymous, as a delegate and staff."""
    app, values, tokens = api_app
    cid = values["conference_id"][0]
    queries = {
        "/polls": [{"conference_id": cid}],
        "/search": [{"q": "Luft"}, {"q": "trees", "conference_id": cid}],
        "/conferences/{conference_id}/documents/{document_id}": [{}, {"lang": "en"}],
        "/conferences/{conference_id}/documents/{document_id}/versions/{version_number}": [
            {},
            {"lang": "en"},
        ],
        "/audit": [{}, {"after": 5, "limit": 3}],
    }
    with app.app_context():
        paths = document()["paths"]
    calls = 0
    for path, operations in paths.items():
        if "get" not in operations:
            continue
        operation = api_schema[path]["GET"]
        names = re.findall(r"{(\w+)}", path)
        combinations = [{}]
        for name in names:
            combinations = [{**c, name: v} for c in combinations for v in values[name]]
        for parameters in combinations:
            for query in queries.get(path, [{}]):
                for headers in ({}, tokens["delegate"], tokens["staff"]):
                    case = operation.Case(path_parameters=parameters, query=query)
                    case.call_and_validate(headers=headers, checks=CHECKS)
                    calls += 1
    assert calls > 150
