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
from participation.services.documents.translated import (
    TranslatedBlock,
    published_translation,
    translated_blocks,
)
from participation.services.documents.versions import _check_base, _current
from participation.services.documents.viewer import _actor, viewer_for
from participation.services.documents.visibility import _load_document
from participation.services.errors import Invalid, NotAllowed, NotFound
from participation.services.unit import use_case
from participation.text import from_paragraphs, paragraphs, split_blocks


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
    texts = paragraphs(text)
    sources = paragraphs(version.body)
    if len(texts) == len(sources):
        translation.blocks = [
            {"from": source, "text": piece} for source, piece in zip(sources, texts, strict=True)
        ]
    else:
        translation.blocks = None
    translation.body = from_paragraphs(texts)
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


@use_case
def save_translated_block(
    actor,
    conference_id: int,
    document_id: int,
    *,
    language: str,
    index: int | None,
    text: str,
    version_id: int | None,
) -> Translation:
    """Staff translate one block of the current text, or bring its translation forward.

    ``index`` None saves the title. The translation keeps the original block it was made
    from, so it goes out of date when a later version changes that block.
    """
    viewer = viewer_for(actor, conference_id)
    if not viewer.is_admin:
        raise NotAllowed(_("Only conference admins and staff can enter translations."))
    document = _load_document(viewer, conference_id, document_id)
    if language not in (document.conference.languages or ["de"])[1:]:
        raise Invalid(_("Texts of this conference are not published in this language."))
    _check_base(document, version_id)
    version = _current(document)
    translation = _translation_of(version, language)
    if index is None:
        translation.title = plain_text(text, _("Title"), maximum=MAX_TITLE)
    else:
        blocks = translated_blocks(translation, version)
        if not 0 <= index < len(blocks):
            raise Invalid(_("This paragraph is not in the current text."))
        entries = [
            {"from": b.translated_from, "text": b.text} if b.text is not None else None
            for b in blocks
        ]
        entries[index] = {"from": blocks[index].original, "text": _block_text(blocks[index], text)}
        translation.blocks = entries
    translation.body = published_translation(translation, version).body
    translation.created_by_id = viewer.person_id
    translation.created_at = clock.now()
    db.session.flush()
    audit.record(
        "translation.saved",
        f"translation:{translation.id}",
        actor=_actor(viewer),
        conference_id=conference_id,
        data={
            "document": document.id,
            "version": version.number,
            "language": language,
            "block": index,
        },
    )
    _changed(document)
    return translation


def _translation_of(version: Version, language: str) -> Translation:
    """The version's translation into ``language``; a new one carries the latest earlier one."""
    found = next((t for t in version.translations if t.language == language), None)
    if found is not None:
        return found
    earlier = latest_translation(version.document, language)
    translation = Translation(version=version, language=language, title="", body="")
    if earlier is not None:
        translation.title = earlier.title
        translation.blocks = [
            {"from": b.translated_from, "text": b.text} if b.text is not None else None
            for b in translated_blocks(earlier, version)
        ]
    else:
        translation.blocks = [None] * len(paragraphs(version.body))
    db.session.add(translation)
    return translation


def _block_text(block: TranslatedBlock, text: str) -> str:
    """The translation of one block as a block of the same kind (heading, item, paragraph).

    The translator writes the words; the original's marker ("##", "-", "3.") is kept, so a
    demand stays a demand with its number.
    """
    words = " ".join(markdown_text(text, _("Text"), maximum=MAX_BODY).split())
    original = split_blocks(block.original)[0]
    piece = words
    if original.kind != "paragraph":
        first_line = block.original.split("\n", 1)[0]
        start = first_line.index(original.marker) + len(original.marker)
        piece = f"{first_line[:start]} {words}"
    parsed = split_blocks(piece)
    if len(parsed) != 1 or parsed[0].kind != original.kind:
        raise Invalid(_("The translation of a paragraph must be one paragraph."))
    return piece


def translation_rows(
    document: Document, language: str
) -> tuple[Translation | None, list[TranslatedBlock]]:
    """The translator's view: the latest translation and each block of the current text."""
    version = _current(document)
    translation = latest_translation(document, language)
    if translation is None:
        return None, [
            TranslatedBlock(index, source, None, None)
            for index, source in enumerate(paragraphs(version.body))
        ]
    return translation, translated_blocks(translation, version)


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
