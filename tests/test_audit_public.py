"""The public audit log, read as an anonymous outsider would: it names no draft poll, candidate,
working group or unpublished text's submitter until they are public, and the chain verifies
from what it shows alone — before and after — also for entries written before data had a digest.
The page reads as sentences, newest first, in the conference's time zone."""

from __future__ import annotations

import hashlib
import json
import re
import uuid
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import select, update

from participation import clock
from participation.extensions import db
from participation.models import AuditEntry, AuditHead
from participation.models.audit import GENESIS_HASH
from participation.services import audit, documents, voting
from tests.helpers import build_world, make_app

DRAFT_POLL = "Wahl des Vorstands der Verborgenen"
CANDIDATES = ["Zeynep Kandidatin", "Olek Bewerber"]
GROUP = "AG Stille Wünsche"
TRANSLATIONS = Path(__file__).resolve().parent.parent / "participation" / "translations"


def _dumps(value) -> bytes:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def recompute(entries: list[dict]) -> str:
    """An outsider's verifier: the README's rule, from the published JSON and nothing else."""
    prev = GENESIS_HASH
    for seq, entry in enumerate(entries, start=1):
        assert entry["seq"] == seq and entry["prev_hash"] == prev
        body = {k: entry[k] for k in ("seq", "at", "actor", "action", "subject", "conference_id")}
        if entry["data_withheld"]:
            body["data_digest"] = entry["data_digest"]
        elif entry["salt"] is None:
            body["data"] = entry["data"]
        else:
            salted = entry["salt"].encode() + _dumps(entry["data"])
            body["data_digest"] = hashlib.sha256(salted).hexdigest()
        assert hashlib.sha256(_dumps(body) + prev.encode()).hexdigest() == entry["hash"], seq
        prev = entry["hash"]
    return prev


class Outsider:
    """An anonymous visitor who reads every page of the log and all of its JSON."""

    def __init__(self, app):
        self.client = app.test_client()

    def json(self) -> dict:
        body = self.client.get("/api/v1/audit?after=0&limit=1000")
        assert body.status_code == 200
        return body.get_json()

    def pages(self, start: str = "/audit") -> list[str]:
        seen, url = [], start
        while url:
            response = self.client.get(url)
            assert response.status_code == 200
            html = response.get_data(as_text=True)
            seen.append(html)
            older = re.search(r'href="(/audit\?before=\d+)"', html)
            url = older.group(1) if older else None
        return seen

    def everything(self) -> str:
        raw = self.client.get("/api/v1/audit?after=0&limit=1000").get_data(as_text=True)
        return "\n".join([raw, *self.pages(), *self.pages("/audit?verify=1")])


@pytest.fixture
def drafts(app, world):
    """A draft election, a working group and a draft resolution of Verein Alpha."""
    cid = world.conference.id
    poll = voting.create_poll(
        world.moderator.person,
        cid,
        title=DRAFT_POLL,
        target_kind="election",
        candidates=CANDIDATES,
    )
    group = documents.create_working_group(world.moderator.person, cid, name=GROUP)
    documents.add_member(world.moderator.person, cid, group.id, world.delegate.id)
    draft = documents.create_document(
        world.delegate.person,
        cid,
        kind="resolution",
        title="Ein Entwurf",
        body="Wir fordern etwas.",
    )
    return poll, group, draft


def _rows_about(html: str, subject: str) -> list[str]:
    return [row for row in html.split('<li id="entry-') if f"<code>{subject}</code>" in row]


def test_nothing_unpublished_is_named_and_the_chain_verifies(app, world, drafts):
    poll, group, draft = drafts
    outsider = Outsider(app)
    seen = outsider.everything()
    for secret in (DRAFT_POLL, *CANDIDATES, GROUP):
        for form in (secret, json.dumps(secret)[1:-1], json.dumps(secret, ensure_ascii=False)):
            assert form not in seen, secret
    published = outsider.json()
    assert recompute(published["entries"]) == published["head"]["hash"]
    assert voting.verify_public().ok
    about_draft = [e for e in published["entries"] if e["subject"] == f"document:{draft.id}"]
    assert about_draft and all(e["data"] == {} and e["data_withheld"] for e in about_draft)
    assert all(e["salt"] is None and len(e["data_digest"]) == 64 for e in about_draft)
    for html in outsider.pages():
        for row in _rows_about(html, f"document:{draft.id}"):
            assert world.org_a.name not in row and world.org_a.short_name not in row
    assert "The chain is intact" in outsider.pages("/audit?verify=1")[0]


def test_names_appear_once_public_and_the_chain_still_verifies(app, world, drafts):
    poll, group, draft = drafts
    cid = world.conference.id
    voting.open_poll(world.moderator.person, cid, poll.id)
    outsider = Outsider(app)
    seen = outsider.everything()
    assert DRAFT_POLL in seen and all(name in seen for name in CANDIDATES)
    created = next(
        e
        for e in outsider.json()["entries"]
        if e["action"] == "poll.created" and e["subject"] == f"poll:{poll.id}"
    )
    assert created["data"]["candidates"] == CANDIDATES and created["salt"]
    assert f"Poll “{DRAFT_POLL}” opened" in seen
    voting.cancel_poll(world.moderator.person, cid, poll.id)

    documents.submit_document(world.delegate.person, cid, draft.id)
    documents.admit_document(world.moderator.person, cid, draft.id)
    before = outsider.json()
    assert all(e["data"] == {} for e in before["entries"] if e["subject"] == f"document:{draft.id}")
    documents.withdraw_document(world.moderator.person, cid, draft.id)  # decided: published
    after = outsider.json()
    about_draft = [e for e in after["entries"] if e["subject"] == f"document:{draft.id}"]
    assert about_draft and not any(e["data_withheld"] for e in about_draft)
    created = next(e for e in about_draft if e["action"] == "document.created")
    assert created["data"]["organisations"] == [world.org_a.id]
    html = "".join(outsider.pages())
    number = db.session.get(type(draft), draft.id).number
    assert f"Resolution {number} submitted by {world.org_a.short_name}" in html
    assert GROUP not in outsider.everything()  # no public page names a working group
    assert recompute(after["entries"]) == after["head"]["hash"] == audit.audit_head()["hash"]
    assert voting.verify_public().ok and audit.verify().ok


def test_the_chain_verifies_while_a_poll_is_open(app, world, drafts):
    poll, _group, _draft = drafts
    cid = world.conference.id
    other = voting.create_poll(world.moderator.person, cid, title="Offen")
    voting.open_poll(world.moderator.person, cid, other.id)
    voting.cast_ballot(world.delegate.id, other.id, "yes", uuid.uuid4().hex)
    published = Outsider(app).json()
    assert published["withheld"] is True
    assert recompute(published["entries"]) == published["head"]["hash"]
    assert DRAFT_POLL not in json.dumps(published, ensure_ascii=False)
    result = voting.verify_public()
    assert result.ok and result.count == published["head"]["seq"]


def test_tampering_with_withheld_or_shown_data_is_found(app, world, drafts):
    poll, _group, draft = drafts
    created = db.session.scalar(select(AuditEntry).where(AuditEntry.subject == f"poll:{poll.id}"))
    created.data = {**created.data, "candidates": ["Jemand anderes"]}
    db.session.commit()
    assert audit.verify().broken_at == created.seq
    result = voting.verify_public()  # the digest shown is recomputed from the stored data
    assert not result.ok and result.broken_at == created.seq


def test_entries_written_before_the_digest_still_verify(app, world):
    """A chain written by the first rule (hash over the data itself), then continued."""
    prev = GENESIS_HASH
    for entry in db.session.scalars(select(AuditEntry).order_by(AuditEntry.seq)):
        entry.salt = None
        entry.prev_hash = prev
        entry.hash = prev = audit.entry_hash(entry, prev)
    db.session.execute(update(AuditHead).values(hash=prev))
    db.session.commit()
    old = audit.audit_head()["seq"]
    voting.create_poll(world.moderator.person, world.conference.id, title=DRAFT_POLL)
    assert audit.verify().ok
    published = Outsider(app).json()
    first, last = published["entries"][0], published["entries"][-1]
    assert first["salt"] is None and first["data_digest"] is None and first["data"]
    assert last["seq"] == old + 1 and last["data_withheld"]
    assert recompute(published["entries"]) == published["head"]["hash"]
    assert voting.verify_public().ok


def test_the_page_is_newest_first_and_pages_back_to_the_first_entry(app, world):
    for number in range(120):
        voting.set_voting_settings(None, world.conference.id, majority="simple")
        if number % 2:
            voting.set_voting_settings(None, world.conference.id, majority="absolute")
    outsider = Outsider(app)
    pages = outsider.pages()
    shown = [int(seq) for html in pages for seq in re.findall(r'<li id="entry-(\d+)"', html)]
    head = audit.audit_head()["seq"]
    assert len(pages) > 1 and shown == list(range(head, 0, -1))
    second = outsider.client.get(f"/audit?before={shown[99]}&verify=1").get_data(as_text=True)
    assert f"The chain is intact: {head} entries verified." in second
    assert "Newest entries" in second
    assert outsider.client.get("/audit?before=99999999999999999999").status_code == 200


def test_unknown_actions_read_as_a_plain_sentence(app, world):
    audit.record("future.thing", "widget:7", data={"word": "Grüße"})
    db.session.commit()
    html = Outsider(app).client.get("/audit").get_data(as_text=True)
    assert "Entry “future.thing” about widget:7" in html
    assert "Grüße" in html and "\\u00fc" not in html


@pytest.fixture
def german(tmp_path):
    app = make_app(tmp_path, BABEL_TRANSLATION_DIRECTORIES=str(TRANSLATIONS))
    with app.app_context():
        clock.freeze(datetime(2026, 12, 1, 19, 45, tzinfo=UTC))
        try:
            yield app, build_world()
        finally:
            clock.freeze(None)
            db.session.remove()
            db.engine.dispose()


def test_the_page_speaks_german_in_berlin_time(german):
    app, world = german
    poll = voting.create_poll(world.moderator.person, world.conference.id, title="Schluss")
    voting.open_poll(world.moderator.person, world.conference.id, poll.id)
    client = app.test_client()
    html = client.get("/audit", headers={"Accept-Language": "de"}).get_data(as_text=True)
    assert "Abstimmung „Schluss“ geöffnet" in html
    assert "01.12.2026, 20:45:00" in html  # 19:45 UTC is 20:45 in Berlin in winter
    assert "<details" in html and "\\u00" not in html
    rows = re.findall(r'<li id="entry-(\d+)"', html)
    assert rows[0] == str(audit.audit_head()["seq"])
