"""The translation route: an admin enters a document's text in a further conference language."""

from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from markupsafe import Markup

from participation.extensions import signed_in
from participation.models import Translation
from participation.services import documents as docs
from participation.services.errors import DomainError
from participation.text import render_diff_html
from participation.web.access import access
from participation.web.documents.blueprint import DOC, bp
from participation.web.documents.common import as_int, document_of, refusal_status


@bp.route(DOC + "/translation", methods=["GET", "POST"])
@access("admin")
def translate(conference_id: int, document_id: int):
    document = document_of(conference_id, document_id)
    languages = (document.conference.languages or ["de"])[1:]
    error = None
    form = request.form
    if request.method == "POST" and "block" in form:
        return _save_block(document, languages)
    if request.method == "POST":
        try:
            docs.save_translation(
                signed_in(),
                conference_id,
                document.id,
                language=form.get("language", ""),
                title=form.get("title", ""),
                body=form.get("body", ""),
                version_id=as_int(form.get("version_id"), _("Version")),
            )
        except DomainError as refused:
            error = refused
        else:
            flash(_("The translation is saved."), "success")
            return redirect(
                url_for(
                    ".show",
                    conference_id=conference_id,
                    document_id=document.id,
                    lang=form.get("language"),
                )
            )
    language = (
        form.get("language") or request.args.get("language") or (languages[0] if languages else "")
    )
    existing, rows = docs.translation_rows(document, language) if language else (None, [])
    return (
        render_template(
            "documents/translate.html",
            conference=document.conference,
            document=document,
            languages=languages,
            values=form if request.method == "POST" else _opening_values(language, existing),
            existing=existing,
            rows=rows,
            diff=_diff,
            error=error,
        ),
        refusal_status(error) if error else 200,
    )


def _save_block(document, languages: list[str]):
    """One block (or the title) translated or brought forward; back to the same place."""
    form = request.form
    language = form.get("language", "")
    block = form.get("block", "")
    try:
        docs.save_translated_block(
            signed_in(),
            document.conference_id,
            document.id,
            language=language,
            index=None if block == "title" else as_int(block, _("Paragraph")),
            text=form.get("text", ""),
            version_id=as_int(form.get("version_id"), _("Version")),
        )
    except DomainError as refused:
        flash(refused.message, "error")
    else:
        flash(_("The translation is saved."), "success")
    return redirect(
        url_for(
            ".translate",
            conference_id=document.conference_id,
            document_id=document.id,
            language=language if language in languages else None,
            _anchor=f"block-{block}",
        )
    )


def _diff(old: str, new: str) -> Markup:
    """What changed in the original since the translation was made."""
    html = render_diff_html(old, new, ins_label=_("inserted:"), del_label=_("deleted:"))
    return Markup(html)  # noqa: S704 - sanitised by render_diff_html


def _opening_values(language: str, existing: Translation | None) -> dict[str, str]:
    """The form as it opens: the latest translation into the language, if there is one."""
    return {
        "language": language,
        "title": existing.title if existing else "",
        "body": existing.body if existing else "",
    }
