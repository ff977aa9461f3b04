"""Blueprints, error pages and the headers every response carries."""

from __future__ import annotations

from flask import Flask, request
from werkzeug.routing import IntegerConverter

from participation.models import MAX_ID
from participation.web import (
    admin,
    api,
    api_public,  # noqa: F401  (adds the public reads to the API blueprint)
    auth,
    delegate,
    documents,
    errors,
    moderate,
    openapi,  # noqa: F401  (adds /api/v1/openapi.json to the API blueprint)
    public,
    template_helpers,
    trustees,
    voting,
)
from participation.web.access import guard

CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "font-src 'self'",
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'none'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ]
)


class IdConverter(IntegerConverter):
    """``<int:…>`` in URLs. Ids are 32-bit in the database: a larger number would overflow the
    query (a server error), so it becomes 0, which names nothing (404) — as any unknown id.

    Refusing it in the router instead would answer 405 where another method shares the path.
    """

    def __init__(self, map, fixed_digits=0, min=None, max=None, signed=False):  # noqa: A002
        super().__init__(map, fixed_digits=fixed_digits, min=min, max=max, signed=signed)

    def to_python(self, value: str) -> int:
        number = super().to_python(value)
        return number if number <= MAX_ID else 0


def register(app: Flask) -> None:
    app.url_map.converters["int"] = IdConverter
    template_helpers.register(app)
    for module in (auth, public, delegate, admin, api, documents, moderate, voting, trustees):
        app.register_blueprint(module.bp)
    app.before_request(guard)
    app.after_request(_security_headers)
    # Registered after the headers, so it runs before them (Flask runs the last one first)
    # and a wrong code's 429 carries them too.
    app.after_request(auth.refuse_wrong_codes)
    errors.register(app)


def _security_headers(response):
    response.headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["X-Frame-Options"] = "DENY"
    response.headers["Referrer-Policy"] = "same-origin"
    response.headers["Permissions-Policy"] = "camera=(self), geolocation=(), microphone=()"
    response.headers["Cross-Origin-Opener-Policy"] = "same-origin"
    if request.is_secure:
        response.headers["Strict-Transport-Security"] = "max-age=31536000"
    return response
