"""Document pages: lists, the voting order, a document with its amendments, the amendment
form, versions, translations and working groups, in one module per concern.

The blueprint lives in :mod:`.blueprint`, which the view modules decorate their views with;
importing them here registers their routes.
"""

from __future__ import annotations

from participation.web.documents import (  # noqa: F401
    amendments,
    documents,
    groups,
    merging,
    translations,
)
from participation.web.documents.blueprint import bp

__all__ = ["bp"]
