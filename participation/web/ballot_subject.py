"""What a ballot decides, as the delegate's phone shows it under the question.

The phone fetches this once per poll (``delegate.poll_subject``) rather than with every
broadcast: the text or the amendment's word diff, line-numbered as on the document page and in
the reader's language where a translation exists, the candidates of an election, and the
majority rule with the quorum in one line. Like :mod:`.presenters`, it changes nothing and
knows no routes; the HTML comes from the sanitising text renderers or is escaped here.
"""

from __future__ import annotations

import hashlib
import math
import threading
from collections import OrderedDict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from fractions import Fraction

from flask import current_app, render_template
from flask_babel import format_decimal, get_locale, ngettext
from flask_babel import gettext as _
from markupsafe import Markup

from participation.exports import archive
from participation.extensions import db
from participation.models import Amendment, Demand, Document, Poll
from participation.services import documents as docs
from participation.services import voting
from participation.text import NumberedLine, number_lines, render_numbered_html, split_blocks
from participation.web import presenters

#: Rendered subjects kept per app, newest last; a hall of phones asks for the same few.
CACHE_SIZE = 64
_lock = threading.Lock()


@dataclass
class PollSubject:
    """The ballot's explanation of one poll in one language."""

    poll: Poll
    #: "Simple majority · quorate from 12 votes".
    rule: str
    #: The poll's title in the reader's language: its target's label and the text's title,
    #: translated where a translation exists.
    title: str | None = None
    #: The language of that title.
    title_language: str | None = None
    #: Whether the title (and a document's text) come from a translation.
    translated: bool = False
    #: The language of the text shown (the conference's first for the original).
    language: str = "de"
    #: What the folded text is called ("Text of A1", "Change by Ä4 to A1").
    summary: str = ""
    #: (line range, word diff) for an amendment.
    diffs: list[tuple[str, Markup]] = field(default_factory=list)
    #: The line-numbered text of a document or demand.
    text_html: Markup | None = None
    #: The document the poll is about, and the amendment, for the link to its page.
    document: Document | None = None
    amendment: Amendment | None = None
    #: The candidates' names of an election.
    candidates: list[str] = field(default_factory=list)


def drawn(poll: Poll) -> tuple[str, str]:
    """The poll's subject in the reader's language as the phones show it, and its ETag."""
    locale = get_locale()
    language = locale.language if locale is not None else "de"
    return rendered(
        poll,
        language,
        lambda subject: render_template("delegate/_subject.html", subject=subject),
    )


def rendered(poll: Poll, language: str, render: Callable[[PollSubject], str]) -> tuple[str, str]:
    """The poll's subject for a reader of ``language`` as HTML, and its ETag.

    Rendered once per poll, language and state of the text, then kept per app: when a poll
    opens, a hall of phones asks for the same page at once.
    """
    tag = fingerprint(poll, language)
    cache: OrderedDict[str, str] = current_app.extensions.setdefault(
        "ballot_subjects", OrderedDict()
    )
    with _lock:
        html = cache.get(tag)
    if html is None:
        html = render(poll_subject(poll, language))
        with _lock:
            cache[tag] = html
            while len(cache) > CACHE_SIZE:
                cache.popitem(last=False)
    return html, tag


def fingerprint(poll: Poll, language: str) -> str:
    """Changes whenever what :func:`poll_subject` shows would change."""
    parts: list[object] = [poll.id, language, poll.state]
    document = _target(poll)[0]
    if document is not None:
        translation = docs.latest_translation(document, language)
        parts += [document.current_version_id, translation.id if translation else 0]
        parts += [translation.created_at.timestamp() if translation else 0]
    digest = hashlib.sha256(repr(parts).encode()).hexdigest()[:20]
    return f"{poll.id}-{language}-{digest}"


def _target(poll: Poll) -> tuple[Document | None, Amendment | None, Demand | None]:
    """The document a poll is about, and the amendment or demand of it that is decided."""
    if poll.target_kind == "amendment" and poll.amendment_id is not None:
        amendment = db.session.get(Amendment, poll.amendment_id)
        return (amendment.document if amendment else None), amendment, None
    if poll.target_kind == "demand" and poll.demand_id is not None:
        demand = db.session.get(Demand, poll.demand_id)
        return (demand.catalogue if demand else None), None, demand
    if poll.target_kind == "document" and poll.document_id is not None:
        return db.session.get(Document, poll.document_id), None, None
    return None, None, None


def reader_title(poll: Poll, language: str | None = None) -> str:
    """The poll's title as a reader of ``language`` (the page's) should see it.

    A title made from the poll's target ("Ä4 to A1 <title>") was worded in the language of
    whoever created the poll; it is worded again with the text's title in the reader's
    language. A title a moderator wrote, and an election's, stay as written.
    """
    document = _target(poll)[0] if poll.kind != "election" else None
    if document is None:
        return poll.title
    text = archive.text_in(document, language or _page_language())
    if not (text.is_translation or _titled_by_target(poll, document)):
        return poll.title
    return f"{voting.describe_target(poll)['label']} {text.title}".strip()


def _page_language() -> str:
    locale = get_locale()
    return locale.language if locale is not None else "de"


def poll_subject(poll: Poll, language: str) -> PollSubject:
    """What the poll decides, for a reader of ``language``."""
    subject = PollSubject(poll=poll, rule=rule_line(poll))
    if poll.kind == "election":
        subject.candidates = [c.name for c in poll.candidates]
        return subject
    document, amendment, demand = _target(poll)
    if document is None:
        return subject
    text = archive.text_in(document, language)
    subject.document = document
    subject.language = text.language
    if text.is_translation or _titled_by_target(poll, document):
        subject.title = reader_title(poll, language)
        subject.title_language = text.language
        subject.translated = text.is_translation
    if amendment is not None:
        viewer = docs.viewer_for(None, document.conference_id)
        view = presenters.amendment_view(viewer, amendment)
        subject.amendment = amendment
        subject.summary = view.heading
        subject.diffs = view.diffs
        subject.language = archive.original_language(document)
    elif demand is not None:
        subject.summary = _("Demand %(label)s", label=demand.label)
        subject.text_html = _demand_html(document, demand, text)
    else:
        subject.summary = _("Text of %(number)s", number=document.number)
        subject.text_html = _text_html(document, text)
    return subject


def _titled_by_target(poll: Poll, document: Document) -> bool:
    """Whether the poll kept the title made from its target ("Ä4 to A1 <title>"): that title
    was worded in the language of whoever created the poll, so it is worded again for each
    reader; a title a moderator wrote is left as written."""
    return poll.title.endswith(" ".join(document.title.split()))


def _text_html(document: Document, text: archive.Text) -> Markup:
    if text.is_translation:
        rendered = render_numbered_html(text.body, document.conference.line_width)
        return Markup(rendered)  # noqa: S704 - produced by the sanitising renderer
    return presenters.numbered_html(document, archive.current_version(document))


def _demand_html(document: Document, demand: Demand, text: archive.Text) -> Markup | None:
    """The demand's lines with their numbers; from the translation when it has the block."""
    if demand.block_index is None:
        return None
    body = text.body
    if text.outdated(document) or len(split_blocks(body)) != len(
        split_blocks(archive.current_version(document).body)
    ):
        body = archive.current_version(document).body
    lines: Sequence[NumberedLine] = next(
        (
            b.lines
            for b in number_lines(body, document.conference.line_width)
            if b.index == demand.block_index
        ),
        [],
    )
    rows = Markup("").join(
        Markup('<span class="ln">{}</span>{}<br>').format(line.number, line.text) for line in lines
    )
    return Markup('<div class="numbered-text"><p class="block">{}</p></div>').format(rows)


# --- the rule and the quorum -------------------------------------------------------------------


def rule_line(poll: Poll) -> str:
    """The majority rule and what makes the poll quorate, in one line."""
    return f"{majority_name(poll.majority)} · {quorum_phrase(poll)}"


def majority_name(rule: str) -> str:
    return {
        "simple": _("Simple majority"),
        "absolute": _("Absolute majority"),
        "two_thirds": _("Two-thirds majority"),
        "absolute_eligible": _("Absolute majority of the eligible"),
    }.get(rule, rule)


def quorum_phrase(poll: Poll) -> str:
    """From how many votes or organisations on the poll is quorate, localised numbers."""
    share = Fraction(poll.quorum_numerator, poll.quorum_denominator or 1)
    if poll.quorum_kind == "weight_share":
        scale = poll.weight_scale or 1
        needed = Fraction(math.ceil(share * voting.base_weight(poll)), scale)
        count = math.ceil(needed)
        number = format_decimal(needed.numerator if needed.denominator == 1 else float(needed))
        return ngettext("quorate from %(n)s vote", "quorate from %(n)s votes", count, n=number)
    if poll.quorum_kind in ("organisations_count", "organisations_share"):
        total = poll.organisations_total if poll.quorum_kind == "organisations_share" else 1
        count = math.ceil(share * total)
        return ngettext(
            "quorate with %(n)s member organisation represented",
            "quorate with %(n)s member organisations represented",
            count,
            n=format_decimal(count),
        )
    return _("no quorum")
