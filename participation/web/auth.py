"""Signing in (join code, staff password), signing out, choosing the language."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import (
    Blueprint,
    current_app,
    flash,
    make_response,
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
from participation.web import limits
from participation.web.access import access
from participation.web.errors import error_response, wants_json

bp = Blueprint("auth", __name__)

SESSION_KEY = "login_token"
#: The routes that check an access code; wrong codes on any of them count together.
JOIN_ENDPOINTS = frozenset({"auth.join_link", "auth.join_form", "api.auth_join"})


def load_principal(_request) -> Principal | None:
    """Flask-Login's loader: the session token must name a live login session.

    API clients send the token as ``Authorization: Bearer <token>`` instead of a cookie; a
    request that carries that header is judged by it alone. A socket event (it has a ``sid``)
    may be judged by the identity the process remembers for the token.
    """
    bearer = bearer_token(_request)
    token = bearer if bearer is not None else session.get(SESSION_KEY)
    identity = identity_for(token, remembered=getattr(_request, "sid", None) is not None)
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
    """Whether a sign-in attempt was refused (a wrong code or password, or an empty form)."""
    return response.status_code in (403, 404, 422)


def _join_limit() -> str:
    """Nothing refuses a join before its code is checked, so a right code always gets in,
    however many wrong ones others sent from the same address; wrong codes are counted once
    checked, by :func:`refuse_wrong_codes`."""
    return ""


def _login_limit() -> str:
    """Wrong passwords per account (:func:`limits.account_key`), checked before the password:
    this limit is what protects it."""
    return current_app.config["LOGIN_RATE_LIMIT"]


def refuse_wrong_codes(response):
    """After a join attempt: count a wrong code against the browser and its address, and past
    either limit answer 429 (with ``Retry-After``) instead of the refusal.

    A right code is never counted nor refused. It is checked whatever the counters say, so a
    guesser past the limit still learns whether a code was right; the codes' 130 random bits,
    not this limit, are what keep guessing hopeless (see the README, "Signing in").
    """
    if request.endpoint not in JOIN_ENDPOINTS or not _failed(response):
        return response
    wait = limits.count_wrong_code()
    if wait is None:
        return response
    message = _(
        "This access code is not valid, and too many wrong codes have come from this device or "
        "network. Please check your code carefully before you try again."
    )
    if wants_json():
        refused = make_response(error_response(429, message))
    else:
        refused = make_response(_join_page(message, 429))
    refused.headers["Retry-After"] = str(wait)
    return refused


class JoinForm(FlaskForm):
    code = StringField(_l("Access code"), validators=[DataRequired(), Length(max=64)])


class LoginForm(FlaskForm):
    email = EmailField(_l("E-mail address"), validators=[DataRequired(), Length(max=254)])
    password = PasswordField(_l("Password"), validators=[DataRequired(), Length(max=200)])


@bp.get("/join/<code>")
@access("public")
def join_link(code: str):
    """Opening the URL of a QR code signs the phone in. A browser signed in as someone else
    is asked first: a link on another site must not switch it silently."""
    if current_user.is_authenticated:
        return _confirm_switch(code)
    return _join(code)


@bp.route("/join", methods=["GET", "POST"])
@access("public")
def join_form():
    """The typed code, or the confirmed switch from :func:`join_link`, signs the browser in."""
    form = JoinForm()
    if form.validate_on_submit():
        return _join(form.code.data)
    status = 422 if request.method == "POST" else 200
    return render_template("auth/join.html", form=form), status


def _join(code: str):
    try:
        token, accreditation = access_service.join_with_code(code)
    except DomainError as error:
        return _join_page(error.message, error.status)
    _sign_in(token)
    return redirect(url_for("delegate.live", conference_id=accreditation.conference_id))


def _join_page(error: str, status: int):
    return render_template("auth/join.html", form=JoinForm(), error=error), status


def _confirm_switch(code: str):
    """The same accreditation goes on to its live page; another one is asked about."""
    try:
        accreditation = access_service.accreditation_for_code(code)
    except DomainError as error:
        return _join_page(error.message, error.status)
    identity = current_user.identity
    if identity.accreditation_id == accreditation.id:
        return redirect(url_for("delegate.live", conference_id=accreditation.conference_id))
    if identity.accreditation_conference_id is not None:
        back = url_for("delegate.live", conference_id=identity.accreditation_conference_id)
    else:
        back = url_for("public.home")
    page = render_template(
        "auth/switch.html",
        accreditation=accreditation,
        code=access_service.normalise_code(code),
        back=back,
    )
    response = make_response(page)
    response.headers["Cache-Control"] = "no-store"  # the page holds the code
    return response


@bp.route("/login", methods=["GET", "POST"])
@access("public")
@limiter.limit(_login_limit, key_func=limits.account_key, deduct_when=_failed, methods=["POST"])
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
