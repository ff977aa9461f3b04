"""The trustees' page: who holds the key of the secret ballots, appointing them, and the
trustee's own part of the ceremony and of every count (run by ``static/js/trustee.js``)."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from wtforms import SelectMultipleField
from wtforms.validators import DataRequired, NumberRange

from participation.services import conferences as conference_service
from participation.services import trustees
from participation.services.authz import allows
from participation.services.errors import DomainError
from participation.web.access import access
from participation.web.forms import WholeNumberField

bp = Blueprint("trustees", __name__)


class AppointForm(FlaskForm):
    people = SelectMultipleField(
        _l("Trustees (each on their own device)"), coerce=int, validators=[DataRequired()]
    )
    threshold = WholeNumberField(
        _l("How many of them must decrypt together"),
        default=2,
        validators=[NumberRange(1, trustees.MAX_TRUSTEES)],
    )


def _page(conference_id: int, form: AppointForm, status: int = 200):
    conference = conference_service.get_conference(conference_id)
    state = trustees.trustee_state(current_user.person, conference.id)
    return render_template(
        "voting/trustees.html",
        conference=conference,
        state=state,
        form=form if allows(current_user, "moderator", conference.id) else None,
        labels=trustee_labels(),
    ), status


@bp.get("/c/<int:conference_id>/trustees")
@access("observer")
def page(conference_id: int):
    form = AppointForm()
    form.people.choices = trustees.candidates(conference_id)
    return _page(conference_id, form)


@bp.post("/c/<int:conference_id>/trustees")
@access("moderator")
def appoint(conference_id: int):
    form = AppointForm()
    form.people.choices = trustees.candidates(conference_id)
    if form.validate_on_submit():
        try:
            trustees.appoint(
                current_user.person, conference_id, list(form.people.data), form.threshold.data
            )
        except DomainError as error:
            form.form_errors.append(error.message)
        else:
            flash(_("The trustees are appointed. Each now opens this page on their own device."))
            return redirect(url_for(".page", conference_id=conference_id))
    return _page(conference_id, form, 422 if request.method == "POST" else 200)


def trustee_labels() -> dict:
    """Texts the trustee's script shows, translated on the server."""
    return {
        "connecting": _("Connecting …"),
        "waiting_keys": _("Waiting for every trustee to open this page …"),
        "waiting_dealings": _("Waiting for every trustee's share of the key …"),
        "waiting_confirmations": _("Waiting for every trustee to confirm …"),
        "ready": _(
            "The key is ready. Keep this page open during the votes: it decrypts the "
            "results by itself."
        ),
        "holding": _("This device holds your key share."),
        "missing": _("This device does not hold your key share. Restore it from your backup."),
        "failed": _("The ceremony failed. A moderator appoints the trustees again."),
        "decrypted": _("Decrypted: {title}"),
        "refused": _("Refused: {error}"),
        "restored": _("Your key share is restored."),
        "bad_backup": _("This file is not your backup for this ceremony."),
    }
