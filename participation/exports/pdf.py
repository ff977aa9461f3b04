"""PDF with WeasyPrint: a single text, or a conference's book of resolutions.

The HTML comes from templates under ``templates/exports/``; this module only turns it into a
PDF. WeasyPrint fetches nothing: the stylesheet is passed in as a string, fonts come from the
system (fontconfig), and every URL in the document is refused, so a link in a text can never
make the server fetch anything.

Line-numbered text is set in a monospace font and never re-wrapped (``white-space: pre``), so
the lines and their numbers are those of :mod:`participation.text.lines`, as on the screen and
the projector. The font size shrinks for conferences with long lines so they fit the page.
"""

from __future__ import annotations

import hashlib
import math
import threading
from collections import OrderedDict

from flask import render_template

#: Usable width of an A4 page with the margins of ``templates/exports/pdf.css``, in points.
TEXT_WIDTH_PT = (210 - 2 * 18) / 25.4 * 72
#: Advance width of DejaVu Sans Mono, in ems.
MONO_ADVANCE = 0.602
#: Columns besides the text: the line number (4ch) and the gap after it (1.5ch), and a spare.
GUTTER_COLUMNS = 6.5
MAX_FONT_PT = 9.5
MIN_FONT_PT = 5.0
#: Recently made PDFs, by a digest of their HTML and stylesheet: the same text is downloaded
#: again and again after a conference, and making it takes a second or more.
CACHE_SIZE = 32
_cache: OrderedDict[str, bytes] = OrderedDict()
_cache_lock = threading.Lock()


class FetchRefused(ValueError):
    """WeasyPrint asked for a URL; the PDFs load nothing."""


def refuse_fetch(url: str, *args, **kwargs):
    raise FetchRefused(f"PDF export fetches nothing ({url[:80]!r})")


def mono_font_size(line_width: int) -> float:
    """Font size (pt) at which ``line_width`` characters and the gutter fit the page width."""
    fitting = TEXT_WIDTH_PT / ((line_width + GUTTER_COLUMNS) * MONO_ADVANCE)
    return max(MIN_FONT_PT, min(MAX_FONT_PT, math.floor(fitting * 100) / 100))


def stylesheet(line_width: int) -> str:
    return render_template("exports/pdf.css", mono_size=mono_font_size(line_width))


def render(html: str, line_width: int) -> bytes:
    """The PDF of an HTML page, with the export stylesheet (the same page only once)."""
    css = stylesheet(line_width)
    key = hashlib.sha256(css.encode() + b"\0" + html.encode()).hexdigest()
    with _cache_lock:
        if key in _cache:
            _cache.move_to_end(key)
            return _cache[key]
    body = _write(html, css)
    with _cache_lock:
        _cache[key] = body
        while len(_cache) > CACHE_SIZE:
            _cache.popitem(last=False)
    return body


def _write(html: str, css: str) -> bytes:
    from weasyprint import CSS, HTML  # imported here: loading Pango takes a moment

    document = HTML(string=html, url_fetcher=refuse_fetch, base_url=None)
    stylesheet_ = CSS(string=css, url_fetcher=refuse_fetch)
    return document.write_pdf(stylesheets=[stylesheet_])
