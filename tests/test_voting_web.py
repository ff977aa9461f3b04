"""Voting pages and socket events: the moderators' desk, phones, projector, results, audit."""

from __future__ import annotations

import re
import time
import uuid

from sqlalchemy import select

from participation import jobs
from participation.extensions import db
from participation.models import AuditEntry, Poll
from participation.services import voting
from tests.helpers import add_delegate, csrf_token, socket_client


def phone(auth, app, world, acc):
    client = app.test_client()
    auth.join(client, world.codes[acc.id])
    sio = socket_client(app, client)
    reply = sio.emit("watch_conference", {"conference_id": world.conference.id}, callback=True)
    assert reply["ok"], reply
    return client, sio, reply["state"]


def post(client, url, data=None, page=None):
    token = csrf_token(client, page or "/")
    return client.post(url, data={"csrf_token": token, **(data or {})})


def cast(sio, world, poll_id, choice, submission=None, **extra):
    return sio.emit(
        "cast_ballot",
        {
            "conference_id": world.conference.id,
            "poll_id": poll_id,
            "choice": choice,
            "submission_id": submission or uuid.uuid4().hex,
            **extra,
        },
        callback=True,
    )


def events_named(sio, name):
    return [e["args"][0] for e in sio.get_received() if e["name"] == name]


def test_moderator_runs_a_secret_poll_from_the_desk(app, world, auth):
    cid = world.conference.id
    mod = auth.client_as(app, world, "moderator")
    page = mod.get(f"/c/{cid}/polls")
    assert page.status_code == 200 and "No poll is open." in page.get_data(as_text=True)
    response = post(
        mod,
        f"/c/{cid}/polls",
        {
            "target": "question",
            "title": "Antrag auf Schluss der Redeliste",
            "secret": "y",
            "majority": "simple",
            "quorum_kind": "none",
            "quorum": "",
            "method": "approval",
            "seats": "1",
        },
        f"/c/{cid}/polls",
    )
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    poll = db.session.scalars(select(Poll)).one()
    assert poll.secret and poll.state == "draft"

    _c1, dana, state = phone(auth, app, world, world.delegate)
    assert state["voting"]["poll"] is None
    _c2, bo, _state = phone(auth, app, world, world.delegate_b)
    _c3, danas_laptop, _state = phone(auth, app, world, world.delegate)
    desk = socket_client(app, mod)
    desk.emit("watch_conference", {"conference_id": cid}, callback=True)
    for sio in (dana, bo, desk, danas_laptop):
        sio.get_received()

    assert post(mod, f"/c/{cid}/polls/{poll.id}/open").status_code == 302
    received = [(e["name"], e["args"][0]) for e in dana.get_received()]
    names = [name for name, _payload in received]
    # Her ballot comes with the opening, before it, so her phone needs not ask for it.
    assert names.index("ballot_ready") < names.index("poll_opened")
    ready = dict(received)["ballot_ready"]
    assert ready["conference_id"] == cid and ready["voting"]["poll"]["id"] == poll.id
    assert ready["voting"]["my_votes"] == [
        {
            "voter_id": world.delegate.id,
            "own": True,
            "name": "Dana Delegate",
            "weight": 1,
            "cast": False,
            "tracker": None,
        }
    ]
    opened = dict(received)["poll_opened"]
    assert opened["id"] == poll.id and "result" not in opened
    # The moderator has no vote in it, so no ballot.
    assert "ballot_ready" not in {e["name"] for e in desk.get_received()}
    reply = dana.emit("poll_state", {"conference_id": cid}, callback=True)
    assert reply["voting"]["poll"]["id"] == poll.id
    assert reply["voting"]["my_votes"][0]["cast"] is False
    assert reply["voting"]["my_votes"] == ready["voting"]["my_votes"]
    assert "turnout" not in reply["voting"]  # moderators and projector only
    desk.get_received()

    ack = cast(dana, world, poll.id, {"vote": "no"})
    assert ack["ok"] and len(ack["receipt"]["tracker"]) == 32
    turnout = events_named(desk, "poll_turnout")
    assert turnout[-1]["cast_count"] == 1 and turnout[-1]["eligible_count"] == 2
    assert not events_named(bo, "poll_turnout")
    # Her other device learns that the vote is cast; the phone that cast it has its receipt.
    assert events_named(danas_laptop, "vote_recorded")[0]["poll_id"] == poll.id
    assert not events_named(dana, "vote_recorded")
    page = mod.get(f"/c/{cid}/polls").get_data(as_text=True)
    assert "1 of 2 have voted" in page
    cast(bo, world, poll.id, "yes")

    assert post(mod, f"/c/{cid}/polls/{poll.id}/close").status_code == 302
    closed = events_named(bo, "poll_closed")
    assert closed[0]["result"]["outcome"] == "tie"
    state = dana.emit("watch_conference", {"conference_id": cid}, callback=True)["state"]
    assert state["voting"]["poll"] is None
    assert state["voting"]["last_result"]["id"] == poll.id

    public = app.test_client().get(f"/c/{cid}/votes/{poll.id}").get_data(as_text=True)
    assert "Tie – not adopted" in public
    assert "Rule: simple majority" in public
    assert ack["receipt"]["tracker"] in public
    found = app.test_client().get(f"/c/{cid}/votes/{poll.id}?tracker={ack['receipt']['tracker']}")
    assert "Found: this ballot was counted." in found.get_data(as_text=True)
    partial = app.test_client().get(f"/c/{cid}/votes/{poll.id}?partial=result")
    assert "<html" not in partial.get_data(as_text=True)
    assert 'data-outcome="tie"' in partial.get_data(as_text=True)
    listing = app.test_client().get(f"/c/{cid}/votes").get_data(as_text=True)
    assert "Antrag auf Schluss der Redeliste" in listing


def test_no_broadcast_of_a_secret_poll_pairs_a_person_with_a_choice(app, world, auth):
    cid = world.conference.id
    poll = voting.create_poll(world.moderator.person, cid, title="Geheim", secret=True)
    desk = socket_client(app, auth.client_as(app, world, "moderator"))
    desk.emit("watch_conference", {"conference_id": cid}, callback=True)
    _c, dana, _s = phone(auth, app, world, world.delegate)
    _c, bo, _s = phone(auth, app, world, world.delegate_b)
    voting.open_poll(world.moderator.person, cid, poll.id)
    cast(dana, world, poll.id, "no")
    cast(bo, world, poll.id, "yes")
    received = desk.get_received() + dana.get_received() + bo.get_received()
    for event in received:
        if event["name"] in ("poll_turnout", "vote_recorded", "poll_opened"):
            text = str(event["args"])
            assert "'no'" not in text and "'yes'" not in text and "choice" not in text, event


def test_only_moderators_get_the_roll_call_of_a_named_poll(app, world, auth):
    cid = world.conference.id
    poll = voting.create_poll(world.moderator.person, cid, title="Namentlich", secret=False)
    mod = auth.client_as(app, world, "moderator")
    desk = socket_client(app, mod)
    desk.emit("watch_conference", {"conference_id": cid}, callback=True)
    _c, dana, _s = phone(auth, app, world, world.delegate)
    _c, oli, _s = phone(auth, app, world, world.observer)
    projector = socket_client(app, auth.client_as(app, world, "observer"))
    projector.emit("watch_projector", {"conference_id": cid}, callback=True)
    voting.open_poll(world.moderator.person, cid, poll.id)
    for sio in (desk, dana, oli, projector):
        sio.get_received()

    cast(dana, world, poll.id, "yes")
    voted = [{"name": "Dana Delegate", "organisation": "VA"}]
    not_yet = [{"name": "Bo Delegate", "organisation": "VB"}]
    live = events_named(desk, "poll_turnout")[-1]
    assert (live["voted"], live["not_yet"]) == (voted, not_yet)
    shown = events_named(projector, "poll_turnout")[-1]
    assert shown["cast_count"] == 1 and "voted" not in shown and "Dana" not in str(shown)
    for event in ("poll_state", "watch_conference"):
        reply = desk.emit(event, {"conference_id": cid}, callback=True)
        turnout = (reply.get("state") or reply)["voting"]["turnout"]
        assert (turnout["voted"], turnout["not_yet"]) == (voted, not_yet)
        for sio in (dana, oli):
            reply = sio.emit(event, {"conference_id": cid}, callback=True)
            assert reply["ok"], reply
            assert "turnout" not in (reply.get("state") or reply)["voting"]
            assert "Bo Delegate" not in str(reply)
    reply = projector.emit("watch_projector", {"conference_id": cid}, callback=True)
    assert "voted" not in reply["voting"]["turnout"] and "Bo Delegate" not in str(reply)
    page = mod.get(f"/c/{cid}/polls").get_data(as_text=True)
    assert 'id="roll-not_yet"' in page and "Bo Delegate" in page


def test_projector_page_and_event(app, world, auth):
    cid = world.conference.id
    observer = app.test_client()
    auth.join(observer, world.codes[world.observer.id])
    page = observer.get(f"/c/{cid}/projector")
    assert page.status_code == 200 and 'id="poll-live"' in page.get_data(as_text=True)
    poll = voting.create_poll(world.moderator.person, cid, title="Beamer")
    voting.open_poll(world.moderator.person, cid, poll.id)
    sio = socket_client(app, observer)
    reply = sio.emit("watch_projector", {"conference_id": cid}, callback=True)
    assert reply["ok"] and reply["voting"]["poll"]["id"] == poll.id
    assert reply["voting"]["turnout"]["cast_count"] == 0
    assert re.fullmatch(r"[0-9a-f]{64}", reply["audit_head"]["hash"])
    sio.get_received()
    voting.cast_ballot(world.delegate.id, poll.id, "yes", uuid.uuid4().hex)
    assert events_named(sio, "poll_turnout")[-1]["cast_count"] == 1


def test_ballot_card_is_on_the_live_page(app, world, auth):
    client = app.test_client()
    auth.join(client, world.codes[world.delegate.id])
    html = client.get(f"/c/{world.conference.id}/live").get_data(as_text=True)
    assert 'id="ballot"' in html and "js/ballot.js" in html


def test_socket_ballots_are_idempotent_and_refusals_are_acks(app, world, auth):
    cid = world.conference.id
    poll = voting.create_poll(world.moderator.person, cid, title="Wiederholung")
    _c, dana, _s = phone(auth, app, world, world.delegate)
    early = cast(dana, world, poll.id, "yes")
    assert early["ok"] is False and early["status"] == 404  # a draft is not found
    voting.open_poll(world.moderator.person, cid, poll.id)
    submission = uuid.uuid4().hex
    first = cast(dana, world, poll.id, "yes", submission)
    again = cast(dana, world, poll.id, "yes", submission)
    assert again["ok"] and again["receipt"]["tracker"] == first["receipt"]["tracker"]
    assert again["receipt"]["repeated"] is True
    other = cast(dana, world, poll.id, "no")
    assert other == {"ok": False, "status": 409, "error": "You have voted in this poll already."}
    bad = cast(dana, world, "1", "no")
    assert bad["ok"] is False and bad["status"] == 422
    _c, observer, _s = phone(auth, app, world, world.observer)
    refused = cast(observer, world, poll.id, "yes")
    assert refused["ok"] is False and refused["status"] == 403
    state = dana.emit("poll_state", {"conference_id": cid}, callback=True)["voting"]
    assert state["my_votes"][0]["tracker"] == first["receipt"]["tracker"]


def test_paper_counts_from_the_desk(app, world, auth):
    cid = world.conference.id
    poll = voting.create_poll(world.moderator.person, cid, title="Handzeichen")
    mod = auth.client_as(app, world, "moderator")
    response = post(mod, f"/c/{cid}/polls/{poll.id}/paper", {"yes": "2", "no": "0", "abstain": ""})
    assert response.status_code == 302
    db.session.expire_all()
    poll = voting.get_poll(poll.id)
    assert poll.source == "paper" and poll.result["outcome"] == "adopted"
    html = app.test_client().get(f"/c/{cid}/votes/{poll.id}").get_data(as_text=True)
    assert "Counted by show of hands or on paper" in html


def test_proxies_page(app, world, auth):
    cid = world.conference.id
    giver = add_delegate(world, "Gül Geberin", world.org_a, present=False)
    mod = auth.client_as(app, world, "moderator")
    response = post(
        mod,
        f"/c/{cid}/proxies",
        {"giver_id": str(giver.id), "holder_id": str(world.delegate.id)},
        f"/c/{cid}/proxies",
    )
    assert response.status_code == 302
    proxy = voting.proxies_of(cid)[0]
    assert "Gül Geberin" in mod.get(f"/c/{cid}/proxies").get_data(as_text=True)
    refused = post(
        mod,
        f"/c/{cid}/proxies",
        {"giver_id": str(world.delegate_b.id), "holder_id": str(world.delegate.id)},
        f"/c/{cid}/proxies",
    )
    assert refused.status_code == 422 and "same organisation" in refused.get_data(as_text=True)
    assert post(mod, f"/c/{cid}/proxies/{proxy.id}/revoke").status_code == 302
    assert voting.proxies_of(cid) == []


def test_voting_defaults_are_set_by_conference_admins(app, world, auth):
    cid = world.conference.id
    staff = app.test_client()
    auth.sign_in_staff(staff)
    response = post(
        staff,
        f"/c/{cid}/polls/settings",
        {
            "secret": "y",
            "majority": "absolute",
            "quorum_kind": "weight_share",
            "quorum": "1/3",
            "votes_per_organisation": "2",
            "max_proxies_per_holder": "1",
        },
    )
    assert response.status_code == 302
    db.session.expire_all()
    settings = voting.voting_settings(world.conference)
    assert settings["secret"] is True and settings["votes_per_organisation"] == 2
    assert settings["majority"] == "absolute" and settings["quorum"] == "1/3"
    assert (
        post(auth.client_as(app, world, "moderator"), f"/c/{cid}/polls/settings").status_code == 403
    )


def test_the_audit_page_shows_the_chain_and_its_head(app, world):
    html = app.test_client().get("/audit?verify=1").get_data(as_text=True)
    head = voting.audit_head()
    assert head["hash"] in html
    assert "The chain is intact" in html
    entries = db.session.scalar(select(db.func.count()).select_from(AuditEntry))
    assert f"{entries} entries" in html


def test_the_public_log_ends_at_an_open_polls_opening_until_it_closes(app, world):
    cid = world.conference.id
    poll = voting.create_poll(world.moderator.person, cid, title="Turnout")
    voting.open_poll(world.moderator.person, cid, poll.id)
    opened = db.session.scalar(
        select(AuditEntry).where(
            AuditEntry.action == "poll.opened", AuditEntry.subject == f"poll:{poll.id}"
        )
    )
    voting.cast_ballot(world.delegate.id, poll.id, "yes", uuid.uuid4().hex)
    anonymous = app.test_client()

    while_open = anonymous.get("/api/v1/audit?limit=1000").get_json()
    assert while_open["withheld"] is True
    assert while_open["head"] == {"seq": opened.seq, "hash": opened.hash}
    assert while_open["entries"][-1]["seq"] == opened.seq
    assert "ballot.accepted" not in {e["action"] for e in while_open["entries"]}
    assert anonymous.get(f"/api/v1/audit?after={opened.seq}").get_json()["entries"] == []
    html = anonymous.get("/audit?verify=1").get_data(as_text=True)
    assert "A poll is open" in html and opened.hash in html
    assert f"The chain is intact: {opened.seq} entries verified." in html
    assert voting.audit_head()["hash"] not in html

    voting.close_poll(world.moderator.person, cid, poll.id)
    closed = anonymous.get(f"/api/v1/audit?after={opened.seq}&limit=1000").get_json()
    assert closed["withheld"] is False and closed["head"] == voting.audit_head()
    assert "ballot.accepted" in {e["action"] for e in closed["entries"]}
    assert closed["entries"][0]["prev_hash"] == opened.hash
    assert "A poll is open" not in anonymous.get("/audit").get_data(as_text=True)


def test_the_countdown_closes_the_poll_by_itself(app, world, auth):
    cid = world.conference.id
    poll = voting.create_poll(world.moderator.person, cid, title="Uhr", duration_seconds=1)
    mod = auth.client_as(app, world, "moderator")
    jobs.start(app)  # as the server does when it starts serving
    try:
        assert post(mod, f"/c/{cid}/polls/{poll.id}/open").status_code == 302
        db.session.expire_all()
        voting.cast_ballot(world.delegate.id, poll.id, "yes", uuid.uuid4().hex)
        state = "open"
        for _ in range(100):  # the countdown closes it about a second after opening
            time.sleep(0.1)
            db.session.rollback()
            state = db.session.scalar(select(Poll.state).where(Poll.id == poll.id))
            if state == "closed":
                break
    finally:
        jobs.stop(app)
    assert state == "closed"
    entry = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "poll.closed")).one()
    assert entry.data["by"] == "countdown" and entry.data["result"]["outcome"] == "adopted"


def test_a_proxy_holders_ballot_comes_with_the_opening_with_both_votes(app, world, auth):
    giver = add_delegate(world, "Gül Geberin", world.org_a, present=False)
    voting.record_proxy(world.moderator.person, world.conference.id, giver.id, world.delegate.id)
    _client, dana, _state = phone(auth, app, world, world.delegate)
    _client_b, bo, _state_b = phone(auth, app, world, world.delegate_b)
    poll = voting.create_poll(world.moderator.person, world.conference.id, title="Vollmacht")
    dana.get_received()
    bo.get_received()
    voting.open_poll(world.moderator.person, world.conference.id, poll.id)

    (ready,) = events_named(dana, "ballot_ready")
    votes = ready["voting"]["my_votes"]
    assert [(v["voter_id"], v["own"], v["name"]) for v in votes] == [
        (world.delegate.id, True, "Dana Delegate"),
        (giver.id, False, "Gül Geberin"),
    ]
    state = dana.emit("poll_state", {"conference_id": world.conference.id}, callback=True)
    assert state["voting"]["my_votes"] == votes
    (bos,) = events_named(bo, "ballot_ready")  # each caster gets only their own
    assert [v["voter_id"] for v in bos["voting"]["my_votes"]] == [world.delegate_b.id]


def test_ids_past_what_the_database_stores_are_answered_not_crashed(app, world, auth):
    """A socket event naming an id no row can have gets an error acknowledgement, and a ballot
    naming one is refused without touching the vote of the phone that sent it."""
    poll = voting.create_poll(world.moderator.person, world.conference.id, title="Grenzen")
    voting.open_poll(world.moderator.person, world.conference.id, poll.id)
    _client, sio, _state = phone(auth, app, world, world.delegate)
    for extra in ({"poll_id": 2**63}, {"voter_id": 2**63}, {"conference_id": 2**70}):
        reply = sio.emit(
            "cast_ballot",
            {
                "conference_id": world.conference.id,
                "poll_id": poll.id,
                "choice": "yes",
                "submission_id": uuid.uuid4().hex,
                **extra,
            },
            callback=True,
        )
        assert reply["ok"] is False and reply["status"] in (400, 404, 422), (extra, reply)
    assert cast(sio, world, poll.id, "yes")["ok"]
