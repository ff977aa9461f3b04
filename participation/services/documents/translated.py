"""Translations block by block: which paragraphs of the decided text a translation covers.

A translation belongs to one version and keeps, for each block of it, the translated text
together with the original block it was made from. When a new version is made, every
translation moves onto it (:func:`carry_translations`): a block whose original did not change
keeps its translation, a changed block keeps its old translation as *outdated* (for the
translator to bring forward), a new block has none. What is published in a language
(:func:`published_translation`) is the translation of the blocks that are up to date and the
original of all others, so a translation never shows text that was not decided.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from participation.extensions import db
from participation.models import Translation, Version
from participation.text import diff_blocks, from_paragraphs, normalise, paragraphs

#: One block of a translation: {"from": original block, "text": its translation}, or None.
Entry = dict[str, str] | None


@dataclass(frozen=True)
class TranslatedBlock:
    """A block of the current text, with what the translation holds for it."""

    index: int
    #: The block in the original language, as in the current version.
    original: str
    #: The translation held for the block, None when it was never translated.
    text: str | None
    #: The original block the translation was made from.
    translated_from: str | None

    @property
    def state(self) -> str:
        """ "current", "outdated" (the original changed since) or "missing"."""
        if self.text is None or self.translated_from is None:
            return "missing"
        if normalise(self.translated_from) != normalise(self.original):
            return "outdated"
        return "current"


@dataclass(frozen=True)
class PublishedTranslation:
    """What a translation publishes of a version."""

    title: str
    #: The translated blocks that are up to date, the original for every other block.
    body: str
    #: Indices of the blocks shown in the original language.
    originals: frozenset[int]


def entries_of(translation: Translation) -> list[Entry]:
    """The translation's blocks, aligned with the blocks of its version.

    A translation kept as one text counts as translated block by block when it has as many
    blocks as its version; otherwise none of its blocks can be told apart.
    """
    sources = paragraphs(translation.version.body)
    if translation.blocks is not None:
        stored = list(translation.blocks)[: len(sources)]
        return stored + [None] * (len(sources) - len(stored))
    texts = paragraphs(translation.body)
    if len(texts) != len(sources):
        return [None] * len(sources)
    return [{"from": source, "text": text} for source, text in zip(sources, texts, strict=True)]


def carried_entries(entries: Sequence[Entry], old_body: str, new_body: str) -> list[Entry]:
    """A translation's blocks moved from one version of the text onto the next.

    Blocks that stayed or changed keep their entry (a changed one now translates an older
    original, so it is outdated); blocks the new version adds have none.
    """
    carried: list[Entry] = [None] * len(paragraphs(new_body))
    for entry in diff_blocks(old_body, new_body):
        if entry.old_index is None or entry.new_index is None:
            continue
        if entry.old_index < len(entries):
            carried[entry.new_index] = entries[entry.old_index]
    return carried


def translated_blocks(translation: Translation, version: Version) -> list[TranslatedBlock]:
    """Every block of ``version`` with the translation's text for it, up to date or not."""
    entries = entries_of(translation)
    if translation.version_id != version.id:
        entries = carried_entries(entries, translation.version.body, version.body)
    return [
        TranslatedBlock(
            index,
            original,
            entry.get("text") if entry else None,
            entry.get("from") if entry else None,
        )
        for index, (original, entry) in enumerate(
            zip(paragraphs(version.body), entries, strict=True)
        )
    ]


def published_translation(translation: Translation, version: Version) -> PublishedTranslation:
    """The translation as published with ``version``: the original wherever it is not current.

    A translation kept as one text of this very version is published as it is.
    """
    whole = translation.blocks is None and translation.version_id == version.id
    if whole and len(paragraphs(translation.body)) != len(paragraphs(version.body)):
        return PublishedTranslation(translation.title, translation.body, frozenset())
    pieces: list[str] = []
    originals: set[int] = set()
    for block in translated_blocks(translation, version):
        if block.state == "current" and block.text is not None:
            pieces.append(block.text)
        else:
            pieces.append(block.original)
            originals.add(block.index)
    title = translation.title or version.title
    return PublishedTranslation(title, from_paragraphs(pieces), frozenset(originals))


def carry_translations(old: Version, new: Version) -> None:
    """Move every translation of ``old`` onto ``new``, block by block (see the module doc)."""
    for translation in list(old.translations):
        entries = carried_entries(entries_of(translation), old.body, new.body)
        if not any(entries):
            continue
        moved = Translation(
            version=new,
            language=translation.language,
            title=translation.title,
            body="",
            blocks=entries,
            created_by_id=translation.created_by_id,
            created_at=translation.created_at,
        )
        moved.body = published_translation(moved, new).body
        db.session.add(moved)
