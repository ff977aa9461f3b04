"""The door of every API route: its declared shapes check the request before the view runs.

``@shaped(...)`` records what a route takes and answers (an
:class:`~participation.schemas.openapi.Operation`, from which the OpenAPI document is built)
and enforces it: a body larger than the route takes is refused (413) before it is read, its
JSON nesting is counted before it is decoded, and body and query string are validated by their
shapes. The view receives them as ``body`` and ``query``; a refusal changes nothing.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Mapping
from typing import Any

from flask import jsonify, request
from flask_babel import format_decimal
from flask_babel import gettext as _
from pydantic import BaseModel

from participation.schemas import decode_json, parse
from participation.schemas.openapi import Operation
from participation.services.errors import DomainError, Invalid

#: The attribute that holds a view's declaration.
OPERATION = "api_operation"


class TooLarge(DomainError):
    status = 413


def shaped(
    *,
    replies: Mapping[int, tuple[type[BaseModel], str]],
    body: type[BaseModel] | None = None,
    query: type[BaseModel] | None = None,
    tag: str = "archive",
    max_bytes: int = 1024,
    max_depth: int = 1,
    errors: tuple[int, ...] = (),
) -> Callable:
    """Declare and enforce what a route takes and answers (see :class:`Operation`)."""
    operation = Operation(
        replies=replies,
        body=body,
        query=query,
        tag=tag,
        max_bytes=max_bytes,
        max_depth=max_depth,
        errors=errors,
    )

    def wrap(view: Callable) -> Callable:
        @functools.wraps(view)
        def checked(**arguments: Any):
            sent = _read_body(operation)
            if operation.query is not None:
                arguments["query"] = parse(operation.query, _query_string())
            if operation.body is not None:
                arguments["body"] = parse(operation.body, sent)
            return view(**arguments)

        setattr(checked, OPERATION, operation)
        return checked

    return wrap


def operation_of(view: Callable) -> Operation | None:
    return getattr(view, OPERATION, None)


def reply(shape: type[BaseModel], status: int = 200, **values: Any):
    """A small answer built and serialised through its declared shape."""
    return jsonify(shape(**values).model_dump(mode="json", exclude_none=True)), status


def _query_string() -> dict[str, str]:
    """The query string's first value of each key; an empty value counts as left out."""
    return {key: value for key, value in request.args.items() if value != ""}


def _read_body(operation: Operation) -> Any:
    """The decoded JSON body (None for a route without one), refused if too large or deep."""
    limit = operation.max_bytes
    if request.content_length is not None and request.content_length > limit:
        raise _too_large(limit)
    if operation.body is None:
        return None
    if not request.is_json:
        raise Invalid(_("Send a JSON object."))
    raw = request.stream.read(limit + 1)
    if len(raw) > limit:
        raise _too_large(limit)
    return decode_json(raw, operation.max_depth)


def _too_large(limit: int) -> TooLarge:
    return TooLarge(
        _("The request is too large: at most %(limit)s bytes.", limit=format_decimal(limit))
    )
