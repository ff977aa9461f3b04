"""The agenda's order: sub-items stay under their item, and items move up and down."""

from __future__ import annotations

import re

import pytest
import sqlalchemy as sa
from flask_migrate import upgrade

from participation import create_app
from participation.cli import bind_migrations
from participation.extensions import db
from participation.models import AuditEntry
from participation.services import conferences
from participation.services.errors import Conflict, Invalid, NotAllowed
from tests.helpers import csrf_token


def _agenda(world, *numbers_and_parents):
    items = {}
    for number, parent in numbers_and_parents:
        items[number] = conferences.save_agenda_item(
            world.staff,
            world.conference.id,
            number=number,
            title=f"Titel {number}",
            parent_id=items[parent].id if parent else None,
        )
    return items


def _numbers(world) -> list[str]:
    db.session.expire_all()
    return [item.number for item in world.conference.agenda]


@pytest.fixture
def items(world):
    return _agenda(world, ("TOP 4", None), ("TOP 5", None), ("TOP 6", None), ("TOP 4.3", "TOP 4"))


def test_a_sub_item_added_later_stands_under_its_item(world, items):
    assert _numbers(world) == ["TOP 4", "TOP 4.3", "TOP 5", "TOP 6"]
    summary = conferences.agenda_summary(world.conference.agenda_items)
    assert [entry["number"] for entry in summary] == _numbers(world)


def test_items_move_with_their_sub_items(world, items):
    conferences.move_agenda_item(world.staff, world.conference.id, items["TOP 4"].id, "down")
    assert _numbers(world) == ["TOP 5", "TOP 4", "TOP 4.3", "TOP 6"]
    conferences.move_agenda_item(world.staff, world.conference.id, items["TOP 6"].id, "up")
    assert _numbers(world) == ["TOP 5", "TOP 6", "TOP 4", "TOP 4.3"]
    entry = db.session.scalars(
        sa.select(AuditEntry).where(AuditEntry.action == "agenda_item.moved")
    ).all()[-1]
    assert entry.subject == f"agenda_item:{items['TOP 6'].id}"
    assert entry.data["direction"] == "up"


def test_a_sub_item_moves_only_among_its_siblings(world, items):
    more = _agenda(world, ("TOP 4.1", None))
    conferences.save_agenda_item(
        world.staff,
        world.conference.id,
        item_id=more["TOP 4.1"].id,
        number="TOP 4.1",
        title="Titel",
        parent_id=items["TOP 4"].id,
    )
    assert _numbers(world) == ["TOP 4", "TOP 4.3", "TOP 4.1", "TOP 5", "TOP 6"]
    conferences.move_agenda_item(world.staff, world.conference.id, more["TOP 4.1"].id, "up")
    assert _numbers(world) == ["TOP 4", "TOP 4.1", "TOP 4.3", "TOP 5", "TOP 6"]
    with pytest.raises(Conflict, match="TOP 4.1"):
        conferences.move_agenda_item(world.staff, world.conference.id, more["TOP 4.1"].id, "up")
    assert _numbers(world) == ["TOP 4", "TOP 4.1", "TOP 4.3", "TOP 5", "TOP 6"]


def test_deleting_an_item_closes_the_gap(world, items):
    conferences.delete_agenda_item(world.staff, world.conference.id, items["TOP 5"].id)
    db.session.expire_all()
    assert [(i.number, i.position) for i in world.conference.agenda] == [
        ("TOP 4", 1),
        ("TOP 4.3", 1),
        ("TOP 6", 2),
    ]


def test_moving_is_refused_to_moderators_and_for_unknown_directions(world, items):
    with pytest.raises(NotAllowed):
        conferences.move_agenda_item(
            world.moderator.person, world.conference.id, items["TOP 5"].id, "up"
        )
    with pytest.raises(Invalid):
        conferences.move_agenda_item(world.staff, world.conference.id, items["TOP 5"].id, "left")
    with pytest.raises(Conflict):
        conferences.move_agenda_item(world.staff, world.conference.id, items["TOP 6"].id, "down")
    assert _numbers(world) == ["TOP 4", "TOP 4.3", "TOP 5", "TOP 6"]


def test_the_admin_agenda_lists_in_order_and_moves_with_a_form(app, world, items, auth):
    client = auth.staff_client(app)
    path = f"/admin/c/{world.conference.id}/agenda"
    html = client.get(path).get_data(as_text=True)
    shown = re.findall(r"<td>(TOP [\d.]+)</td>", html)
    assert shown == ["TOP 4", "TOP 4.3", "TOP 5", "TOP 6"]
    move = f"{path}/{items['TOP 5'].id}/move"
    assert f'action="{move}"' in html
    refused = client.post(move, data={"direction": "up"})
    assert refused.status_code == 400  # no CSRF token
    response = client.post(move, data={"direction": "up", "csrf_token": csrf_token(client, path)})
    assert response.status_code == 302
    assert _numbers(world) == ["TOP 5", "TOP 4", "TOP 4.3", "TOP 6"]
    again = client.post(
        f"{path}/{items['TOP 5'].id}/move",
        data={"direction": "up", "csrf_token": csrf_token(client, path)},
        follow_redirects=True,
    )
    assert "TOP 5" in again.get_data(as_text=True)
    assert _numbers(world) == ["TOP 5", "TOP 4", "TOP 4.3", "TOP 6"]


def test_the_migration_keeps_the_order_people_saw(tmp_path):
    """Rows numbered across the whole agenda get places among their siblings."""
    app = create_app(
        {
            "TESTING": True,
            "SECRET_KEY": "k" * 40,
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'old.db'}",
        }
    )
    bind_migrations(app)
    with app.app_context():
        upgrade(revision="9f2b10f62e05")
        with db.engine.begin() as conn:
            conn.execute(
                sa.text(
                    "INSERT INTO conference (id, title, number, venue, status, languages,"
                    " line_width, settings) VALUES (1, 'K', 1, '', 'running', '[]', 80, '{}')"
                )
            )
            for id_, parent, position in [(1, None, 1), (2, None, 2), (3, None, 3), (4, 1, 4)]:
                conn.execute(
                    sa.text(
                        "INSERT INTO agenda_item (id, conference_id, parent_id, number, title,"
                        " description, position, speakers_list_closed, speakers_order_manual)"
                        " VALUES (:id, 1, :parent, :number, 'T', '', :position, false, false)"
                    ),
                    {"id": id_, "parent": parent, "number": f"TOP {id_}", "position": position},
                )
        upgrade()
        with db.engine.connect() as conn:
            rows = conn.execute(sa.text("SELECT id, position FROM agenda_item ORDER BY id")).all()
        assert [tuple(row) for row in rows] == [(1, 1), (2, 2), (3, 3), (4, 1)]
        db.engine.dispose()
