"""The merge view: a moderator resolves an amendment that collides with an adopted one."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from sqlalchemy import select

from participation.extensions import db
from participation.models import Amendment, AuditEntry
from participation.services import documents as docs
from participation.services.errors import Conflict, Invalid, NotAllowed
from participation.text import paragraphs
from tests.helpers import Auth, amend, build_world, csrf_token, make_app, resolution

TRANSLATIONS = Path(__file__).resolve().parent.parent / "participation" / "translations"
ADOPTED = "Die Kommunen sollen Migrant*innenorganisationen rechtzeitig beteiligen."
WANTED = "Die Kommunen sollen Migrant*innenorganisationen **spät** beteiligen."
ALSO = "Wir teilen *alle* unsere Erfahrungen."
RESULT = "Die Kommunen sollen Migrant*innenorganisationen rechtzeitig und **dauerhaft** beteiligen."


def collision(world):
    """A resolution whose amendment Ä1 was adopted; Ä2 changed the same words and needs review;
    Ä3 changes another paragraph and was carried onto the new version."""
    document = resolution(world)
    first = amend(world, document, {1: ADOPTED})
    clash = amend(world, document, {1: WANTED, 3: ALSO})
    other = amend(world, document, {2: "Das Land soll eine Förderung einführen."})
    docs.start_vote("amendment", first.id, world.moderator.person)
    docs.apply_vote_result("amendment", first.id, True, world.moderator.person)
    db.session.commit()
    assert clash.needs_review and not other.needs_review
    return document, clash, other


def actions() -> list[str]:
    return list(db.session.scalars(select(AuditEntry.action).order_by(AuditEntry.seq)))


# --- the service -------------------------------------------------------------------------------


def test_overlaps_show_what_was_adopted_and_what_was_wanted(app, world):
    document, clash, _ = collision(world)
    found = docs.overlaps(clash)
    assert [(o.base_index, o.current_index, o.collides) for o in found] == [
        (1, 1, True),
        (3, 3, False),
    ]
    assert found[0].current_text == ADOPTED and found[0].wanted_text == WANTED
    assert found[0].start_text == ADOPTED
    assert found[1].start_text == ALSO
    assert [v.number for v in docs.adopted_since(clash)] == [2]


def test_the_result_becomes_the_amendments_wording_on_the_current_version(app, world):
    document, clash, _ = collision(world)
    current = document.current_version
    rebased = docs.rebase_amendment(
        world.moderator.person,
        world.conference.id,
        clash.id,
        base_version_id=current.id,
        changes={1: RESULT, 3: ALSO},
    )
    db.session.commit()
    assert rebased.base_version_id == current.id and not rebased.needs_review
    assert docs.changes_of(rebased) == {1: RESULT, 3: ALSO}
    assert rebased.status == "admitted"
    assert document.current_version_id == current.id
    assert actions()[-1] == "amendment.rebased"
    assert docs.amendment_collisions(document.amendments) == {}


def test_merging_directly_saves_a_version_and_takes_the_amendment_over(app, world):
    document, clash, other = collision(world)
    before = document.current_version
    version = docs.merge_amendment(
        world.moderator.person,
        world.conference.id,
        clash.id,
        base_version_id=before.id,
        changes={1: RESULT},
    )
    db.session.commit()
    assert version.number == before.number + 1 and document.current_version_id == version.id
    assert paragraphs(version.body)[1] == RESULT
    assert version.amendment_id == clash.id
    assert version.note == f"{clash.number} taken over as amended"
    assert clash.status == "taken_over" and not clash.needs_review
    assert clash.decided_at is not None
    # The amendment keeps its own wording; the version holds what went into the text.
    assert docs.changes_of(clash)[1] == WANTED
    assert other.base_version_id == version.id and not other.needs_review
    assert {"amendment.taken_over", "version.created", "amendment.merged"} <= set(actions()[-4:])


def test_only_a_moderator_resolves_a_collision(app, world):
    document, clash, _ = collision(world)
    current = document.current_version_id
    for person in (world.delegate_b.person, world.delegate.person, world.observer.person):
        with pytest.raises(NotAllowed):
            docs.rebase_amendment(
                person, world.conference.id, clash.id, base_version_id=current, changes={1: RESULT}
            )
        with pytest.raises(NotAllowed):
            docs.merge_amendment(
                person, world.conference.id, clash.id, base_version_id=current, changes={1: RESULT}
            )
    db.session.rollback()
    assert clash.needs_review and clash.status == "admitted"
    assert document.current_version_id == current


def test_refusals_change_nothing(app, world):
    document, clash, other = collision(world)
    moderator, cid = world.moderator.person, world.conference.id
    current = document.current_version_id
    with pytest.raises(Conflict):  # opened on an older version
        docs.merge_amendment(
            moderator, cid, clash.id, base_version_id=current - 1, changes={1: RESULT}
        )
    with pytest.raises(Invalid):
        docs.merge_amendment(
            moderator, cid, clash.id, base_version_id=current, changes={1: "<b>x</b>"}
        )
    with pytest.raises(Invalid):  # the result is the current text itself
        docs.rebase_amendment(
            moderator, cid, clash.id, base_version_id=current, changes={1: ADOPTED}
        )
    with pytest.raises(Conflict):  # fits the text: nothing to resolve
        docs.rebase_amendment(
            moderator, cid, other.id, base_version_id=current, changes={1: RESULT}
        )
    db.session.rollback()
    clash = db.session.get(Amendment, clash.id)
    assert clash.needs_review and clash.status == "admitted"
    assert document.current_version_id == current


# --- the page ----------------------------------------------------------------------------------


def merge_url(document, amendment) -> str:
    return f"/c/{document.conference_id}/documents/{document.id}/amendments/{amendment.id}/merge"


def without_boxes(html: str) -> str:
    return re.sub(r"<textarea.*?</textarea>", "", html, flags=re.DOTALL)


def test_the_merge_view_shows_both_changes_formatted(app, world, auth):
    document, clash, _ = collision(world)
    moderator = auth.client_as(app, world, "moderator")
    amendment_page = moderator.get(
        f"/c/{document.conference_id}/documents/{document.id}/amendments/{clash.id}"
    ).get_data(as_text=True)
    assert merge_url(document, clash) in amendment_page
    response = moderator.get(merge_url(document, clash))
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    shown = without_boxes(html)
    assert '<ins class="diff-ins">' in shown and "rechtzeitig" in shown
    assert "<strong>" in shown and "<em>" in shown
    assert "**" not in shown and "*alle*" not in shown
    boxes = dict(re.findall(r'<textarea id="block-(\d+)"[^>]*>(.*?)</textarea>', html, re.DOTALL))
    assert boxes == {"1": ADOPTED, "3": ALSO}


def test_the_form_round_trips_and_saves(app, world, auth):
    document, clash, _ = collision(world)
    moderator = auth.client_as(app, world, "moderator")
    url = merge_url(document, clash)
    token = csrf_token(moderator, url)
    bad = moderator.post(
        url,
        data={
            "csrf_token": token,
            "base_version_id": document.current_version_id,
            "block-1": "Kommunen <b>sofort</b> beteiligen.",
            "block-3": ALSO,
            "outcome": "rebase",
        },
    )
    assert bad.status_code == 422
    html = bad.get_data(as_text=True)
    assert 'id="merge-error"' in html
    assert "Kommunen &lt;b&gt;sofort&lt;/b&gt; beteiligen." in html
    assert db.session.get(Amendment, clash.id).needs_review

    saved = moderator.post(
        url,
        data={
            "csrf_token": token,
            "base_version_id": document.current_version_id,
            "block-1": RESULT,
            "block-3": ALSO,
            "outcome": "rebase",
        },
    )
    assert saved.status_code == 302
    db.session.expire_all()
    clash = db.session.get(Amendment, clash.id)
    assert not clash.needs_review and docs.changes_of(clash) == {1: RESULT, 3: ALSO}
    assert moderator.get(url).status_code == 409


def test_merging_through_the_form_makes_a_version(app, world, auth):
    document, clash, _ = collision(world)
    moderator = auth.client_as(app, world, "moderator")
    url = merge_url(document, clash)
    before = document.current_version.number
    response = moderator.post(
        url,
        data={
            "csrf_token": csrf_token(moderator, url),
            "base_version_id": document.current_version_id,
            "block-1": RESULT,
            "outcome": "merge",
        },
    )
    assert response.status_code == 302
    db.session.expire_all()
    clash = db.session.get(Amendment, clash.id)
    assert clash.status == "taken_over"
    assert clash.document.current_version.number == before + 1
    page = moderator.get(
        f"/c/{document.conference_id}/documents/{document.id}/compare?from={before}&to={before + 1}"
    )
    assert page.status_code == 200
    assert "dauerhaft" in page.get_data(as_text=True)


def test_a_delegate_cannot_open_the_merge_view(app, world, auth):
    document, clash, _ = collision(world)
    url = merge_url(document, clash)
    for who in ("delegate_b", "observer"):
        client = auth.client_as(app, world, who)
        assert client.get(url).status_code == 403
    page = auth.client_as(app, world, "delegate_b").get(
        f"/c/{document.conference_id}/documents/{document.id}/amendments/{clash.id}"
    )
    assert url not in page.get_data(as_text=True)


@pytest.fixture
def translated_app(tmp_path):
    """The app with the project's compiled catalogues (other tests read the msgids)."""
    app = make_app(tmp_path, BABEL_TRANSLATION_DIRECTORIES=str(TRANSLATIONS))
    with app.app_context():
        yield app
        db.session.remove()
        db.engine.dispose()


def test_the_merge_view_speaks_german(translated_app):
    world = build_world()
    document, clash, _ = collision(world)
    client = translated_app.test_client()
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "de"
    Auth().join(client, world.codes[world.moderator.id])
    html = client.get(merge_url(document, clash)).get_data(as_text=True)
    assert f"Kollision von {clash.number} auflösen" in html
    assert "Inzwischen beschlossen" in html and f"{clash.number} wollte" in html
    assert "In den Text einarbeiten" in html
    assert "Resolve the collision" not in html and "Merge into the text" not in html
