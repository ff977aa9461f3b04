"""The moderators' console: one laptop screen to run the conference day."""

from __future__ import annotations

import re

from flask import Blueprint, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from sqlalchemy import select
from wtforms import HiddenField, SelectField, StringField
from wtforms.validators import Length

from participation.extensions import db
from participation.models import Accreditation, Document, Person, Poll
from participation.services import conferences as conference_service
from participation.services import documents as document_service
from participation.services import room as room_service
from participation.services import speakers_settings, voting
from participation.services.errors import Conflict, DomainError, Invalid, NotFound
from participation.services.room import PLENARY_STATUSES
from participation.text import render_numbered_html
from participation.web import presenters
from participation.web.access import access
from participation.web.voting import create_from, desk_context, poll_form

bp = Blueprint("moderate", __name__)

ORDER_CHOICES = [
    ("none", _l("In the order of asking")),
    ("self_declared", _l("Quota list: women and diverse people alternate with open places")),
    ("first_time", _l("First-time speakers before everyone else")),
]
#: "m:ss", "m" or seconds over 59 ("90").
SPEAKING_TIME = re.compile(r"^\s*(\d{1,3})(?::([0-5]\d))?\s*$")


class SpeakersSettingsForm(FlaskForm):
    """The conference's defaults for every speakers list."""

    speaking_time = StringField(
        _l("Speaking time (minutes:seconds)"), default="3:00", validators=[Length(max=8)]
    )
    alternation = SelectField(_l("Order of speeches"), choices=ORDER_CHOICES)


class ItemSpeakersForm(FlaskForm):
    """One agenda item's own settings; empty fields take the conference's."""

    speaking_time = StringField(
        _l("Speaking time on this item (empty: as the conference)"), validators=[Length(max=8)]
    )
    alternation = SelectField(_l("Order of speeches on this item"))


class NextVoteForm(FlaskForm):
    target = HiddenField()


def console_labels() -> dict:
    """Texts the console's script shows, translated on the server."""
    return {
        "online": _("Live"),
        "offline": _("Offline – reconnecting …"),
        "set_current": _("Call up"),
        "current": _("current"),
        "nobody_speaks": _("Nobody is speaking."),
        "nobody_waits": _("Nobody is waiting."),
        "start": _("Give the floor"),
        "remove": _("Remove"),
        "up": _("Move up"),
        "down": _("Move down"),
        "point_of_order": _("Point of order"),
        "priority": _("priority"),
        "list_closed": _("The list is closed."),
        "no_item": _("No agenda item is called up."),
        "error": _("That did not work:"),
    }


def speaking_time_text(seconds: int | None) -> str:
    if not seconds:
        return ""
    return f"{seconds // 60}:{seconds % 60:02d}"


def parse_speaking_time(text: str | None) -> int | None:
    """Seconds from "3:00", "3" (minutes) or "90" (seconds); None for an empty field."""
    if not (text or "").strip():
        return None
    match = SPEAKING_TIME.match(text or "")
    if match is None:
        raise Invalid(_("Enter the speaking time as minutes:seconds, for example 3:00."))
    number, seconds = int(match.group(1)), match.group(2)
    if seconds is not None:
        return number * 60 + int(seconds)
    return number * 60 if number < 60 else number


@bp.get("/c/<int:conference_id>/console")
@access("moderator")
def console(conference_id: int):
    conference = conference_service.get_conference(conference_id)
    return console_page(conference, poll_form(conference))


@bp.post("/c/<int:conference_id>/console/polls")
@access("moderator")
def create_poll(conference_id: int):
    """The console's "new poll" form: a refused poll is shown again here, with its errors."""
    conference = conference_service.get_conference(conference_id)
    form = poll_form(conference)
    if create_from(form, conference.id):
        return redirect(url_for(".console", conference_id=conference.id))
    return console_page(conference, form), 422


def console_page(conference, form) -> str:
    """The console with the poll desk's new-poll ``form`` (empty, or as submitted)."""
    people = db.session.scalars(
        select(Accreditation)
        .join(Person)
        .where(Accreditation.conference_id == conference.id, Accreditation.role != "observer")
        .order_by(Person.display_name)
    ).all()
    documents = db.session.scalars(
        select(Document)
        .where(Document.conference_id == conference.id)
        .order_by(Document.position, Document.number)
    ).all()
    defaults = speakers_settings.conference_settings(conference)
    settings_form = SpeakersSettingsForm(
        formdata=None,
        prefix="speakers",
        data={
            "speaking_time": speaking_time_text(defaults["speaking_time"]),
            "alternation": defaults["alternation"],
        },
    )
    item = room_service.current_item(room_service.room_state(conference.id))
    return render_template(
        "moderate/console.html",
        people=people,
        documents=documents,
        presence=conference_service.presence(conference.id),
        labels=console_labels(),
        settings_form=settings_form,
        item_forms={i.id: _item_form(i) for i in conference.agenda_items},
        current_item=item,
        vote_groups=_vote_groups(conference.id),
        next_vote_form=NextVoteForm(formdata=None),
        last_result=voting.last_closed_poll(conference.id),
        status_labels=presenters.status_labels(),
        back="console",
        **desk_context(conference, form),
    )


def _item_form(item) -> ItemSpeakersForm:
    form = ItemSpeakersForm(
        formdata=None,
        prefix=f"item-{item.id}",
        data={
            "speaking_time": speaking_time_text(item.speaking_time),
            "alternation": item.speakers_alternation or "",
        },
    )
    form.alternation.choices = [("", _("As the conference")), *ORDER_CHOICES]
    return form


def _vote_groups(conference_id: int) -> dict[int | None, dict]:
    """The voting order by agenda item id: each entry with its draft poll (if one is prepared),
    and the entry that goes to the vote next (none while one is in the vote)."""
    drafts = _drafts(conference_id)
    groups: dict[int | None, dict] = {}
    for item, entries in document_service.vote_order(current_user, conference_id):
        rows = [(entry, drafts.get(f"{entry.kind}:{entry.target_id}")) for entry in entries]
        running = any(entry.status == "in_vote" for entry in entries)
        waiting = [entry for entry in entries if entry.status in ("admitted", "open")]
        groups[item.id if item else None] = {
            "entries": rows,
            "next": waiting[0] if waiting and not running else None,
        }
    return groups


def _drafts(conference_id: int) -> dict[str, Poll]:
    """Prepared polls by what they decide on ("amendment:12")."""
    polls = db.session.scalars(
        select(Poll).where(Poll.conference_id == conference_id, Poll.state == "draft")
    )
    return {_target_of(poll): poll for poll in polls}


def _target_of(poll: Poll) -> str:
    target_id = {
        "amendment": poll.amendment_id,
        "document": poll.document_id,
        "demand": poll.demand_id,
    }.get(poll.target_kind)
    return f"{poll.target_kind}:{target_id}"


def _back(conference_id: int):
    return redirect(url_for(".console", conference_id=conference_id))


@bp.post("/c/<int:conference_id>/console/speakers-settings")
@access("moderator")
def conference_speakers_settings(conference_id: int):
    form = SpeakersSettingsForm(prefix="speakers")
    try:
        if not form.validate_on_submit():
            raise Invalid(" ".join(sum(form.errors.values(), [])) or _("Please check the form."))
        speakers_settings.set_conference_speakers_settings(
            current_user.person,
            conference_id,
            speaking_time=parse_speaking_time(form.speaking_time.data) or 0,
            alternation=form.alternation.data,
        )
    except DomainError as error:
        flash(error.message, "error")
    else:
        flash(_("The speakers list settings are saved."), "success")
    return _back(conference_id)


@bp.post("/c/<int:conference_id>/console/items/<int:item_id>/speakers-settings")
@access("moderator")
def item_speakers_settings(conference_id: int, item_id: int):
    form = ItemSpeakersForm(prefix=f"item-{item_id}")
    form.alternation.choices = [("", ""), *ORDER_CHOICES]
    try:
        if not form.validate_on_submit():
            raise Invalid(" ".join(sum(form.errors.values(), [])) or _("Please check the form."))
        speakers_settings.set_item_speakers_settings(
            current_user.person,
            conference_id,
            item_id,
            speaking_time=parse_speaking_time(form.speaking_time.data),
            alternation=form.alternation.data or None,
        )
    except DomainError as error:
        flash(error.message, "error")
    else:
        flash(_("The speakers list settings of this item are saved."), "success")
    return _back(conference_id)


@bp.post("/c/<int:conference_id>/console/votes/next")
@access("moderator")
def open_next_vote(conference_id: int):
    """Open the vote on an entry of the voting order: its prepared draft, or a new poll with
    the conference's voting defaults."""
    form = NextVoteForm()
    kind, _sep, target_id = (form.target.data or "").partition(":")
    try:
        if not form.validate_on_submit() or not target_id.isdigit():
            raise Invalid(_("Choose what the poll decides on."))
        if voting.open_poll_of(conference_id) is not None:
            raise Conflict(_("Another poll is open. Close it first."))
        item = room_service.current_item(room_service.room_state(conference_id))
        draft = _drafts(conference_id).get(form.target.data)
        if draft is None:
            draft = voting.create_poll(
                current_user.person,
                conference_id,
                target_kind=kind,
                target_id=int(target_id),
                agenda_item_id=item.id if item else None,
            )
        voting.open_poll(current_user.person, conference_id, draft.id)
    except DomainError as error:
        flash(error.message, "error")
    else:
        flash(_("The poll is open."), "success")
    return _back(conference_id)


@bp.get("/c/<int:conference_id>/projector/documents/<int:document_id>")
@access("observer")
def projector_document(conference_id: int, document_id: int):
    """The line-numbered text the projector shows; only texts before the plenary."""
    document = document_service.get_document(current_user, conference_id, document_id)
    if document.status not in PLENARY_STATUSES or document.current_version is None:
        raise NotFound(_("This text is not before the plenary."))
    return render_template(
        "moderate/projector_document.html",
        document=document,
        numbered=render_numbered_html(
            document.current_version.body, document.conference.line_width
        ),
    )
