"""Admin pages: organisations, people, conferences, agendas, accreditations, desk and slips."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user
from sqlalchemy import select

from participation.extensions import db
from participation.models import Accreditation, AgendaItem, Conference, Organisation, Person
from participation.services import access as access_service
from participation.services import conferences as conference_service
from participation.services import directory
from participation.services.errors import Conflict, DomainError, Invalid, NotFound
from participation.web.access import access
from participation.web.forms import (
    AccreditationForm,
    AgendaItemForm,
    CheckInForm,
    ConferenceForm,
    ConfirmForm,
    ImportForm,
    OrganisationForm,
    PersonForm,
    SlipsForm,
)

bp = Blueprint("admin", __name__, url_prefix="/admin")


def _actor() -> Person:
    return current_user.person


def _form_error(form, error: DomainError) -> None:
    """Show a service's refusal on the form; nothing was stored."""
    form.form_errors.append(error.message)


# --- network-wide -------------------------------------------------------------------------


@bp.get("/")
@access("staff")
def dashboard():
    conferences = db.session.scalars(select(Conference).order_by(Conference.number.desc())).all()
    return render_template("admin/dashboard.html", conferences=conferences)


@bp.route("/organisations", methods=["GET", "POST"])
@access("staff")
def organisations():
    form = OrganisationForm()
    if form.validate_on_submit():
        try:
            directory.save_organisation(_actor(), **_organisation_fields(form))
        except DomainError as error:
            _form_error(form, error)
        else:
            flash(_("Organisation saved."), "success")
            return redirect(url_for(".organisations"))
    rows = db.session.scalars(select(Organisation).order_by(Organisation.name)).all()
    return _render_with_status("admin/organisations.html", form, organisations=rows)


@bp.route("/organisations/<int:organisation_id>", methods=["GET", "POST"])
@access("staff")
def organisation(organisation_id: int):
    organisation = _get(Organisation, organisation_id)
    form = OrganisationForm(obj=organisation)
    if form.validate_on_submit():
        try:
            directory.save_organisation(
                _actor(), organisation_id=organisation.id, **_organisation_fields(form)
            )
        except DomainError as error:
            _form_error(form, error)
        else:
            flash(_("Organisation saved."), "success")
            return redirect(url_for(".organisations"))
    return _render_with_status("admin/edit.html", form, title=organisation.name)


def _organisation_fields(form: OrganisationForm) -> dict:
    return {
        "name": form.name.data,
        "short_name": form.short_name.data or "",
        "town": form.town.data or "",
        "active": form.active.data,
    }


@bp.route("/people", methods=["GET", "POST"])
@access("staff")
def people():
    form = PersonForm()
    if form.validate_on_submit():
        try:
            directory.save_person(_actor(), **_person_fields(form))
        except DomainError as error:
            _form_error(form, error)
        else:
            flash(_("Person saved."), "success")
            return redirect(url_for(".people"))
    rows = db.session.scalars(select(Person).order_by(Person.display_name)).all()
    return _render_with_status("admin/people.html", form, people=rows)


@bp.route("/people/<int:person_id>", methods=["GET", "POST"])
@access("staff")
def person(person_id: int):
    person = _get(Person, person_id)
    form = PersonForm(obj=person)
    if form.validate_on_submit():
        try:
            directory.save_person(_actor(), person_id=person.id, **_person_fields(form))
        except DomainError as error:
            _form_error(form, error)
        else:
            flash(_("Person saved."), "success")
            return redirect(url_for(".people"))
    return _render_with_status("admin/edit.html", form, title=person.display_name)


def _person_fields(form: PersonForm) -> dict:
    return {
        "display_name": form.display_name.data,
        "email": form.email.data,
        "is_admin": form.is_admin.data,
        "password": form.password.data or None,
    }


@bp.route("/conferences", methods=["GET", "POST"])
@access("staff")
def conferences():
    form = ConferenceForm()
    if request.method == "GET":
        form.languages.data = ["de"]
    if form.validate_on_submit():
        try:
            conference = conference_service.save_conference(_actor(), **_conference_fields(form))
        except DomainError as error:
            _form_error(form, error)
        else:
            flash(_("Conference saved."), "success")
            return redirect(url_for(".conference", conference_id=conference.id))
    rows = db.session.scalars(select(Conference).order_by(Conference.number.desc())).all()
    return _render_with_status("admin/conferences.html", form, conferences=rows)


@bp.route("/c/<int:conference_id>", methods=["GET", "POST"])
@access("admin")
def conference(conference_id: int):
    conference = conference_service.get_conference(conference_id)
    form = ConferenceForm(obj=conference)
    if form.validate_on_submit():
        try:
            conference_service.save_conference(
                _actor(), conference_id=conference.id, **_conference_fields(form)
            )
        except DomainError as error:
            _form_error(form, error)
        else:
            flash(_("Conference saved."), "success")
            return redirect(url_for(".conference", conference_id=conference.id))
    return _render_with_status(
        "admin/conference.html",
        form,
        conference=conference,
        presence=conference_service.presence(conference.id),
    )


def _conference_fields(form: ConferenceForm) -> dict:
    return {
        "title": form.title.data,
        "number": form.number.data,
        "starts_on": form.starts_on.data,
        "ends_on": form.ends_on.data,
        "venue": form.venue.data or "",
        "status": form.status.data,
        "languages": form.languages.data,
        "line_width": form.line_width.data or 80,
        "min_supporters": form.min_supporters.data or 0,
    }


# --- per conference -----------------------------------------------------------------------


@bp.route("/c/<int:conference_id>/agenda", methods=["GET", "POST"])
@access("admin")
def agenda(conference_id: int):
    conference = conference_service.get_conference(conference_id)
    form = AgendaItemForm()
    _agenda_parent_choices(form, conference)
    if form.validate_on_submit():
        try:
            conference_service.save_agenda_item(_actor(), conference.id, **_agenda_fields(form))
        except DomainError as error:
            _form_error(form, error)
        else:
            flash(_("Agenda item saved."), "success")
            return redirect(url_for(".agenda", conference_id=conference.id))
    return _render_with_status(
        "admin/agenda.html", form, conference=conference, delete_form=ConfirmForm()
    )


@bp.route("/c/<int:conference_id>/agenda/<int:item_id>", methods=["GET", "POST"])
@access("admin")
def agenda_item(conference_id: int, item_id: int):
    conference = conference_service.get_conference(conference_id)
    item = _get(AgendaItem, item_id, conference_id)
    form = AgendaItemForm(obj=item)
    _agenda_parent_choices(form, conference)
    if request.method == "GET":
        form.parent_id.data = item.parent_id or 0
    if form.validate_on_submit():
        try:
            conference_service.save_agenda_item(
                _actor(), conference.id, item_id=item.id, **_agenda_fields(form)
            )
        except DomainError as error:
            _form_error(form, error)
        else:
            flash(_("Agenda item saved."), "success")
            return redirect(url_for(".agenda", conference_id=conference.id))
    return _render_with_status("admin/edit.html", form, title=f"{item.number} {item.title}")


@bp.post("/c/<int:conference_id>/agenda/<int:item_id>/delete")
@access("admin")
def delete_agenda_item(conference_id: int, item_id: int):
    conference_service.delete_agenda_item(_actor(), conference_id, item_id)
    flash(_("Agenda item deleted."), "success")
    return redirect(url_for(".agenda", conference_id=conference_id))


@bp.post("/c/<int:conference_id>/agenda/<int:item_id>/move")
@access("admin")
def move_agenda_item(conference_id: int, item_id: int):
    """Move an item one place up or down among its siblings (the form's "direction")."""
    try:
        conference_service.move_agenda_item(
            _actor(), conference_id, item_id, request.form.get("direction", "")
        )
    except (Conflict, Invalid) as error:
        flash(error.message, "error")
    else:
        flash(_("Agenda order saved."), "success")
    return redirect(url_for(".agenda", conference_id=conference_id) + f"#agenda-{item_id}")


def _agenda_parent_choices(form: AgendaItemForm, conference: Conference) -> None:
    form.parent_id.choices = [(0, _("— top level —"))] + [
        (item.id, f"{item.number} {item.title}")
        for item in conference.agenda
        if item.parent_id is None
    ]


def _agenda_fields(form: AgendaItemForm) -> dict:
    return {
        "number": form.number.data,
        "title": form.title.data,
        "parent_id": form.parent_id.data or None,
    }


@bp.route("/c/<int:conference_id>/accreditations", methods=["GET", "POST"])
@access("admin")
def accreditations(conference_id: int):
    conference = conference_service.get_conference(conference_id)
    form = AccreditationForm()
    _accreditation_choices(form)
    if form.validate_on_submit():
        try:
            _create_accreditation(conference, form)
        except DomainError as error:
            _form_error(form, error)
        else:
            flash(_("Accreditation saved."), "success")
            return redirect(url_for(".accreditations", conference_id=conference.id))
    return _render_with_status(
        "admin/accreditations.html",
        form,
        conference=conference,
        rows=_accreditation_rows(conference.id),
        confirm=ConfirmForm(),
    )


def _create_accreditation(conference: Conference, form: AccreditationForm) -> None:
    person_id = form.person_id.data
    if not person_id:
        if not form.new_person_name.data:
            raise NotFound(_("Choose a person or enter the name of a new one."))
        person_id = directory.save_person(
            _actor(), display_name=form.new_person_name.data, email=form.new_person_email.data
        ).id
    conference_service.save_accreditation(
        _actor(), conference.id, person_id=person_id, **_accreditation_fields(form)
    )


@bp.route("/c/<int:conference_id>/accreditations/<int:accreditation_id>", methods=["GET", "POST"])
@access("admin")
def accreditation(conference_id: int, accreditation_id: int):
    item = _get(Accreditation, accreditation_id, conference_id)
    form = AccreditationForm(obj=item)
    _accreditation_choices(form)
    if request.method == "GET":
        form.organisation_id.data = item.organisation_id or 0
    form.person_id.data = item.person_id
    if form.validate_on_submit():
        try:
            conference_service.save_accreditation(
                _actor(),
                conference_id,
                accreditation_id=item.id,
                person_id=item.person_id,
                **_accreditation_fields(form),
            )
        except DomainError as error:
            _form_error(form, error)
        else:
            flash(_("Accreditation saved."), "success")
            return redirect(url_for(".accreditations", conference_id=conference_id))
    del form.new_person_name, form.new_person_email
    return _render_with_status("admin/edit.html", form, title=item.person.display_name)


@bp.post("/c/<int:conference_id>/accreditations/<int:accreditation_id>/revoke")
@access("admin")
def revoke(conference_id: int, accreditation_id: int):
    _get(Accreditation, accreditation_id, conference_id)
    access_service.revoke_access_code(accreditation_id, _actor())
    flash(_("The access code is revoked; its sessions are ended."), "success")
    return redirect(url_for(".accreditations", conference_id=conference_id))


@bp.post("/c/<int:conference_id>/accreditations/<int:accreditation_id>/presence")
@access("moderator")
def presence(conference_id: int, accreditation_id: int):
    present = request.form.get("present") == "1"
    conference_service.set_presence(_actor(), conference_id, accreditation_id, present)
    return redirect(request.referrer or url_for(".checkin", conference_id=conference_id))


def _accreditation_choices(form: AccreditationForm) -> None:
    people = db.session.scalars(select(Person).order_by(Person.display_name)).all()
    form.person_id.choices = [(0, _("— new person —"))] + [(p.id, p.display_name) for p in people]
    organisations = db.session.scalars(
        select(Organisation).where(Organisation.active.is_(True)).order_by(Organisation.name)
    ).all()
    form.organisation_id.choices = [(0, _("— none —"))] + [(o.id, o.name) for o in organisations]


def _accreditation_fields(form: AccreditationForm) -> dict:
    return {
        "role": form.role.data,
        "organisation_id": form.organisation_id.data or None,
        "voting_right": form.voting_right.data and form.role.data == "delegate",
        "vote_weight": form.vote_weight.data or 1,
    }


def _accreditation_rows(conference_id: int) -> list[Accreditation]:
    return list(
        db.session.scalars(
            select(Accreditation)
            .join(Person)
            .where(Accreditation.conference_id == conference_id)
            .order_by(Person.display_name)
        )
    )


@bp.route("/c/<int:conference_id>/import", methods=["GET", "POST"])
@access("admin")
def import_delegates(conference_id: int):
    conference = conference_service.get_conference(conference_id)
    form = ImportForm()
    row_errors = None
    if form.validate_on_submit():
        try:
            count = conference_service.import_delegates(
                _actor(), conference.id, form.file.data.read()
            )
        except DomainError as error:
            _form_error(form, error)
            row_errors = getattr(error, "errors", None)
        else:
            flash(
                ngettext(
                    "%(num)d accreditation imported.", "%(num)d accreditations imported.", count
                ),
                "success",
            )
            return redirect(url_for(".accreditations", conference_id=conference.id))
    return _render_with_status(
        "admin/import.html", form, conference=conference, row_errors=row_errors
    )


@bp.route("/c/<int:conference_id>/checkin", methods=["GET", "POST"])
@access("moderator")
def checkin(conference_id: int):
    conference = conference_service.get_conference(conference_id)
    form = CheckInForm()
    if form.validate_on_submit():
        try:
            checked = conference_service.check_in_by_code(_actor(), conference.id, form.code.data)
        except DomainError as error:
            _form_error(form, error)
        else:
            flash(_("%(name)s is checked in.", name=checked.person.display_name), "success")
            return redirect(url_for(".checkin", conference_id=conference.id))
    query = (request.args.get("q") or "").strip()[:100]
    rows = _accreditation_rows(conference.id)
    return _render_with_status(
        "admin/checkin.html",
        form,
        conference=conference,
        presence=conference_service.presence(conference.id),
        rows=[(a, _search_text(a), _matches(a, query)) for a in rows],
        shown=sum(1 for a in rows if _matches(a, query)),
        query=query,
        confirm=ConfirmForm(),
    )


def _search_text(accreditation: Accreditation) -> str:
    """What the desk's search looks in: the name and the organisation's names, in lower case
    (as the page's script compares them)."""
    organisation = accreditation.organisation
    names = [accreditation.person.display_name]
    if organisation is not None:
        names += [organisation.name, organisation.short_name or ""]
    return " ".join(names).lower()


def _matches(accreditation: Accreditation, query: str) -> bool:
    return all(word in _search_text(accreditation) for word in query.lower().split())


@bp.route("/c/<int:conference_id>/slips", methods=["GET", "POST"])
@access("admin")
def slips(conference_id: int):
    """Issue fresh codes for the chosen people and print one slip each."""
    conference = conference_service.get_conference(conference_id)
    rows = _accreditation_rows(conference.id)
    form = SlipsForm()
    form.accreditations.choices = [(a.id, a.person.display_name) for a in rows]
    if form.validate_on_submit() and form.accreditations.data:
        codes = access_service.issue_access_codes(form.accreditations.data, _actor())
        by_id = {a.id: a for a in rows}
        slips = [_slip(by_id[aid], code) for aid, code in codes.items() if aid in by_id]
        return render_template("admin/slips_print.html", conference=conference, slips=slips)
    return _render_with_status("admin/slips.html", form, conference=conference, rows=rows)


def _slip(accreditation: Accreditation, code: str) -> dict:
    # Imported here: only printing slips draws QR codes, and a server that never prints them
    # does not carry the encoder (2.5 MiB of a serving process).
    import segno

    url = url_for("auth.join_link", code=code, _external=True)
    return {
        "accreditation": accreditation,
        "code": code,
        "url": url,
        "qr": segno.make(url, error="m").svg_inline(scale=4, dark="#000", light="#fff"),
    }


# --- helpers ------------------------------------------------------------------------------


def _get(model, object_id: int, conference_id: int | None = None):
    """Load a row, refusing one that belongs to another conference than the URL names."""
    row = db.session.get(model, object_id)
    if row is None or (conference_id is not None and row.conference_id != conference_id):
        raise NotFound(_("This does not exist (any more)."))
    return row


def _render_with_status(template: str, form, **context):
    """Render a page with a form; 422 when a submitted form was refused."""
    status = 422 if request.method == "POST" and (form.errors or form.form_errors) else 200
    return render_template(template, form=form, **context), status
