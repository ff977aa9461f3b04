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
    code = access.issue_access_code(moderator_accreditation.id, admin)
    result.delegates.append((moderator.display_name, "Moderation", code))
    load_documents(admin, moderator, conference.id, organisations, people, parents)
    load_archive(admin, moderator, organisations, people)
    return result


# --- documents: a resolution and a demand catalogue with amendments ----------------------------

RESOLUTION_TITLE = "Teilhabe vor Ort stärken"
RESOLUTION_TEXT = """\
Die Netzwerkkonferenz stellt fest: Migrant*innenorganisationen leisten in den Städten und \
Gemeinden an Rhein und Ruhr seit Jahrzehnten unverzichtbare Arbeit. Sie beraten, begleiten und \
vertreten Menschen, die von Verwaltungen und Parteien oft nicht erreicht werden.

Trotzdem werden unsere Organisationen bei kommunalen Entscheidungen häufig erst dann beteiligt, \
wenn die wesentlichen Fragen bereits entschieden sind. Förderungen sind meist auf ein Jahr \
befristet und binden ehrenamtliche Kräfte in aufwendigen Antragsverfahren.

Wir fordern daher die Kommunen auf, Integrationsräte und Migrant*innenorganisationen frühzeitig \
und verbindlich an allen Planungen zu beteiligen, die das Zusammenleben vor Ort betreffen.

Das Land Nordrhein-Westfalen soll eine mehrjährige Strukturförderung für \
Migrant*innenorganisationen einführen, die hauptamtliche Koordination ermöglicht und ohne \
Eigenanteil auskommt.

Die Mitgliedsorganisationen des Netzwerks verpflichten sich, ihre Erfahrungen untereinander zu \
teilen und bis zur nächsten Konferenz einen gemeinsamen Leitfaden für gute Beteiligung zu \
erarbeiten."""
RESOLUTION_REASONING = """\
Viele Vereine berichten, dass sie zu Beteiligungsverfahren eingeladen werden, wenn nur noch \
Details offen sind. Wer **früh** mitreden kann, bringt Wissen ein, das sonst fehlt. Eine \
verlässliche Förderung über mehrere Jahre entlastet die Ehrenamtlichen und macht Beteiligung \
überhaupt erst möglich."""
#: (delegate, block index, new text, reasoning)
RESOLUTION_AMENDMENTS = [
    (
        "Kwame Mensah",
        2,
        "Wir fordern daher die Kommunen auf, Integrationsräte und Migrant*innenorganisationen "
        "frühzeitig, verbindlich und mit einem eigenen Budget an allen Planungen zu beteiligen, "
        "die das Zusammenleben vor Ort betreffen.",
        "Beteiligung ohne Mittel bleibt oft folgenlos.",
    ),
    (
        "Elif Kaya",
        3,
        "Das Land Nordrhein-Westfalen soll eine mehrjährige Strukturförderung für "
        "Migrant*innenorganisationen einführen, die hauptamtliche Koordination ermöglicht, "
        "Frauen*organisationen ausdrücklich einbezieht und ohne Eigenanteil auskommt.",
        "Frauen*organisationen gehen bei Förderprogrammen bisher häufig leer aus.",
    ),
    (
        "Oksana Kovalenko",
        2,
        "Wir fordern daher die Kommunen auf, Integrationsräte, Migrant*innenorganisationen und "
        "Initiativen von Geflüchteten frühzeitig und verbindlich an allen Planungen zu "
        "beteiligen, die das Zusammenleben vor Ort betreffen.",
        "Junge Initiativen von Geflüchteten sind oft noch keine eingetragenen Vereine.",
    ),
]
RESOLUTION_TRANSLATIONS = {
    "en": (
        "Strengthening participation locally",
        """\
The network conference notes: migrant organisations have been doing indispensable work in the \
towns and municipalities along the Rhine and Ruhr for decades. They advise, accompany and \
represent people whom administrations and parties often do not reach.

Nevertheless, our organisations are often involved in municipal decisions only once the \
essential questions have been settled. Funding is usually limited to one year and ties up \
volunteers in laborious application procedures.

We therefore call on the municipalities to involve integration councils and migrant \
organisations early and bindingly in all plans that affect living together locally.

The state of North Rhine-Westphalia should introduce multi-year structural funding for migrant \
organisations that makes full-time coordination possible and requires no own contribution.

The member organisations of the network commit themselves to sharing their experience with one \
another and to drawing up a joint guide to good participation by the next conference.""",
    ),
    "ar": (
        "تعزيز المشاركة على المستوى المحلي",
        """\
يؤكد مؤتمر الشبكة أن منظمات المهاجرين والمهاجرات تقوم منذ عقود بعمل لا غنى عنه في مدن \
وبلديات منطقة الراين والرور. فهي تقدم المشورة وترافق وتمثل أشخاصًا لا تصل إليهم الإدارات \
والأحزاب في كثير من الأحيان.

ومع ذلك، كثيرًا ما لا تُشرك منظماتنا في القرارات البلدية إلا بعد أن تكون المسائل الأساسية \
قد حُسمت. كما أن الدعم المالي يقتصر في الغالب على عام واحد، ويستنزف طاقات المتطوعين في \
إجراءات طلبات معقدة.

لذلك نطالب البلديات بإشراك مجالس الاندماج ومنظمات المهاجرين والمهاجرات في وقت مبكر وبشكل \
ملزم في جميع الخطط التي تمس العيش المشترك محليًا.

ينبغي لولاية شمال الراين-وستفاليا أن تستحدث دعمًا هيكليًا متعدد السنوات لمنظمات المهاجرين \
والمهاجرات، يتيح تنسيقًا بدوام كامل ولا يشترط مساهمة ذاتية.

وتلتزم المنظمات الأعضاء في الشبكة بتبادل خبراتها فيما بينها، وبإعداد دليل مشترك للمشاركة \
الجيدة حتى المؤتمر القادم.""",
    ),
}

CATALOGUE_TITLE = "Unsere Forderungen zur Landtagswahl"
CATALOGUE_TEXT = """\
## Bildung

- Herkunftssprachlicher Unterricht wird an allen Schulformen als reguläres Fach angeboten.
- Jede Schule erhält mindestens eine Stelle für Schulsozialarbeit mit interkultureller \
Qualifikation.
- Lehrkräfte mit ausländischen Abschlüssen erhalten innerhalb von sechs Monaten einen Bescheid \
über die Anerkennung.

## Arbeit und Anerkennung

- Das Land richtet in jedem Regierungsbezirk eine unabhängige Beratungsstelle zur Anerkennung \
von Berufsabschlüssen ein.
- Die Gebühren für Anerkennungsverfahren werden für Menschen mit geringem Einkommen vollständig \
übernommen.
- Landesbehörden führen anonymisierte Bewerbungsverfahren ein.

## Demokratie und Teilhabe

- Das Land setzt sich im Bundesrat für das kommunale Wahlrecht aller Menschen ein, die seit fünf \
Jahren in Deutschland leben.
- Das Teilhabe- und Integrationsgesetz wird gemeinsam mit den Migrant*innenorganisationen \
weiterentwickelt."""
CATALOGUE_REASONING = """\
Der Sprecher*innenrat hat die Forderungen aus den Regionaltreffen des Jahres zusammengetragen. \
Sie sollen allen Parteien vor der Landtagswahl übergeben werden."""
#: (delegate, demand label, new text, reasoning)
CATALOGUE_AMENDMENTS = [
    (
        "Mariam Haddad",
        "2.3",
        "- Landesbehörden und landeseigene Unternehmen führen anonymisierte Bewerbungsverfahren "
        "ein.",
        "Auch die Unternehmen des Landes sollen mit gutem Beispiel vorangehen.",
    ),
]


def load_documents(admin, moderator, conference_id, organisations, people, agenda) -> None:
    """Resolution A1 (TOP 4.1) and catalogue K1 (TOP 4.2), admitted, with amendments."""
    from participation.services import documents, working_groups

    resolution = documents.create_document(
        moderator,
        conference_id,
        kind="resolution",
        number="A1",
        title=RESOLUTION_TITLE,
        body=RESOLUTION_TEXT,
        reasoning=RESOLUTION_REASONING,
        agenda_item_id=agenda["TOP 4.1"],
        organisation_ids=[organisations[0].id, organisations[1].id],
        cosigner_ids=[organisations[3].id],
        submit=True,
    )
    documents.admit_document(moderator, conference_id, resolution.id)
    for language, (title, body) in RESOLUTION_TRANSLATIONS.items():
        documents.save_translation(
            admin, conference_id, resolution.id, language=language, title=title, body=body
        )
    for name, block, text, reasoning in RESOLUTION_AMENDMENTS:
        documents.file_amendment(
            people[name],
            conference_id,
            resolution.id,
            base_version_id=resolution.current_version_id,
            changes={block: text},
            reasoning=reasoning,
        )
    catalogue = documents.create_document(
        moderator,
        conference_id,
        kind="catalogue",
        number="K1",
        title=CATALOGUE_TITLE,
        body=CATALOGUE_TEXT,
        reasoning=CATALOGUE_REASONING,
        agenda_item_id=agenda["TOP 4.2"],
        submitting_body="Sprecher*innenrat",
        cosigner_ids=[organisations[4].id, organisations[6].id],
        submit=True,
    )
    documents.admit_document(moderator, conference_id, catalogue.id)
    blocks = documents.demand_labels(catalogue)
    by_label = {label: index for index, label in blocks.items()}
    for name, label, text, reasoning in CATALOGUE_AMENDMENTS:
        documents.file_amendment(
            people[name],
            conference_id,
            catalogue.id,
            base_version_id=catalogue.current_version_id,
            changes={by_label[label]: text},
            reasoning=reasoning,
        )
    group = working_groups.create_working_group(
        moderator,
        conference_id,
        name="AG Jugend",
        description="Forderungen junger Menschen für den nächsten Forderungskatalog.",
    )
    for name in ("Leon Yilmaz", "Nadia Rahimi"):
        accreditation = conferences.conference_accreditation(conference_id, people[name].id)
        working_groups.add_member(moderator, conference_id, group.id, accreditation.id)
    working_groups.add_demand(
        people["Leon Yilmaz"],
        conference_id,
        group.id,
        section="Freizeit",
        text="Jugendzentren bleiben auch am Wochenende geöffnet.",
    )
    working_groups.add_demand(
        people["Nadia Rahimi"],
        conference_id,
        group.id,
        section="Ausbildung",
        text="Ausbildungsbetriebe erhalten Unterstützung bei der Begleitung junger Geflüchteter.",
    )


# --- the archive: an earlier, finished conference whose texts were decided by polls -----------

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
    from datetime import UTC, datetime, timedelta

    from participation import clock

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
    from participation.services import voting

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
    from participation.services import documents

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
