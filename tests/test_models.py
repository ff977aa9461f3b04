"""Invariants that live in the schema."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError

from participation.extensions import db
from participation.models import Accreditation, Conference, Network, Organisation, Person


@pytest.fixture
def conference(app):
    conference = Conference(title="K", number=1)
    person = Person(display_name="P")
    db.session.add_all([conference, person])
    db.session.commit()
    return conference, person


def _fails(*objects) -> None:
    db.session.add_all(objects)
    with pytest.raises(IntegrityError):
        db.session.commit()
    db.session.rollback()


def test_vote_weight_must_be_positive(conference):
    c, p = conference
    _fails(Accreditation(conference=c, person=p, role="delegate", voting_right=True, vote_weight=0))


def test_role_must_be_known(conference):
    c, p = conference
    _fails(Accreditation(conference=c, person=p, role="king"))


def test_only_delegates_have_a_voting_right(conference):
    c, p = conference
    _fails(Accreditation(conference=c, person=p, role="observer", voting_right=True))


def test_one_accreditation_per_person_and_conference(conference):
    c, p = conference
    db.session.add(Accreditation(conference=c, person=p, role="delegate"))
    db.session.commit()
    _fails(Accreditation(conference=c, person=p, role="observer"))


def test_conference_status_and_dates(app):
    _fails(Conference(title="K", number=1, status="sleeping"))
    _fails(Conference(title="K", number=1, starts_on=date(2026, 5, 2), ends_on=date(2026, 5, 1)))


def test_one_network_row(app):
    db.session.add(Network(id=1, name="N"))
    db.session.commit()
    _fails(Network(id=2, name="Other"))


def test_unique_organisation_names_and_emails(app):
    db.session.add_all([Organisation(name="Verein"), Person(display_name="A", email="a@x.org")])
    db.session.commit()
    _fails(Organisation(name="Verein"))
    _fails(Person(display_name="B", email="a@x.org"))


def test_emails_are_stored_lowercase(app):
    _fails(Person(display_name="C", email="Mixed@X.org"))


def test_deleting_an_organisation_with_delegates_is_refused(conference):
    c, p = conference
    org = Organisation(name="Verein")
    db.session.add(Accreditation(conference=c, person=p, role="delegate", organisation=org))
    db.session.commit()
    db.session.delete(org)
    with pytest.raises(IntegrityError):
        db.session.commit()
    db.session.rollback()


#: The partial unique indexes and the column each condition reads.
PARTIAL_INDEXES = {
    "uq_poll_one_open_per_conference": "state",
    "uq_speaker_request_waiting": "status",
    "uq_speaker_request_speaking": "status",
}


def test_the_partial_unique_indexes_are_partial_on_both_databases(any_db_app):
    """One open poll per conference, one waiting request per person, list and kind, one
    speaker per item: each index covers only the rows its condition names, on PostgreSQL too
    (whose condition is added when the app is made, not declared with the model)."""
    if db.engine.dialect.name == "sqlite":
        query = "SELECT name, sql FROM sqlite_master WHERE type = 'index'"
    else:
        query = "SELECT indexname, indexdef FROM pg_indexes"
    found = {name: sql for name, sql in db.session.execute(text(query)) if name in PARTIAL_INDEXES}
    assert set(found) == set(PARTIAL_INDEXES)
    for name, definition in found.items():
        condition = definition.upper().partition(" WHERE ")[2]
        assert PARTIAL_INDEXES[name].upper() in condition, definition
