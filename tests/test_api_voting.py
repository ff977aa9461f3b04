"""The JSON API: bearer tokens, CSRF for cookie sessions, polls and ballots, the audit chain."""

from __future__ import annotations

import uuid

from participation.services import voting
from tests.helpers import csrf_token


def bearer(token: str) -> dict:
    return {"Authorization": f"Bearer {token}"}


def token_for(app, world, acc) -> str:
    response = app.test_client().post("/api/v1/auth/join", json={"code": world.codes[acc.id]})
    assert response.status_code == 201, response.get_json()
    body = response.get_json()
    assert body["conference_id"] == world.conference.id and body["accreditation_id"] == acc.id
    return body["token"]


def ballot(client, poll_id, choice="yes", submission=None, headers=None):
    return client.post(
        f"/api/v1/polls/{poll_id}/ballots",
        json={"choice": choice, "submission_id": submission or uuid.uuid4().hex},
        headers=headers or {},
    )


def test_a_join_code_becomes_a_bearer_token(app, world):
    token = token_for(app, world, world.delegate)
    client = app.test_client()
    poll = voting.create_poll(world.moderator.person, world.conference.id, title="API")
    voting.open_poll(world.moderator.person, world.conference.id, poll.id)
    read = client.get(f"/api/v1/polls/{poll.id}", headers=bearer(token)).get_json()["poll"]
    assert read["state"] == "open" and read["my_votes"][0]["cast"] is False
    submission = uuid.uuid4().hex
    first = ballot(client, poll.id, "yes", submission, bearer(token))  # no CSRF token needed
    assert first.status_code == 201, first.get_json()
    again = ballot(client, poll.id, "yes", submission, bearer(token))
    assert again.status_code == 200
    assert again.get_json()["receipt"]["tracker"] == first.get_json()["receipt"]["tracker"]
    other = ballot(client, poll.id, "no", headers=bearer(token))
    assert other.status_code == 409
    assert other.get_json()["error"]["message"] == "You have voted in this poll already."


def test_bad_codes_and_tokens_are_refused(app, world):
    client = app.test_client()
    assert client.post("/api/v1/auth/join", json={"code": "nonsense"}).status_code == 404
    assert client.post("/api/v1/auth/join", json=["x"]).status_code == 422
    poll = voting.create_poll(world.moderator.person, world.conference.id, title="API")
    response = ballot(client, poll.id, headers=bearer("not-a-token"))
    assert response.status_code == 401
    assert response.get_json()["error"]["status"] == 401


def test_cookie_sessions_need_the_csrf_header(app, world, auth):
    client = app.test_client()
    auth.join(client, world.codes[world.delegate.id])
    poll = voting.create_poll(world.moderator.person, world.conference.id, title="Cookie")
    voting.open_poll(world.moderator.person, world.conference.id, poll.id)
    refused = ballot(client, poll.id)
    assert refused.status_code == 400 and "X-CSRFToken" in refused.get_json()["error"]["message"]
    wrong = ballot(client, poll.id, headers={"X-CSRFToken": "forged"})
    assert wrong.status_code == 400
    token = csrf_token(client, "/")
    accepted = ballot(client, poll.id, headers={"X-CSRFToken": token})
    assert accepted.status_code == 201


def test_refusals_are_json_and_write_nothing(app, world):
    token = token_for(app, world, world.delegate)
    client = app.test_client()
    poll = voting.create_poll(world.moderator.person, world.conference.id, title="Früh")
    early = ballot(client, poll.id, headers=bearer(token))
    assert early.status_code == 404  # a draft is not found, as when it is read
    voting.open_poll(world.moderator.person, world.conference.id, poll.id)
    malformed = ballot(client, poll.id, "perhaps", headers=bearer(token))
    assert malformed.status_code == 422
    no_id = client.post(
        f"/api/v1/polls/{poll.id}/ballots", json={"choice": "yes"}, headers=bearer(token)
    )
    assert no_id.status_code == 422
    observer = token_for(app, world, world.observer)
    assert ballot(client, poll.id, headers=bearer(observer)).status_code == 403
    assert ballot(client, 99999, headers=bearer(token)).status_code == 404
    assert voting.get_poll(poll.id).cast_count == 0


def test_moderators_create_open_and_close_polls(app, world):
    mod = token_for(app, world, world.moderator)
    delegate = token_for(app, world, world.delegate)
    client = app.test_client()
    created = client.post(
        "/api/v1/polls",
        json={
            "conference_id": world.conference.id,
            "target_kind": "election",
            "title": "Sprecher*innenrat",
            "candidates": ["Ayşe", "Boris", "Chiara"],
            "seats": 2,
            "secret": True,
        },
        headers=bearer(mod),
    )
    assert created.status_code == 201, created.get_json()
    poll = created.get_json()["poll"]
    assert poll["state"] == "draft" and poll["method"] == "approval"
    refused = client.post(
        "/api/v1/polls",
        json={"conference_id": world.conference.id, "title": "Nein"},
        headers=bearer(delegate),
    )
    assert refused.status_code == 403
    assert client.get(f"/api/v1/polls/{poll['id']}").status_code == 404  # drafts are private
    assert (
        client.post(f"/api/v1/polls/{poll['id']}/open", headers=bearer(delegate)).status_code == 403
    )
    opened = client.post(f"/api/v1/polls/{poll['id']}/open", headers=bearer(mod))
    assert opened.get_json()["poll"]["turnout"]["eligible_count"] == 2
    ids = [c["id"] for c in poll["candidates"]]
    cast = ballot(client, poll["id"], {"approve": ids[:2]}, headers=bearer(delegate))
    assert cast.status_code == 201
    closed = client.post(f"/api/v1/polls/{poll['id']}/close", headers=bearer(mod)).get_json()
    assert closed["poll"]["result"]["outcome"] == "elected"
    assert closed["poll"]["result"]["elected"] == ids[:2]
    again = client.post(f"/api/v1/polls/{poll['id']}/close", headers=bearer(mod))
    assert again.status_code == 409
    public = client.get(f"/api/v1/polls?conference_id={world.conference.id}").get_json()
    assert [p["id"] for p in public["polls"]] == [poll["id"]]
    published = client.get(f"/api/v1/polls/{poll['id']}/ballots").get_json()
    assert published["ballots"][0]["choice"] == {"approve": ids[:2]}
    assert len(published["trackers"]) == 1 and published["named"] == []
    assert len(published["ballots_digest"]) == 64


def test_staff_create_tokens_and_tokens_can_be_revoked(app, world, auth):
    staff = app.test_client()
    auth.sign_in_staff(staff)
    response = staff.post("/api/v1/auth/tokens", headers={"X-CSRFToken": csrf_token(staff, "/")})
    assert response.status_code == 201
    token = response.get_json()["token"]
    client = app.test_client()
    created = client.post(
        "/api/v1/polls",
        json={"conference_id": world.conference.id, "title": "Von Staff"},
        headers=bearer(token),
    )
    assert created.status_code == 201
    delegate = token_for(app, world, world.delegate)
    refused = client.post("/api/v1/auth/tokens", headers=bearer(delegate))
    assert refused.status_code == 403
    assert client.post("/api/v1/auth/revoke", headers=bearer(token)).status_code == 200
    after = client.post(
        "/api/v1/polls",
        json={"conference_id": world.conference.id, "title": "Zu spät"},
        headers=bearer(token),
    )
    assert after.status_code == 401


def test_audit_chain_as_json(app, world):
    body = app.test_client().get("/api/v1/audit?limit=2").get_json()
    assert len(body["entries"]) == 2 and body["entries"][0]["seq"] == 1
    assert body["entries"][1]["prev_hash"] == body["entries"][0]["hash"]
    rest = app.test_client().get("/api/v1/audit?after=2&limit=1000").get_json()
    assert rest["entries"][-1]["hash"] == body["head"]["hash"]
    assert rest["entries"][-1]["seq"] == body["head"]["seq"]


def test_a_ballot_for_a_draft_poll_is_not_found_as_reading_it_is(app, world):
    """Neither verb tells a delegate which draft ids exist."""
    token = token_for(app, world, world.delegate)
    client = app.test_client()
    draft = voting.create_poll(world.moderator.person, world.conference.id, title="Entwurf")
    read = client.get(f"/api/v1/polls/{draft.id}", headers=bearer(token))
    cast = ballot(client, draft.id, "yes", headers=bearer(token))
    missing = ballot(client, draft.id + 1000, "yes", headers=bearer(token))
    assert read.status_code == cast.status_code == missing.status_code == 404
    assert cast.get_json() == missing.get_json()
