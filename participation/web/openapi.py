"""The OpenAPI 3.1 description of the JSON API, served at ``/api/v1/openapi.json``.

It describes the public reads (conferences, documents, versions, amendments, polls and
results, search, the audit chain) and the authenticated calls (join codes and tokens, polls,
ballots). ``tests/test_openapi.py`` validates it and runs a property-based test against it,
so a route whose answers drift from this description fails the build.
"""

from __future__ import annotations

from copy import deepcopy

from flask import jsonify

from participation.models.documents import AMENDMENT_STATUSES, DOCUMENT_STATUSES
from participation.models.voting import MAJORITIES, METHODS, POLL_STATES, QUORUM_KINDS
from participation.web.access import access
from participation.web.api import bp

ID_MAX = 2**31 - 1
JSON = "application/json"


def _nullable(schema: dict) -> dict:
    kind = schema["type"]
    return {**schema, "type": [kind, "null"] if isinstance(kind, str) else [*kind, "null"]}


def _ref(name: str) -> dict:
    return {"$ref": f"#/components/schemas/{name}"}


def _obj(properties: dict, required: list[str] | None = None, **extra) -> dict:
    schema = {"type": "object", "properties": properties, **extra}
    if required is not False:
        schema["required"] = list(properties) if required is None else required
    return schema


STRING = {"type": "string"}
INTEGER = {"type": "integer"}
BOOLEAN = {"type": "boolean"}
DATETIME = {"type": "string", "format": "date-time"}
DATE = {"type": "string", "format": "date"}
ID = {"type": "integer", "minimum": 1, "maximum": ID_MAX}
HASH = {"type": "string", "pattern": "^[0-9a-f]{64}$"}

SCHEMAS: dict = {
    "Error": _obj(
        {
            "error": _obj(
                {
                    "status": {"type": "integer", "minimum": 400, "maximum": 599},
                    "message": {"type": "string", "minLength": 1},
                    "details": {"type": "object"},
                },
                ["status", "message"],
            )
        },
        description="Every refusal: the HTTP status and a message a person can read.",
    ),
    "Conference": _obj(
        {
            "id": INTEGER,
            "title": STRING,
            "number": INTEGER,
            "starts_on": _nullable(DATE),
            "ends_on": _nullable(DATE),
            "venue": STRING,
            "status": {"type": "string", "enum": ["planned", "running", "closed"]},
            "languages": {"type": "array", "items": STRING},
            "line_width": {"type": "integer", "description": "Characters per numbered line."},
        },
        ["id", "title", "number", "starts_on", "ends_on", "venue", "status", "languages"],
    ),
    "DocumentSummary": _obj(
        {
            "id": INTEGER,
            "conference_id": INTEGER,
            "number": {"type": "string", "description": "Such as A1 or K2."},
            "kind": {"type": "string", "enum": ["resolution", "catalogue"]},
            "title": STRING,
            "status": {"type": "string", "enum": list(DOCUMENT_STATUSES)},
            "published": {
                "type": "boolean",
                "description": "Decided after admission: part of the public archive.",
            },
            "decided_at": _nullable(DATETIME),
            "agenda_item": _nullable(STRING),
            "current_version": _nullable(INTEGER),
            "languages": {
                "type": "array",
                "items": STRING,
                "description": "The original language, then those with a translation.",
            },
            "url": {**_nullable(STRING), "description": "Permanent link of a published text."},
        }
    ),
    "Line": _obj(
        {"number": INTEGER, "block": INTEGER, "text": STRING},
        ["number", "text"],
        description="A numbered line, as on the screen, the projector and in the PDF.",
    ),
    "Text": _obj(
        {
            "language": STRING,
            "title": STRING,
            "body": {"type": "string", "description": "Markdown."},
            "translation": BOOLEAN,
            "version": {"type": "integer", "description": "The version this text is (of)."},
            "outdated": {
                "type": "boolean",
                "description": "A translation of an earlier version than the current one.",
            },
            "lines": {"type": "array", "items": _ref("Line")},
        }
    ),
    "VersionSummary": _obj(
        {
            "number": INTEGER,
            "title": STRING,
            "note": STRING,
            "created_at": _nullable(DATETIME),
            "translations": {"type": "array", "items": STRING},
        }
    ),
    "Version": _obj(
        {
            "number": INTEGER,
            "title": STRING,
            "note": STRING,
            "created_at": _nullable(DATETIME),
            "language": STRING,
            "translation": BOOLEAN,
            "translations": {"type": "array", "items": STRING},
            "body": STRING,
            "lines": {"type": "array", "items": _ref("Line")},
        }
    ),
    "Amendment": _obj(
        {
            "id": INTEGER,
            "document_id": INTEGER,
            "number": {"type": "string", "description": "Ä1, Ä2 … per document."},
            "status": {"type": "string", "enum": list(AMENDMENT_STATUSES)},
            "base_version": {"type": "integer", "description": "Version the lines refer to."},
            "lines": {"type": "string", "description": "Line ranges changed, such as 12–14."},
            "changes": {
                "type": "array",
                "items": _obj({"block": INTEGER, "text": STRING}),
                "description": "Paragraph (block) index → its new Markdown; empty deletes it.",
            },
            "reasoning": STRING,
            "organisation": _nullable(STRING),
            "admitted_at": _nullable(DATETIME),
            "decided_at": _nullable(DATETIME),
        }
    ),
    "Poll": _obj(
        {
            "id": INTEGER,
            "conference_id": INTEGER,
            "title": STRING,
            "question": STRING,
            "kind": {"type": "string", "enum": ["motion", "election"]},
            "target_kind": {
                "type": "string",
                "enum": ["amendment", "document", "demand", "question", "election"],
            },
            "target_id": _nullable(INTEGER),
            "secret": BOOLEAN,
            "method": {"type": "string", "enum": list(METHODS)},
            "seats": INTEGER,
            "majority": {"type": "string", "enum": list(MAJORITIES)},
            "quorum": _obj(
                {
                    "kind": {"type": "string", "enum": list(QUORUM_KINDS)},
                    "value": {
                        "type": "array",
                        "items": INTEGER,
                        "minItems": 2,
                        "maxItems": 2,
                        "description": "Numerator and denominator (a count over 1).",
                    },
                }
            ),
            "state": {"type": "string", "enum": list(POLL_STATES)},
            "source": {"type": "string", "enum": ["electronic", "paper"]},
            "candidates": {"type": "array", "items": _obj({"id": INTEGER, "name": STRING})},
            "opened_at": _nullable(DATETIME),
            "closes_at": _nullable(DATETIME),
            "closed_at": _nullable(DATETIME),
            "weight_scale": {
                "type": "integer",
                "description": "Weights are whole multiples of 1/weight_scale.",
            },
            "eligible": _obj(
                {"count": INTEGER, "weight": INTEGER},
                description="Frozen when the poll opened (not in drafts).",
            ),
            "result": {
                "type": "object",
                "description": "Closed polls only: outcome, tally, majority rule and quorum "
                "with the numbers that decided it.",
                "properties": {
                    "outcome": {
                        "type": "string",
                        "enum": [
                            "adopted",
                            "rejected",
                            "tie",
                            "not_quorate",
                            "elected",
                            "none_elected",
                        ],
                    },
                    "tally": {"type": "object"},
                    "majority": {"type": "object"},
                    "quorum": {"type": "object"},
                },
                "required": ["outcome", "tally", "majority", "quorum"],
            },
            "turnout": _ref("Turnout"),
            "my_votes": {"type": "array", "items": {"type": "object"}},
            "target": _obj(
                {"label": STRING, "title": STRING},
                description="What the poll decided on (archive reads).",
            ),
        },
        [
            "id",
            "conference_id",
            "title",
            "kind",
            "target_kind",
            "target_id",
            "secret",
            "method",
            "seats",
            "majority",
            "quorum",
            "state",
            "source",
            "candidates",
            "weight_scale",
        ],
        description="A poll. Open polls never show how many or who voted, only once closed "
        "the result; a secret poll never shows who chose what.",
    ),
    "Turnout": _obj(
        {
            "conference_id": INTEGER,
            "poll_id": INTEGER,
            "cast_count": INTEGER,
            "cast_weight": INTEGER,
            "eligible_count": INTEGER,
            "eligible_weight": INTEGER,
            "weight_scale": INTEGER,
        }
    ),
    "Document": {
        "allOf": [
            _ref("DocumentSummary"),
            _obj(
                {
                    "reasoning": STRING,
                    "submitters": {"type": "array", "items": STRING},
                    "cosigners": {"type": "array", "items": STRING},
                    "submitting_body": STRING,
                    "text": _ref("Text"),
                    "versions": {"type": "array", "items": _ref("VersionSummary")},
                    "amendments": {"type": "array", "items": _ref("Amendment")},
                    "demands": {
                        "type": "array",
                        "items": _obj(
                            {
                                "label": STRING,
                                "status": {
                                    "type": "string",
                                    "enum": ["open", "in_vote", "adopted", "rejected"],
                                },
                                "position": INTEGER,
                                "in_text": {
                                    "type": "boolean",
                                    "description": "Still in the current text.",
                                },
                            }
                        ),
                    },
                    "polls": {"type": "array", "items": _ref("Poll")},
                }
            ),
        ]
    },
    "Ballots": _obj(
        {
            "poll_id": INTEGER,
            "state": {"type": "string", "enum": list(POLL_STATES)},
            "secret": BOOLEAN,
            "weight_scale": INTEGER,
            "ballots": {
                "type": "array",
                "items": _obj({"key": STRING, "choice": {}, "weight": INTEGER}),
                "description": "After close: every ballot, in random (key) order, no voter.",
            },
            "trackers": {"type": "array", "items": STRING},
            "named": {
                "type": "array",
                "items": {"type": "object"},
                "description": "Named polls only: who chose what.",
            },
            "ballots_digest": HASH,
        }
    ),
    "AuditPage": _obj(
        {
            "head": _obj({"seq": INTEGER, "hash": HASH}),
            "withheld": BOOLEAN,
            "entries": {
                "type": "array",
                "items": _obj(
                    {
                        "seq": INTEGER,
                        "at": DATETIME,
                        "actor": STRING,
                        "action": STRING,
                        "subject": STRING,
                        "conference_id": _nullable(INTEGER),
                        "data": {"type": "object"},
                        "prev_hash": HASH,
                        "hash": HASH,
                    }
                ),
            },
        }
    ),
    "Receipt": _obj(
        {"poll_id": INTEGER, "voter_id": INTEGER, "tracker": STRING, "repeated": BOOLEAN}
    ),
}

ERRORS = {
    "400": "The request could not be understood, or (cookie sessions) the CSRF token is "
    "missing from the X-CSRFToken header.",
    "401": "Not signed in: send a bearer token (or a session cookie).",
    "403": "Signed in, but not allowed to do this.",
    "404": "No such thing, or not published (drafts and unpublished items never show).",
    "409": "Not possible in the current state (a poll already closed, a second ballot …).",
    "422": "The request names something invalid; the message says what.",
    "429": "Too many requests; wait a minute.",
}


def _error(code: str) -> dict:
    return {
        "description": ERRORS[code],
        "content": {JSON: {"schema": _ref("Error")}},
    }


def _ok(description: str, schema: dict, code: str = "200") -> dict:
    return {code: {"description": description, "content": {JSON: {"schema": schema}}}}


def _path_id(name: str, description: str) -> dict:
    return {"name": name, "in": "path", "required": True, "schema": ID, "description": description}


def _query(name: str, schema: dict, description: str, required: bool = False) -> dict:
    return {
        "name": name,
        "in": "query",
        "required": required,
        "schema": schema,
        "description": description,
    }


def _read(summary: str, ok: dict, *, parameters=(), errors=("404", "429"), tag="archive") -> dict:
    return {
        "get": {
            "summary": summary,
            "tags": [tag],
            "parameters": list(parameters),
            "responses": {**ok, **{code: _error(code) for code in errors}},
            "security": [],
        }
    }


def _write(
    summary: str,
    ok: dict,
    *,
    parameters=(),
    body: dict | None = None,
    errors=("400", "401", "403", "404", "409", "422", "429"),
    tag="voting",
    security=None,
) -> dict:
    operation = {
        "summary": summary,
        "tags": [tag],
        "parameters": list(parameters),
        "responses": {**ok, **{code: _error(code) for code in errors}},
    }
    if body is not None:
        operation["requestBody"] = {"required": True, "content": {JSON: {"schema": body}}}
    if security is not None:
        operation["security"] = security
    return {"post": operation}


CONFERENCE = _path_id("conference_id", "The conference.")
DOCUMENT = _path_id("document_id", "The document (resolution or catalogue).")
POLL = _path_id("poll_id", "The poll.")
LANG = _query(
    "lang",
    {"type": "string", "maxLength": 8},
    "A language of the conference: the translation instead of the original.",
)
DOC_PATH = "/conferences/{conference_id}/documents/{document_id}"

POLL_BODY = _obj(
    {
        "conference_id": ID,
        "title": {"type": "string", "maxLength": 300},
        "target_kind": {
            "type": "string",
            "enum": ["question", "election", "amendment", "document", "demand"],
        },
        "target_id": _nullable(ID),
        "question": {"type": "string", "maxLength": 5000},
        "secret": BOOLEAN,
        "method": {"type": "string", "enum": list(METHODS)},
        "majority": {"type": "string", "enum": list(MAJORITIES)},
        "quorum_kind": {"type": "string", "enum": list(QUORUM_KINDS)},
        "quorum": {"type": "string", "description": "A share such as 1/2, or a number."},
        "seats": {"type": "integer", "minimum": 1, "maximum": 100},
        "candidates": {"type": "array", "items": {"type": "string", "maxLength": 200}},
        "duration_seconds": _nullable({"type": "integer", "minimum": 0, "maximum": 86400}),
        "agenda_item_id": _nullable(ID),
    },
    ["conference_id"],
)
BALLOT_BODY = _obj(
    {
        "choice": {
            "description": 'Motions: "yes", "no" or "abstain"; elections: '
            '{"approve": [candidate ids]} or {"votes": {candidate id: "yes"|"no"|"abstain"}}.'
        },
        "submission_id": {
            "type": "string",
            "pattern": "^[A-Za-z0-9_.:-]{8,64}$",
            "description": "Chosen by the client; a retry with the same id gets the same receipt.",
        },
        "voter_id": {**ID, "description": "Casting a proxy's vote: whose."},
    },
    ["choice", "submission_id"],
)
POLL_REPLY = _obj({"poll": _ref("Poll")})
SIGNED_IN = [{"bearer": []}, {"cookie": [], "csrf": []}]


def _paths() -> dict:
    return {
        "/conferences": _read(
            "The network's conferences.",
            _ok(
                "The conferences.",
                _obj({"conferences": {"type": "array", "items": _ref("Conference")}}),
            ),
            errors=("429",),
        ),
        "/conferences/{conference_id}": _read(
            "A conference, with links to its texts and results.",
            _ok(
                "The conference.",
                _obj(
                    {
                        "conference": _ref("Conference"),
                        "links": {"type": "object", "additionalProperties": STRING},
                    }
                ),
            ),
            parameters=[CONFERENCE],
        ),
        "/conferences/{conference_id}/documents": _read(
            "The conference's texts: for anyone the published ones (decided after admission); "
            "for its delegates and staff what the documents pages show them.",
            _ok(
                "The texts, in agenda and voting order.",
                _obj({"documents": {"type": "array", "items": _ref("DocumentSummary")}}),
            ),
            parameters=[CONFERENCE],
        ),
        DOC_PATH: _read(
            "A text: current (adopted) version with numbered lines, versions, amendments, "
            "the polls on it with their results.",
            _ok("The text.", _obj({"document": _ref("Document")})),
            parameters=[CONFERENCE, DOCUMENT, LANG],
            errors=("404", "422", "429"),
        ),
        DOC_PATH + "/versions": _read(
            "The text's versions (for anyone: from the admitted one on).",
            _ok(
                "The versions.",
                _obj({"versions": {"type": "array", "items": _ref("VersionSummary")}}),
            ),
            parameters=[CONFERENCE, DOCUMENT],
        ),
        DOC_PATH + "/versions/{version_number}": _read(
            "One version's text with its numbered lines, or its translation.",
            _ok("The version.", _obj({"version": _ref("Version")})),
            parameters=[
                CONFERENCE,
                DOCUMENT,
                {
                    "name": "version_number",
                    "in": "path",
                    "required": True,
                    "schema": ID,
                    "description": "1, 2, 3 … within the document.",
                },
                LANG,
            ],
            errors=("404", "422", "429"),
        ),
        DOC_PATH + "/amendments": _read(
            "The text's amendments (for anyone: those admitted), with their fate.",
            _ok(
                "The amendments.",
                _obj({"amendments": {"type": "array", "items": _ref("Amendment")}}),
            ),
            parameters=[CONFERENCE, DOCUMENT],
        ),
        "/conferences/{conference_id}/results": _read(
            "Every closed poll of the conference: outcome, numbers, rule and quorum.",
            _ok(
                "The results.",
                _obj(
                    {
                        "conference": _ref("Conference"),
                        "polls": {"type": "array", "items": _ref("Poll")},
                    }
                ),
            ),
            parameters=[CONFERENCE],
        ),
        "/search": _read(
            "Published texts containing every word of the query, in every language they "
            "exist in, with the matching numbered lines.",
            _ok(
                "The texts found (adopted ones first).",
                _obj(
                    {
                        "query": STRING,
                        "hits": {
                            "type": "array",
                            "items": _obj(
                                {
                                    "document": _ref("DocumentSummary"),
                                    "language": STRING,
                                    "title": STRING,
                                    "url": STRING,
                                    "lines": {
                                        "type": "array",
                                        "items": _obj({"number": INTEGER, "text": STRING}),
                                    },
                                }
                            ),
                        },
                    }
                ),
            ),
            parameters=[
                _query(
                    "q",
                    {"type": "string", "minLength": 1, "maxLength": 200},
                    "Words to find.",
                    required=True,
                ),
                _query("conference_id", ID, "Only this conference."),
            ],
            errors=("404", "422", "429"),
        ),
        "/polls": _read(
            "The conference's polls (drafts only for its moderators). Open polls show no "
            "counts; closed ones their result.",
            _ok(
                "The polls, newest first.",
                _obj({"polls": {"type": "array", "items": _ref("Poll")}}),
            ),
            parameters=[_query("conference_id", ID, "The conference.", required=True)],
            errors=("422", "429"),
            tag="voting",
        )
        | _write(
            "Create a draft poll (moderators).",
            _ok("The draft poll.", POLL_REPLY, "201"),
            body=POLL_BODY,
            security=SIGNED_IN,
        ),
        "/polls/{poll_id}": _read(
            "A poll; with a token of the conference also the caller's own votes.",
            _ok("The poll.", POLL_REPLY),
            parameters=[POLL],
            tag="voting",
        ),
        "/polls/{poll_id}/open": _write(
            "Open a draft poll: freezes the eligible voters (moderators).",
            _ok("The open poll.", POLL_REPLY),
            parameters=[POLL],
            security=SIGNED_IN,
        ),
        "/polls/{poll_id}/close": _write(
            "Close an open poll: counts, decides and records the result (moderators).",
            _ok("The closed poll with its result.", POLL_REPLY),
            parameters=[POLL],
            security=SIGNED_IN,
        ),
        "/polls/{poll_id}/cancel": _write(
            "Cancel a draft or open poll; no ballot is counted (moderators).",
            _ok("The cancelled poll.", POLL_REPLY),
            parameters=[POLL],
            security=SIGNED_IN,
        ),
        "/polls/{poll_id}/ballots": _read(
            "After close, every ballot and tracker, so anyone can count again; in secret "
            "polls they are not linked to voters.",
            _ok("The published ballots.", _ref("Ballots")),
            parameters=[POLL],
            tag="voting",
        )
        | _write(
            "Cast a ballot (delegates with a vote in the open poll).",
            {
                **_ok(
                    "A retry: the receipt of the ballot stored before.",
                    _obj({"receipt": _ref("Receipt")}),
                ),
                **_ok("Stored; the receipt.", _obj({"receipt": _ref("Receipt")}), "201"),
            },
            parameters=[POLL],
            body=BALLOT_BODY,
            security=SIGNED_IN,
        ),
        "/audit": _read(
            "The hash-chained audit log, oldest first; page with ?after=<seq>. While a poll is "
            "open the log ends with the entry that opened it (`withheld` is true): the entries "
            "after it appear, unchanged, when the poll closes.",
            _ok("A page of the chain and its head.", _ref("AuditPage")),
            parameters=[
                _query(
                    "after",
                    {"type": "integer", "minimum": 0, "maximum": ID_MAX},
                    "Entries after this sequence number.",
                ),
                _query(
                    "limit",
                    {"type": "integer", "minimum": 1, "maximum": 1000},
                    "At most this many entries (200 if not given).",
                ),
            ],
            errors=("429",),
            tag="audit",
        ),
        "/auth/join": _write(
            "Exchange a delegate's join code for a bearer token.",
            _ok(
                "The token for the accreditation the code belongs to.",
                _obj(
                    {
                        "token": STRING,
                        "token_type": {"type": "string", "enum": ["Bearer"]},
                        "conference_id": INTEGER,
                        "accreditation_id": INTEGER,
                    }
                ),
                "201",
            ),
            body=_obj({"code": {"type": "string", "maxLength": 100}}),
            errors=("400", "404", "422", "429"),
            tag="auth",
            security=[],
        ),
        "/auth/tokens": _write(
            "Create a bearer token for the signed-in staff member.",
            _ok(
                "The token.",
                _obj({"token": STRING, "token_type": {"type": "string", "enum": ["Bearer"]}}),
                "201",
            ),
            errors=("400", "401", "403", "429"),
            tag="auth",
            security=SIGNED_IN,
        ),
        "/auth/revoke": _write(
            "End the session or token this request is made with.",
            _ok("Done.", _obj({"ok": BOOLEAN})),
            errors=("400", "401", "429"),
            tag="auth",
            security=SIGNED_IN,
        ),
    }


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
            "paths": _paths(),
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
