"""A demo network: member organisations from several towns and a running conference.

All names and texts are invented for the demo.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import select

from participation.extensions import db
from participation.models import Conference
from participation.services import access, conferences, directory

ORGANISATIONS = [
    ("Verein der Vielfalt Dortmund", "VdV", "Dortmund"),
    ("Brückenhaus Bielefeld", "BHB", "Bielefeld"),
    ("Frauen*netz Anatolien Köln", "FNA", "Köln"),
    ("Afrikanisches Kulturforum Essen", "AKF", "Essen"),
    ("Elternverein Mosaik Duisburg", "Mosaik", "Duisburg"),
    ("Ukrainische Gemeinde Münster", "UGM", "Münster"),
    ("Jugendinitiative Neue Wege Bochum", "NeWe", "Bochum"),
    ("Syrisch-Deutscher Dialog Aachen", "SDD", "Aachen"),
]

DELEGATES = [
    ("Aylin Demir", 0),
    ("Jonas Okafor", 0),
    ("Mariam Haddad", 1),
    ("Tomasz Nowak", 1),
    ("Elif Kaya", 2),
    ("Sevgi Arslan", 2),
    ("Kwame Mensah", 3),
    ("Fatou Diallo", 3),
    ("Nadia Rahimi", 4),
    ("Oksana Kovalenko", 5),
    ("Dmytro Shevchuk", 5),
    ("Leon Yilmaz", 6),
    ("Rami Al-Khatib", 7),
]

AGENDA = [
    ("TOP 1", "Eröffnung und Begrüßung", None),
    ("TOP 2", "Wahl der Versammlungsleitung und Beschlussfähigkeit", None),
    ("TOP 3", "Bericht des Sprecher*innenrates", None),
    ("TOP 4", "Anträge", None),
    ("TOP 4.1", "Resolution: Teilhabe vor Ort stärken", "TOP 4"),
    ("TOP 4.2", "Forderungskatalog zur Landtagswahl", "TOP 4"),
    ("TOP 5", "Wahl des Sprecher*innenrates", None),
    ("TOP 6", "Verschiedenes und Abschluss", None),
]


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
    parents: dict[str, int] = {}
    for number, title, parent in AGENDA:
        item = conferences.save_agenda_item(
            admin, conference.id, number=number, title=title, parent_id=parents.get(parent)
        )
        parents[number] = item.id
    result = DemoResult(conference)
    moderator = directory.save_person(admin, display_name="Samira Benali (Moderation)")
    conferences.save_accreditation(admin, conference.id, person_id=moderator.id, role="moderator")
    for name, org_index in DELEGATES:
        organisation = organisations[org_index]
        person = directory.save_person(admin, display_name=name)
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
    code = access.issue_access_code(moderator_accreditation.id, admin)
    result.delegates.append((moderator.display_name, "Moderation", code))
    return result
