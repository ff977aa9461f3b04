"""Running the room: the current agenda item, the projector and the speakers lists."""

from __future__ import annotations

from flask_babel import gettext as _
from sqlalchemy import exists, func, select, update

from participation import clock, events
from participation.extensions import db
from participation.models import Accreditation, AgendaItem, Conference, Person
from participation.models.room import PROJECTOR_VIEWS, RoomState, SpeakerRequest
from participation.services import audit, authz
from participation.services.errors import Conflict, Invalid, NotAllowed, NotFound
from participation.services.speaking_order import Waiting, speaking_order
from participation.services.unit import use_case

DEFAULT_SPEAKING_TIME = 180
#: Shortest and longest speaking time a list may be given, in seconds.
SPEAKING_TIME_RANGE = (10, 60 * 60)
#: Conference setting ``speakers_alternation`` (an agenda item may choose its own): how the list
#: orders speeches. "self_declared" alternates between the priority side people declare (women
#: and diverse people) and the open places; "first_time" puts those who have not spoken yet first.
ALTERNATION_MODES = ("none", "self_declared", "first_time")


# --- reads ------------------------------------------------------------------------------------


def room_state(conference_id: int) -> RoomState:
    """The room's state row, created on first use (not yet stored until a use case commits)."""
    state = db.session.get(RoomState, conference_id)
    if state is None:
        state = RoomState(
            conference_id=conference_id, projector_view="agenda", projector_theme="dark"
        )
    return state


def current_item(state: RoomState) -> AgendaItem | None:
    if not state.current_agenda_item_id:
        return None
    return db.session.get(AgendaItem, state.current_agenda_item_id)


def alternation(conference: Conference) -> str:
    mode = (conference.settings or {}).get("speakers_alternation", "none")
    return mode if mode in ALTERNATION_MODES else "none"


def conference_speaking_time(conference: Conference) -> int:
    stored = (conference.settings or {}).get("speaking_time", DEFAULT_SPEAKING_TIME)
    return stored if isinstance(stored, int) and stored > 0 else DEFAULT_SPEAKING_TIME


def item_alternation(item: AgendaItem) -> str:
    """The item's own order of speeches, or else the conference's."""
    if item.speakers_alternation in ALTERNATION_MODES:
        return item.speakers_alternation
    return alternation(item.conference)


def speaking_time(item: AgendaItem) -> int:
    if item.speaking_time:
        return item.speaking_time
    return conference_speaking_time(item.conference)


def speakers_list(item: AgendaItem) -> dict:
    """The list of an agenda item as clients show it: who speaks, who waits, in order."""
    rows = db.session.scalars(
        select(SpeakerRequest).where(
            SpeakerRequest.agenda_item_id == item.id,
            SpeakerRequest.status.in_(("waiting", "speaking")),
        )
    ).all()
    current = next((r for r in rows if r.status == "speaking"), None)
    waiting = {r.id: r for r in rows if r.status == "waiting"}
    mode = item_alternation(item)
    order = speaking_order(
        [Waiting(r.id, r.kind, r.priority, r.position) for r in waiting.values()],
        alternate=mode == "self_declared",
        prefer=mode == "first_time",
        manual=item.speakers_order_manual,
        last_was_priority=_last_was_priority(item.id),
    )
    return {
        "agenda_item_id": item.id,
        "closed": item.speakers_list_closed,
        "speaking_time": speaking_time(item),
        "alternating": mode != "none",
        "alternation": mode,
        "current": _speaker_json(current) if current else None,
        "waiting": [_speaker_json(waiting[w.id]) for w in order],
        "server_time": clock.now().isoformat(),
    }


def _last_was_priority(item_id: int) -> bool | None:
    return db.session.scalar(
        select(SpeakerRequest.priority)
        .where(
            SpeakerRequest.agenda_item_id == item_id,
            SpeakerRequest.kind == "speech",
            SpeakerRequest.started_at.is_not(None),
        )
        .order_by(SpeakerRequest.started_at.desc())
        .limit(1)
    )


def _speaker_json(request: SpeakerRequest) -> dict:
    accreditation = request.accreditation
    organisation = accreditation.organisation
    return {
        "id": request.id,
        "accreditation_id": accreditation.id,
        "name": accreditation.person.display_name,
        "organisation": (organisation.short_name or organisation.name) if organisation else None,
        "kind": request.kind,
        "priority": request.priority,
        "started_at": request.started_at.isoformat() if request.started_at else None,
    }


# --- building blocks (inside the caller's transaction) ---------------------------------------


def _item(conference_id: int, item_id: int) -> AgendaItem:
    item = db.session.get(AgendaItem, item_id)
    if item is None or item.conference_id != conference_id:
        raise NotFound(_("No such agenda item."))
    return item


def _request(conference_id: int, request_id: int) -> SpeakerRequest:
    request = db.session.get(SpeakerRequest, request_id)
    if request is None or request.agenda_item.conference_id != conference_id:
        raise NotFound(_("No such request to speak."))
    return request


def _publish_speakers(item: AgendaItem) -> None:
    db.session.flush()
    events.publish(db.session, "speakers", f"conference:{item.conference_id}", speakers_list(item))


def publish_room(conference_id: int) -> None:
    """Tell every screen of the conference what the room shows now (after commit)."""
    db.session.flush()
    events.publish(db.session, "room", f"conference:{conference_id}", room_json(conference_id))


def room_json(conference_id: int) -> dict:
    state = room_state(conference_id)
    item = current_item(state)
    return {
        "current_agenda_item": (
            {"id": item.id, "number": item.number, "title": item.title} if item else None
        ),
        "documents": _documents_of(item) if item else [],
        "projector": {
            "view": state.projector_view,
            "document_id": state.projector_document_id,
            "line": state.projector_line,
            "theme": state.projector_theme,
        },
    }


#: Documents everyone may read during the plenary (drafts and unadmitted texts are not).
PLENARY_STATUSES = ("admitted", "in_vote", "adopted", "adopted_amended", "rejected", "referred")


def _documents_of(item: AgendaItem) -> list[dict]:
    from participation.models import Document

    documents = db.session.scalars(
        select(Document)
        .where(Document.agenda_item_id == item.id, Document.status.in_(PLENARY_STATUSES))
        .order_by(Document.position, Document.number)
    ).all()
    return [{"id": d.id, "number": d.number, "title": d.title} for d in documents]


def _store(state: RoomState) -> RoomState:
    state.updated_at = clock.now()
    db.session.add(state)
    return state


def _next_position(item_id: int) -> int:
    highest = db.session.scalar(
        select(func.max(SpeakerRequest.position)).where(SpeakerRequest.agenda_item_id == item_id)
    )
    return (highest or 0) + 1


def _has_spoken(conference_id: int, accreditation_id: int) -> bool:
    return bool(
        db.session.scalar(
            select(
                exists().where(
                    SpeakerRequest.accreditation_id == accreditation_id,
                    SpeakerRequest.started_at.is_not(None),
                )
            )
        )
    )


def _stop_current(item: AgendaItem, actor: Person | None) -> None:
    current = db.session.scalar(
        select(SpeakerRequest).where(
            SpeakerRequest.agenda_item_id == item.id, SpeakerRequest.status == "speaking"
        )
    )
    if current is not None:
        current.status = "done"
        current.ended_at = clock.now()
        db.session.flush()
        audit.record(
            "speaker.stopped",
            f"speaker_request:{current.id}",
            actor=audit.actor_of(actor),
            conference_id=item.conference_id,
        )


def _start(request: SpeakerRequest, actor: Person | None) -> None:
    _stop_current(request.agenda_item, actor)
    request.status = "speaking"
    request.started_at = clock.now()
    audit.record(
        "speaker.started",
        f"speaker_request:{request.id}",
        actor=audit.actor_of(actor),
        conference_id=request.agenda_item.conference_id,
    )


# --- use cases -------------------------------------------------------------------------------


@use_case
def set_current_agenda_item(actor: Person, conference_id: int, item_id: int | None) -> RoomState:
    """Move everyone's view to an agenda item (or to none)."""
    authz.require_actor(actor, "moderator", conference_id)
    state = room_state(conference_id)
    state.current_agenda_item_id = _item(conference_id, item_id).id if item_id else None
    _store(state)
    audit.record(
        "room.current_item",
        f"conference:{conference_id}",
        actor=audit.actor_of(actor),
        conference_id=conference_id,
        data={"agenda_item": state.current_agenda_item_id},
    )
    publish_room(conference_id)
    if item_id:
        _publish_speakers(_item(conference_id, item_id))
    return state


@use_case
def set_projector(
    actor: Person,
    conference_id: int,
    *,
    view: str | None = None,
    document_id: int | None = None,
    line: int | None = None,
    theme: str | None = None,
) -> RoomState:
    """Choose what the projector shows."""
    authz.require_actor(actor, "moderator", conference_id)
    state = room_state(conference_id)
    if view is not None:
        if view not in PROJECTOR_VIEWS:
            raise Invalid(_("The projector cannot show this."))
        state.projector_view = view
    if document_id is not None:
        from participation.models import Document

        document = db.session.get(Document, document_id)
        if document is None or document.conference_id != conference_id:
            raise NotFound(_("No such document."))
        state.projector_document_id = document.id
    if line is not None:
        if not isinstance(line, int) or line < 1:
            raise Invalid(_("A line number starts at 1."))
        state.projector_line = line
    if theme is not None:
        if theme not in ("light", "dark"):
            raise Invalid(_("Unknown theme."))
        state.projector_theme = theme
    _store(state)
    publish_room(conference_id)
    return state


@use_case
def request_to_speak(
    accreditation: Accreditation, item_id: int, *, kind: str = "speech", priority: bool = False
) -> SpeakerRequest:
    """A delegate asks to speak (or raises a point of order) from their phone."""
    item = _item(accreditation.conference_id, item_id)
    if accreditation.role == "observer":
        raise NotAllowed(_("Observers cannot ask to speak."))
    if kind not in ("speech", "point_of_order"):
        raise Invalid(_("Unknown kind of request."))
    if item.speakers_list_closed and kind == "speech":
        raise Conflict(_("The speakers list is closed."))
    return _add_request(accreditation, item, kind, priority, actor=accreditation.person)


def _add_request(accreditation, item, kind, priority, actor) -> SpeakerRequest:
    waiting = db.session.scalar(
        select(SpeakerRequest).where(
            SpeakerRequest.agenda_item_id == item.id,
            SpeakerRequest.accreditation_id == accreditation.id,
            SpeakerRequest.kind == kind,
            SpeakerRequest.status == "waiting",
        )
    )
    if waiting is not None:
        return waiting  # a repeated tap changes nothing
    mode = item_alternation(item)
    if mode == "first_time":
        priority = not _has_spoken(item.conference_id, accreditation.id)
    elif mode == "none":
        priority = False
    request = SpeakerRequest(
        agenda_item_id=item.id,
        accreditation_id=accreditation.id,
        kind=kind,
        priority=bool(priority),
        position=_next_position(item.id),
        status="waiting",
    )
    db.session.add(request)
    db.session.flush()
    audit.record(
        "speaker.requested",
        f"speaker_request:{request.id}",
        actor=audit.actor_of(actor),
        conference_id=item.conference_id,
        data={"agenda_item": item.id, "accreditation": accreditation.id, "kind": kind},
    )
    _publish_speakers(item)
    return request


@use_case
def withdraw_request(accreditation: Accreditation, request_id: int) -> None:
    """A delegate takes back their own request."""
    request = _request(accreditation.conference_id, request_id)
    if request.accreditation_id != accreditation.id:
        raise NotAllowed(_("This is not your request."))
    if request.status != "waiting":
        raise Conflict(_("This request is no longer waiting."))
    request.status = "withdrawn"
    audit.record(
        "speaker.withdrawn",
        f"speaker_request:{request.id}",
        actor=audit.actor_of(accreditation.person),
        conference_id=accreditation.conference_id,
    )
    _publish_speakers(request.agenda_item)


@use_case
def add_speaker(
    actor: Person,
    conference_id: int,
    item_id: int,
    accreditation_id: int,
    *,
    kind: str = "speech",
    priority: bool = False,
) -> SpeakerRequest:
    """A moderator puts someone on the list (also when the list is closed)."""
    authz.require_actor(actor, "moderator", conference_id)
    item = _item(conference_id, item_id)
    accreditation = db.session.get(Accreditation, accreditation_id)
    if accreditation is None or accreditation.conference_id != conference_id:
        raise NotFound(_("No such accreditation."))
    if kind not in ("speech", "point_of_order"):
        raise Invalid(_("Unknown kind of request."))
    return _add_request(accreditation, item, kind, priority, actor=actor)


@use_case
def remove_speaker(actor: Person, conference_id: int, request_id: int) -> None:
    authz.require_actor(actor, "moderator", conference_id)
    request = _request(conference_id, request_id)
    if request.status != "waiting":
        raise Conflict(_("This request is no longer waiting."))
    request.status = "removed"
    audit.record(
        "speaker.removed",
        f"speaker_request:{request.id}",
        actor=audit.actor_of(actor),
        conference_id=conference_id,
    )
    _publish_speakers(request.agenda_item)


@use_case
def reorder_speakers(actor: Person, conference_id: int, item_id: int, order: list[int]) -> None:
    """Put the waiting speeches in the given order; the list is hand-made from then on."""
    authz.require_actor(actor, "moderator", conference_id)
    item = _item(conference_id, item_id)
    waiting = db.session.scalars(
        select(SpeakerRequest).where(
            SpeakerRequest.agenda_item_id == item.id, SpeakerRequest.status == "waiting"
        )
    ).all()
    by_id = {r.id: r for r in waiting}
    if not isinstance(order, list) or sorted(order) != sorted(by_id):
        raise Conflict(_("The list has changed meanwhile. Please try again."))
    for position, request_id in enumerate(order, start=1):
        by_id[request_id].position = position
    item.speakers_order_manual = True
    audit.record(
        "speakers.reordered",
        f"agenda_item:{item.id}",
        actor=audit.actor_of(actor),
        conference_id=conference_id,
        data={"order": order},
    )
    _publish_speakers(item)


@use_case
def start_speaker(actor: Person, conference_id: int, request_id: int) -> None:
    authz.require_actor(actor, "moderator", conference_id)
    request = _request(conference_id, request_id)
    if request.status != "waiting":
        raise Conflict(_("This request is no longer waiting."))
    _start(request, actor)
    _publish_speakers(request.agenda_item)


@use_case
def stop_speaker(actor: Person, conference_id: int, item_id: int) -> None:
    authz.require_actor(actor, "moderator", conference_id)
    item = _item(conference_id, item_id)
    _stop_current(item, actor)
    _publish_speakers(item)


@use_case
def call_next(actor: Person, conference_id: int, item_id: int) -> SpeakerRequest | None:
    """End the current speech and give the floor to the first in line."""
    authz.require_actor(actor, "moderator", conference_id)
    item = _item(conference_id, item_id)
    waiting = speakers_list(item)["waiting"]
    if not waiting:
        _stop_current(item, actor)
        _publish_speakers(item)
        return None
    request = _request(item.conference_id, waiting[0]["id"])
    _start(request, actor)
    _publish_speakers(item)
    return request


@use_case
def set_list_closed(actor: Person, conference_id: int, item_id: int, closed: bool) -> None:
    authz.require_actor(actor, "moderator", conference_id)
    item = _item(conference_id, item_id)
    db.session.execute(
        update(AgendaItem).where(AgendaItem.id == item.id).values(speakers_list_closed=bool(closed))
    )
    db.session.refresh(item)
    audit.record(
        "speakers.closed" if closed else "speakers.opened",
        f"agenda_item:{item.id}",
        actor=audit.actor_of(actor),
        conference_id=conference_id,
    )
    _publish_speakers(item)
