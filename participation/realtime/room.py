"""Socket events of the conference room: current item, projector, speakers lists."""

from __future__ import annotations

from flask_babel import gettext as _
from flask_login import current_user

from participation.realtime.handlers import on, optional_id, required_id
from participation.services import room
from participation.services.errors import Invalid, NotAllowed


def _me(payload: dict):
    accreditation = current_user.accreditation(payload["conference_id"])
    if accreditation is None:
        raise NotAllowed(_("You are not accredited for this conference."))
    return accreditation


def _kind(payload: dict) -> str:
    kind = payload.get("kind")
    return kind if isinstance(kind, str) else "speech"


def _ok(**extra) -> dict:
    return {"ok": True, **extra}


@on("set_current_item", "moderator")
def set_current_item(payload: dict) -> dict:
    item_id = optional_id(payload, "agenda_item_id")
    room.set_current_agenda_item(current_user.person, payload["conference_id"], item_id)
    return _ok()


@on("set_projector", "moderator")
def set_projector(payload: dict) -> dict:
    view = payload.get("view")
    theme = payload.get("theme")
    if (view is not None and not isinstance(view, str)) or (
        theme is not None and not isinstance(theme, str)
    ):
        raise Invalid(_("The request could not be understood."))
    room.set_projector(
        current_user.person,
        payload["conference_id"],
        view=view,
        document_id=optional_id(payload, "document_id"),
        line=optional_id(payload, "line"),
        theme=theme,
    )
    return _ok()


@on("request_to_speak", "delegate")
def request_to_speak(payload: dict) -> dict:
    request = room.request_to_speak(
        _me(payload),
        required_id(payload, "agenda_item_id"),
        kind=_kind(payload),
        priority=payload.get("priority") is True,
    )
    return _ok(request_id=request.id)


@on("withdraw_speech", "delegate")
def withdraw_speech(payload: dict) -> dict:
    room.withdraw_request(_me(payload), required_id(payload, "request_id"))
    return _ok()


@on("speakers_add", "moderator")
def speakers_add(payload: dict) -> dict:
    request = room.add_speaker(
        current_user.person,
        payload["conference_id"],
        required_id(payload, "agenda_item_id"),
        required_id(payload, "accreditation_id"),
        kind=_kind(payload),
        priority=payload.get("priority") is True,
    )
    return _ok(request_id=request.id)


@on("speakers_remove", "moderator")
def speakers_remove(payload: dict) -> dict:
    room.remove_speaker(
        current_user.person, payload["conference_id"], required_id(payload, "request_id")
    )
    return _ok()


@on("speakers_reorder", "moderator")
def speakers_reorder(payload: dict) -> dict:
    order = payload.get("order")
    if not isinstance(order, list) or not all(isinstance(i, int) for i in order):
        raise Invalid(_("The request could not be understood."))
    room.reorder_speakers(
        current_user.person, payload["conference_id"], required_id(payload, "agenda_item_id"), order
    )
    return _ok()


@on("speakers_start", "moderator")
def speakers_start(payload: dict) -> dict:
    room.start_speaker(
        current_user.person, payload["conference_id"], required_id(payload, "request_id")
    )
    return _ok()


@on("speakers_stop", "moderator")
def speakers_stop(payload: dict) -> dict:
    room.stop_speaker(
        current_user.person, payload["conference_id"], required_id(payload, "agenda_item_id")
    )
    return _ok()


@on("speakers_next", "moderator")
def speakers_next(payload: dict) -> dict:
    room.call_next(
        current_user.person, payload["conference_id"], required_id(payload, "agenda_item_id")
    )
    return _ok()


@on("speakers_close", "moderator")
def speakers_close(payload: dict) -> dict:
    room.set_list_closed(
        current_user.person,
        payload["conference_id"],
        required_id(payload, "agenda_item_id"),
        payload.get("closed") is not False,
    )
    return _ok()
