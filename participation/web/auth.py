"""Signing in (join code, staff password), signing out, choosing the language."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import (
    Blueprint,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from wtforms import EmailField, PasswordField, StringField
from wtforms.validators import DataRequired, Length

from participation.config import SUPPORTED_LOCALES
from participation.extensions import limiter
from participation.services import access as access_service
from participation.services import people as people_service
from participation.services.authz import Principal, identity_for
from participation.services.errors import DomainError
from participation.web.access import access

bp = Blueprint("auth", __name__)

SESSION_KEY = "login_token"


def load_principal(_request) -> Principal | None:
    """Flask-Login's loader: the session token must name a live login session.

    API clients send the token as ``Authorization: Bearer <token>`` instead of a cookie; a
    request that carries that header is judged by it alone.
    """
    bearer = bearer_token(_request)
    token = bearer if bearer is not None else session.get(SESSION_KEY)
    identity = identity_for(token)
    return Principal(identity) if identity is not None else None


def bearer_token(req) -> str | None:
    """The token of an ``Authorization: Bearer`` header ("" if malformed), else None."""
    header = req.headers.get("Authorization", "")
    if header[:7].lower() != "bearer ":
        return None
    return header[7:].strip()


def _sign_in(token: str) -> None:
    session.clear()
    session[SESSION_KEY] = token
    session.permanent = True


def _failed(response) -> bool:
    return response.status_code in (403, 404, 422)


def _join_limit() -> str:
    return current_app.config["JOIN_RATE_LIMIT"]


def _login_limit() -> str:
    return current_app.config["LOGIN_RATE_LIMIT"]


class JoinForm(FlaskForm):
    code = StringField(_l("Access code"), validators=[DataRequired(), Length(max=64)])


class LoginForm(FlaskForm):
    email = EmailField(_l("E-mail address"), validators=[DataRequired(), Length(max=254)])
    password = PasswordField(_l("Password"), validators=[DataRequired(), Length(max=200)])


@bp.get("/join/<code>")
@access("public")
@limiter.limit(_join_limit, deduct_when=_failed)
def join_link(code: str):
    """Opening the URL of a QR code signs the phone in."""
    return _join(code)


@bp.route("/join", methods=["GET", "POST"])
@access("public")
@limiter.limit(_join_limit, deduct_when=_failed, methods=["POST"])
def join_form():
    form = JoinForm()
    if form.validate_on_submit():
        return _join(form.code.data)
    status = 422 if request.method == "POST" else 200
    return render_template("auth/join.html", form=form), status


def _join(code: str):
    try:
        token, accreditation = access_service.join_with_code(code)
    except DomainError as error:
        return render_template("auth/join.html", form=JoinForm(), error=error.message), error.status
    _sign_in(token)
    return redirect(url_for("delegate.live", conference_id=accreditation.conference_id))


@bp.route("/login", methods=["GET", "POST"])
@access("public")
@limiter.limit(_login_limit, deduct_when=_failed, methods=["POST"])
def login():
    form = LoginForm()
    error = None
    if form.validate_on_submit():
        try:
            token, _person = access_service.staff_login(form.email.data, form.password.data)
        except DomainError as failure:
            error = failure.message
        else:
            _sign_in(token)
            return redirect(_safe_next(request.args.get("next")) or url_for("public.home"))
    status = 403 if error else (422 if request.method == "POST" else 200)
    return render_template("auth/login.html", form=form, error=error), status


def _safe_next(target: str | None) -> str | None:
    """Only local paths are followed after signing in."""
    if not target:
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return None
    return target


@bp.post("/logout")
@access("public")
def logout():
    token = session.get(SESSION_KEY)
    if token:
        access_service.sign_out(token)
    session.clear()
    flash(_("You are signed out."), "info")
    return redirect(url_for("public.home"))


@bp.post("/language")
@access("public")
def language():
    """Remember the interface language: on the person if signed in, else in the session."""
    locale = request.form.get("locale", "")
    if locale not in SUPPORTED_LOCALES:
        flash(_("This language is not available."), "error")
        return redirect(url_for("public.home"))
    session["locale"] = locale
    if current_user.is_authenticated:
        people_service.set_locale(current_user.person.id, locale)
    return redirect(_safe_next(request.form.get("next")) or url_for("public.home"))
