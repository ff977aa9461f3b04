"""An anonymous visitor walks every public page, download and API read of a conference that
has drafts, unadmitted texts and amendments, an open poll, a draft poll and a secret poll,
and finds none of what is not published."""

from __future__ import annotations

import io
import json
import re
from collections import deque

import pytest
from flask import request
from pypdf import PdfReader
from sqlalchemy import select

from participation.extensions import db
from participation.models import PollParticipation
from participation.web.access import level_of
from tests.helpers import SECRETS

#: Unpublished words that must not appear even in the audit log (texts are never logged).
TEXT_SECRETS = {k: v for k, v in SECRETS.items() if k.endswith("_body") or k == "late_amendment"}
AUDIT_ENDPOINTS = {"api.audit", "voting.audit_log"}
#: Routes that need something an anonymous visitor does not have.
SKIPPED_ARGUMENTS = {"code", "filename"}
MAX_PAGES = 600


class Walk:
    """What the visitor saw: every URL with its status and readable content."""

    def __init__(self, app, arc):
        self.app = app
        self.arc = arc
        self.client = app.test_client()
        self.seen: dict[str, tuple[int, str, str]] = {}

    def get(self, url: str) -> None:
        if url in self.seen or len(self.seen) >= MAX_PAGES:
            return
        response = self.client.get(url)
        assert response.status_code < 500, f"{url}: {response.status_code}"
        self.seen[url] = (response.status_code, response.mimetype or "", _content(response))

    def crawl(self, start: str = "/") -> None:
        queue = deque([start])
        while queue and len(self.seen) < MAX_PAGES:
            url = queue.popleft()
            if url in self.seen:
                continue
            self.get(url)
            status, mimetype, body = self.seen[url]
            if status == 200 and mimetype == "text/html":
                for link in re.findall(r'href="(/[^"#]*)', body):
                    link = link.replace("&amp;", "&")
                    if not link.startswith(("/static/", "/login", "/join")):
                        queue.append(link)


def _content(response) -> str:
    if response.mimetype == "application/pdf":
        reader = PdfReader(io.BytesIO(response.data))
        return "\n".join(page.extract_text() or "" for page in reader.pages)
    if response.mimetype.startswith("image/"):
        return ""  # the site's icon: drawn, not written from data
    return response.get_data(as_text=True)


def _fill(rule, values: dict) -> list[str]:
    urls = [rule.rule]
    for name in rule.arguments:
        urls = [
            re.sub(rf"<(?:[^:<>]+:)?{name}>", str(value), url)
            for url in urls
            for value in values[name]
        ]
    return urls


@pytest.fixture(scope="module")
def walk(archive_app, archive):
    world, arc = archive
    cid = arc.conference_id
    documents = [arc.a1, arc.a2, arc.k1, *arc.unpublished]
    polls = [arc.open_poll, arc.draft_poll, arc.secret_poll, arc.named_poll]
    values = {
        "conference_id": [cid, cid + 1],
        "document_id": [d.id for d in documents],
        "amendment_id": [
            arc.amendment_adopted.id,
            arc.amendment_rejected.id,
            arc.late_amendment.id,
        ],
        "number": [d.number for d in documents],
        "version_number": [1, 2, 3],
        "poll_id": [p.id for p in polls],
    }
    visitor = Walk(archive_app, arc)
    visitor.crawl("/")
    for rule in archive_app.url_map.iter_rules():
        if "GET" not in rule.methods or rule.arguments & SKIPPED_ARGUMENTS:
            continue
        with archive_app.test_request_context():
            if level_of(rule.endpoint) != "public":
                continue
        for url in _fill(rule, values):
            visitor.get(url)
            visitor.get(url + "?lang=en")
    words = [*SECRETS.values(), "Luft", "trees", *arc.open_poll_tokens]
    for word in words:
        visitor.get(f"/search?q={word}")
        visitor.get(f"/search?q={word}&conference={cid}")
        visitor.get(f"/api/v1/search?q={word}")
    for poll in polls:
        visitor.get(f"/api/v1/polls?conference_id={cid}")
        visitor.get(f"/c/{cid}/votes/{poll.id}?partial=result")
        for token in arc.open_poll_tokens:
            visitor.get(f"/c/{cid}/votes/{poll.id}?tracker={token}")
    visitor.get("/api/v1/audit?after=0&limit=1000")
    return world, arc, visitor


def _endpoint(app, url: str) -> str:
    path = url.split("?", 1)[0]
    with app.test_request_context(path):
        return request.url_rule.endpoint if request.url_rule else ""


def _json_objects(body: str):
    try:
        value = json.loads(body)
    except ValueError:
        return
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, dict):
            yield item
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)


def test_the_walk_reaches_everything_public(walk):
    _world, arc, visitor = walk
    ok = [url for url, (status, _m, _b) in visitor.seen.items() if status == 200]
    cid = arc.conference_id
    for expected in (
        f"/c/{cid}/texts/A1",
        f"/c/{cid}/texts/A1?lang=en",
        f"/c/{cid}/texts/K1.pdf",
        f"/c/{cid}/book.pdf",
        f"/c/{cid}/texts.csv",
        f"/c/{cid}/results.json",
        "/feed.atom",
        f"/api/v1/conferences/{cid}/documents/{arc.a1.id}",
        f"/api/v1/polls/{arc.secret_poll.id}/ballots",
        "/api/v1/openapi.json",
    ):
        assert expected in ok, expected
    assert len(ok) > 100


def test_no_unpublished_text_reaches_a_visitor(walk, archive_app):
    _world, arc, visitor = walk
    for url, (_status, _mimetype, body) in visitor.seen.items():
        audit = _endpoint(archive_app, url) in AUDIT_ENDPOINTS
        for name, secret in (TEXT_SECRETS if audit else SECRETS).items():
            if secret in url:
                continue  # a search for the word echoes it back
            assert secret not in body, f"{name} leaks through {url}"
    # Searching for an unpublished word finds nothing (the word itself is echoed back).
    for secret in SECRETS.values():
        assert "0 texts found." in visitor.seen[f"/search?q={secret}"][2]
        assert json.loads(visitor.seen[f"/api/v1/search?q={secret}"][2])["hits"] == []
    # Unpublished documents are not found at all, by number or by id.
    for document in arc.unpublished:
        assert visitor.seen[f"/c/{arc.conference_id}/texts/{document.number}"][0] == 404
        api = f"/api/v1/conferences/{arc.conference_id}/documents/{document.id}"
        assert visitor.seen[api][0] == 404


def test_an_open_poll_shows_no_partial_count(walk):
    _world, arc, visitor = walk
    for url, (_status, _mimetype, body) in visitor.seen.items():
        for token in arc.open_poll_tokens:
            if token in url:
                continue  # a search for the token echoes it back
            assert token not in body, f"the open poll's ballot or tracker shows on {url}"
        for item in _json_objects(body):
            if item.get("id") == arc.open_poll.id and item.get("state") == "open":
                assert not {"result", "turnout", "cast_count"} & item.keys(), url
    page = visitor.seen[f"/c/{arc.conference_id}/votes/{arc.open_poll.id}"][2]
    assert "Voting is in progress" in page and "took part" not in page


def test_nobody_sees_who_voted_what_in_a_secret_poll(walk):
    _world, arc, visitor = walk
    trackers = set(
        db.session.scalars(
            select(PollParticipation.tracker).where(PollParticipation.poll_id == arc.secret_poll.id)
        )
    )
    names = ("Dana Delegate", "Bo Delegate")
    for url, (_status, _mimetype, body) in visitor.seen.items():
        for item in _json_objects(body):
            if "choice" in item and isinstance(item.get("tracker"), str):  # not the description
                assert item["tracker"] not in trackers, url
            if item.get("subject") == f"poll:{arc.secret_poll.id}":
                assert "choice" not in (item.get("data") or {}), url
        if re.search(rf"/(votes|polls)/{arc.secret_poll.id}(\b|/)", url):
            assert not any(name in body for name in names), url
    ballots = json.loads(visitor.seen[f"/api/v1/polls/{arc.secret_poll.id}/ballots"][2])
    assert ballots["named"] == [] and len(ballots["trackers"]) == 2
    assert {b["choice"]["vote"] for b in ballots["ballots"]} == {"yes", "no"}


def test_the_audit_log_shows_no_draft_titles_and_no_open_count(walk, archive_app):
    _world, arc, visitor = walk
    for url, (_status, _mimetype, body) in visitor.seen.items():
        if _endpoint(archive_app, url) not in AUDIT_ENDPOINTS:
            continue
        for name, secret in SECRETS.items():
            assert secret not in body, f"{name} leaks through {url}"
        for item in _json_objects(body):
            if item.get("subject") == f"poll:{arc.open_poll.id}":
                assert item.get("action") != "ballot.accepted", url
