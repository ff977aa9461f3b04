"""Resolutions, demand catalogues, amendments, versions and translations.

Public use cases (one transaction each, decorated with ``@use_case``) take an ``actor``: the
signed-in :class:`~participation.services.authz.Principal` or a :class:`Person` (demo, CLI).
They check who may do what here, not in the routes.

The voting building blocks :func:`start_vote`, :func:`apply_vote_result`, :func:`cancel_vote`
and :func:`describe_target` run inside the caller's transaction (no commit).

Every change to a text makes a new immutable :class:`Version`; adopting an amendment merges
it into a new version and carries the other open amendments onto it (or flags them for
review where they overlap). Read functions (``visible_documents``, ``get_document`` …) apply
the visibility rule: drafts and unadmitted items are seen only by their submitters'
organisation and the moderators.

Submodules, from the bottom up (each imports only those above it in this list):

* :mod:`.rules` - limits, allowed status changes, status labels
* :mod:`.checks` - plain and Markdown texts without HTML, numbers, agenda items, organisations
* :mod:`.numbering` - natural order of labels, the next free number
* :mod:`.viewer` - who is acting, with their role at the conference
* :mod:`.visibility` - who may read, change, amend or co-sign; loading and listing
* :mod:`.changes` - an amendment's changes: checked, colliding, their line ranges
* :mod:`.catalogues` - demand slots, section numbering, the Demand rows
* :mod:`.translated` - translations block by block, carried from version to version
* :mod:`.versions` - new versions, comparing them, carrying open amendments over
* :mod:`.transitions` - status changes of documents, amendments and demands
* :mod:`.broadcast` - telling pages to refresh after the commit
* :mod:`.workflow` - create, submit, admit, withdraw, refer, edit, co-sign, order
* :mod:`.amendments` - the deadline; file, withdraw, admit, take over, revise
* :mod:`.merging` - a real collision: both changes side by side, re-stated or merged
* :mod:`.translations` - a version's text in the conference's other languages
* :mod:`.vote_targets` - the voting building blocks
* :mod:`.vote_order` - what goes to the vote, in which order
"""

from participation.services.documents.amendments import (
    admit_amendment,
    file_amendment,
    is_late,
    revise_amendment,
    set_amendment_deadline,
    take_over_amendment,
    withdraw_amendment,
)
from participation.services.documents.catalogues import (
    DemandSlot,
    demand_labels,
    demand_slots,
    number_sections,
    section_title,
)
from participation.services.documents.changes import (
    amendment_collisions,
    changes_of,
    clean_changes,
    format_ranges,
    line_ranges,
)
from participation.services.documents.checks import markdown_text, plain_text
from participation.services.documents.merging import (
    MERGEABLE_STATUSES,
    Overlap,
    adopted_since,
    merge_amendment,
    overlaps,
    rebase_amendment,
)
from participation.services.documents.numbering import label_key
from participation.services.documents.rules import (
    AMENDABLE_STATUSES,
    AMENDMENT_STATUS_LABELS,
    AMENDMENT_TRANSITIONS,
    DECIDED_STATUSES,
    DEMAND_STATUS_LABELS,
    DEMAND_TRANSITIONS,
    DOCUMENT_STATUS_LABELS,
    DOCUMENT_TRANSITIONS,
    KIND_LABELS,
    MAX_BLOCK,
    MAX_BODY,
    MAX_BODY_NAME,
    MAX_NUMBER,
    MAX_REASONING,
    MAX_TITLE,
    OPEN_AMENDMENT_STATUSES,
)
from participation.services.documents.translated import (
    PublishedTranslation,
    TranslatedBlock,
    published_translation,
)
from participation.services.documents.translations import (
    latest_translation,
    save_translated_block,
    save_translation,
    translated_languages,
    translation_rows,
)
from participation.services.documents.versions import compare, get_version
from participation.services.documents.viewer import Viewer, viewer_for
from participation.services.documents.visibility import (
    documents_summary,
    get_amendment,
    get_document,
    is_submitter,
    may_amend,
    may_cosign,
    may_edit,
    may_read,
    may_read_amendment,
    may_revise_amendment,
    may_submit,
    may_withdraw,
    may_withdraw_amendment,
    may_withdraw_cosignature,
    organisation_ids,
    organisations_in_documents,
    shared_documents_summary,
    visible_amendments,
    visible_documents,
)
from participation.services.documents.vote_order import VoteItem, vote_order
from participation.services.documents.vote_targets import (
    apply_vote_result,
    cancel_vote,
    describe_target,
    start_vote,
)
from participation.services.documents.workflow import (
    admit_document,
    cosign_document,
    create_document,
    edit_document,
    missing_supporters,
    refer_document,
    set_document_status,
    set_position,
    submit_document,
    withdraw_cosignature,
    withdraw_document,
)
from participation.services.documents.working_groups import (
    add_demand,
    add_member,
    create_working_group,
    draft_of,
    get_group,
    groups_of,
    hand_over,
    is_member,
    may_collect,
)

__all__ = [
    "AMENDABLE_STATUSES",
    "AMENDMENT_STATUS_LABELS",
    "AMENDMENT_TRANSITIONS",
    "DECIDED_STATUSES",
    "DEMAND_STATUS_LABELS",
    "DEMAND_TRANSITIONS",
    "DOCUMENT_STATUS_LABELS",
    "DOCUMENT_TRANSITIONS",
    "DemandSlot",
    "KIND_LABELS",
    "MAX_BLOCK",
    "MAX_BODY",
    "MAX_BODY_NAME",
    "MAX_NUMBER",
    "MAX_REASONING",
    "MAX_TITLE",
    "MERGEABLE_STATUSES",
    "OPEN_AMENDMENT_STATUSES",
    "Overlap",
    "Viewer",
    "VoteItem",
    "add_demand",
    "add_member",
    "admit_amendment",
    "admit_document",
    "adopted_since",
    "amendment_collisions",
    "apply_vote_result",
    "cancel_vote",
    "changes_of",
    "clean_changes",
    "compare",
    "cosign_document",
    "create_document",
    "create_working_group",
    "demand_labels",
    "demand_slots",
    "describe_target",
    "documents_summary",
    "shared_documents_summary",
    "draft_of",
    "edit_document",
    "file_amendment",
    "format_ranges",
    "get_amendment",
    "get_document",
    "get_group",
    "get_version",
    "groups_of",
    "hand_over",
    "is_late",
    "is_member",
    "is_submitter",
    "label_key",
    "latest_translation",
    "published_translation",
    "PublishedTranslation",
    "TranslatedBlock",
    "line_ranges",
    "markdown_text",
    "may_amend",
    "may_collect",
    "may_cosign",
    "missing_supporters",
    "may_edit",
    "may_read",
    "may_read_amendment",
    "may_revise_amendment",
    "may_submit",
    "may_withdraw",
    "may_withdraw_amendment",
    "may_withdraw_cosignature",
    "merge_amendment",
    "number_sections",
    "organisation_ids",
    "organisations_in_documents",
    "overlaps",
    "plain_text",
    "rebase_amendment",
    "refer_document",
    "revise_amendment",
    "save_translated_block",
    "save_translation",
    "translation_rows",
    "section_title",
    "set_amendment_deadline",
    "set_document_status",
    "set_position",
    "start_vote",
    "submit_document",
    "take_over_amendment",
    "translated_languages",
    "viewer_for",
    "visible_amendments",
    "visible_documents",
    "vote_order",
    "withdraw_amendment",
    "withdraw_cosignature",
    "withdraw_document",
]
