"""Working groups (Arbeitsgruppen): their participants collect demands in a catalogue draft,
which a moderator hands to the plenary."""

from __future__ import annotations

from flask_babel import gettext as _
from sqlalchemy import select

from participation.extensions import db
from participation.models import (
    Accreditation,
    Catalogue,
    Demand,
    Document,
    WorkingGroup,
    WorkingGroupMember,
)
from participation.services import audit
from participation.services.conferences import get_conference
from participation.services.documents.broadcast import _changed
from participation.services.documents.catalogues import demand_slots, number_sections, section_title
from participation.services.documents.checks import _agenda_item, _number, markdown_text, plain_text
from participation.services.documents.numbering import _check_number_free, _next_position
from participation.services.documents.rules import MAX_BODY
from participation.services.documents.transitions import _transition
from participation.services.documents.versions import _new_version
from participation.services.documents.viewer import Viewer, viewer_for
from participation.services.errors import Conflict, Invalid, NotAllowed, NotFound
from participation.services.unit import use_case
from participation.text import from_paragraphs, paragraphs, split_blocks

MAX_NAME = 200
MAX_DESCRIPTION = 5_000
MAX_DEMAND = 2_000


def get_group(conference_id: int, group_id: int) -> WorkingGroup:
    group = db.session.get(WorkingGroup, group_id)
    if group is None or group.conference_id != conference_id:
        raise NotFound(_("No such working group."))
    return group


def groups_of(conference_id: int) -> list[WorkingGroup]:
    return list(
        db.session.scalars(
            select(WorkingGroup)
            .where(WorkingGroup.conference_id == conference_id)
            .order_by(WorkingGroup.name)
        )
    )


def is_member(viewer: Viewer, group: WorkingGroup) -> bool:
    return viewer.accreditation_id is not None and any(
        m.accreditation_id == viewer.accreditation_id for m in group.members
    )


def may_collect(viewer: Viewer, group: WorkingGroup) -> bool:
    return viewer.is_moderator or (viewer.at_least("delegate") and is_member(viewer, group))


def draft_of(group: WorkingGroup) -> Catalogue | None:
    """The catalogue draft the group is collecting, if it has started one."""
    return db.session.scalar(
        select(Catalogue).where(Catalogue.working_group_id == group.id, Catalogue.status == "draft")
    )


def _require_moderator(viewer: Viewer) -> None:
    if not viewer.is_moderator:
        raise NotAllowed(_("Only moderators can manage working groups."))


@use_case
def create_working_group(actor, conference_id: int, *, name: str, description: str = ""):
    viewer = viewer_for(actor, conference_id)
    _require_moderator(viewer)
    get_conference(conference_id)
    name = plain_text(name, _("Name"), maximum=MAX_NAME)
    description = markdown_text(
        description, _("Description"), maximum=MAX_DESCRIPTION, required=False
    )
    clash = db.session.scalar(
        select(WorkingGroup.id).where(
            WorkingGroup.conference_id == conference_id, WorkingGroup.name == name
        )
    )
    if clash is not None:
        raise Conflict(_("A working group named “%(name)s” exists already.", name=name))
    group = WorkingGroup(conference_id=conference_id, name=name, description=description)
    db.session.add(group)
    db.session.flush()
    audit.record(
        "working_group.created",
        f"working_group:{group.id}",
        actor=audit.actor_of(viewer.person),
        conference_id=conference_id,
        data={"name": name},
    )
    return group


@use_case
def add_member(actor, conference_id: int, group_id: int, accreditation_id: int):
    viewer = viewer_for(actor, conference_id)
    _require_moderator(viewer)
    group = get_group(conference_id, group_id)
    accreditation = db.session.get(Accreditation, accreditation_id)
    if accreditation is None or accreditation.conference_id != conference_id:
        raise NotFound(_("No such accreditation."))
    if any(m.accreditation_id == accreditation.id for m in group.members):
        raise Conflict(_("%(name)s takes part already.", name=accreditation.person.display_name))
    member = WorkingGroupMember(working_group_id=group.id, accreditation_id=accreditation.id)
    group.members.append(member)
    db.session.flush()
    audit.record(
        "working_group.member_added",
        f"working_group:{group.id}",
        actor=audit.actor_of(viewer.person),
        conference_id=conference_id,
        data={"accreditation": accreditation.id},
    )
    return member


def _append_demand(body: str, section: str, text: str) -> str:
    """Add ``- text`` at the end of the section titled ``section`` (a new one if none)."""
    pieces = paragraphs(body) if body else []
    blocks = split_blocks(body) if body else []
    wanted = section.casefold()
    start = None
    for index, block in enumerate(blocks):
        title = section_title(block.text)
        if block.kind == "heading" and title.casefold() == wanted:
            start = index
            break
    item = f"- {text}"
    if start is None:
        pieces += [f"## {section}", item]
    else:
        end = start + 1
        while end < len(blocks) and blocks[end].kind != "heading":
            end += 1
        pieces.insert(end, item)
    return number_sections(from_paragraphs(pieces))


@use_case
def add_demand(
    actor, conference_id: int, group_id: int, *, section: str, text: str
) -> Demand | None:
    """A participant adds a demand to a section of the group's catalogue draft."""
    viewer = viewer_for(actor, conference_id)
    group = get_group(conference_id, group_id)
    section = plain_text(section, _("Section"), maximum=200)
    text = plain_text(text, _("Demand"), maximum=MAX_DEMAND)
    if not may_collect(viewer, group):
        raise NotAllowed(_("Only the group's participants and moderators can add demands."))
    catalogue = draft_of(group)
    if catalogue is None:
        number = f"AG{group.id}"
        while db.session.scalar(
            select(Document.id).where(
                Document.conference_id == conference_id, Document.number == number
            )
        ):
            number += "x"
        catalogue = Catalogue(
            conference_id=conference_id,
            working_group_id=group.id,
            number=number,
            title=group.name,
            status="draft",
            submitting_body=group.name[:200],
            created_by_id=viewer.person_id,
        )
        db.session.add(catalogue)
        db.session.flush()
        audit.record(
            "document.created",
            f"document:{catalogue.id}",
            actor=audit.actor_of(viewer.person),
            conference_id=conference_id,
            data={"kind": "catalogue", "number": number, "working_group": group.id},
        )
        body = ""
    else:
        current = catalogue.current_version
        body = current.body if current is not None else ""
    new_body = _append_demand(body, section, text)
    if len(new_body) > MAX_BODY:
        raise Invalid(_("The catalogue is too long."))
    _new_version(
        catalogue,
        body=new_body,
        title=catalogue.title,
        note="demand added",
        viewer=viewer,
    )
    _changed(catalogue)
    slots = demand_slots(new_body)
    index = _added_index(body, new_body)
    demand = (
        next(d for d in catalogue.demands if d.block_index == index) if index is not None else None
    )
    if demand is None and slots:
        demand = catalogue.demands[-1]
    audit.record(
        "working_group.demand_added",
        f"working_group:{group.id}",
        actor=audit.actor_of(viewer.person),
        conference_id=conference_id,
        data={"document": catalogue.id, "label": demand.label if demand else None},
    )
    return demand


def _added_index(old: str, new: str) -> int | None:
    from participation.text import diff_blocks

    for entry in diff_blocks(old, new):
        if entry.status == "inserted" and entry.new_text.startswith("- "):
            return entry.new_index
    return None


@use_case
def hand_over(
    actor,
    conference_id: int,
    group_id: int,
    *,
    number: str | None = None,
    agenda_item_id: int | None = None,
) -> Catalogue:
    """A moderator hands the group's collected demands to the plenary as a submitted catalogue."""
    viewer = viewer_for(actor, conference_id)
    _require_moderator(viewer)
    group = get_group(conference_id, group_id)
    catalogue = draft_of(group)
    if catalogue is None or not catalogue.demands:
        raise Conflict(_("The working group has not collected any demands yet."))
    if number:
        number = _number(number)
        _check_number_free(conference_id, number, catalogue)
        catalogue.number = number
    if agenda_item_id:
        catalogue.agenda_item_id = _agenda_item(conference_id, agenda_item_id)
    catalogue.submitting_body = group.name[:200]
    catalogue.position = _next_position(conference_id)
    _transition(viewer, catalogue, "submitted")
    audit.record(
        "working_group.handed_over",
        f"working_group:{group.id}",
        actor=audit.actor_of(viewer.person),
        conference_id=conference_id,
        data={"document": catalogue.id, "number": catalogue.number},
    )
    _changed(catalogue)
    return catalogue
