"""The OpenAPI 3.1 document, built from the shapes every route of the API declares.

A route declares an :class:`Operation` (what it takes, what it answers, how large a body may
be); the web layer lists the routes (:class:`Route`) and :func:`document` turns them into
paths, with every shape as a component schema from pydantic's JSON Schema. The check of a
request and its description are the same declaration, so they cannot drift apart.
"""

from __future__ import annotations

import inspect
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from pydantic import BaseModel
from pydantic.json_schema import models_json_schema

from participation.models import MAX_ID
from participation.schemas.replies import Error

JSON = "application/json"
REF = "#/components/schemas/{model}"
ID = {"type": "integer", "minimum": 1, "maximum": MAX_ID}

#: What each refusal means; an operation lists those it can give.
ERRORS = {
    400: "The request could not be understood, or (cookie sessions) the CSRF token is "
    "missing from the X-CSRFToken header.",
    401: "Not signed in: send a bearer token (or a session cookie).",
    403: "Signed in, but not allowed to do this.",
    404: "No such thing, or not published (drafts and unpublished items never show).",
    409: "Not possible in the current state (a poll already closed, a second ballot …).",
    413: "The body is larger than this operation takes (see its request body).",
    422: "The request names something invalid; `details` says what, field by field.",
    429: "Too many requests; wait a minute.",
    503: "The server is busy; send the same request again.",
}
#: The path parameters of the API's URLs.
PATH_PARAMETERS = {
    "conference_id": "The conference.",
    "document_id": "The document (resolution or catalogue).",
    "version_number": "1, 2, 3 … within the document.",
    "poll_id": "The poll.",
}
SIGNED_IN: list[dict[str, list[str]]] = [{"bearer": []}, {"cookie": [], "csrf": []}]
TAGS = [
    {"name": "archive", "description": "Published texts and results."},
    {"name": "voting", "description": "Polls, results and ballots."},
    {"name": "audit", "description": "The append-only, hash-chained log."},
    {"name": "auth", "description": "Tokens for apps and scripts."},
]
DESCRIPTION = (
    "Conferences of the network: published resolutions and demand catalogues with their "
    "line-numbered texts, translations, amendments and vote results; polls and ballots for "
    "delegates; the audit chain.\n\n"
    "Reads are public and show only what is published, unless the caller has a role in the "
    "conference. Writes need a bearer token (from /auth/join or /auth/tokens) or a session "
    "cookie with the CSRF token in X-CSRFToken. Every request is checked against its "
    "description: unknown keys, numbers given as text, booleans given as numbers, ids outside "
    "1 … 2³¹−1, texts over their length and bodies over their size or nesting are refused and "
    'change nothing. Every refusal is JSON: {"error": {"status", "message", "details"}}.'
)


@dataclass(frozen=True)
class Operation:
    """What one route of the API takes and answers."""

    #: Status → (shape, what it means) of every successful answer.
    replies: Mapping[int, tuple[type[BaseModel], str]]
    #: The JSON body's shape; None: the route reads no body.
    body: type[BaseModel] | None = None
    #: The query string's shape.
    query: type[BaseModel] | None = None
    tag: str = "archive"
    #: The largest body taken, in bytes; a larger one is refused (413) unread.
    max_bytes: int = 1024
    #: How deeply the body's JSON may nest (an object is 1).
    max_depth: int = 1
    #: Refusals beyond those that follow from the route's kind (see :func:`refusals`).
    errors: tuple[int, ...] = ()


@dataclass(frozen=True)
class Route:
    """A route as the document lists it: ``/polls/{poll_id}``, its method and declaration."""

    path: str
    method: str
    #: The view's name, which names the operation too.
    name: str
    operation: Operation
    #: The view's docstring: its first paragraph is the summary, the rest the description.
    doc: str
    public: bool
    path_parameters: tuple[str, ...] = field(default=())


def refusals(route: Route) -> list[int]:
    """The refusals a route can give: ids in the path may name nothing, queries and bodies
    may be invalid, writes of signed-in callers may be refused or meet another state."""
    codes = {429, *route.operation.errors}
    if route.path_parameters:
        codes.add(404)
    if route.operation.query is not None:
        codes.add(422)
    if route.method == "post":
        codes |= {400, 413, 422}
        if not route.public:
            codes |= {401, 403, 404, 409, 503}
    return sorted(codes)


def document(routes: Iterable[Route]) -> dict:
    """The OpenAPI document of ``routes``."""
    routes = list(routes)
    components, refs = _components(routes)
    paths: dict[str, dict] = {}
    for route in sorted(routes, key=lambda r: (r.path, r.method)):
        paths.setdefault(route.path, {})[route.method] = _operation(route, refs)
    return {
        "openapi": "3.1.0",
        "info": {"title": "Participation API", "version": "1.0.0", "description": DESCRIPTION},
        "servers": [{"url": "/api/v1"}],
        "tags": TAGS,
        "paths": paths,
        "components": {
            "schemas": components,
            "securitySchemes": {
                "bearer": {"type": "http", "scheme": "bearer"},
                "cookie": {"type": "apiKey", "in": "cookie", "name": "session"},
                "csrf": {"type": "apiKey", "in": "header", "name": "X-CSRFToken"},
            },
        },
    }


Refs = Mapping[type[BaseModel], dict]


def _components(routes: list[Route]) -> tuple[dict, Refs]:
    """Every shape the routes name, as component schemas, and the reference to each."""
    models: dict[type[BaseModel], None] = {Error: None}
    for route in routes:
        operation = route.operation
        for model in (operation.body, *(shape for shape, _ in operation.replies.values())):
            if model is not None:
                models[model] = None
    found, schemas = models_json_schema([(m, "validation") for m in models], ref_template=REF)
    refs: dict[type[BaseModel], dict] = {
        model: reference
        for (model, _mode), reference in found.items()
        if isinstance(model, type) and issubclass(model, BaseModel)
    }
    return _untitled(schemas.get("$defs", {})), refs


def _operation(route: Route, refs: Refs) -> dict:
    operation = route.operation
    summary, _, description = inspect.cleandoc(route.doc).partition("\n\n")
    result: dict[str, Any] = {
        "operationId": route.name,
        "summary": " ".join(summary.split()),
        "tags": [operation.tag],
        "parameters": [_path_parameter(name) for name in route.path_parameters]
        + _query_parameters(operation.query),
        "responses": {
            **{
                str(status): _content(description, refs[shape])
                for status, (shape, description) in sorted(operation.replies.items())
            },
            **{str(code): _content(ERRORS[code], refs[Error]) for code in refusals(route)},
        },
        "security": [] if route.public else SIGNED_IN,
    }
    if description:
        result["description"] = " ".join(description.split())
    if operation.body is not None:
        result["requestBody"] = {
            "required": True,
            "description": f"At most {operation.max_bytes} bytes of JSON, nested at most "
            f"{operation.max_depth} deep.",
            "content": {JSON: {"schema": refs[operation.body]}},
        }
    return result


def _content(description: str, reference: dict) -> dict:
    return {"description": description, "content": {JSON: {"schema": dict(reference)}}}


def _path_parameter(name: str) -> dict:
    return {
        "name": name,
        "in": "path",
        "required": True,
        "schema": ID,
        "description": PATH_PARAMETERS[name],
    }


def _query_parameters(shape: type[BaseModel] | None) -> list[dict]:
    if shape is None:
        return []
    schema = _untitled(shape.model_json_schema(ref_template=REF))
    required = set(schema.get("required", []))
    parameters = []
    for name, prop in schema["properties"].items():
        prop = dict(prop)
        description = prop.pop("description", "")
        parameters.append(
            {
                "name": name,
                "in": "query",
                "required": name in required,
                "schema": _not_null(prop),
                "description": description,
            }
        )
    return parameters


def _not_null(schema: dict) -> dict:
    """A query value is never JSON's null: an optional one is simply left out."""
    options = [s for s in schema.get("anyOf", []) if s.get("type") != "null"]
    if len(options) == 1:
        rest = {k: v for k, v in schema.items() if k not in ("anyOf", "default")}
        return {**options[0], **rest}
    return schema


def _untitled(schema: Any) -> Any:
    """``schema`` without pydantic's generated titles, which only repeat the names."""
    if isinstance(schema, dict):
        return {
            key: _untitled(value)
            for key, value in schema.items()
            if not (key == "title" and isinstance(value, str))
        }
    if isinstance(schema, list):
        return [_untitled(item) for item in schema]
    return schema
