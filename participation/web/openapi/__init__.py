"""The OpenAPI 3.1 description of the JSON API, served at ``/api/v1/openapi.json``.

It describes the public reads (conferences, documents, versions, amendments, polls and
results, search, the audit chain) and the authenticated calls (join codes and tokens, polls,
ballots). ``tests/test_openapi.py`` validates it and runs a property-based test against it,
so a route whose answers drift from this description fails the build.
"""

from __future__ import annotations

from copy import deepcopy

from flask import jsonify

from participation.web.access import access
from participation.web.api import bp
from participation.web.openapi.paths import paths
from participation.web.openapi.schemas import SCHEMAS


def document() -> dict:
    """The OpenAPI document (a fresh copy each time)."""
    return deepcopy(
        {
            "openapi": "3.1.0",
            "info": {
                "title": "Participation API",
                "version": "1.0.0",
                "description": "Conferences of the network: published resolutions and demand "
                "catalogues with their line-numbered texts, translations, amendments and vote "
                "results; polls and ballots for delegates; the audit chain.\n\n"
                "Reads are public and show only what is published, unless the caller has a "
                "role in the conference. Writes need a bearer token (from /auth/join or "
                "/auth/tokens) or a session cookie with the CSRF token in X-CSRFToken. "
                'Every refusal is JSON: {"error": {"status", "message"}}.',
            },
            "servers": [{"url": "/api/v1"}],
            "tags": [
                {"name": "archive", "description": "Published texts and results."},
                {"name": "voting", "description": "Polls, results and ballots."},
                {"name": "audit", "description": "The append-only, hash-chained log."},
                {"name": "auth", "description": "Tokens for apps and scripts."},
            ],
            "paths": paths(),
            "components": {
                "schemas": SCHEMAS,
                "securitySchemes": {
                    "bearer": {"type": "http", "scheme": "bearer"},
                    "cookie": {"type": "apiKey", "in": "cookie", "name": "session"},
                    "csrf": {"type": "apiKey", "in": "header", "name": "X-CSRFToken"},
                },
            },
        }
    )


@bp.get("/openapi.json")
@access("public")
def openapi():
    """This API's description (OpenAPI 3.1)."""
    return jsonify(document())
