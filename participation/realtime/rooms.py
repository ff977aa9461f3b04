"""A conference's rooms, and the events that reach each reader drawn in the reader's language.

Every screen that follows a conference joins ``conference:<id>`` and the room of its language,
``conference:<id>:<locale>``. An event whose screens show server-rendered HTML (what an opened
poll decides, a closed poll's result) is drawn once per language listening and sent with its
HTML to that language's room, so a hall of a thousand phones draws it from the event itself
instead of asking for it at once. The HTML is what the pages would have fetched: the same
templates, and for the subject the same presenter and its cache.
"""

from __future__ import annotations

from babel import Locale
from flask import Flask, current_app, render_template
from flask_babel import force_locale, get_locale
from flask_socketio import join_room

from participation import config as settings
from participation import events
from participation.extensions import socketio
from participation.services import audit
from participation.services import voting as voting_service

#: Events sent to the language rooms, with the HTML drawn for each.
DRAWN = ("poll_opened", "poll_closed")
#: The templates those events are drawn with (see :func:`prepare_drawing`).
DRAWING_TEMPLATES = ("delegate/_subject.html", "voting/_result_partial.html", "voting/_result.html")


def prepare_drawing(app: Flask) -> None:
    """Compile the drawing templates and load the default language's formats before serving.

    Jinja compiles a template when it is first drawn and Babel reads a language's data when
    it first formats in it: a server's first poll close spent 0.12 s on both, while the hall
    waited for its result. Another language's data (about 1 MiB, 5 ms to read) is read when
    its first reader follows a conference; with several processes every language is drawn
    at each close, so all are read here.
    """
    for name in DRAWING_TEMPLATES:
        app.jinja_env.get_template(name)
    several = bool(app.config.get("SOCKETIO_MESSAGE_QUEUE"))
    for locale in settings.SUPPORTED_LOCALES if several else settings.SUPPORTED_LOCALES[:1]:
        _read_language(locale)


#: The languages whose formats Babel has read in this process.
_LANGUAGES_READ: set[str] = set()


def _read_language(locale: str) -> None:
    if locale not in _LANGUAGES_READ:
        Locale.parse(locale).number_symbols  # noqa: B018 (read to load the language's data)
        _LANGUAGES_READ.add(locale)


def follow_conference(conference_id: int) -> None:
    """Join the conference's room and the room of the reader's language (whose formats are
    read now, not when the next result is drawn for the hall)."""
    locale = str(get_locale() or "de")
    _read_language(locale)
    join_room(f"conference:{conference_id}")
    join_room(language_room(conference_id, locale))


def language_room(conference_id: int, locale: str) -> str:
    return f"conference:{conference_id}:{locale}"


def is_drawn(event: events.Event) -> bool:
    return event.name in DRAWN and event.room.startswith("conference:")


def send_drawn(event: events.Event) -> None:
    """Send ``event`` to each language room of its conference with its HTML in that language.

    Called after the commit: the HTML is drawn in an application context of its own, so it
    reads what was committed with a session of its own.
    """
    conference_id = int(event.room.split(":", 1)[1])
    app: Flask = current_app._get_current_object()  # type: ignore[attr-defined]
    for locale in _listening(conference_id):
        try:
            drawn = _drawn(app, event, conference_id, locale)
        except Exception:
            # The event still reaches every screen; without the HTML, a page fetches it.
            app.logger.exception("Drawing %s in %s failed", event.name, locale)
            drawn = {}
        payload = {**event.payload, **drawn}
        socketio.emit(
            event.name, payload, to=language_room(conference_id, locale), skip_sid=event.skip
        )


def _listening(conference_id: int) -> list[str]:
    """The languages with a screen on this conference; every language when other processes
    hold screens this one cannot see."""
    if current_app.config.get("SOCKETIO_MESSAGE_QUEUE") or socketio.server is None:
        return list(settings.SUPPORTED_LOCALES)
    rooms = socketio.server.manager.rooms.get("/", {})
    return [
        locale
        for locale in settings.SUPPORTED_LOCALES
        if rooms.get(language_room(conference_id, locale))
    ]


def _drawn(app: Flask, event: events.Event, conference_id: int, locale: str) -> dict:
    poll_id = event.payload["id"]
    with app.app_context(), app.test_request_context(), force_locale(locale):
        poll = voting_service.get_poll(poll_id, conference_id)
        if event.name == "poll_opened":
            return {"subject_html": _subject(poll)}
        html = render_template("voting/_result_partial.html", poll=poll)
        return {"result_html": html, "audit_head": audit.audit_head()}


def _subject(poll) -> str:
    """What the poll decides, as ``delegate.poll_subject`` serves it in this language."""
    from participation.web import ballot_subject

    return ballot_subject.drawn(poll)[0]
