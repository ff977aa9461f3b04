"""The building blocks every declared shape uses: bounded ids, bounded texts, strict models.

A shape is a pydantic model. It validates what a client sends (an API body or query, a socket
payload) and describes it for the OpenAPI document, so the check and the description cannot
drift apart. Every id is bounded to what the database stores, every text and list has a
length limit, a boolean is never taken for a number, and an unknown key is refused.
"""

from __future__ import annotations

import json
import re
from typing import Annotated, Any, TypeVar

from flask_babel import gettext as _
from pydantic import BaseModel, ConfigDict, Field, StrictBool, StrictInt, StrictStr
from pydantic import ValidationError as _ValidationError

from participation.models.base import MAX_ID
from participation.services.errors import Invalid

#: A row's id: a whole number from 1 to the largest a 32-bit column holds.
Id = Annotated[StrictInt, Field(ge=1, le=MAX_ID)]
#: A count or position that is not an id (a line number, a page offset).
Count = Annotated[StrictInt, Field(ge=0, le=MAX_ID)]
#: A name or title typed by a person.
Title = Annotated[StrictStr, Field(max_length=300)]
#: A short key chosen from a list (a status, a method, a language).
Key = Annotated[StrictStr, Field(max_length=40)]
#: A free text of a few paragraphs (a question, a reason).
Paragraphs = Annotated[StrictStr, Field(max_length=20_000)]
#: A client's submission id, which makes a retry idempotent.
SubmissionId = Annotated[StrictStr, Field(min_length=1, max_length=64)]
Flag = StrictBool

#: How deeply any JSON a client sends may nest; no shape needs more than a few levels.
MAX_DEPTH = 16

Shape = TypeVar("Shape", bound=BaseModel)


class Strict(BaseModel):
    """The base of every input shape: unknown keys are refused, values are not coerced."""

    model_config = ConfigDict(extra="forbid", strict=True, frozen=True)


def parse(shape: type[Shape], data: Any) -> Shape:
    """``data`` validated as ``shape``, or :class:`Invalid` naming each wrong field."""
    if not isinstance(data, dict):
        raise Invalid(_("Send a JSON object."))
    try:
        return shape.model_validate(data)
    except _ValidationError as error:
        raise Invalid(_("The request could not be understood."), field_errors(error)) from None


def field_errors(error: _ValidationError) -> dict[str, str]:
    """One readable, translated message per wrong field (``choice.0`` for list items)."""
    found: dict[str, str] = {}
    for item in error.errors(include_url=False, include_input=False):
        where = ".".join(str(part) for part in item["loc"]) or "body"
        found.setdefault(where, _message(item["type"], item.get("ctx") or {}))
    return found


def _message(kind: str, ctx: dict) -> str:
    if kind == "missing":
        return _("This value is required.")
    if kind == "extra_forbidden":
        return _("This key is not expected here.")
    if kind in ("int_type", "int_parsing", "int_from_float"):
        return _("Must be a whole number.")
    if kind in ("less_than_equal", "greater_than_equal", "less_than", "greater_than"):
        return _("This number is out of range.")
    if kind in ("string_type",):
        return _("Must be a text.")
    if kind in ("string_too_long", "too_long"):
        return _("Too long: at most %(limit)s.", limit=ctx.get("max_length", "?"))
    if kind in ("string_too_short", "too_short"):
        return _("Too short.")
    if kind == "bool_type":
        return _("Must be true or false.")
    if kind in ("list_type", "tuple_type"):
        return _("Must be a list.")
    if kind in ("literal_error", "enum"):
        return _("Not one of the allowed values.")
    return _("This value is not valid here.")


def too_deep(value: Any, limit: int = MAX_DEPTH) -> bool:
    """Whether decoded JSON nests deeper than ``limit`` (checked without recursion)."""
    pending: list[tuple[Any, int]] = [(value, 1)]
    while pending:
        item, depth = pending.pop()
        if isinstance(item, dict):
            item = list(item.values())
        if isinstance(item, list):
            if depth > limit:
                return True
            pending.extend((child, depth + 1) for child in item)
    return False


#: A JSON string, to its closing quote or, unterminated, to the end of the text.
_STRING = re.compile(r'"(?:[^"\\]+|\\.?)*(?:"|\Z)', re.DOTALL)
_BRACKET = re.compile(r"[\[\]{}]")


def nesting_of(raw: bytes | str) -> int:
    """How deeply JSON text nests, counted on its brackets before it is decoded.

    Python's decoder recurses once per level, so a body of a million ``[`` would exhaust the
    stack; counting first refuses it cheaply. Brackets inside strings are skipped: the strings
    are cut out first, so an encrypted ballot (2 KB, mostly hexadecimal strings) is counted on
    its hundred brackets rather than character by character.
    """
    text = raw.decode("utf-8", "replace") if isinstance(raw, bytes) else raw
    depth = deepest = 0
    for bracket in _BRACKET.findall(_outside_strings(text)):
        if bracket in "[{":
            depth += 1
            deepest = max(deepest, depth)
        else:
            depth -= 1
    return deepest


def _outside_strings(text: str) -> str:
    """JSON text with its strings cut out.

    Without a backslash no quote is escaped, so every quote opens or closes a string and
    splitting at them is enough (a tenth of the regular expression's time).
    """
    if "\\" not in text:
        return "".join(text.split('"')[::2])
    return _STRING.sub("", text)


def decode_json(raw: bytes | str, max_depth: int = MAX_DEPTH) -> Any:
    """JSON text decoded, or :class:`Invalid` if it is not JSON or nests too deeply."""
    if nesting_of(raw) > max_depth:
        raise Invalid(_("The request nests too deeply."))
    try:
        return json.loads(raw)
    except (ValueError, RecursionError):
        raise Invalid(_("The request is not valid JSON.")) from None
