"""Texts and results as JSON-ready dicts and as CSV, the same data the API serves.

The functions take what :mod:`.archive` decided may be shown; they never look further.
Links are built with ``url_for``, so they need an app (and, for absolute links, a request or
``PUBLIC_URL``).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from datetime import date, datetime
from fractions import Fraction

from flask import current_app, url_for

from participation.exports import archive
from participation.models import Amendment, Catalogue, Conference, Document, Poll, Version
from participation.services import documents as docs
from participation.services import voting
from participation.text import number_lines

#: Leading characters that make spreadsheet programs run a cell as a formula.
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def iso(moment: datetime | date | None) -> str | None:
    return moment.isoformat() if moment is not None else None


def absolute_url(endpoint: str, **values) -> str:
    """A permanent link: on PUBLIC_URL when it is set, else on the request's host."""
    base = current_app.config.get("PUBLIC_URL") or ""
    if base:
        return base + url_for(endpoint, **values)
    return url_for(endpoint, _external=True, **values)


def permalink(document: Document, language: str | None = None) -> str:
    values = {"conference_id": document.conference_id, "number": document.number}
    if language and language != archive.original_language(document):
        values["lang"] = language
    return absolute_url("public.text", **values)


# --- JSON ------------------------------------------------------------------------------------


def conference_json(conference: Conference) -> dict:
    return {
        "id": conference.id,
        "title": conference.title,
        "number": conference.number,
        "starts_on": iso(conference.starts_on),
        "ends_on": iso(conference.ends_on),
        "venue": conference.venue,
        "status": conference.status,
        "languages": list(conference.languages or ["de"]),
        "line_width": conference.line_width,
    }


def _names(document: Document, role: str) -> list[str]:
    return [link.organisation.name for link in document.organisations if link.role == role]


def document_summary(document: Document) -> dict:
    return {
        "id": document.id,
        "conference_id": document.conference_id,
        "number": document.number,
        "kind": document.kind,
        "title": document.title,
        "status": document.status,
        "published": archive.is_published(document),
        "decided_at": iso(document.decided_at),
        "agenda_item": document.agenda_item.number if document.agenda_item else None,
        "current_version": document.current_version.number if document.current_version else None,
        "languages": archive.languages_of(document),
        "url": permalink(document) if archive.is_published(document) else None,
    }


def lines_json(body: str, width: int) -> list[dict]:
    return [
        {"number": line.number, "block": block.index, "text": line.text}
        for block in number_lines(body, width)
        for line in block.lines
    ]


def version_json(document: Document, version: Version, language: str | None = None) -> dict:
    """A version's text, or (``language``) its translation, with the numbered lines."""
    title, body, lang, translated = version.title, version.body, None, None
    if language and language != archive.original_language(document):
        translation = next((t for t in version.translations if t.language == language), None)
        if translation is not None:
            title, body, lang, translated = translation.title, translation.body, language, True
    return {
        "number": version.number,
        "title": title,
        "note": version.note,
        "created_at": iso(version.created_at),
        "language": lang or archive.original_language(document),
        "translation": bool(translated),
        "translations": sorted(t.language for t in version.translations),
        "body": body,
        "lines": lines_json(body, document.conference.line_width),
    }


def text_json(document: Document, text: archive.Text) -> dict:
    """The text shown as the document's text in one language (see :func:`archive.text_in`)."""
    version = text.translation.version if text.translation else archive.current_version(document)
    return {
        "language": text.language,
        "title": text.title,
        "body": text.body,
        "translation": text.is_translation,
        "version": version.number,
        "outdated": text.outdated(document),
        "lines": lines_json(text.body, document.conference.line_width),
    }


def version_summary(version: Version) -> dict:
    return {
        "number": version.number,
        "title": version.title,
        "note": version.note,
        "created_at": iso(version.created_at),
        "translations": sorted(t.language for t in version.translations),
    }


def amendment_json(amendment: Amendment) -> dict:
    document = amendment.document
    changes = docs.changes_of(amendment)
    width = document.conference.line_width
    try:
        lines = docs.format_ranges(docs.line_ranges(amendment.base_version, changes, width))
    except ValueError:  # a change names a block the base version does not have
        lines = ""
    return {
        "id": amendment.id,
        "document_id": document.id,
        "number": amendment.number,
        "status": amendment.status,
        "base_version": amendment.base_version.number,
        "lines": lines,
        "changes": [{"block": index, "text": text} for index, text in sorted(changes.items())],
        "reasoning": amendment.reasoning,
        "organisation": amendment.organisation.name if amendment.organisation else None,
        "admitted_at": iso(amendment.admitted_at),
        "decided_at": iso(amendment.decided_at),
    }


def poll_summary(poll: Poll) -> dict:
    """A poll as the voting service shows it to anyone, with what it decided on."""
    data = voting.poll_json(poll)
    target = voting.describe_target(poll)
    data["target"] = {"label": target.get("label", ""), "title": target.get("title", "")}
    return data


def document_json(
    document: Document,
    amendments: Iterable[Amendment],
    polls: Iterable[Poll],
    versions: Iterable[Version],
    language: str | None = None,
) -> dict:
    """Everything about one document a reader may see: text, versions, amendments, results."""
    data = document_summary(document)
    data.update(
        {
            "reasoning": document.reasoning,
            "submitters": _names(document, "submitter"),
            "cosigners": _names(document, "cosigner"),
            "submitting_body": document.submitting_body,
            "text": text_json(document, archive.text_in(document, language)),
            "versions": [version_summary(v) for v in versions],
            "amendments": [amendment_json(a) for a in amendments],
            "demands": [
                {
                    "label": d.label,
                    "status": d.status,
                    "position": d.position,
                    "in_text": d.block_index is not None,
                }
                for d in document.demands
            ]
            if isinstance(document, Catalogue)
            else [],
            "polls": [poll_summary(p) for p in polls],
        }
    )
    return data


def archive_json(conference: Conference) -> dict:
    """The conference's published texts with their final text, amendments and results."""
    texts = []
    for document in archive.published_documents(conference.id):
        amendments = archive.published_amendments(document)
        entry = document_json(
            document,
            amendments,
            archive.polls_about(document, amendments),
            archive.published_versions(document),
        )
        entry["translations"] = [
            text_json(document, archive.text_in(document, language))
            for language in archive.languages_of(document)[1:]
        ]
        texts.append(entry)
    return {"conference": conference_json(conference), "documents": texts}


def results_json(conference: Conference) -> dict:
    return {
        "conference": conference_json(conference),
        "polls": [poll_summary(p) for p in archive.closed_polls(conference.id)],
    }


# --- CSV -------------------------------------------------------------------------------------


def _cell(value) -> str:
    """A CSV cell that a spreadsheet shows as text, never runs as a formula."""
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(_FORMULA_START) else text


def to_csv(header: list[str], rows: Iterable[Iterable]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(header)
    for row in rows:
        writer.writerow([_cell(value) for value in row])
    return out.getvalue()


TEXTS_HEADER = ["document", "kind", "title", "status", "language", "line", "text", "url"]


def texts_csv(conference: Conference) -> str:
    """One row per numbered line of every published text, in each language it exists in."""

    def rows():
        for document in archive.published_documents(conference.id):
            for language in archive.languages_of(document):
                text = archive.text_in(document, language)
                url = permalink(document, language)
                for line in archive.numbered(document, text):
                    yield (
                        document.number,
                        document.kind,
                        text.title,
                        document.status,
                        text.language,
                        line.number,
                        line.text,
                        url,
                    )

    return to_csv(TEXTS_HEADER, rows())


RESULTS_HEADER = [
    "poll",
    "closed_at",
    "title",
    "target",
    "kind",
    "secret",
    "source",
    "outcome",
    "yes",
    "no",
    "abstain",
    "elected",
    "ballots",
    "votes_cast",
    "eligible_votes",
    "eligible_voters",
    "majority",
    "majority_met",
    "quorum",
    "quorum_required",
    "quorum_actual",
    "quorum_met",
]


def _weight(units, scale: int) -> str:
    return voting.weight_text(int(units or 0), scale)


def result_row(poll: Poll) -> list:
    result = poll.result or {}
    scale = result.get("weight_scale") or poll.weight_scale or 1
    tally = result.get("tally") or {}
    weights = tally.get("weights") or {}
    quorum = result.get("quorum") or {}
    required = quorum.get("required")
    names = {c.id: c.name for c in poll.candidates}
    motion = poll.method == "yes_no_abstain"
    return [
        poll.id,
        iso(poll.closed_at),
        poll.title,
        voting.describe_target(poll).get("label", ""),
        poll.kind,
        "yes" if poll.secret else "no",
        poll.source,
        result.get("outcome", ""),
        _weight(weights.get("yes"), scale) if motion else "",
        _weight(weights.get("no"), scale) if motion else "",
        _weight(weights.get("abstain"), scale) if motion else "",
        "; ".join(names.get(c, str(c)) for c in result.get("elected") or []),
        tally.get("ballots", ""),
        _weight(tally.get("weight"), scale),
        _weight(result.get("eligible_weight"), scale),
        result.get("eligible_count", ""),
        (result.get("majority") or {}).get("rule", poll.majority),
        _yes_no((result.get("majority") or {}).get("met")),
        quorum.get("kind", poll.quorum_kind),
        _fraction(required, scale if quorum.get("kind") == "weight_share" else 1),
        _weight(quorum.get("actual"), scale)
        if quorum.get("kind") == "weight_share"
        else quorum.get("actual", ""),
        _yes_no(quorum.get("met")),
    ]


def _yes_no(value) -> str:
    return "" if value is None else ("yes" if value else "no")


def _fraction(pair, scale: int) -> str:
    if not pair:
        return ""
    value = Fraction(pair[0], pair[1] * (scale or 1))
    return str(value.numerator) if value.denominator == 1 else f"{float(value):.2f}"


def results_csv(conference: Conference) -> str:
    return to_csv(RESULTS_HEADER, (result_row(p) for p in archive.closed_polls(conference.id)))
