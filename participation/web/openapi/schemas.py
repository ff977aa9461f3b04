"""The building blocks of the OpenAPI description and its component schemas."""

from __future__ import annotations

from participation.models import MAX_ID
from participation.models.conference import CONFERENCE_STATUSES
from participation.models.documents import AMENDMENT_STATUSES, DOCUMENT_STATUSES
from participation.models.voting import MAJORITIES, METHODS, POLL_STATES, QUORUM_KINDS

ID_MAX = MAX_ID
JSON = "application/json"


def nullable(schema: dict) -> dict:
    kind = schema["type"]
    return {**schema, "type": [kind, "null"] if isinstance(kind, str) else [*kind, "null"]}


def ref(name: str) -> dict:
    return {"$ref": f"#/components/schemas/{name}"}


def obj(properties: dict, required: list[str] | None = None, **extra) -> dict:
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
    "Error": obj(
        {
            "error": obj(
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
    "Conference": obj(
        {
            "id": INTEGER,
            "title": STRING,
            "number": INTEGER,
            "starts_on": nullable(DATE),
            "ends_on": nullable(DATE),
            "venue": STRING,
            "status": {"type": "string", "enum": list(CONFERENCE_STATUSES)},
            "languages": {"type": "array", "items": STRING},
            "line_width": {"type": "integer", "description": "Characters per numbered line."},
        },
        ["id", "title", "number", "starts_on", "ends_on", "venue", "status", "languages"],
    ),
    "DocumentSummary": obj(
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
            "decided_at": nullable(DATETIME),
            "agenda_item": nullable(STRING),
            "current_version": nullable(INTEGER),
            "languages": {
                "type": "array",
                "items": STRING,
                "description": "The original language, then those with a translation.",
            },
            "url": {**nullable(STRING), "description": "Permanent link of a published text."},
        }
    ),
    "Line": obj(
        {"number": INTEGER, "block": INTEGER, "text": STRING},
        ["number", "text"],
        description="A numbered line, as on the screen, the projector and in the PDF.",
    ),
    "Text": obj(
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
            "lines": {"type": "array", "items": ref("Line")},
        }
    ),
    "VersionSummary": obj(
        {
            "number": INTEGER,
            "title": STRING,
            "note": STRING,
            "created_at": nullable(DATETIME),
            "translations": {"type": "array", "items": STRING},
        }
    ),
    "Version": obj(
        {
            "number": INTEGER,
            "title": STRING,
            "note": STRING,
            "created_at": nullable(DATETIME),
            "language": STRING,
            "translation": BOOLEAN,
            "translations": {"type": "array", "items": STRING},
            "body": STRING,
            "lines": {"type": "array", "items": ref("Line")},
        }
    ),
    "Amendment": obj(
        {
            "id": INTEGER,
            "document_id": INTEGER,
            "number": {"type": "string", "description": "Ä1, Ä2 … per document."},
            "status": {"type": "string", "enum": list(AMENDMENT_STATUSES)},
            "base_version": {"type": "integer", "description": "Version the lines refer to."},
            "lines": {"type": "string", "description": "Line ranges changed, such as 12–14."},
            "changes": {
                "type": "array",
                "items": obj({"block": INTEGER, "text": STRING}),
                "description": "Paragraph (block) index → its new Markdown; empty deletes it.",
            },
            "reasoning": STRING,
            "organisation": nullable(STRING),
            "admitted_at": nullable(DATETIME),
            "decided_at": nullable(DATETIME),
        }
    ),
    "Poll": obj(
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
            "target_id": nullable(INTEGER),
            "secret": BOOLEAN,
            "method": {"type": "string", "enum": list(METHODS)},
            "seats": INTEGER,
            "majority": {"type": "string", "enum": list(MAJORITIES)},
            "quorum": obj(
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
            "candidates": {"type": "array", "items": obj({"id": INTEGER, "name": STRING})},
            "opened_at": nullable(DATETIME),
            "closes_at": nullable(DATETIME),
            "closed_at": nullable(DATETIME),
            "weight_scale": {
                "type": "integer",
                "description": "Weights are whole multiples of 1/weight_scale.",
            },
            "eligible": obj(
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
            "turnout": ref("Turnout"),
            "my_votes": {"type": "array", "items": {"type": "object"}},
            "target": obj(
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
    "Turnout": obj(
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
            ref("DocumentSummary"),
            obj(
                {
                    "reasoning": STRING,
                    "submitters": {"type": "array", "items": STRING},
                    "cosigners": {"type": "array", "items": STRING},
                    "submitting_body": STRING,
                    "text": ref("Text"),
                    "versions": {"type": "array", "items": ref("VersionSummary")},
                    "amendments": {"type": "array", "items": ref("Amendment")},
                    "demands": {
                        "type": "array",
                        "items": obj(
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
                    "polls": {"type": "array", "items": ref("Poll")},
                }
            ),
        ]
    },
    "Ballots": obj(
        {
            "poll_id": INTEGER,
            "state": {"type": "string", "enum": list(POLL_STATES)},
            "secret": BOOLEAN,
            "weight_scale": INTEGER,
            "ballots": {
                "type": "array",
                "items": obj({"key": STRING, "choice": {}, "weight": INTEGER}),
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
    "AuditPage": obj(
        {
            "head": obj({"seq": INTEGER, "hash": HASH}),
            "withheld": BOOLEAN,
            "entries": {
                "type": "array",
                "items": obj(
                    {
                        "seq": INTEGER,
                        "at": DATETIME,
                        "actor": STRING,
                        "action": STRING,
                        "subject": STRING,
                        "conference_id": nullable(INTEGER),
                        "data": {
                            "type": "object",
                            "description": "Empty while the data is withheld.",
                        },
                        "data_withheld": {
                            "type": "boolean",
                            "description": "The data is not public yet; the hash covers "
                            "data_digest.",
                        },
                        "salt": nullable(STRING),
                        "data_digest": {
                            **nullable(HASH),
                            "description": "sha256(salt || JSON of data); null for entries "
                            "whose hash covers their data itself.",
                        },
                        "prev_hash": HASH,
                        "hash": HASH,
                    }
                ),
            },
        }
    ),
    "Receipt": obj(
        {"poll_id": INTEGER, "voter_id": INTEGER, "tracker": STRING, "repeated": BOOLEAN}
    ),
}
