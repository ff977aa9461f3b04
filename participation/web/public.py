"""Pages anyone can read: the conferences and their archive of published texts.

Every view here is public and shows only what :mod:`participation.exports.archive` publishes:
decided texts that had been admitted, their admitted amendments and the results of closed
polls. Nothing here needs JavaScript.
"""

from __future__ import annotations

from pathlib import Path

from flask import Blueprint, Response, current_app, render_template, request
from flask_babel import force_locale
from werkzeug.utils import secure_filename

from participation.exports import archive, data, pdf
from participation.extensions import db, limiter
from participation.models import Conference, Document, Network, is_id
from participation.web import presenters
from participation.web.access import access
from participation.web.voting import MAJORITY_CHOICES, outcome_label

bp = Blueprint("public", __name__)

TEXT = "/c/<int:conference_id>/texts/<path:number>"
#: PDFs take a moment to make; this keeps one client from keeping the server busy.
DEFAULT_PDF_LIMIT = "20 per minute;300 per hour"


def _pdf_limit() -> str:
    return current_app.config.get("PDF_RATE_LIMIT", DEFAULT_PDF_LIMIT)


@bp.context_processor
def _helpers() -> dict:
    return {
        "labels": presenters.status_labels(),
        "outcome_label": outcome_label,
        "majority_label": lambda rule: dict(MAJORITY_CHOICES).get(rule, rule),
        "highlight": archive.highlight,
        "permalink": data.permalink,
    }


def _language_arg(conference: Conference) -> str | None:
    wanted = (request.args.get("lang") or "").strip()[:8]
    return wanted if wanted in (conference.languages or []) else None


# --- pages ---------------------------------------------------------------------------------


@bp.get("/")
@access("public")
def home():
    conferences = archive.conferences()
    adopted = {c.id: len(archive.published_documents(c.id, adopted_only=True)) for c in conferences}
    return render_template(
        "public/home.html",
        network=db.session.get(Network, 1),
        conferences=conferences,
        adopted=adopted,
    )


@bp.get("/favicon.ico")
@access("public")
def favicon():
    """Browsers ask for this before any page names its icon. A few kilobytes, read whole."""
    icon = Path(current_app.static_folder or "static") / "favicon.ico"
    response = Response(icon.read_bytes(), mimetype="image/vnd.microsoft.icon")
    response.cache_control.max_age = 7 * 24 * 3600
    response.cache_control.public = True
    return response


@bp.get("/c/<int:conference_id>")
@access("public")
def conference(conference_id: int):
    conference = archive.get_conference(conference_id)
    published = archive.published_documents(conference.id)
    return render_template(
        "public/conference.html",
        conference=conference,
        adopted=[d for d in published if d.status in archive.ADOPTED_STATUSES],
        others=[d for d in published if d.status not in archive.ADOPTED_STATUSES],
        results=archive.closed_polls(conference.id),
    )


@bp.get(TEXT)
@access("public")
def text(conference_id: int, number: str):
    """A published text's permanent page: final text, amendments, results; ``?lang=`` switches
    to a translation."""
    conference = archive.get_conference(conference_id)
    document = archive.published_document(conference.id, number)
    view = presenters.text_view(document, _language_arg(conference))
    return render_template("public/text.html", conference=conference, view=view)


@bp.get(TEXT + ".pdf")
@access("public")
@limiter.limit(_pdf_limit)
def text_pdf(conference_id: int, number: str):
    conference = archive.get_conference(conference_id)
    document = archive.published_document(conference.id, number)
    language = archive.text_in(document, _language_arg(conference)).language
    with force_locale(language):
        view = presenters.text_view(document, language)
        html = render_template("exports/text.html", conference=conference, view=view)
    name = f"{conference.number}-{document.number}-{view.text.language}"
    return _pdf_response(html, conference, name)


@bp.get("/c/<int:conference_id>/book.pdf")
@access("public")
@limiter.limit(_pdf_limit)
def book_pdf(conference_id: int):
    """The book of resolutions: the adopted texts with a table of contents, then the rest."""
    conference = archive.get_conference(conference_id)
    language = _language_arg(conference) or (conference.languages or ["de"])[0]
    published = archive.published_documents(conference.id)
    others = [d for d in published if not archive.is_adopted(d)]
    with force_locale(language):
        texts = [presenters.text_view(d, language) for d in published if archive.is_adopted(d)]
        html = render_template(
            "exports/book.html",
            conference=conference,
            texts=texts,
            others=others,
            language=language,
            network=db.session.get(Network, 1),
        )
    return _pdf_response(html, conference, f"{conference.number}-book-{language}")


def _pdf_response(html: str, conference: Conference, name: str) -> Response:
    body = pdf.render(html, conference.line_width)
    filename = secure_filename(name) or "export"
    return Response(
        body,
        mimetype="application/pdf",
        headers={"Content-Disposition": f'inline; filename="{filename}.pdf"'},
    )


# --- data ----------------------------------------------------------------------------------


def _download(body: str, mimetype: str, filename: str) -> Response:
    return Response(
        body,
        mimetype=mimetype,
        headers={"Content-Disposition": f'attachment; filename="{secure_filename(filename)}"'},
    )


@bp.get("/c/<int:conference_id>/texts.csv")
@access("public")
def texts_csv(conference_id: int):
    conference = archive.get_conference(conference_id)
    return _download(data.texts_csv(conference), "text/csv", f"{conference.number}-texts.csv")


@bp.get("/c/<int:conference_id>/texts.json")
@access("public")
def texts_json(conference_id: int):
    conference = archive.get_conference(conference_id)
    response = current_app.json.response(data.archive_json(conference))
    response.headers["Content-Disposition"] = (
        f'inline; filename="{secure_filename(f"{conference.number}-texts.json")}"'
    )
    return response


@bp.get("/c/<int:conference_id>/results.csv")
@access("public")
def results_csv(conference_id: int):
    conference = archive.get_conference(conference_id)
    return _download(data.results_csv(conference), "text/csv", f"{conference.number}-results.csv")


@bp.get("/c/<int:conference_id>/results.json")
@access("public")
def results_json(conference_id: int):
    conference = archive.get_conference(conference_id)
    return current_app.json.response(data.results_json(conference))


# --- feeds and search ----------------------------------------------------------------------


def _feed(conference: Conference | None) -> Response:
    documents = archive.adopted_recently(conference.id if conference else None)
    updated = max((d.decided_at for d in documents if d.decided_at), default=None)
    self_url = (
        data.absolute_url("public.conference_feed", conference_id=conference.id)
        if conference
        else data.absolute_url("public.feed")
    )
    body = render_template(
        "exports/feed.xml",
        conference=conference,
        documents=documents,
        updated=updated,
        self_url=self_url,
        home_url=data.absolute_url("public.home"),
        network=db.session.get(Network, 1),
        summary=_summary,
    )
    return Response(body, mimetype="application/atom+xml")


def _summary(document: Document, length: int = 400) -> str:
    lines = archive.numbered(document, archive.text_in(document, None))
    text = " ".join(line.text for line in lines)
    return text if len(text) <= length else text[: length - 1].rsplit(" ", 1)[0] + " …"


@bp.get("/feed.atom")
@access("public")
def feed():
    """Newly adopted texts of every conference."""
    return _feed(None)


@bp.get("/c/<int:conference_id>/feed.atom")
@access("public")
def conference_feed(conference_id: int):
    return _feed(archive.get_conference(conference_id))


@bp.get("/search")
@access("public")
def search():
    query = (request.args.get("q") or "").strip()[: archive.MAX_QUERY]
    conference_id = request.args.get("conference", type=int)
    conference = None
    if conference_id is not None and is_id(conference_id):
        conference = db.session.get(Conference, conference_id)
    hits = archive.search(query, conference.id if conference else None) if query else []
    return render_template(
        "public/search.html",
        query=query,
        conference=conference,
        conferences=archive.conferences(),
        hits=hits,
        pattern=archive.search_pattern(query),
    )
