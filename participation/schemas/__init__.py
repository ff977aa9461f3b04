"""One declaration per data shape: what clients send is validated by it, and the OpenAPI
document is built from it (see :mod:`participation.schemas.common`)."""

from participation.schemas.common import (
    MAX_DEPTH,
    Count,
    Flag,
    Id,
    Key,
    Paragraphs,
    Strict,
    SubmissionId,
    Title,
    decode_json,
    field_errors,
    nesting_of,
    parse,
    too_deep,
)

__all__ = [
    "MAX_DEPTH",
    "Count",
    "Flag",
    "Id",
    "Key",
    "Paragraphs",
    "Strict",
    "SubmissionId",
    "Title",
    "decode_json",
    "field_errors",
    "nesting_of",
    "parse",
    "too_deep",
]
