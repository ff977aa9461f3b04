"""The paths of the OpenAPI description: every route of the JSON API with its answers."""

from __future__ import annotations

from participation.models.voting import MAJORITIES, METHODS, QUORUM_KINDS
from participation.web.openapi.schemas import (
    BOOLEAN,
    ID,
    ID_MAX,
    INTEGER,
    JSON,
    STRING,
    nullable,
    obj,
    ref,
)

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
        "content": {JSON: {"schema": ref("Error")}},
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

POLL_BODY = obj(
    {
        "conference_id": ID,
        "title": {"type": "string", "maxLength": 300},
        "target_kind": {
            "type": "string",
            "enum": ["question", "election", "amendment", "document", "demand"],
        },
        "target_id": nullable(ID),
        "question": {"type": "string", "maxLength": 5000},
        "secret": BOOLEAN,
        "method": {"type": "string", "enum": list(METHODS)},
        "majority": {"type": "string", "enum": list(MAJORITIES)},
        "quorum_kind": {"type": "string", "enum": list(QUORUM_KINDS)},
        "quorum": {"type": "string", "description": "A share such as 1/2, or a number."},
        "seats": {"type": "integer", "minimum": 1, "maximum": 100},
        "candidates": {"type": "array", "items": {"type": "string", "maxLength": 200}},
        "duration_seconds": nullable({"type": "integer", "minimum": 0, "maximum": 86400}),
        "agenda_item_id": nullable(ID),
    },
    ["conference_id"],
)
BALLOT_BODY = obj(
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
POLL_REPLY = obj({"poll": ref("Poll")})
SIGNED_IN: list[dict[str, list[str]]] = [{"bearer": []}, {"cookie": [], "csrf": []}]


def paths() -> dict:
    return {
        "/conferences": _read(
            "The network's conferences.",
            _ok(
                "The conferences.",
                obj({"conferences": {"type": "array", "items": ref("Conference")}}),
            ),
            errors=("429",),
        ),
        "/conferences/{conference_id}": _read(
            "A conference, with links to its texts and results.",
            _ok(
                "The conference.",
                obj(
                    {
                        "conference": ref("Conference"),
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
                obj({"documents": {"type": "array", "items": ref("DocumentSummary")}}),
            ),
            parameters=[CONFERENCE],
        ),
        DOC_PATH: _read(
            "A text: current (adopted) version with numbered lines, versions, amendments, "
            "the polls on it with their results.",
            _ok("The text.", obj({"document": ref("Document")})),
            parameters=[CONFERENCE, DOCUMENT, LANG],
            errors=("404", "422", "429"),
        ),
        DOC_PATH + "/versions": _read(
            "The text's versions (for anyone: from the admitted one on).",
            _ok(
                "The versions.",
                obj({"versions": {"type": "array", "items": ref("VersionSummary")}}),
            ),
            parameters=[CONFERENCE, DOCUMENT],
        ),
        DOC_PATH + "/versions/{version_number}": _read(
            "One version's text with its numbered lines, or its translation.",
            _ok("The version.", obj({"version": ref("Version")})),
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
                obj({"amendments": {"type": "array", "items": ref("Amendment")}}),
            ),
            parameters=[CONFERENCE, DOCUMENT],
        ),
        "/conferences/{conference_id}/results": _read(
            "Every closed poll of the conference: outcome, numbers, rule and quorum.",
            _ok(
                "The results.",
                obj(
                    {
                        "conference": ref("Conference"),
                        "polls": {"type": "array", "items": ref("Poll")},
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
                obj(
                    {
                        "query": STRING,
                        "hits": {
                            "type": "array",
                            "items": obj(
                                {
                                    "document": ref("DocumentSummary"),
                                    "language": STRING,
                                    "title": STRING,
                                    "url": STRING,
                                    "lines": {
                                        "type": "array",
                                        "items": obj({"number": INTEGER, "text": STRING}),
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
                obj({"polls": {"type": "array", "items": ref("Poll")}}),
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
            _ok("The published ballots.", ref("Ballots")),
            parameters=[POLL],
            tag="voting",
        )
        | _write(
            "Cast a ballot (delegates with a vote in the open poll).",
            {
                **_ok(
                    "A retry: the receipt of the ballot stored before.",
                    obj({"receipt": ref("Receipt")}),
                ),
                **_ok("Stored; the receipt.", obj({"receipt": ref("Receipt")}), "201"),
            },
            parameters=[POLL],
            body=BALLOT_BODY,
            security=SIGNED_IN,
        ),
        "/audit": _read(
            "The hash-chained audit log, oldest first; page with ?after=<seq>. While a poll is "
            "open the log ends with the entry that opened it (`withheld` is true): the entries "
            "after it appear, unchanged, when the poll closes. An entry about something not "
            "yet public (a draft poll, an unpublished text, a working group) shows no data but "
            "its salted digest, which its hash covers; data and salt appear once it is public.",
            _ok("A page of the chain and its head.", ref("AuditPage")),
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
                obj(
                    {
                        "token": STRING,
                        "token_type": {"type": "string", "enum": ["Bearer"]},
                        "conference_id": INTEGER,
                        "accreditation_id": INTEGER,
                    }
                ),
                "201",
            ),
            body=obj({"code": {"type": "string", "maxLength": 100}}),
            errors=("400", "404", "422", "429"),
            tag="auth",
            security=[],
        ),
        "/auth/tokens": _write(
            "Create a bearer token for the signed-in staff member.",
            _ok(
                "The token.",
                obj({"token": STRING, "token_type": {"type": "string", "enum": ["Bearer"]}}),
                "201",
            ),
            errors=("400", "401", "403", "429"),
            tag="auth",
            security=SIGNED_IN,
        ),
        "/auth/revoke": _write(
            "End the session or token this request is made with.",
            _ok("Done.", obj({"ok": BOOLEAN})),
            errors=("400", "401", "429"),
            tag="auth",
            security=SIGNED_IN,
        ),
    }
