"""The public archive: what is published, and reading it.

The rule, in one place:

* A document is published once it is decided (adopted, adopted as amended, rejected,
  withdrawn or referred) *and* had been admitted. Drafts, and texts withdrawn or referred
  before a moderator admitted them, are never published.
* An amendment of a published document is published if it was admitted at some point
  (amendments filed late and never admitted stay unpublished, whatever became of them).
* A poll's result is published once the poll is closed: the outcome with the numbers, the
  rule and the quorum. Ballots of secret polls carry no voter (see the voting service).

Readers with a role in the conference see more, by the documents service's rules
(:func:`readable_documents` and friends), so the API follows the same rules as the pages.
Nothing here changes state.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field

from flask_babel import gettext as _
from sqlalchemy import or_, select

from participation.extensions import db
from participation.models import (
    Amendment,
    Catalogue,
    Conference,
    Document,
    Poll,
    Translation,
    Version,
    is_id,
)
from participation.services import documents as docs
from participation.services.errors import NotFound
from participation.text import NumberedLine, number_lines

PUBLISHED_STATUSES = ("adopted", "adopted_amended", "rejected", "withdrawn", "referred")
ADOPTED_STATUSES = ("adopted", "adopted_amended")
#: Order of amendments by what became of them.
AMENDMENT_FATES = ("adopted", "taken_over", "rejected", "withdrawn", "in_vote", "admitted")
MAX_QUERY = 200
MAX_TERMS = 8
MAX_HITS = 100
LINES_PER_HIT = 3


# --- the publication rule ------------------------------------------------------------------


def is_published(document: Document) -> bool:
    return document.admitted_at is not None and document.status in PUBLISHED_STATUSES


def is_adopted(document: Document) -> bool:
    return is_published(document) and document.status in ADOPTED_STATUSES


def get_conference(conference_id: int) -> Conference:
    conference = db.session.get(Conference, conference_id) if is_id(conference_id) else None
    if conference is None:
        raise NotFound(_("No such conference."))
    return conference


def conferences() -> list[Conference]:
    return list(
        db.session.scalars(
            select(Conference).order_by(Conference.number.desc(), Conference.id.desc())
        )
    )


def document_order(document: Document) -> tuple:
    """Agenda order, then the voting order, then the number (A2 before A10)."""
    item = document.agenda_item
    place = item.order_key if item is not None else (10**9, 0, 0, 0)
    return (*place, document.position, docs.label_key(document.number))


def published_documents(
    conference_id: int | None = None, *, adopted_only: bool = False
) -> list[Document]:
    """Published documents of one conference (or of all), in agenda order."""
    statuses = ADOPTED_STATUSES if adopted_only else PUBLISHED_STATUSES
    query = select(Document).where(Document.status.in_(statuses), Document.admitted_at.is_not(None))
    if conference_id is not None:
        query = query.where(Document.conference_id == conference_id)
    return sorted(db.session.scalars(query), key=document_order)


def published_document(conference_id: int, number: str) -> Document:
    """The published document with this number; NotFound for anything else."""
    document = db.session.scalar(
        select(Document).where(
            Document.conference_id == conference_id, Document.number == number[:100]
        )
    )
    if document is None or not is_published(document):
        raise NotFound(_("This text does not exist or has not been published."))
    return document


def published_amendments(document: Document) -> list[Amendment]:
    """The document's admitted amendments: adopted first, then by fate and number."""
    shown = [a for a in document.amendments if a.admitted_at is not None]
    return sorted(shown, key=_amendment_order)


def published_versions(document: Document) -> list[Version]:
    """The version that was admitted and every later one; earlier drafts stay unpublished."""
    admitted_at = document.admitted_at
    if admitted_at is None:
        return []
    earlier = [v for v in document.versions if v.created_at <= admitted_at]
    first = earlier[-1].number if earlier else 1
    return [v for v in document.versions if v.number >= first]


def _amendment_order(amendment: Amendment) -> tuple:
    fate = (
        AMENDMENT_FATES.index(amendment.status)
        if amendment.status in AMENDMENT_FATES
        else len(AMENDMENT_FATES)
    )
    return (fate, docs.label_key(amendment.number))


def polls_about(
    document: Document, amendments: Iterable[Amendment], *, states: Iterable[str] = ("closed",)
) -> list[Poll]:
    """Polls on the document, on the given amendments or on the catalogue's demands."""
    targets = [Poll.document_id == document.id]
    amendment_ids = [a.id for a in amendments]
    if amendment_ids:
        targets.append(Poll.amendment_id.in_(amendment_ids))
    if isinstance(document, Catalogue) and document.demands:
        targets.append(Poll.demand_id.in_([d.id for d in document.demands]))
    return list(
        db.session.scalars(
            select(Poll)
            .where(Poll.conference_id == document.conference_id, Poll.state.in_(tuple(states)))
            .where(or_(*targets))
            .order_by(Poll.closed_at, Poll.id)
        )
    )


def closed_polls(conference_id: int) -> list[Poll]:
    """Every decided poll of the conference (motions, questions, elections), oldest first."""
    return list(
        db.session.scalars(
            select(Poll)
            .where(Poll.conference_id == conference_id, Poll.state == "closed")
            .order_by(Poll.closed_at, Poll.id)
        )
    )


def adopted_recently(conference_id: int | None = None, limit: int = 50) -> list[Document]:
    """Adopted texts, newest decision first (for the feeds)."""
    query = (
        select(Document)
        .where(Document.status.in_(ADOPTED_STATUSES), Document.admitted_at.is_not(None))
        .order_by(Document.decided_at.desc(), Document.id.desc())
        .limit(limit)
    )
    if conference_id is not None:
        query = query.where(Document.conference_id == conference_id)
    return list(db.session.scalars(query))


# --- what a reader with a role sees (same rules as the documents pages) ------------------------


def has_role(actor, conference_id: int) -> bool:
    return docs.viewer_for(actor, conference_id).role is not None


def readable_documents(actor, conference_id: int) -> list[Document]:
    if has_role(actor, conference_id):
        return docs.visible_documents(actor, conference_id)
    return published_documents(conference_id)


def readable_document(actor, conference_id: int, document_id: int) -> Document:
    if not is_id(document_id):
        raise NotFound(_("This text does not exist or has not been published."))
    if has_role(actor, conference_id):
        return docs.get_document(actor, conference_id, document_id)
    document = db.session.get(Document, document_id)
    if document is None or document.conference_id != conference_id or not is_published(document):
        raise NotFound(_("This text does not exist or has not been published."))
    return document


def readable_amendments(actor, document: Document) -> list[Amendment]:
    if has_role(actor, document.conference_id):
        return sorted(docs.visible_amendments(actor, document), key=_amendment_order)
    return published_amendments(document)


def readable_versions(actor, document: Document) -> list[Version]:
    if has_role(actor, document.conference_id):
        return list(document.versions)
    return published_versions(document)


def readable_polls(actor, document: Document, amendments: Iterable[Amendment]) -> list[Poll]:
    """Closed polls for everyone; open ones (without counts) too for the conference's people."""
    states = ("open", "closed") if has_role(actor, document.conference_id) else ("closed",)
    return polls_about(document, amendments, states=states)


# --- texts in a language -----------------------------------------------------------------------


@dataclass(frozen=True)
class Text:
    """A document's text in one language: the current version, or its latest translation."""

    language: str
    title: str
    body: str
    #: The translation shown, None for the original.
    translation: Translation | None = None
    #: Blocks of a translation shown in the original: not translated since they changed.
    originals: frozenset[int] = frozenset()

    @property
    def is_translation(self) -> bool:
        return self.translation is not None

    def outdated(self, document: Document) -> bool:
        """A translation that does not yet cover every block of the text decided."""
        return self.translation is not None and bool(self.originals)


def current_version(document: Document) -> Version:
    """The version that is the document's text now.

    Every document has one from its creation on; the column may be empty only because a
    document and its versions refer to each other.
    """
    version = document.current_version
    if version is None:
        raise LookupError(f"document {document.id} has no current version")
    return version


def original_language(document: Document) -> str:
    return (document.conference.languages or ["de"])[0]


def languages_of(document: Document) -> list[str]:
    """The original language, then the languages a translation exists in."""
    original = original_language(document)
    return [original] + [c for c in docs.translated_languages(document) if c != original]


def text_in(document: Document, language: str | None) -> Text:
    """The text in ``language`` if a translation exists, else the original."""
    original = original_language(document)
    if language and language != original and language in docs.translated_languages(document):
        translation = docs.latest_translation(document, language)
        if translation is not None:
            shown = docs.published_translation(translation, current_version(document))
            return Text(language, shown.title, shown.body, translation, shown.originals)
    version = current_version(document)
    return Text(original, version.title, version.body)


def numbered(document: Document, text: Text) -> list[NumberedLine]:
    """All numbered lines of a text, as on screen and in the PDF."""
    width = document.conference.line_width
    return [line for block in number_lines(text.body, width) for line in block.lines]


# --- search --------------------------------------------------------------------------------


@dataclass
class Hit:
    document: Document
    text: Text
    title_matches: bool
    #: Up to LINES_PER_HIT numbered lines that contain a search term.
    lines: list[NumberedLine] = field(default_factory=list)


def search_pattern(query: str) -> re.Pattern | None:
    """A pattern matching any of the query's words, or None for an empty query."""
    terms = [t for t in (query or "")[:MAX_QUERY].split() if t][:MAX_TERMS]
    if not terms:
        return None
    alternatives = sorted({re.escape(t) for t in terms}, key=len, reverse=True)
    return re.compile("|".join(alternatives), re.IGNORECASE)


def _terms(query: str) -> list[re.Pattern]:
    return [
        re.compile(re.escape(t), re.IGNORECASE)
        for t in (query or "")[:MAX_QUERY].split()[:MAX_TERMS]
    ]


def search(query: str, conference_id: int | None = None) -> list[Hit]:
    """Published texts (in every language they exist in) that contain all words of the query.

    Adopted texts come first; each hit names up to three matching lines with their numbers.
    """
    terms = _terms(query)
    if not terms:
        return []
    hits: list[Hit] = []
    documents = published_documents(conference_id)
    documents.sort(key=lambda d: (not is_adopted(d), -d.conference.number))
    for document in documents:
        for language in languages_of(document):
            text = text_in(document, language)
            lines = numbered(document, text)
            whole = "\n".join([text.title, *(line.text for line in lines)])
            if not all(term.search(whole) for term in terms):
                continue
            matching = [line for line in lines if any(t.search(line.text) for t in terms)]
            hits.append(
                Hit(
                    document,
                    text,
                    any(t.search(text.title) for t in terms),
                    matching[:LINES_PER_HIT],
                )
            )
            if len(hits) >= MAX_HITS:
                return hits
    return hits


def highlight(text: str, pattern: re.Pattern | None) -> list[tuple[str, bool]]:
    """Split text into (piece, matches) runs, for templates to mark without ``|safe``."""
    if pattern is None:
        return [(text, False)]
    pieces: list[tuple[str, bool]] = []
    position = 0
    for match in pattern.finditer(text):
        if match.start() == match.end():
            continue
        if match.start() > position:
            pieces.append((text[position : match.start()], False))
        pieces.append((match.group(0), True))
        position = match.end()
    if position < len(text):
        pieces.append((text[position:], False))
    return pieces
