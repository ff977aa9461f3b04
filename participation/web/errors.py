"""Refusals and errors as pages, or as JSON under ``/api/``."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import Flask, current_app, jsonify, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException

from participation.extensions import db
from participation.services.errors import DomainError


def register(app: Flask) -> None:
    app.register_error_handler(DomainError, _domain_error)
    app.register_error_handler(CSRFError, _csrf_error)
    app.register_error_handler(HTTPException, _http_error)
    app.register_error_handler(Exception, _server_error)


def wants_json() -> bool:
    return request.path.startswith("/api/")


def error_response(status: int, message: str, errors: dict | None = None):
    if wants_json():
        body = {"error": {"status": status, "message": message}}
        if errors:
            body["error"]["details"] = {str(k): v for k, v in errors.items()}
        return jsonify(body), status
    back_url, back_label = way_back()
    page = render_template(
        "error.html",
        status=status,
        message=message,
        errors=errors,
        back_url=back_url,
        back_label=back_label,
    )
    return page, status


def way_back() -> tuple[str, str]:
    """Where a refused person goes on from here: the page they came from when it is on this
    site, else the conference the address names, else the start page."""
    referrer = request.referrer or ""
    parts = urlsplit(referrer)
    if (
        parts.scheme in ("http", "https")
        and parts.netloc == request.host
        and referrer != request.url
        and not parts.path.startswith("/api/")
    ):
        return referrer, _("Back to the previous page")
    conference_id = (request.view_args or {}).get("conference_id")
    if isinstance(conference_id, int):
        return url_for("public.conference", conference_id=conference_id), _(
            "Back to the conference"
        )
    return url_for("public.home"), _("Back to the start page")


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
        return redirect(url_for("auth.login", next=request.full_path))
    message = HTTP_MESSAGES.get(status, lambda: error.description or "")()
    return error_response(status, message)


def _server_error(error: Exception):
    db.session.rollback()
    current_app.logger.exception("unhandled error")
    return error_response(500, _("Something went wrong on our side. Please try again."))
