"""An earlier, finished demo conference whose texts were decided by polls: the archive.

All names and texts are invented for the demo.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from participation import clock
from participation.demo.network import DELEGATES
from participation.models import Conference
from participation.services import conferences, documents, voting

ARCHIVE_CONFERENCE = "Netzwerkkonferenz 2025: Gemeinsam stärker"
ARCHIVE_DAY = date(2025, 11, 15)
#: Delegates of the earlier conference (all with a vote, all present).
ARCHIVE_DELEGATES = [
    "Aylin Demir",
    "Mariam Haddad",
    "Elif Kaya",
    "Kwame Mensah",
    "Nadia Rahimi",
    "Oksana Kovalenko",
    "Leon Yilmaz",
    "Rami Al-Khatib",
]

ARCHIVE_RESOLUTION = (
    "A1",
    "Berufliche Abschlüsse schneller anerkennen",
    """\
Viele Menschen, die zu uns gekommen sind, bringen eine abgeschlossene Ausbildung oder ein \
Studium mit. Trotzdem arbeiten sie oft jahrelang unter ihrer Qualifikation, weil die \
Anerkennung ihrer Abschlüsse zu lange dauert.

Die Netzwerkkonferenz fordert das Land auf, jedes Anerkennungsverfahren innerhalb von drei \
Monaten abzuschließen.

Beratungsstellen zur Anerkennung sollen in allen Kreisen und kreisfreien Städten erreichbar sein \
und auch in den häufigsten Herkunftssprachen beraten.

Unsere Mitgliedsorganisationen begleiten Ratsuchende auf dem Weg zur Anerkennung und teilen ihre \
Erfahrungen im Netzwerk.""",
    "Wer seinen Beruf ausüben kann, findet schneller Anschluss. Lange Verfahren kosten Zeit, Geld "
    "und Selbstvertrauen.",
)
#: (delegate, block, new text, reasoning, fate: "adopted" | "rejected" | "withdrawn")
ARCHIVE_AMENDMENTS = [
    (
        "Mariam Haddad",
        1,
        "Die Netzwerkkonferenz fordert das Land auf, jedes Anerkennungsverfahren innerhalb von "
        "drei Monaten abzuschließen und die Gebühren für Menschen mit geringem Einkommen zu "
        "übernehmen.",
        "Die Kosten halten viele davon ab, überhaupt einen Antrag zu stellen.",
        "adopted",
    ),
    (
        "Leon Yilmaz",
        2,
        "Beratungsstellen zur Anerkennung sollen in jeder Gemeinde erreichbar sein.",
        "Der Weg in die Kreisstadt ist für viele zu weit.",
        "rejected",
    ),
    (
        "Rami Al-Khatib",
        3,
        "Unsere Mitgliedsorganisationen begleiten Ratsuchende auf dem Weg zur Anerkennung.",
        "Kürzer ist besser.",
        "withdrawn",
    ),
]
ARCHIVE_RESOLUTION_EN = (
    "Recognise professional qualifications faster",
    """\
Many people who have come to us bring a completed vocational training or a degree with them. \
Nevertheless, they often work below their qualification for years because the recognition of \
their qualifications takes too long.

The network conference calls on the state to conclude every recognition procedure within three \
months and to cover the fees for people on low incomes.

Advice centres on recognition should be within reach in all districts and independent cities and \
should also advise in the most common languages of origin.

Our member organisations accompany people seeking advice on their way to recognition and share \
their experience in the network.""",
)

ARCHIVE_REJECTED = (
    "A2",
    "Ein eigenes Netzwerkbüro in jeder Region",
    """\
Das Netzwerk richtet in jeder der fünf Regionen ein eigenes Büro mit einer hauptamtlichen Stelle \
ein.

Die Kosten tragen die Mitgliedsorganisationen gemeinsam über einen erhöhten Beitrag.""",
)
ARCHIVE_REFERRED = (
    "A3",
    "Gemeinsamer Stand beim Fest der Kulturen",
    """\
Die Mitgliedsorganisationen gestalten beim nächsten Fest der Kulturen einen gemeinsamen Stand des \
Netzwerks.""",
)

ARCHIVE_CATALOGUE = (
    "K1",
    "Unsere Forderungen an die Kommunen",
    """\
## Beteiligung

- Jede Kommune richtet einen Integrationsrat ein, dessen Mitglieder mindestens zur Hälfte direkt \
gewählt werden.
- Migrant*innenorganisationen erhalten Räume der Kommune für ihre Arbeit zu günstigen \
Bedingungen.

## Verwaltung

- Die Ausländerbehörde wird in eine Willkommensbehörde mit festen Beratungszeiten umgebaut.
- Termine bei Bürgerämtern können auch telefonisch und in einfacher Sprache vereinbart werden.
- Kommunale Formulare liegen in den häufigsten Sprachen der Stadt vor.""",
)
#: The demand put to a vote of its own, and rejected there.
ARCHIVE_REJECTED_DEMAND = "2.1"
ARCHIVE_CATALOGUE_EN = (
    "Our demands to the municipalities",
    """\
## 1. Participation

- Every municipality sets up an integration council, at least half of whose members are directly \
elected.
- Migrant organisations receive municipal rooms for their work on favourable terms.

## 2. Administration

- Appointments at the citizens' offices can also be made by telephone and in plain language.
- Municipal forms are available in the most common languages of the town.""",
)


def load_archive(admin, moderator, organisations, people) -> Conference:
    """The 3rd conference (2025), finished: texts decided by polls, with English translations.

    Everything goes through the services, as at a real conference; the clock is set to the
    conference days so the archive shows when things were decided.
    """

    start = datetime(2025, 11, 15, 9, 0, tzinfo=UTC)
    step = iter(range(10_000))
    try:
        clock.freeze(start)

        def tick() -> None:
            clock.freeze(start + timedelta(minutes=7 * next(step)))

        conference = conferences.save_conference(
            admin,
            title=ARCHIVE_CONFERENCE,
            number=3,
            starts_on=ARCHIVE_DAY,
            ends_on=date(2025, 11, 16),
            venue="Kulturzentrum an der Zeche, Bochum",
            status="running",
            languages=["de", "en"],
        )
        # A conference of the year before trustees: its secret poll was not encrypted.
        voting.set_voting_settings(admin, conference.id, unencrypted_secret=True)
        _archive_people(admin, moderator, conference.id, organisations, people)
        _archive_texts(admin, moderator, conference.id, organisations, people, tick)
        conferences.save_conference(
            admin,
            conference_id=conference.id,
            title=conference.title,
            number=conference.number,
            starts_on=conference.starts_on,
            ends_on=conference.ends_on,
            venue=conference.venue,
            status="closed",
            languages=conference.languages,
        )
    finally:
        clock.freeze(None)
    return conference


def _archive_people(admin, moderator, conference_id, organisations, people) -> None:
    conferences.save_accreditation(admin, conference_id, person_id=moderator.id, role="moderator")
    org_of = {name: organisations[index] for name, index in DELEGATES}
    for name in ARCHIVE_DELEGATES:
        accreditation = conferences.save_accreditation(
            admin,
            conference_id,
            person_id=people[name].id,
            role="delegate",
            organisation_id=org_of[name].id,
            voting_right=True,
        )
        conferences.set_presence(admin, conference_id, accreditation.id, True)


def _vote(moderator, conference_id, people, target_kind, target_id, yes, no, abstain, **options):
    """Open a poll on a target, have the delegates vote (yes first), close it."""

    poll = voting.create_poll(
        moderator,
        conference_id,
        target_kind=target_kind,
        target_id=target_id,
        quorum_kind="weight_share",
        quorum="1/2",
        **options,
    )
    voting.open_poll(moderator, conference_id, poll.id)
    choices = ["yes"] * yes + ["no"] * no + ["abstain"] * abstain
    for name, choice in zip(ARCHIVE_DELEGATES, choices, strict=False):
        accreditation = conferences.conference_accreditation(conference_id, people[name].id)
        voting.cast_ballot(accreditation.id, poll.id, choice, f"demo-{poll.id}-{accreditation.id}")
    return voting.close_poll(moderator, conference_id, poll.id)


def _archive_texts(admin, moderator, conference_id, organisations, people, tick) -> None:
    def create(kind, number, title, body, reasoning="", **more):
        tick()
        document = documents.create_document(
            moderator,
            conference_id,
            kind=kind,
            number=number,
            title=title,
            body=body,
            reasoning=reasoning,
            submit=True,
            **more,
        )
        documents.admit_document(moderator, conference_id, document.id)
        return document

    number, title, body, reasoning = ARCHIVE_RESOLUTION
    resolution = create(
        "resolution",
        number,
        title,
        body,
        reasoning,
        organisation_ids=[organisations[1].id],
        cosigner_ids=[organisations[2].id, organisations[7].id],
    )
    filed = []
    for name, block, text, why, fate in ARCHIVE_AMENDMENTS:
        tick()
        amendment = documents.file_amendment(
            people[name],
            conference_id,
            resolution.id,
            base_version_id=resolution.current_version_id,
            changes={block: text},
            reasoning=why,
        )
        filed.append((amendment, fate, name))
    for amendment, fate, name in filed:
        tick()
        if fate == "withdrawn":
            documents.withdraw_amendment(people[name], conference_id, amendment.id)
        elif fate == "adopted":
            _vote(moderator, conference_id, people, "amendment", amendment.id, 6, 1, 1)
        else:
            _vote(moderator, conference_id, people, "amendment", amendment.id, 2, 5, 1)
    tick()
    _vote(moderator, conference_id, people, "document", resolution.id, 7, 0, 1)
    tick()
    documents.save_translation(
        admin,
        conference_id,
        resolution.id,
        language="en",
        title=ARCHIVE_RESOLUTION_EN[0],
        body=ARCHIVE_RESOLUTION_EN[1],
    )

    number, title, body = ARCHIVE_CATALOGUE
    catalogue = create(
        "catalogue",
        number,
        title,
        body,
        "Gesammelt auf den Regionaltreffen im Frühjahr 2025.",
        submitting_body="Sprecher*innenrat",
        cosigner_ids=[organisations[0].id, organisations[5].id],
    )
    demand = next(d for d in catalogue.demands if d.label == ARCHIVE_REJECTED_DEMAND)
    tick()
    _vote(moderator, conference_id, people, "demand", demand.id, 3, 4, 1)
    tick()
    _vote(moderator, conference_id, people, "document", catalogue.id, 8, 0, 0)
    tick()
    documents.save_translation(
        admin,
        conference_id,
        catalogue.id,
        language="en",
        title=ARCHIVE_CATALOGUE_EN[0],
        body=ARCHIVE_CATALOGUE_EN[1],
    )

    number, title, body = ARCHIVE_REJECTED
    rejected = create("resolution", number, title, body, organisation_ids=[organisations[6].id])
    tick()
    _vote(moderator, conference_id, people, "document", rejected.id, 2, 6, 0, secret=True)

    number, title, body = ARCHIVE_REFERRED
    referred = create("resolution", number, title, body, organisation_ids=[organisations[3].id])
    tick()
    documents.refer_document(moderator, conference_id, referred.id)
