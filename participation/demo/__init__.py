"""A demo network: member organisations from several towns and a running conference.

All names and texts are invented for the demo.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import select

from participation.demo.archive import load_archive
from participation.demo.documents import load_documents
from participation.demo.network import AGENDA, DELEGATES, ORGANISATIONS
from participation.extensions import db
from participation.models import Conference
from participation.services import access, conferences, directory, voting


@dataclass
class DemoResult:
    conference: Conference
    #: (name, organisation short name, access code) per delegate.
    delegates: list[tuple[str, str, str]] = field(default_factory=list)


def has_data() -> bool:
    return db.session.scalar(select(Conference.id).limit(1)) is not None


def load(admin_password: str) -> DemoResult:
    """Create the demo network through the services, as people would."""
    directory.save_network(None, name="Netzwerk der Migrant*innenorganisationen an Rhein und Ruhr")
    admin = directory.save_person(
        None,
        display_name="Demo-Verwaltung",
        email="admin@example.org",
        is_admin=True,
        password=admin_password,
    )
    organisations = [
        directory.save_organisation(admin, name=name, short_name=short, town=town)
        for name, short, town in ORGANISATIONS
    ]
    conference = conferences.save_conference(
        admin,
        title="Netzwerkkonferenz 2026: Teilhabe gestalten",
        number=4,
        starts_on=date(2026, 11, 21),
        ends_on=date(2026, 11, 22),
        venue="Bürgerhaus am Hafen, Duisburg",
        status="running",
        languages=["de", "en", "tr", "ar", "uk"],
    )
    # Trustees set up their key in their own browsers, which a loader cannot do: the demo's
    # secret polls run unencrypted until someone appoints trustees on the trustees' page.
    voting.set_voting_settings(admin, conference.id, unencrypted_secret=True)
    parents: dict[str, int] = {}
    for number, title, parent in AGENDA:
        item = conferences.save_agenda_item(
            admin,
            conference.id,
            number=number,
            title=title,
            parent_id=parents[parent] if parent else None,
        )
        parents[number] = item.id
    result = DemoResult(conference)
    moderator = directory.save_person(admin, display_name="Samira Benali")
    conferences.save_accreditation(admin, conference.id, person_id=moderator.id, role="moderator")
    people = {}
    for name, org_index in DELEGATES:
        organisation = organisations[org_index]
        person = directory.save_person(admin, display_name=name)
        people[name] = person
        accreditation = conferences.save_accreditation(
            admin,
            conference.id,
            person_id=person.id,
            role="delegate",
            organisation_id=organisation.id,
            voting_right=True,
        )
        conferences.set_presence(admin, conference.id, accreditation.id, True)
        code = access.issue_access_code(accreditation.id, admin)
        result.delegates.append((name, organisation.short_name, code))
    moderator_accreditation = conferences.conference_accreditation(conference.id, moderator.id)
    assert moderator_accreditation is not None  # saved just above
    code = access.issue_access_code(moderator_accreditation.id, admin)
    result.delegates.append((moderator.display_name, "Moderation", code))
    load_documents(admin, moderator, conference.id, organisations, people, parents)
    load_archive(admin, moderator, organisations, people)
    return result
