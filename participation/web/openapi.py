"""The OpenAPI 3.1 description of the JSON API, served at ``/api/v1/openapi.json``.

It is built from the declarations the routes check their requests with (``@shaped``, see
:mod:`participation.web.shaped`) by :mod:`participation.schemas.openapi`, so it says what the
API really takes and answers. ``tests/test_openapi.py`` validates it and runs a property-based
test against it, with values inside and outside the description.
"""

from __future__ import annotations

import re
from copy import deepcopy

from flask import Flask, current_app, jsonify

from participation.schemas import openapi as builder
from participation.web.access import ACCESS_LEVEL, access
from participation.web.api import bp
from participation.web.shaped import operation_of

PREFIX = "/api/v1"
_PARAMETER = re.compile(r"<(?:[^:<>]+:)?([^<>]+)>")


def routes(app: Flask) -> list[builder.Route]:
    """Every route of the API with its declaration; one without is a mistake."""
    found = []
    for rule in app.url_map.iter_rules():
        if not rule.rule.startswith(PREFIX + "/") or rule.endpoint == "api.openapi":
            continue
        view = app.view_functions[rule.endpoint]
        operation = operation_of(view)
        if operation is None:
            raise LookupError(f"{rule.endpoint} declares no shapes (@shaped)")
        path = _PARAMETER.sub(r"{\1}", rule.rule[len(PREFIX) :])
        for method in sorted((rule.methods or set()) - {"HEAD", "OPTIONS"}):
            found.append(
                builder.Route(
                    path=path,
                    method=method.lower(),
                    name=rule.endpoint.rpartition(".")[2],
                    operation=operation,
                    doc=view.__doc__ or "",
                    public=getattr(view, ACCESS_LEVEL, None) == "public",
                    path_parameters=tuple(_PARAMETER.findall(rule.rule)),
                )
            )
    return found


def document() -> dict:
    """The OpenAPI document of the current app (built once, a fresh copy each time)."""
    built = current_app.extensions.get("openapi_document")
    if built is None:
        built = current_app.extensions["openapi_document"] = builder.document(routes(current_app))
    return deepcopy(built)


@bp.get("/openapi.json")
@access("public")
def openapi():
    """This API's description (OpenAPI 3.1)."""
    return jsonify(document())
