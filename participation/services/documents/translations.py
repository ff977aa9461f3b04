"""Translations: staff enter a version's text in the conference's other languages."""

from __future__ import annotations

from flask_babel import gettext as _
from sqlalchemy import select

from participation import clock
from participation.extensions import db
from participation.models import Document, Translation, Version
from participation.services import audit
from participation.services.documents.broadcast import _changed
from participation.services.documents.checks import markdown_text, plain_text
from participation.services.documents.rules import MAX_BODY, MAX_TITLE
from participation.services.documents.versions import _current
from participation.services.documents.viewer import _actor, viewer_for
from participation.services.documents.visibility import _load_document
from participation.services.errors import Invalid, NotAllowed, NotFound
from participation.services.unit import use_case
from participation.text import from_paragraphs, paragraphs


@use_case
def save_translation(
    actor,
    conference_id: int,
    document_id: int,
    *,
    language: str,
    title: str,
    body: str,
    version_id: int | None = None,
) -> Translation:
    """Staff enter a version's text in one of the conference's other languages."""
    viewer = viewer_for(actor, conference_id)
    if not viewer.is_admin:
        raise NotAllowed(_("Only conference admins and staff can enter translations."))
    document = _load_document(viewer, conference_id, document_id)
    languages = document.conference.languages or ["de"]
    if language not in languages[1:]:
        raise Invalid(_("Texts of this conference are not published in this language."))
    version = _translated_version(document, version_id)
    title = plain_text(title, _("Title"), maximum=MAX_TITLE)
    text = markdown_text(body, _("Text"), maximum=MAX_BODY)
    translation = db.session.scalar(
        select(Translation).where(
            Translation.version_id == version.id, Translation.language == language
        )
    )
    if translation is None:
        translation = Translation(version=version, language=language)
        db.session.add(translation)
    translation.title = title
    translation.body = from_paragraphs(paragraphs(text))
    translation.created_by_id = viewer.person_id
    translation.created_at = clock.now()
    db.session.flush()
    audit.record(
        "translation.saved",
        f"translation:{translation.id}",
        actor=_actor(viewer),
        conference_id=conference_id,
        data={"document": document.id, "version": version.number, "language": language},
    )
    _changed(document)
    return translation


def _translated_version(document: Document, version_id: int | None) -> Version:
    """The version a translation is for: the one named, by default the current one."""
    current = _current(document)
    if version_id is None or version_id == current.id:
        return current
    version = next((v for v in document.versions if v.id == version_id), None)
    if version is None:
        raise NotFound(_("No such version."))
    return version


def latest_translation(document: Document, language: str) -> Translation | None:
    """The translation into ``language`` of the newest version that has one."""
    return db.session.scalar(
        select(Translation)
        .join(Version)
        .where(Version.document_id == document.id, Translation.language == language)
        .order_by(Version.number.desc())
        .limit(1)
    )


def translated_languages(document: Document) -> list[str]:
    found = set(
        db.session.scalars(
            select(Translation.language)
            .join(Version)
            .where(Version.document_id == document.id)
            .distinct()
        )
    )
    return [code for code in (document.conference.languages or []) if code in found]
