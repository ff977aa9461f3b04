"""The audit trail as people read it: a sentence per entry in the reader's language.

The sentence says only what the entry shows the public (see
:mod:`participation.services.audit_public`) and the public names of what it refers to; the raw
entry is shown beside it, so a reader can check one against the other.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime

from flask_babel import format_datetime
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from participation.services import documents as docs

#: One sentence per action; statuses of texts, amendments and demands share one each.
SENTENCES = {
    "conference.created": _l("Conference %(conference)s created"),
    "conference.changed": _l("Conference %(conference)s changed"),
    "conference.voting_settings": _l("Voting rules of conference %(conference)s changed"),
    "conference.amendment_deadline": _l("Amendment deadline of conference %(conference)s set"),
    "agenda_item.saved": _l("Agenda item %(item)s saved"),
    "agenda_item.deleted": _l("Agenda item %(item)s deleted"),
    "agenda_item.moved": _l("Agenda item %(item)s moved"),
    "accreditation.saved": _l("Accreditation %(accreditation)s saved"),
    "accreditation.imported": _l("Accreditations imported: %(rows)s"),
    "accreditation.present": _l("Accreditation %(accreditation)s marked present"),
    "accreditation.absent": _l("Accreditation %(accreditation)s marked absent"),
    "access_code.issued": _l("Access code issued for accreditation %(accreditation)s"),
    "access_code.reissued": _l("Access code reissued for accreditation %(accreditation)s"),
    "access_code.revoked": _l("Access code of accreditation %(accreditation)s revoked"),
    "api_token.issued": _l("API token issued"),
    "proxy.recorded": _l("Proxy recorded from accreditation %(giver)s to %(holder)s"),
    "proxy.revoked": _l("Proxy revoked from accreditation %(giver)s to %(holder)s"),
    "poll.created": _l("Poll %(poll)s created"),
    "poll.opened": _l("Poll %(poll)s opened"),
    "poll.closed": _l("Poll %(poll)s closed"),
    "poll.cancelled": _l("Poll %(poll)s cancelled"),
    "poll.paper_result": _l("Paper result of poll %(poll)s recorded"),
    "ballot.accepted": _l("Ballot accepted in poll %(poll)s"),
    "poll.counting": _l("Poll %(poll)s closed; its encrypted totals go to the trustees"),
    "poll.decryption": _l("A trustee decrypted the totals of poll %(poll)s"),
    "trustees.appointed": _l("Trustees appointed for the secret ballots"),
    "trustee.transport_key": _l("A trustee published a transport key"),
    "trustee.dealing": _l("A trustee published a key dealing"),
    "trustee.confirmed": _l("A trustee confirmed its key share"),
    "trustees.ready": _l("The trustees' key for secret ballots is ready"),
    "trustees.failed": _l("The trustees' key ceremony failed"),
    "room.current_item": _l("Current agenda item: %(item)s"),
    "speaker.requested": _l("Request to speak on agenda item %(item)s"),
    "speaker.withdrawn": _l("Request to speak withdrawn"),
    "speaker.removed": _l("Request to speak removed"),
    "speaker.started": _l("Speaker started"),
    "speaker.stopped": _l("Speaker finished"),
    "speakers.reordered": _l("Speakers list of agenda item %(item)s reordered"),
    "speakers.opened": _l("Speakers list of agenda item %(item)s opened"),
    "speakers.closed": _l("Speakers list of agenda item %(item)s closed"),
    "speakers.settings": _l("Speaking time and order of the speakers list changed"),
    "working_group.created": _l("Working group %(group)s set up"),
    "working_group.member_added": _l("Member added to working group %(group)s"),
    "working_group.demand_added": _l("Demand added by working group %(group)s"),
    "working_group.handed_over": _l("Working group %(group)s handed over its catalogue"),
    "document.created": _l("%(document)s created"),
    "document.submitted": _l("%(document)s submitted by %(submitters)s"),
    "document.details_changed": _l("Details of %(document)s changed"),
    "document.cosigned": _l("%(document)s co-signed by %(organisation)s"),
    "document.cosignature_withdrawn": _l(
        "%(organisation)s withdrew its co-signature of %(document)s"
    ),
    "document.reordered": _l("%(document)s moved in the voting order"),
    "document": _l("%(document)s: now “%(status)s”"),
    "version.created": _l("New version of %(document)s"),
    "translation.saved": _l("Translation of %(document)s saved"),
    "amendment.filed": _l("Amendment %(amendment)s to %(document)s filed by %(organisation)s"),
    "amendment.revised": _l("Amendment %(amendment)s revised"),
    "amendment.rebased": _l("Amendment %(amendment)s brought onto the current text"),
    "amendment.merged": _l("Amendment %(amendment)s merged into %(document)s as amended"),
    "amendment": _l("Amendment %(amendment)s: now “%(status)s”"),
    "demand": _l("Demand %(demand)s: now “%(status)s”"),
    "organisation.created": _l("Organisation %(organisation)s added"),
    "organisation.changed": _l("Organisation %(organisation)s changed"),
    "person.created": _l("Person account created"),
    "person.changed": _l("Person account changed"),
    "network.saved": _l("Network settings saved"),
}
#: For an action no sentence knows.
FALLBACK = _l("Entry “%(action)s” about %(subject)s")
#: Status labels by the kind of thing whose status an action names.
STATUS_LABELS = {
    "document": docs.DOCUMENT_STATUS_LABELS,
    "amendment": docs.AMENDMENT_STATUS_LABELS,
    "demand": docs.DEMAND_STATUS_LABELS,
}


#: What a sentence says for something the entry does not show (not public, or not recorded).
HIDDEN = "…"


class _Values(dict):
    """Sentence values; one the entry does not show reads as an ellipsis."""

    def __missing__(self, key: str) -> str:
        return HIDDEN


@dataclass(frozen=True)
class EntryView:
    seq: int
    at: datetime
    when: str
    who: str
    sentence: str
    #: The raw entry, as the JSON API shows it.
    raw: dict

    @property
    def data_json(self) -> str:
        """The data as readable JSON: indented, every letter as itself."""
        return json.dumps(self.raw["data"], ensure_ascii=False, indent=2, sort_keys=True)


def entry_views(entries: list[dict], names: dict[str, dict]) -> list[EntryView]:
    views = []
    for entry in entries:
        at = datetime.fromisoformat(entry["at"])
        views.append(
            EntryView(
                seq=entry["seq"],
                at=at,
                when=format_datetime(at, "medium"),
                who=actor_text(entry["actor"]),
                sentence=sentence(entry, names),
                raw=entry,
            )
        )
    return views


def actor_text(actor: str) -> str:
    kind, _sep, ident = actor.partition(":")
    if kind == "person":
        return _("Person no. %(id)s", id=ident)
    if actor == "system":
        return _("System")
    if actor == "cli":
        return _("Command line")
    return actor


def sentence(entry: dict, names: dict[str, dict]) -> str:
    action = entry["action"]
    kind, _sep, verb = action.partition(".")
    template = SENTENCES.get(action)
    values = _Values(_values(entry, names))
    if template is None and kind in STATUS_LABELS and verb in STATUS_LABELS[kind]:
        template = SENTENCES[kind]
        values["status"] = str(STATUS_LABELS[kind][verb])
    if template is None:
        text = str(FALLBACK) % {"action": action, "subject": entry["subject"]}
    else:
        text = str(template) % values
    return text[:1].upper() + text[1:]


def _values(entry: dict, names: dict[str, dict]) -> dict[str, str]:
    """The words a sentence may use: what the entry's subject and data name, if public."""
    data = entry["data"] or {}
    kind, _sep, ident = entry["subject"].partition(":")
    refs = {kind: ident}
    for key in ("document", "catalogue", "agenda_item", "organisation"):
        if isinstance(data.get(key), int):
            refs[{"catalogue": "document", "agenda_item": "item"}.get(key, key)] = str(data[key])
    if kind == "agenda_item":
        refs["item"] = ident
    values = {
        "conference": _conference(names, refs.get("conference")),
        "item": _item(names, refs.get("item"), entry["action"]),
        "accreditation": _number(refs.get("accreditation")),
        "poll": _poll(names, refs.get("poll")),
        "group": _number(refs.get("working_group")),
        "document": _document(names, refs.get("document")),
        "amendment": _named(names, "amendment", refs.get("amendment"), "number"),
        "demand": str(data.get("label") or _number(ident)),
        "organisation": _named(names, "organisation", refs.get("organisation"), "name"),
        "submitters": _submitters(names, refs.get("document")),
        "rows": str(data.get("rows", HIDDEN)),
        "giver": _accreditation(data.get("giver")),
        "holder": _accreditation(data.get("holder")),
    }
    return values


def _number(ident: str | None) -> str:
    return f"#{ident}" if ident else HIDDEN


def _quoted(text: str) -> str:
    return _("“%(text)s”", text=text)


def _named(names: dict[str, dict], kind: str, ident: str | None, field: str) -> str:
    known = names.get(f"{kind}:{ident}")
    return str(known[field]) if known else _number(ident)


def _conference(names: dict[str, dict], ident: str | None) -> str:
    known = names.get(f"conference:{ident}")
    return _quoted(known["title"]) if known else _number(ident)


def _poll(names: dict[str, dict], ident: str | None) -> str:
    known = names.get(f"poll:{ident}")
    return _quoted(known["title"]) if known and known["title"] else _number(ident)


def _item(names: dict[str, dict], ident: str | None, action: str) -> str:
    if action == "room.current_item" and ident is None:
        return _("none")
    known = names.get(f"agenda_item:{ident}")
    return f"{known['number']} {known['title']}" if known else _number(ident)


def _document(names: dict[str, dict], ident: str | None) -> str:
    known = names.get(f"document:{ident}")
    if known is None:
        return _("text no. %(id)s", id=ident) if ident else HIDDEN
    return f"{docs.KIND_LABELS.get(known['kind'], '')} {known['number']}".strip()


def _submitters(names: dict[str, dict], ident: str | None) -> str:
    known = names.get(f"document:{ident}")
    if known is None or not known["submitters"]:
        return HIDDEN
    return ", ".join(known["submitters"])


def _accreditation(reference: object) -> str:
    if isinstance(reference, str) and reference.startswith("accreditation:"):
        return "#" + reference.partition(":")[2]
    return HIDDEN


# --- the stored polls against the chain ----------------------------------------------------------

#: What can differ between a poll's rows and its entries (:mod:`.services.voting.records`).
DIFFERENCES = {
    "votes": _l("the votes cast differ from the ballot entries of the audit trail"),
    "counts": _l("ballots, trackers and votes cast differ in number"),
    "weight": _l("the ballots' weight differs from the turnout"),
    "no_close": _l("the audit trail has no entry of the close"),
    "ballots": _l("the ballots differ from those recorded at the close"),
    "named": _l("who chose what differs from what was recorded at the close"),
    "result": _l("the result differs from the one recorded"),
    "no_counts": _l("the audit trail has no entry of the counts"),
    "trackers": _l("the encrypted ballots differ from the trackers recorded when they were cast"),
    "named_ballots": _l("a named choice differs from the one recorded when it was cast"),
}


@dataclass(frozen=True)
class RecordsCheck:
    """Whether every poll's stored votes, ballots and result match the chain."""

    #: (poll id, what differs) for each poll that does not.
    mismatches: list[tuple[int, str]]

    @property
    def ok(self) -> bool:
        return not self.mismatches


def records_check(mismatches) -> RecordsCheck:
    return RecordsCheck([(m.poll_id, str(DIFFERENCES[m.what])) for m in mismatches])
