"""A ballot that explains itself: what is decided, the rule and quorum, why there is no vote,
and the receipts kept after the close."""

from __future__ import annotations

import uuid

from participation.services import access, conferences, directory, voting
from participation.services import documents as docs
from tests.helpers import add_delegate, amend, catalogue, new_poll, opened, resolution


def _subject(client, world, poll_id, **headers):
    return client.get(f"/c/{world.conference.id}/polls/{poll_id}/subject", headers=headers)


def _amendment_poll(world):
    document = resolution(world)
    change = amend(world, document, {1: "Die Kommunen sollen alle Vereine früh beteiligen."})
    poll = opened(world, target_kind="amendment", target_id=change.id, title="")
    return document, change, poll


# --- what is decided -----------------------------------------------------------------------------


def test_a_delegate_reads_the_amendments_diff_with_a_link_to_the_document(app, world, auth):
    document, change, poll = _amendment_poll(world)
    client = auth.client_as(app, world, "delegate")
    response = _subject(client, world, poll.id)
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "<details" in html and 'class="diff-text"' in html
    assert "<ins" in html and "alle Vereine" in html and "<del" in html
    assert f"/documents/{document.id}#amendment-{change.id}" in html
    assert "Simple majority · no quorum" in html


def test_the_subject_is_asked_after_again_cheaply(app, world, auth):
    _document, _change, poll = _amendment_poll(world)
    client = auth.client_as(app, world, "delegate")
    first = _subject(client, world, poll.id)
    again = _subject(client, world, poll.id, **{"If-None-Match": first.headers["ETag"]})
    assert again.status_code == 304 and again.get_data() == b""
    assert "no-cache" in first.headers["Cache-Control"]


def test_an_outsider_is_refused_and_a_draft_is_not_found(app, world, auth):
    _document, _change, poll = _amendment_poll(world)
    anonymous = _subject(app.test_client(), world, poll.id)
    assert anonymous.status_code == 302 and "/login" in anonymous.headers["Location"]
    other = conferences.save_conference(world.staff, title="Andere Konferenz", number=4)
    stranger = directory.save_person(world.staff, display_name="Sven Fremd")
    elsewhere = conferences.save_accreditation(
        world.staff, other.id, person_id=stranger.id, role="delegate"
    )
    outsider = app.test_client()
    auth.join(outsider, access.issue_access_code(elsewhere.id, world.staff))
    assert _subject(outsider, world, poll.id).status_code == 403
    draft = new_poll(world, title="Noch nicht eröffnet")
    delegate = auth.client_as(app, world, "delegate")
    assert _subject(delegate, world, draft.id).status_code == 404
    assert delegate.get(f"/c/{other.id}/polls/{poll.id}/subject").status_code in (403, 404)


def test_an_arabic_reader_gets_the_translated_text_and_title(app, world, auth):
    cid = world.conference.id
    conferences.save_conference(
        world.staff,
        conference_id=cid,
        title="Testkonferenz",
        number=3,
        status="running",
        languages=["de", "ar", "tr"],
    )
    document = resolution(world)
    docs.save_translation(
        world.staff, cid, document.id, language="ar", title="تعزيز المشاركة", body="نص القرار."
    )
    poll = opened(world, target_kind="document", target_id=document.id, title="")
    client = auth.client_as(app, world, "delegate")
    arabic = _subject(client, world, poll.id, **{"Accept-Language": "ar"}).get_data(as_text=True)
    assert "نص القرار." in arabic and 'lang="ar"' in arabic
    assert 'data-title="' in arabic and "تعزيز المشاركة" in arabic
    assert 'class="ln"' in arabic  # line-numbered, as on the document page
    turkish = _subject(client, world, poll.id, **{"Accept-Language": "tr"}).get_data(as_text=True)
    assert "Teilhabe vor Ort wächst" in turkish  # no Turkish translation: the original
    assert 'data-title="A1 Teilhabe stärken" data-lang="de"' in turkish
    voting.close_poll(world.moderator.person, cid, poll.id)
    custom = opened(world, title="Schluss der Debatte")
    assert "data-title" not in _subject(client, world, custom.id).get_data(as_text=True)


def test_the_result_and_the_projector_name_the_poll_in_the_readers_language(app, world, auth):
    """A poll titled from its target in the creator's language is named in the reader's."""
    document, change, poll = _amendment_poll(world)
    label = voting.describe_target(poll)["label"]
    db_poll = voting.get_poll(poll.id, world.conference.id)
    db_poll.title = f"Amendment {label} to {document.number} {document.title}"
    voting.close_poll(world.moderator.person, world.conference.id, poll.id)
    client = auth.client_as(app, world, "delegate")
    result = client.get(
        f"/c/{world.conference.id}/votes/{poll.id}?partial=result",
        headers={"Accept-Language": "de"},
    ).get_data(as_text=True)
    assert f"{label} {document.title}" in result and "Amendment" not in result
    # The projector takes the same wording from the subject the phones fetch.
    projector = client.get(f"/c/{world.conference.id}/projector").get_data(as_text=True)
    assert f'data-subject-url="/c/{world.conference.id}/polls/0/subject"' in projector


def test_a_demand_shows_its_own_numbered_lines(app, world, auth):
    document = catalogue(world)
    demand = next(d for d in document.demands if d.block_index is not None)
    poll = opened(world, target_kind="demand", target_id=demand.id, title="")
    html = _subject(auth.client_as(app, world, "delegate"), world, poll.id).get_data(as_text=True)
    assert f"Demand {demand.label}" in html and 'class="ln"' in html
    assert "Mehr Lehrkräfte" in html and "Kleinere Klassen" not in html


def test_an_election_lists_its_candidates(app, world, auth):
    poll = opened(
        world,
        title="Wahl des Vorstands",
        target_kind="election",
        candidates=["Aylin", "Boris", "Chen"],
        seats=2,
    )
    html = _subject(auth.client_as(app, world, "observer"), world, poll.id).get_data(as_text=True)
    assert all(f"<bdi>{name}</bdi>" in html for name in ("Aylin", "Boris", "Chen"))


def test_the_rule_line_names_the_quorum_in_votes(app, world, auth):
    for number in range(10):
        add_delegate(world, f"Delegierte {number}", world.org_a)
    poll = opened(
        world,
        title="Satzungsänderung",
        majority="two_thirds",
        quorum_kind="weight_share",
        quorum="1/2",
    )
    assert poll.eligible_weight == 12
    client = auth.client_as(app, world, "delegate")
    html = _subject(client, world, poll.id).get_data(as_text=True)
    assert "Two-thirds majority · quorate from 6 votes" in html


# --- why there is no vote ------------------------------------------------------------------------


def _reason(world, accreditation):
    state = voting.voting_state(
        world.conference.id, accreditation.id if accreditation else None, turnout=False
    )
    return state["no_vote"]


def test_each_person_without_a_vote_is_told_why(app, world):
    absent = add_delegate(world, "Anna Abwesend", world.org_a, present=False)
    giver = add_delegate(world, "Gina Gibt", world.org_a)
    voting.record_proxy(world.moderator.person, world.conference.id, giver.id, world.delegate.id)
    lost = add_delegate(world, "Lars Leer", world.org_b)
    away = add_delegate(world, "Hans Hält", world.org_b, present=False)
    voting.record_proxy(world.moderator.person, world.conference.id, lost.id, away.id)
    late = add_delegate(world, "Lena Spät", world.org_b, present=False)
    poll = opened(world)
    conferences.set_presence(world.staff, world.conference.id, late.id, True)

    assert _reason(world, world.delegate) is None
    assert _reason(world, world.observer) == {"reason": "no_right"}
    assert _reason(world, None) == {"reason": "no_right"}
    assert _reason(world, absent) == {"reason": "not_checked_in"}
    assert _reason(world, late) == {"reason": "checked_in_late"}
    assert _reason(world, giver) == {"reason": "proxy", "holder": "Dana Delegate"}
    assert _reason(world, lost) == {"reason": "proxy_absent", "holder": "Hans Hält"}

    voting.cast_ballot(world.delegate.id, poll.id, "yes", uuid.uuid4().hex)
    assert _reason(world, world.delegate) is None  # the proxy's vote is still to cast
    voting.cast_ballot(world.delegate.id, poll.id, "no", uuid.uuid4().hex, voter_id=giver.id)
    assert _reason(world, world.delegate) == {"reason": "voted"}
    for reason in ("no_right", "not_checked_in", "checked_in_late", "proxy", "voted"):
        assert reason in voting.NO_VOTE_REASONS


def test_the_receipts_stay_after_the_close(app, world):
    poll = opened(world)
    receipt = voting.cast_ballot(world.delegate.id, poll.id, "yes", uuid.uuid4().hex)
    voting.close_poll(world.moderator.person, world.conference.id, poll.id)
    state = voting.voting_state(world.conference.id, world.delegate.id, turnout=False)
    assert state["poll"] is None and state["no_vote"] is None
    assert state["last_result"]["id"] == poll.id
    assert [v["tracker"] for v in state["last_votes"]] == [receipt.tracker]
    other = voting.voting_state(world.conference.id, world.delegate_b.id, turnout=False)
    assert other["last_votes"][0]["tracker"] is None
