"""Blueprints, error pages and the headers every response carries."""

from __future__ import annotations

from flask import Flask, jsonify, render_template, request
from flask_babel import gettext as _
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException
from werkzeug.routing import IntegerConverter

from participation.services.errors import DomainError
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
    """``<int:…>`` in URLs, at most 2**31 - 1: ids are 32-bit in the database, and a larger
    number would overflow the query (a server error) instead of finding nothing (404)."""

    def __init__(self, map, fixed_digits=0, min=None, max=2**31 - 1, signed=False):  # noqa: A002
        super().__init__(map, fixed_digits=fixed_digits, min=min, max=max, signed=signed)


def register(app: Flask) -> None:
    from participation.web import (
        admin,
        api,
        api_public,  # noqa: F401  (adds the public reads to the API blueprint)
        auth,
        delegate,
        documents,
        moderate,
        openapi,  # noqa: F401  (adds /api/v1/openapi.json to the API blueprint)
        public,
        template_helpers,
        voting,
    )

    app.url_map.converters["int"] = IdConverter
    template_helpers.register(app)
    for module in (auth, public, delegate, admin, api, documents, moderate, voting):
        app.register_blueprint(module.bp)
    app.before_request(guard)
    app.after_request(_security_headers)
    app.register_error_handler(DomainError, _domain_error)
    app.register_error_handler(CSRFError, _csrf_error)
    app.register_error_handler(HTTPException, _http_error)
    app.register_error_handler(Exception, _server_error)


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


def wants_json() -> bool:
    return request.path.startswith("/api/")


def error_response(status: int, message: str, errors: dict | None = None):
    if wants_json():
        body = {"error": {"status": status, "message": message}}
        if errors:
            body["error"]["details"] = {str(k): v for k, v in errors.items()}
        return jsonify(body), status
    return render_template("error.html", status=status, message=message, errors=errors), status


def _domain_error(error: DomainError):
    return error_response(error.status, error.message, getattr(error, "errors", None))


def _csrf_error(error: CSRFError):
    return error_response(
        400, _("The form was out of date or incomplete. Please reload the page and try again.")
    )


HTTP_MESSAGES = {
    400: lambda: _("The request could not be understood."),
    401: lambda: _("Please sign in first."),
    403: lambda: _("You are not allowed to open this page."),
    404: lambda: _("This page does not exist."),
    405: lambda: _("This action is not possible here."),
    413: lambda: _("The upload is too large."),
    429: lambda: _("Too many attempts. Please wait a minute and try again."),
}


def _http_error(error: HTTPException):
    status = error.code or 500
    if status == 401 and not wants_json():
        from flask import redirect, url_for

        return redirect(url_for("auth.login", next=request.full_path))
    message = HTTP_MESSAGES.get(status, lambda: error.description or "")()
    return error_response(status, message)


def _server_error(error: Exception):
    from flask import current_app

    from participation.extensions import db

    db.session.rollback()
    current_app.logger.exception("unhandled error")
    return error_response(500, _("Something went wrong on our side. Please try again."))
