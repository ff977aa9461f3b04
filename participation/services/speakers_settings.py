"""How speakers lists run: speaking time and the order of speeches, per conference and per item.

The conference's settings are the default of every agenda item; an item may set its own
speaking time or order (None on the item takes the conference's). Points of order always go
first, whatever the order of speeches.
"""

from __future__ import annotations

from flask_babel import gettext as _

from participation.extensions import db
from participation.models import Conference, Person
from participation.services import audit, authz
from participation.services.errors import Invalid, NotFound
from participation.services.room import (
    ALTERNATION_MODES,
    SPEAKING_TIME_RANGE,
    _item,
    _publish_speakers,
    alternation,
    conference_speaking_time,
    current_item,
    room_state,
)
from participation.services.unit import use_case


def conference_settings(conference: Conference) -> dict:
    """The conference's defaults for its speakers lists."""
    return {
        "speaking_time": conference_speaking_time(conference),
        "alternation": alternation(conference),
    }


def _checked_time(seconds: int | None) -> int | None:
    if seconds is None:
        return None
    low, high = SPEAKING_TIME_RANGE
    if not isinstance(seconds, int) or isinstance(seconds, bool) or not low <= seconds <= high:
        raise Invalid(
            _(
                "A speaking time lies between %(low)d seconds and %(high)d minutes.",
                low=low,
                high=high // 60,
            )
        )
    return seconds


def _checked_mode(mode: str | None) -> str | None:
    if mode is not None and mode not in ALTERNATION_MODES:
        raise Invalid(_("Unknown order of speakers."))
    return mode


@use_case
def set_conference_speakers_settings(
    actor: Person, conference_id: int, *, speaking_time: int, alternation: str
) -> dict:
    """Set the speaking time and the order of speeches every agenda item starts from."""
    authz.require_actor(actor, "moderator", conference_id)
    conference = db.session.get(Conference, conference_id)
    if conference is None:
        raise NotFound(_("No such conference."))
    chosen = {
        "speaking_time": _checked_time(speaking_time) or conference_speaking_time(conference),
        "speakers_alternation": _checked_mode(alternation) or "none",
    }
    conference.settings = {**(conference.settings or {}), **chosen}
    audit.record(
        "speakers.settings",
        f"conference:{conference_id}",
        actor=audit.actor_of(actor),
        conference_id=conference_id,
        data=chosen,
    )
    item = current_item(room_state(conference_id))
    if item is not None:
        _publish_speakers(item)
    return conference_settings(conference)


@use_case
def set_item_speakers_settings(
    actor: Person,
    conference_id: int,
    item_id: int,
    *,
    speaking_time: int | None,
    alternation: str | None,
) -> None:
    """Give one agenda item its own speaking time or order (None: as the conference)."""
    authz.require_actor(actor, "moderator", conference_id)
    item = _item(conference_id, item_id)
    item.speaking_time = _checked_time(speaking_time)
    item.speakers_alternation = _checked_mode(alternation)
    audit.record(
        "speakers.settings",
        f"agenda_item:{item.id}",
        actor=audit.actor_of(actor),
        conference_id=conference_id,
        data={"speaking_time": item.speaking_time, "speakers_alternation": alternation},
    )
    _publish_speakers(item)
