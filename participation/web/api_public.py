"""Public reads of the JSON API: conferences, documents, versions, amendments, results, search.

The routes join the API blueprint of :mod:`participation.web.api` (``/api/v1``). Anyone reads
what the archive publishes; people with a role in a conference read what the documents pages
show them (:mod:`participation.exports.archive`). Errors are JSON
(``{"error": {"status", "message"}}``), like everywhere under ``/api/``.

Every read of the API (these and the voting ones) shares one rate limit per client.
"""

from __future__ import annotations

from flask import current_app, jsonify
from flask_babel import gettext as _

from participation.exports import archive, data
from participation.extensions import limiter, signed_in
from participation.models import Conference
from participation.schemas import api as shapes
from participation.schemas import replies
from participation.services.errors import Invalid, NotFound
from participation.web import limits
from participation.web.access import access
from participation.web.api import bp
from participation.web.shaped import shaped

#: Reads per client (a login session, or an anonymous address), over all API routes together;
#: ``API_READ_RATE_LIMIT`` overrides it.
DEFAULT_READ_LIMIT = "300 per minute;5000 per hour"

DOCUMENT = "/conferences/<int:conference_id>/documents/<int:document_id>"


def _read_limit() -> str:
    return current_app.config.get("API_READ_RATE_LIMIT", DEFAULT_READ_LIMIT)


limiter.shared_limit(
    _read_limit, scope="api-reads", key_func=limits.reader_key, methods=["GET", "HEAD"]
)(bp)


def _language(conference: Conference, wanted: str | None) -> str | None:
    """The ``lang`` query argument: one of the conference's languages, or none."""
    if wanted is None:
        return None
    if wanted not in (conference.languages or []):
        raise Invalid(
            _("Texts of this conference are not published in this language."), {"lang": wanted}
        )
    return wanted


def _document(conference_id: int, document_id: int):
    conference = archive.get_conference(conference_id)
    return conference, archive.readable_document(signed_in(), conference.id, document_id)


@bp.get("/conferences/<int:conference_id>")
@access("public")
@shaped(replies={200: (replies.ConferenceReply, "The conference.")})
def conference(conference_id: int):
    """A conference, with links to its texts and results."""
    conference = archive.get_conference(conference_id)
    return jsonify(
        {
            "conference": data.conference_json(conference),
            "links": {
                "documents": data.absolute_url("api.documents", conference_id=conference.id),
                "results": data.absolute_url("api.results", conference_id=conference.id),
                "page": data.absolute_url("public.conference", conference_id=conference.id),
                "book_pdf": data.absolute_url("public.book_pdf", conference_id=conference.id),
            },
        }
    )


@bp.get("/conferences/<int:conference_id>/documents")
@access("public")
@shaped(replies={200: (replies.Documents, "The texts, in agenda and voting order.")})
def documents(conference_id: int):
    """The conference's texts the caller may read.

    For anyone the published ones (decided after admission); for its delegates and staff what
    the documents pages show them.
    """
    conference = archive.get_conference(conference_id)
    rows = archive.readable_documents(signed_in(), conference.id)
    return jsonify({"documents": [data.document_summary(d) for d in rows]})


@bp.get(DOCUMENT)
@access("public")
@shaped(query=shapes.LanguageQuery, replies={200: (replies.DocumentReply, "The text.")})
def document(conference_id: int, document_id: int, query: shapes.LanguageQuery):
    """A text: its current (adopted) version with numbered lines, versions, amendments, the
    polls on it with their results.

    ``?lang=`` gives the text in one of the conference's languages.
    """
    conference, document = _document(conference_id, document_id)
    language = _language(conference, query.lang)
    actor = signed_in()
    amendments = archive.readable_amendments(actor, document)
    body = data.document_json(
        document,
        amendments,
        archive.readable_polls(actor, document, amendments),
        archive.readable_versions(actor, document),
        language,
    )
    return jsonify({"document": body})


@bp.get(DOCUMENT + "/versions")
@access("public")
@shaped(replies={200: (replies.Versions, "The versions.")})
def versions(conference_id: int, document_id: int):
    """The text's versions (for anyone: from the admitted one on)."""
    _conference, document = _document(conference_id, document_id)
    rows = archive.readable_versions(signed_in(), document)
    return jsonify({"versions": [data.version_summary(v) for v in rows]})


@bp.get(DOCUMENT + "/versions/<int:version_number>")
@access("public")
@shaped(query=shapes.LanguageQuery, replies={200: (replies.VersionReply, "The version.")})
def version(conference_id: int, document_id: int, version_number: int, query: shapes.LanguageQuery):
    """One version's text with its numbered lines, or (``?lang=``) its translation."""
    conference, document = _document(conference_id, document_id)
    language = _language(conference, query.lang)
    found = next(
        (v for v in archive.readable_versions(signed_in(), document) if v.number == version_number),
        None,
    )
    if found is None:
        raise NotFound(_("This version does not exist or has not been published."))
    translated = {archive.original_language(document), *(t.language for t in found.translations)}
    if language and language not in translated:
        raise NotFound(_("There is no translation of this version into this language."))
    return jsonify({"version": data.version_json(document, found, language)})


@bp.get(DOCUMENT + "/amendments")
@access("public")
@shaped(replies={200: (replies.Amendments, "The amendments.")})
def amendments(conference_id: int, document_id: int):
    """The text's amendments (for anyone: those admitted), with their fate."""
    _conference, document = _document(conference_id, document_id)
    rows = archive.readable_amendments(signed_in(), document)
    return jsonify({"amendments": [data.amendment_json(a) for a in rows]})


@bp.get("/conferences/<int:conference_id>/results")
@access("public")
@shaped(replies={200: (replies.Results, "The results.")})
def results(conference_id: int):
    """Every closed poll of the conference: outcome, numbers, rule and quorum, and what it
    decided on."""
    conference = archive.get_conference(conference_id)
    return jsonify(data.results_json(conference))


@bp.get("/search")
@access("public")
@shaped(
    query=shapes.SearchQuery,
    replies={200: (replies.SearchReply, "The texts found (adopted ones first).")},
    errors=(404,),
)
def search(query: shapes.SearchQuery):
    """Published texts containing every word of ``q``, with the matching numbered lines.

    Every language a text exists in is searched.
    """
    conference = None
    if query.conference_id is not None:
        conference = archive.get_conference(query.conference_id)
    hits = archive.search(query.q, conference.id if conference else None)
    return jsonify(
        {
            "query": query.q,
            "hits": [
                {
                    "document": data.document_summary(hit.document),
                    "language": hit.text.language,
                    "title": hit.text.title,
                    "url": data.permalink(hit.document, hit.text.language),
                    "lines": [{"number": ln.number, "text": ln.text} for ln in hit.lines],
                }
                for hit in hits
            ],
        }
    )
