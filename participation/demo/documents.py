"""The running demo conference's texts: resolution A1 and catalogue K1 with amendments.

All names and texts are invented for the demo.
"""

from __future__ import annotations

from participation.models import Document
from participation.services import conferences, documents

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
            base_version_id=_current_version_id(resolution),
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
            base_version_id=_current_version_id(catalogue),
            changes={by_label[label]: text},
            reasoning=reasoning,
        )
    group = documents.create_working_group(
        moderator,
        conference_id,
        name="AG Jugend",
        description="Forderungen junger Menschen für den nächsten Forderungskatalog.",
    )
    for name in ("Leon Yilmaz", "Nadia Rahimi"):
        accreditation = conferences.conference_accreditation(conference_id, people[name].id)
        assert accreditation is not None  # every demo delegate is accredited
        documents.add_member(moderator, conference_id, group.id, accreditation.id)
    documents.add_demand(
        people["Leon Yilmaz"],
        conference_id,
        group.id,
        section="Freizeit",
        text="Jugendzentren bleiben auch am Wochenende geöffnet.",
    )
    documents.add_demand(
        people["Nadia Rahimi"],
        conference_id,
        group.id,
        section="Ausbildung",
        text="Ausbildungsbetriebe erhalten Unterstützung bei der Begleitung junger Geflüchteter.",
    )


def _current_version_id(document: Document) -> int:
    """The version amendments are filed against (every created document has one)."""
    assert document.current_version_id is not None
    return document.current_version_id
