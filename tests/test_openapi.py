"""The OpenAPI document: valid, complete, and true to the API (a property-based run)."""

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
    response_schema_conformance,
    status_code_conformance,
)

from participation.extensions import db
from participation.web.openapi import document
from tests.helpers import build_archive, build_world, make_app

#: Examples per operation (besides schemathesis' boundary cases): enough to try every kind of
#: input, bounded so the whole run stays well under a minute.
EXAMPLES = 15


def test_the_openapi_document_is_valid(client):
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200 and response.mimetype == "application/json"
    spec = response.get_json()
    validate(spec)
    assert spec == document()


def test_every_api_route_is_described_and_nothing_else(app):
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
    """An app holding published, unpublished and secret data (see test_public), and a
    moderator's bearer token for it."""
    app = make_app(
        tmp_path_factory.mktemp("openapi"),
        API_READ_RATE_LIMIT="100000 per minute",
        JOIN_RATE_LIMIT="100000 per minute",
    )
    with app.app_context():
        world = build_world()
        arc = build_archive(world)
        code = world.codes[world.moderator.id]
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
    yield app, ids, {"Authorization": f"Bearer {joined.get_json()['token']}"}
    with app.app_context():
        db.engine.dispose()


@pytest.fixture(scope="module")
def api_schema(api_app):
    app, _ids, _moderator = api_app
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", Isolated(app))
    schema.config.generation.update(
        modes=[GenerationMode.POSITIVE], max_examples=EXAMPLES, database="none"
    )
    return schema


CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]
SETTINGS = hypothesis.settings(
    max_examples=EXAMPLES,
    deadline=None,
    database=None,
    derandomize=True,
    suppress_health_check=list(hypothesis.HealthCheck),
)
schema = schemathesis.pytest.from_fixture("api_schema")


@schema.parametrize()
@SETTINGS
def test_the_api_keeps_to_its_description(case):
    """Anonymous: no server error, and every answer (status, type, body) as described."""
    case.call_and_validate(checks=CHECKS)


@schema.include(method="POST").parametrize()
@hypothesis.settings(SETTINGS, max_examples=EXAMPLES // 2)
def test_the_api_keeps_to_its_description_for_a_moderator(case, api_app):
    """The authenticated calls, made by a moderator of the conference with a bearer token."""
    _app, _ids, moderator = api_app
    case.call_and_validate(headers=moderator, checks=CHECKS)


def test_real_answers_keep_to_the_description(api_schema, api_app):
    """Every read, for every real id (published or not), anonymous and as a moderator."""
    _app, values, moderator = api_app
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
    calls = 0
    for path, operations in document()["paths"].items():
        if "get" not in operations:
            continue
        operation = api_schema[path]["GET"]
        names = re.findall(r"{(\w+)}", path)
        combinations = [{}]
        for name in names:
            combinations = [{**c, name: v} for c in combinations for v in values[name]]
        for parameters in combinations:
            for query in queries.get(path, [{}]):
                for headers in ({}, moderator):
                    case = operation.Case(path_parameters=parameters, query=query)
                    case.call_and_validate(headers=headers, checks=CHECKS)
                    calls += 1
    assert calls > 100
