"""Every use case checks its actor, whichever door it is called through.

The authorisation matrix (tests/test_authz_matrix.py) proves the doors; these call the
services directly, as a new route or socket event would, and expect the same refusals.
"""

from __future__ import annotations

import pytest

from participation.services import access, conferences, directory, room
from participation.services import documents as docs
from participation.services.errors import NotAllowed, NotFound
from tests.helpers import resolution


def test_room_use_cases_need_a_moderator(world):
    item = conferences.save_agenda_item(
        world.staff, world.conference.id, number="TOP 1", title="Eröffnung"
    )
    for person in (world.delegate.person, world.observer.person):
        with pytest.raises(NotAllowed):
            room.set_current_agenda_item(person, world.conference.id, item.id)
        with pytest.raises(NotAllowed):
            room.set_list_closed(person, world.conference.id, item.id, True)
    state = room.set_current_agenda_item(world.moderator.person, world.conference.id, item.id)
    assert state.current_agenda_item_id == item.id


def test_conference_use_cases_need_their_role(world):
    cid = world.conference.id
    with pytest.raises(NotAllowed):
        conferences.save_agenda_item(world.moderator.person, cid, number="TOP 9", title="X")
    with pytest.raises(NotAllowed):
        conferences.set_presence(world.delegate.person, cid, world.delegate_b.id, False)
    with pytest.raises(NotAllowed):
        access.issue_access_code(world.delegate.id, world.moderator.person)
    with pytest.raises(NotAllowed):
        conferences.save_conference(world.moderator.person, title="Neu", number=9)
    assert conferences.set_presence(world.moderator.person, cid, world.delegate_b.id, False)


def test_the_directory_is_for_staff(world):
    with pytest.raises(NotAllowed):
        directory.save_person(world.moderator.person, display_name="Neue Person")
    with pytest.raises(NotAllowed):
        directory.save_organisation(world.delegate.person, name="Verein Gamma")
    assert directory.save_organisation(world.staff, name="Verein Gamma").id


def test_co_signing_needs_a_delegate_of_the_conference(world):
    cid = world.conference.id
    document = resolution(world)
    with pytest.raises(NotAllowed):
        docs.cosign_document(world.observer.person, cid, document.id)
    other = conferences.save_conference(world.staff, title="Andere", number=8)
    guest = directory.save_person(world.staff, display_name="Gia Gast")
    conferences.save_accreditation(
        world.staff, other.id, person_id=guest.id, role="delegate", organisation_id=world.org_b.id
    )
    with pytest.raises(NotFound):
        docs.cosign_document(guest, cid, document.id)
    docs.cosign_document(world.delegate_b.person, cid, document.id)
    assert docs.organisation_ids(document, "cosigner") == {world.org_b.id}
