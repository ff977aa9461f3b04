"""Conferences, their agendas, accreditations and the check-in desk."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from datetime import date

from flask_babel import gettext as _
from sqlalchemy import bindparam, func, select

from participation import clock, events
from participation.extensions import db
from participation.models import Accreditation, AgendaItem, Conference, Organisation, Person
from participation.models.conference import CONFERENCE_STATUSES, ROLES
from participation.services import audit, authz, room
from participation.services.access import normalise_code
from participation.services.directory import _text, new_person, organisation_by_name
from participation.services.errors import Conflict, Invalid, NotFound
from participation.services.unit import use_case

#: Languages a conference can publish texts in.
TEXT_LANGUAGES = ("de", "en", "ar", "fa", "tr", "ru", "uk")
#: The most co-signing organisations a conference can ask for before admission.
MAX_MIN_SUPPORTERS = 100


def get_conference(conference_id: int) -> Conference:
    conference = db.session.get(Conference, conference_id)
    if conference is None:
        raise NotFound(_("No such conference."))
    return conference


@use_case
def save_conference(
    actor: Person | None,
    *,
    conference_id: int | None = None,
    title: str,
    number: int,
    starts_on: date | None = None,
    ends_on: date | None = None,
    venue: str = "",
    status: str = "planned",
    languages: list[str] | None = None,
    line_width: int = 80,
    min_supporters: int = 0,
) -> Conference:
    """Create or update a conference."""
    if status not in CONFERENCE_STATUSES:
        raise Invalid(_("Unknown status."))
    if not isinstance(number, int) or number < 1:
        raise Invalid(_("The number must be 1 or more."))
    if starts_on and ends_on and ends_on < starts_on:
        raise Invalid(_("The conference cannot end before it starts."))
    if not 40 <= int(line_width) <= 160:
        raise Invalid(_("The line width must be between 40 and 160 characters."))
    if not isinstance(min_supporters, int) or not 0 <= min_supporters <= MAX_MIN_SUPPORTERS:
        raise Invalid(
            _(
                "The minimum number of supporting organisations must be a whole number "
                "from 0 to %(maximum)d.",
                maximum=MAX_MIN_SUPPORTERS,
            )
        )
    languages = [code for code in (languages or ["de"]) if code in TEXT_LANGUAGES] or ["de"]
    if conference_id is None:
        authz.require_actor(actor, "staff")
        conference = Conference()
        db.session.add(conference)
    else:
        authz.require_actor(actor, "admin", conference_id)
        conference = get_conference(conference_id)
    conference.title = _text(title, _("Title"), maximum=200)
    conference.number = number
    conference.starts_on = starts_on
    conference.ends_on = ends_on
    conference.venue = _text(venue, _("Venue"), maximum=300, required=False)
    conference.status = status
    conference.languages = list(dict.fromkeys(languages))
    conference.line_width = int(line_width)
    conference.min_supporters = min_supporters
    db.session.flush()
    audit.record(
        "conference.created" if conference_id is None else "conference.changed",
        f"conference:{conference.id}",
        actor=audit.actor_of(actor),
        conference_id=conference.id,
        data={
            "title": conference.title,
            "status": conference.status,
            "min_supporters": conference.min_supporters,
        },
    )
    return conference


@use_case
def save_agenda_item(
    actor: Person | None,
    conference_id: int,
    *,
    item_id: int | None = None,
    number: str,
    title: str,
    parent_id: int | None = None,
    position: int | None = None,
) -> AgendaItem:
    """Create or update an agenda item; sub-items may not have sub-items of their own."""
    authz.require_actor(actor, "admin", conference_id)
    conference = get_conference(conference_id)
    item: AgendaItem | None
    if item_id is None:
        item = AgendaItem(conference_id=conference.id)
    else:
        item = db.session.get(AgendaItem, item_id)
        if item is None or item.conference_id != conference.id:
            raise NotFound(_("No such agenda item."))
    parent = None
    if parent_id:
        parent = db.session.get(AgendaItem, parent_id)
        if parent is None or parent.conference_id != conference.id:
            raise Invalid(_("The parent item belongs to another conference."))
        if parent.parent_id is not None or parent is item or (item_id and item.children):
            raise Invalid(_("The agenda has only one level of sub-items."))
    number = _text(number, _("Number"), maximum=20)
    clash = db.session.scalar(
        select(AgendaItem).where(
            AgendaItem.conference_id == conference.id, AgendaItem.number == number
        )
    )
    if clash is not None and clash is not item:
        raise Conflict(_("The agenda already has an item %(number)s.", number=number))
    item.number = number
    item.title = _text(title, _("Title"), maximum=300)
    new_parent_id = parent.id if parent is not None else None
    moved_elsewhere = item_id is None or item.parent_id != new_parent_id
    old_parent_id = item.parent_id
    item.parent_id = new_parent_id
    if position is not None:
        if not isinstance(position, int) or position < 1:
            raise Invalid(_("The position must be a whole number from 1."))
        item.position = position
    elif moved_elsewhere:
        item.position = _last_position(conference.id, new_parent_id, item) + 1
    db.session.add(item)
    db.session.flush()
    if item_id is not None and moved_elsewhere:
        _renumber(conference.id, old_parent_id)
    audit.record(
        "agenda_item.saved",
        f"agenda_item:{item.id}",
        actor=audit.actor_of(actor),
        conference_id=conference.id,
        data={"number": item.number, "title": item.title},
    )
    _publish_agenda(conference.id)
    return item


@use_case
def delete_agenda_item(actor: Person | None, conference_id: int, item_id: int) -> None:
    authz.require_actor(actor, "admin", conference_id)
    item = db.session.get(AgendaItem, item_id)
    if item is None or item.conference_id != conference_id:
        raise NotFound(_("No such agenda item."))
    audit.record(
        "agenda_item.deleted",
        f"agenda_item:{item.id}",
        actor=audit.actor_of(actor),
        conference_id=conference_id,
        data={"number": item.number},
    )
    parent_id = item.parent_id
    db.session.delete(item)
    db.session.flush()
    _renumber(conference_id, parent_id)
    _publish_agenda(conference_id)


@use_case
def move_agenda_item(
    actor: Person | None, conference_id: int, item_id: int, direction: str
) -> AgendaItem:
    """Swap an item with the sibling before ("up") or after it ("down").

    A sub-item moves among the sub-items of its item; an item takes its sub-items with it.
    """
    authz.require_actor(actor, "admin", conference_id)
    if direction not in ("up", "down"):
        raise Invalid(_("An agenda item moves up or down."))
    item = db.session.get(AgendaItem, item_id)
    if item is None or item.conference_id != conference_id:
        raise NotFound(_("No such agenda item."))
    siblings = _renumber(conference_id, item.parent_id)
    index = siblings.index(item)
    other = index - 1 if direction == "up" else index + 1
    if not 0 <= other < len(siblings):
        raise Conflict(
            _("%(number)s is already first.", number=item.number)
            if direction == "up"
            else _("%(number)s is already last.", number=item.number)
        )
    neighbour = siblings[other]
    item.position, neighbour.position = neighbour.position, item.position
    audit.record(
        "agenda_item.moved",
        f"agenda_item:{item.id}",
        actor=audit.actor_of(actor),
        conference_id=conference_id,
        data={"number": item.number, "position": item.position, "direction": direction},
    )
    _publish_agenda(conference_id)
    return item


#: Built once, as it is read for every screen that connects.
_MEMBER = (
    select(
        Accreditation.role,
        Organisation.name,
        Accreditation.voting_right,
        Accreditation.vote_weight,
        Accreditation.present,
    )
    .outerjoin(Organisation, Organisation.id == Accreditation.organisation_id)
    .where(Accreditation.id == bindparam("accreditation_id"))
)


def member_summary(accreditation_id: int) -> dict | None:
    """What a live view shows of its own accreditation ("me"), in one light query."""
    row = db.session.execute(_MEMBER, {"accreditation_id": accreditation_id}).one_or_none()
    return authz.member_json(*row) if row is not None else None


def agenda_summary(items: list[AgendaItem]) -> list[dict]:
    """The agenda as the live screens list it, in reading order."""
    return [
        {"id": item.id, "number": item.number, "title": item.title, "parent_id": item.parent_id}
        for item in sorted(items, key=lambda item: item.order_key)
    ]


def _publish_agenda(conference_id: int) -> None:
    """Send every screen the agenda as it is now, and the room (whose current item may have
    been renamed or removed), so that no screen has to ask for its state again."""
    db.session.flush()
    items = db.session.scalars(select(AgendaItem).where(AgendaItem.conference_id == conference_id))
    payload = {"conference_id": conference_id, "agenda": agenda_summary(list(items))}
    events.publish(db.session, "agenda_changed", f"conference:{conference_id}", payload)
    room.publish_room(conference_id)


def _siblings(conference_id: int, parent_id: int | None) -> list[AgendaItem]:
    query = select(AgendaItem).where(AgendaItem.conference_id == conference_id)
    query = query.where(
        AgendaItem.parent_id.is_(None) if parent_id is None else AgendaItem.parent_id == parent_id
    )
    return list(db.session.scalars(query.order_by(AgendaItem.position, AgendaItem.id)))


def _last_position(conference_id: int, parent_id: int | None, item: AgendaItem) -> int:
    return max(
        (s.position for s in _siblings(conference_id, parent_id) if s is not item), default=0
    )


def _renumber(conference_id: int, parent_id: int | None) -> list[AgendaItem]:
    """Number the siblings 1, 2, 3 … in their present order, closing gaps; returns them."""
    siblings = _siblings(conference_id, parent_id)
    for position, sibling in enumerate(siblings, start=1):
        sibling.position = position
    return siblings


def _check_accreditation_fields(role: str, voting_right: bool, vote_weight: int) -> None:
    if role not in ROLES:
        raise Invalid(_("Unknown role “%(role)s”.", role=role))
    if voting_right and role != "delegate":
        raise Invalid(_("Only delegates can have a voting right."))
    if not isinstance(vote_weight, int) or not 1 <= vote_weight <= 1000:
        raise Invalid(_("The vote weight must be a whole number from 1 to 1000."))


@use_case
def save_accreditation(
    actor: Person | None,
    conference_id: int,
    *,
    accreditation_id: int | None = None,
    person_id: int,
    role: str,
    organisation_id: int | None = None,
    voting_right: bool = False,
    vote_weight: int = 1,
) -> Accreditation:
    """Accredit a person for a conference, or change an accreditation."""
    authz.require_actor(actor, "admin", conference_id)
    conference = get_conference(conference_id)
    _check_accreditation_fields(role, voting_right, vote_weight)
    person = db.session.get(Person, person_id)
    if person is None:
        raise NotFound(_("No such person."))
    accreditation: Accreditation | None
    if accreditation_id is None:
        if conference_accreditation(conference.id, person.id) is not None:
            raise Conflict(_("%(name)s is accredited already.", name=person.display_name))
        accreditation = Accreditation(conference=conference, person=person)
        db.session.add(accreditation)
    else:
        accreditation = db.session.get(Accreditation, accreditation_id)
        if accreditation is None or accreditation.conference_id != conference.id:
            raise NotFound(_("No such accreditation."))
    accreditation.role = role
    accreditation.organisation_id = organisation_id or None
    accreditation.voting_right = bool(voting_right)
    accreditation.vote_weight = vote_weight
    db.session.flush()
    audit.record(
        "accreditation.saved",
        f"accreditation:{accreditation.id}",
        actor=audit.actor_of(actor),
        conference_id=conference.id,
        data={
            "person": person.id,
            "role": role,
            "organisation": accreditation.organisation_id,
            "voting_right": accreditation.voting_right,
            "vote_weight": vote_weight,
        },
    )
    return accreditation


def conference_accreditation(conference_id: int, person_id: int) -> Accreditation | None:
    return db.session.scalar(
        select(Accreditation).where(
            Accreditation.conference_id == conference_id, Accreditation.person_id == person_id
        )
    )


@dataclass(frozen=True)
class Presence:
    present: int
    accredited: int
    present_weight: int
    voting_weight: int

    def as_dict(self) -> dict:
        return self.__dict__.copy()


def presence(conference_id: int) -> Presence:
    """Present and accredited delegates with voting right, by head and by weight."""
    voters = (
        select(Accreditation)
        .where(Accreditation.conference_id == conference_id, Accreditation.voting_right.is_(True))
        .subquery()
    )
    row = db.session.execute(
        select(
            func.count(),
            func.coalesce(func.sum(voters.c.vote_weight), 0),
            func.count().filter(voters.c.present.is_(True)),
            func.coalesce(func.sum(voters.c.vote_weight).filter(voters.c.present.is_(True)), 0),
        ).select_from(voters)
    ).one()
    return Presence(
        present=row[2], accredited=row[0], present_weight=int(row[3]), voting_weight=int(row[1])
    )


def _publish_presence(conference_id: int) -> None:
    events.publish(
        db.session,
        "presence",
        f"moderators:{conference_id}",
        {"conference_id": conference_id, **presence(conference_id).as_dict()},
    )


@use_case
def set_presence(
    actor: Person | None, conference_id: int, accreditation_id: int, present: bool
) -> Accreditation:
    """Mark an accredited person present or absent."""
    authz.require_actor(actor, "moderator", conference_id)
    accreditation = db.session.get(Accreditation, accreditation_id)
    if accreditation is None or accreditation.conference_id != conference_id:
        raise NotFound(_("No such accreditation."))
    return _set_presence(actor, accreditation, present)


def _set_presence(actor, accreditation: Accreditation, present: bool) -> Accreditation:
    if accreditation.present != bool(present):
        accreditation.present = bool(present)
        audit.record(
            "accreditation.present" if present else "accreditation.absent",
            f"accreditation:{accreditation.id}",
            actor=audit.actor_of(actor),
            conference_id=accreditation.conference_id,
        )
        db.session.flush()
        _publish_presence(accreditation.conference_id)
    return accreditation


@use_case
def check_in_by_code(actor: Person | None, conference_id: int, typed_code: str) -> Accreditation:
    """Check a person in at the desk by scanning or typing their access code."""
    authz.require_actor(actor, "moderator", conference_id)
    code = normalise_code(typed_code)
    accreditation = None
    if code is not None:
        accreditation = db.session.scalar(
            select(Accreditation).where(
                Accreditation.access_code_hash == clock.digest(code),
                Accreditation.conference_id == conference_id,
            )
        )
    if accreditation is None:
        raise NotFound(_("No accreditation of this conference has that code."))
    return _set_presence(actor, accreditation, True)


# --- CSV import -----------------------------------------------------------------------------

IMPORT_COLUMNS = ("name", "email", "organisation", "role", "voting_right", "vote_weight")
_TRUE = {"1", "yes", "ja", "y", "j", "true", "x"}
_FALSE = {"", "0", "no", "nein", "n", "false"}
_HEADER_ALIASES = {
    "name": "name",
    "e-mail": "email",
    "email": "email",
    "organisation": "organisation",
    "organization": "organisation",
    "rolle": "role",
    "role": "role",
    "stimmrecht": "voting_right",
    "voting_right": "voting_right",
    "stimmgewicht": "vote_weight",
    "vote_weight": "vote_weight",
}
MAX_IMPORT_ROWS = 2000


@dataclass
class ImportRow:
    line: int
    name: str
    email: str | None
    organisation_id: int | None
    role: str
    voting_right: bool
    vote_weight: int


def parse_delegate_csv(content: bytes | str) -> tuple[list[ImportRow], dict[int, list[str]]]:
    """Read a delegate list; return the rows and the errors per line (empty when all is well)."""
    if isinstance(content, bytes):
        try:
            text = content.decode("utf-8-sig")
        except UnicodeDecodeError:
            return [], {1: [_("The file is not UTF-8 encoded text.")]}
    else:
        text = content
    try:
        dialect = csv.Sniffer().sniff(text[:2048], delimiters=",;\t")
    except csv.Error:
        dialect = csv.excel
    reader = csv.reader(io.StringIO(text), dialect)
    header = [_HEADER_ALIASES.get(cell.strip().lower(), "") for cell in next(reader, [])]
    if "name" not in header:
        return [], {1: [_("The first line must name the columns; a column “name” is needed.")]}
    rows: list[ImportRow] = []
    errors: dict[int, list[str]] = {}
    for line, cells in enumerate(reader, start=2):
        if not any(cell.strip() for cell in cells):
            continue
        if len(rows) + len(errors) >= MAX_IMPORT_ROWS:
            errors[line] = [_("Too many rows; at most %(n)d.", n=MAX_IMPORT_ROWS)]
            break
        record = {key: (cells[i].strip() if i < len(cells) else "") for i, key in enumerate(header)}
        row, problems = _import_row(line, record)
        if problems or row is None:
            errors[line] = problems
        else:
            rows.append(row)
    return rows, errors


def _import_row(line: int, record: dict) -> tuple[ImportRow | None, list[str]]:
    problems: list[str] = []
    name = " ".join(record.get("name", "").split())
    if not name or len(name) > 200:
        problems.append(_("Name is missing or too long."))
    email = record.get("email", "").lower() or None
    if email and ("@" not in email or " " in email):
        problems.append(_("“%(email)s” is not an e-mail address.", email=email))
    organisation_id = None
    if record.get("organisation"):
        organisation = organisation_by_name(record["organisation"])
        if organisation is None:
            problems.append(_("Unknown organisation “%(name)s”.", name=record["organisation"]))
        else:
            organisation_id = organisation.id
    role = (record.get("role") or "delegate").lower()
    role = {"delegierte": "delegate", "delegierter": "delegate", "gast": "observer"}.get(role, role)
    if role not in ROLES:
        problems.append(_("Unknown role “%(role)s”.", role=record.get("role")))
    flag = record.get("voting_right", "").lower()
    if flag not in _TRUE | _FALSE:
        problems.append(_("Voting right must be yes or no."))
    voting_right = flag in _TRUE if "voting_right" in record else role == "delegate"
    if voting_right and role != "delegate":
        problems.append(_("Only delegates can have a voting right."))
    weight_text = record.get("vote_weight") or "1"
    weight = int(weight_text) if weight_text.isdigit() else 0
    if not 1 <= weight <= 1000:
        problems.append(_("The vote weight must be a whole number from 1 to 1000."))
    if problems:
        return None, problems
    return ImportRow(line, name, email, organisation_id, role, voting_right, weight), []


@use_case
def import_delegates(actor: Person | None, conference_id: int, content: bytes) -> int:
    """Import a delegate list; a file with any bad row imports nothing."""
    authz.require_actor(actor, "admin", conference_id)
    conference = get_conference(conference_id)
    rows, errors = parse_delegate_csv(content)
    seen_emails: set[str] = set()
    for row in rows:
        if row.email and row.email in seen_emails:
            errors.setdefault(row.line, []).append(_("This e-mail address appears twice."))
        if row.email:
            seen_emails.add(row.email)
    if not errors and not rows:
        raise Invalid(_("The file has no rows to import."))
    if errors:
        raise Invalid(_("Nothing was imported: the file has errors."), errors)
    for row in rows:
        person = None
        if row.email:
            person = db.session.scalar(select(Person).where(Person.email == row.email))
        if person is None:
            person = new_person(row.name, row.email)
            db.session.flush()
        elif conference_accreditation(conference.id, person.id) is not None:
            raise Invalid(
                _("Nothing was imported: the file has errors."),
                {row.line: [_("%(name)s is accredited already.", name=person.display_name)]},
            )
        db.session.add(
            Accreditation(
                conference=conference,
                person=person,
                role=row.role,
                organisation_id=row.organisation_id,
                voting_right=row.voting_right,
                vote_weight=row.vote_weight,
            )
        )
    db.session.flush()
    audit.record(
        "accreditation.imported",
        f"conference:{conference.id}",
        actor=audit.actor_of(actor),
        conference_id=conference.id,
        data={"rows": len(rows)},
    )
    return len(rows)
