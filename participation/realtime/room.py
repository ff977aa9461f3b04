"""Socket events of the conference room: current item, projector, speakers lists."""

from __future__ import annotations

from flask_babel import gettext as _
from flask_login import current_user

from participation.realtime.handlers import on
from participation.schemas.events import (
    AddSpeaker,
    AgendaItemEvent,
    CloseSpeakers,
    ConferenceEvent,
    ReorderSpeakers,
    RequestToSpeak,
    SetCurrentItem,
    SetProjector,
    SpeakerRequestEvent,
)
from participation.services import room
from participation.services.errors import NotAllowed


def _me(payload: ConferenceEvent):
    accreditation = current_user.accreditation(payload.conference_id)
    if accreditation is None:
        raise NotAllowed(_("You are not accredited for this conference."))
    return accreditation


def _ok(**extra) -> dict:
    return {"ok": True, **extra}


@on("set_current_item", "moderator", SetCurrentItem)
def set_current_item(payload: SetCurrentItem) -> dict:
    room.set_current_agenda_item(current_user.person, payload.conference_id, payload.agenda_item_id)
    return _ok()


@on("set_projector", "moderator", SetProjector)
def set_projector(payload: SetProjector) -> dict:
    room.set_projector(
        current_user.person,
        payload.conference_id,
        view=payload.view,
        document_id=payload.document_id,
        line=payload.line,
        theme=payload.theme,
    )
    return _ok()


@on("request_to_speak", "delegate", RequestToSpeak)
def request_to_speak(payload: RequestToSpeak) -> dict:
    request = room.request_to_speak(
        _me(payload), payload.agenda_item_id, kind=payload.kind, priority=payload.priority
    )
    return _ok(request_id=request.id)


@on("withdraw_speech", "delegate", SpeakerRequestEvent)
def withdraw_speech(payload: SpeakerRequestEvent) -> dict:
    room.withdraw_request(_me(payload), payload.request_id)
    return _ok()


@on("speakers_add", "moderator", AddSpeaker)
def speakers_add(payload: AddSpeaker) -> dict:
    request = room.add_speaker(
        current_user.person,
        payload.conference_id,
        payload.agenda_item_id,
        payload.accreditation_id,
        kind=payload.kind,
        priority=payload.priority,
    )
    return _ok(request_id=request.id)


@on("speakers_remove", "moderator", SpeakerRequestEvent)
def speakers_remove(payload: SpeakerRequestEvent) -> dict:
    room.remove_speaker(current_user.person, payload.conference_id, payload.request_id)
    return _ok()


@on("speakers_reorder", "moderator", ReorderSpeakers)
def speakers_reorder(payload: ReorderSpeakers) -> dict:
    room.reorder_speakers(
        current_user.person, payload.conference_id, payload.agenda_item_id, list(payload.order)
    )
    return _ok()


@on("speakers_start", "moderator", SpeakerRequestEvent)
def speakers_start(payload: SpeakerRequestEvent) -> dict:
    room.start_speaker(current_user.person, payload.conference_id, payload.request_id)
    return _ok()


@on("speakers_stop", "moderator", AgendaItemEvent)
def speakers_stop(payload: AgendaItemEvent) -> dict:
    room.stop_speaker(current_user.person, payload.conference_id, payload.agenda_item_id)
    return _ok()


@on("speakers_next", "moderator", AgendaItemEvent)
def speakers_next(payload: AgendaItemEvent) -> dict:
    room.call_next(current_user.person, payload.conference_id, payload.agenda_item_id)
    return _ok()


@on("speakers_close", "moderator", CloseSpeakers)
def speakers_close(payload: CloseSpeakers) -> dict:
    room.set_list_closed(
        current_user.person, payload.conference_id, payload.agenda_item_id, payload.closed
    )
    return _ok()
