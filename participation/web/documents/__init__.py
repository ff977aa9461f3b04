"""Document pages: lists, the voting order, a document with its amendments, the amendment
form, versions, translations and working groups.

The views live in one module per concern and carry their access level; this module holds
the blueprint and its URL map, so every document URL can be read in one place. Wiring the
views here (instead of ``@bp.get`` in each module) keeps the view modules free of this one:
they import nothing of the package but :mod:`.common`, and the package imports them.
"""

from __future__ import annotations

from collections.abc import Callable

from flask import Blueprint
from flask_babel import format_datetime

from participation.web import presenters
from participation.web.documents import amendments, documents, groups, translations
from participation.web.template_helpers import LANGUAGE_NAMES

bp = Blueprint("documents", __name__)

PREFIX = "/c/<int:conference_id>"
DOC = PREFIX + "/documents/<int:document_id>"
AMENDMENT = DOC + "/amendments/<int:amendment_id>"
GROUP = PREFIX + "/groups/<int:group_id>"
GET, POST, FORM = ("GET",), ("POST",), ("GET", "POST")


@bp.context_processor
def _template_globals() -> dict:
    return {
        "language_name": lambda code: LANGUAGE_NAMES.get(code, code),
        "labels": presenters.status_labels(),
        "format_datetime": format_datetime,
        "submitter_names": presenters.submitter_names,
    }


def _route(rule: str, view: Callable, methods: tuple[str, ...]) -> None:
    """Serve ``view`` at ``rule``; its name is the endpoint ("documents.<name>")."""
    bp.add_url_rule(rule, view_func=view, methods=methods)


# Documents
_route(PREFIX + "/documents", documents.index, GET)
_route(PREFIX + "/documents/vote-order", documents.vote_order, GET)
_route(PREFIX + "/documents/deadline", documents.deadline, POST)
_route(PREFIX + "/documents/new", documents.new, FORM)
_route(DOC, documents.show, GET)
_route(DOC + "/compare", documents.compare, GET)
_route(DOC + "/edit", documents.edit, FORM)
_route(DOC + "/status", documents.status, POST)
_route(DOC + "/cosign", documents.cosign, POST)
_route(DOC + "/position", documents.position, POST)
_route(DOC + "/translation", translations.translate, FORM)

# Amendments
_route(DOC + "/amend", amendments.amend, FORM)
_route(AMENDMENT, amendments.amendment, GET)
_route(AMENDMENT + "/revise", amendments.revise, FORM)
_route(AMENDMENT + "/withdraw", amendments.withdraw_amendment, POST)
_route(AMENDMENT + "/admit", amendments.admit_amendment, POST)
_route(AMENDMENT + "/take-over", amendments.take_over, POST)

# Working groups
_route(PREFIX + "/groups", groups.group_list, GET)
_route(PREFIX + "/groups", groups.group_create, POST)
_route(GROUP, groups.group, GET)
_route(GROUP + "/members", groups.group_member, POST)
_route(GROUP + "/demands", groups.group_demand, POST)
_route(GROUP + "/hand-over", groups.group_hand_over, POST)
