"""Everything the tests share besides fixtures: the test app, factories, sign-in actions, data.

Factories are plain functions (as CTFd's ``tests/helpers.py``); signing in is done through the
``auth`` fixture, an :class:`Auth` (as the Flask tutorial's ``AuthActions``). Fixtures live in
``conftest.py`` and build on what is here; test modules import from here and from nowhere else
in ``tests``.
"""

from __future__ import annotations

import contextvars
import json
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import uuid
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path

import requests
from flask.testing import FlaskClient
from flask_babel import get_domain
from flask_socketio import SocketIOTestClient
from socketio import packet
from sqlalchemy import create_engine, func, select, text, update

from participation import clock, create_app
from participation.ballots import (
    Ciphertext,
    Dealing,
    Point,
    Question,
    combine_shares,
    deal,
    encrypt_ballot,
    partial_decrypt,
    share_is_valid,
)
from participation.ballots.transport import open_share, seal_share, transport_keypair
from participation.extensions import db, socketio
from participation.models import Accreditation, Ballot, Poll, PollParticipation, PollTracker
from participation.services import access, conferences, directory, documents, trustees, voting
from participation.services.voting import sealed

#: The repository's root.
ROOT = Path(__file__).resolve().parent.parent

# --- the app ------------------------------------------------------------------------------------


class IsolatedClient(FlaskClient):
    """A test client whose requests run in their own contexts, as in production.

    Tests keep an app context pushed to call services; without this, every request would
    share that context's ``g`` and database session (and so its signed-in user).
    """

    def open(self, *args, **kwargs):
        return contextvars.Context().run(super().open, *args, **kwargs)


class IsolatedSocketClient(SocketIOTestClient):
    """A Socket.IO test client whose events run in their own contexts."""

    def connect(self, *args, **kwargs):
        return contextvars.Context().run(super().connect, *args, **kwargs)

    def emit(self, *args, **kwargs):
        return contextvars.Context().run(super().emit, *args, **kwargs)

    def disconnect(self, *args, **kwargs):
        return contextvars.Context().run(super().disconnect, *args, **kwargs)

    def emit_text(self, data: str):
        """Send an event whose data part is ``data`` as written (``["event", …]``, which may
        be malformed JSON) and return its acknowledgement, or None if there was none."""
        self.callback_counter += 1
        text = f"{packet.EVENT}{self.callback_counter}{data}"
        self.acks = None
        contextvars.Context().run(socketio.server._handle_eio_message, self.eio_sid, text)
        ack, self.acks = self.acks, None
        return ack["args"][0] if ack else None


def socket_client(app, http_client=None, **kwargs) -> IsolatedSocketClient:
    return IsolatedSocketClient(app, socketio, flask_test_client=http_client, **kwargs)


#: A SQLite database with the schema and nothing else, made once per test process; each test
#: app's database starts as a copy of it (creating the tables took a quarter of a second).
_EMPTY_SCHEMA: list[Path] = []


def _copy_of_the_schema(target: Path) -> None:
    if not _EMPTY_SCHEMA:
        folder = Path(tempfile.mkdtemp(prefix="schema-"))
        app = create_app(_test_config(folder, None, {}))
        with app.app_context():
            db.create_all()
            db.session.remove()
            db.engine.dispose()  # the last connection checkpoints the write-ahead log
        _EMPTY_SCHEMA.append(folder / "test.db")
    shutil.copyfile(_EMPTY_SCHEMA[0], target)


def make_app(tmp_path, database_url: str | None = None, **extra):
    copied = database_url is None and not (tmp_path / "test.db").exists()
    if copied:
        _copy_of_the_schema(tmp_path / "test.db")
    app = create_app(_test_config(tmp_path, database_url, extra))
    app.test_client_class = IsolatedClient
    with app.app_context():
        # Flask-Babel caches catalogues per locale in one process-wide domain; a test app
        # with other translation directories must not see an earlier app's.
        get_domain().cache.clear()
        if not copied:
            db.create_all()
    return app


def _test_config(tmp_path, database_url: str | None, extra: dict) -> dict:
    return {
        "TESTING": True,
        "SECRET_KEY": "test-" + "k" * 40,
        "SQLALCHEMY_DATABASE_URI": database_url or f"sqlite:///{tmp_path / 'test.db'}",
        "SERVER_NAME": "localhost",
        "RATELIMIT_STORAGE_URI": "memory://",
        "SOCKETIO_ASYNC_MODE": "threading",
        # argon2's profile for tests (services/access.py); servers the tests start hash as
        # in production.
        "PASSWORD_HASHING": "cheapest",
        # Tests read English messages (the msgids); tests/test_translations.py checks the
        # catalogues and that pages come out translated.
        "BABEL_TRANSLATION_DIRECTORIES": str(tmp_path / "untranslated"),
        **extra,
    }


def postgres_database(base_url: str) -> tuple[str, callable]:
    """A fresh PostgreSQL database for one test, dropped afterwards."""
    name = f"t_{uuid.uuid4().hex[:12]}"
    admin = create_engine(
        base_url.replace("postgresql://", "postgresql+psycopg://", 1), isolation_level="AUTOCOMMIT"
    )
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    url = base_url.rsplit("/", 1)[0] + "/" + name

    def drop() -> None:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()

    return url.replace("postgresql://", "postgresql+psycopg://", 1), drop


# --- a small conference -------------------------------------------------------------------------

STAFF_EMAIL = "staff@example.org"
STAFF_PASSWORD = "correct horse battery"


@dataclass
class World:
    """A small conference: staff, a moderator, delegates of two organisations, an observer."""

    staff: object
    conference: object
    org_a: object
    org_b: object
    moderator: object
    delegate: object
    delegate_b: object
    observer: object
    codes: dict


def build_world(present: bool = True) -> World:
    staff = directory.save_person(
        None,
        display_name="Sam Staff",
        email=STAFF_EMAIL,
        is_admin=True,
        password=STAFF_PASSWORD,
    )
    org_a = directory.save_organisation(staff, name="Verein Alpha", short_name="VA", town="Köln")
    org_b = directory.save_organisation(staff, name="Verein Beta", short_name="VB", town="Essen")
    conference = conferences.save_conference(
        staff, title="Testkonferenz", number=3, status="running"
    )
    # The world has two voters, so its secret polls publish from one ballot on; the default
    # of three is tested with a world of its own (tests/test_voting_min_ballots.py). Its secret
    # polls open without trustees, unencrypted, unless a test appoints them
    # (tests/test_encrypted_polls.py); the default refuses that.
    conference.settings = {
        **(conference.settings or {}),
        "voting": {"secret_min_ballots": 1, "unencrypted_secret": True},
    }
    db.session.commit()
    codes = {}

    def accredit(name, role, organisation=None, voting=False):
        person = directory.save_person(staff, display_name=name)
        acc = conferences.save_accreditation(
            staff,
            conference.id,
            person_id=person.id,
            role=role,
            organisation_id=organisation.id if organisation else None,
            voting_right=voting,
        )
        if present:
            conferences.set_presence(staff, conference.id, acc.id, True)
        codes[acc.id] = access.issue_access_code(acc.id, staff)
        return acc

    moderator = accredit("Mo Moderator", "moderator")
    delegate = accredit("Dana Delegate", "delegate", org_a, True)
    delegate_b = accredit("Bo Delegate", "delegate", org_b, True)
    observer = accredit("Oli Observer", "observer")
    return World(staff, conference, org_a, org_b, moderator, delegate, delegate_b, observer, codes)


def add_delegate(world, name, organisation, *, present=True, weight=1):
    person = directory.save_person(world.staff, display_name=name)
    acc = conferences.save_accreditation(
        world.staff,
        world.conference.id,
        person_id=person.id,
        role="delegate",
        organisation_id=organisation.id if organisation else None,
        voting_right=True,
        vote_weight=weight,
    )
    if present:
        conferences.set_presence(world.staff, world.conference.id, acc.id, True)
    return acc


def accredit_many(world, count: int) -> list[str]:
    """``count`` more observers of the world's conference, imported as one list, and their
    join codes: made by the service's code generator and stored as its hashes in one
    statement (issuing them one by one, each with its audit entry, takes a second per 30)."""
    known = set(world.codes)
    rows = "".join(f"Gast {number:05d},,observer,nein\n" for number in range(count))
    conferences.import_delegates(
        world.staff, world.conference.id, f"name,organisation,role,voting_right\n{rows}".encode()
    )
    ids = db.session.scalars(
        select(Accreditation.id)
        .where(Accreditation.conference_id == world.conference.id)
        .order_by(Accreditation.id)
    ).all()
    codes = {i: access.new_access_code() for i in ids if i not in known}
    db.session.execute(
        update(Accreditation),
        [
            {"id": i, "access_code_hash": clock.digest(code), "access_code_issued_at": clock.now()}
            for i, code in codes.items()
        ],
    )
    db.session.commit()
    return list(codes.values())


# --- signing in ---------------------------------------------------------------------------------


def csrf_token(client, path: str = "/login") -> str:
    html = client.get(path).get_data(as_text=True)
    match = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html) or re.search(
        r'value="([^"]+)"[^>]*name="csrf_token"', html
    )
    assert match, f"no CSRF token on {path}"
    return match.group(1)


class Auth:
    """Every way a test signs in, as the ``auth`` fixture.

    ``sign_in_staff`` and ``join`` act on a client the test already has; the ``*_client``
    actions make a new client (its own cookies) and sign it in.
    """

    def sign_in_staff(self, client, email=STAFF_EMAIL, password=STAFF_PASSWORD):
        token = csrf_token(client)
        response = client.post(
            "/login", data={"email": email, "password": password, "csrf_token": token}
        )
        assert response.status_code == 302, response.get_data(as_text=True)[:500]
        return response

    def join(self, client, code: str):
        response = client.get(f"/join/{code}")
        assert response.status_code == 302
        return response

    def staff_client(self, app):
        """A new client signed in as staff."""
        client = app.test_client()
        self.sign_in_staff(client)
        return client

    def joined_client(self, app, code: str):
        """A new client signed in with a join code."""
        client = app.test_client()
        self.join(client, code)
        return client

    def client_as(self, app, world, who: str):
        """A new client signed in as ``"staff"`` or as the world's accreditation ``who``
        (``"moderator"``, ``"delegate"``, ``"delegate_b"``, ``"observer"``)."""
        if who == "staff":
            return self.staff_client(app)
        return self.joined_client(app, world.codes[getattr(world, who).id])

    def api_token(self, app, code: str) -> str:
        """A bearer token for the API, exchanged for a join code."""
        response = app.test_client().post("/api/v1/auth/join", json={"code": code})
        assert response.status_code == 201, response.get_data(as_text=True)
        return response.get_json()["token"]


# --- polls --------------------------------------------------------------------------------------


def new_poll(world, **options):
    options.setdefault("title", "Geschäftsordnungsantrag: Schluss der Debatte")
    return voting.create_poll(world.moderator.person, world.conference.id, **options)


def opened(world, **options):
    poll = new_poll(world, **options)
    return voting.open_poll(world.moderator.person, world.conference.id, poll.id)


def closed_poll_and_proxy(world):
    """A closed named poll with one ballot, and a proxy within the delegate's organisation."""
    moderator = world.moderator.person
    poll = voting.create_poll(moderator, world.conference.id, title="Schluss der Debatte")
    voting.open_poll(moderator, world.conference.id, poll.id)
    voting.cast_ballot(world.delegate.id, poll.id, "yes", "matrix-ballot-1")
    voting.close_poll(moderator, world.conference.id, poll.id)
    giver_person = directory.save_person(world.staff, display_name="Gina Giver")
    giver = conferences.save_accreditation(
        world.staff,
        world.conference.id,
        person_id=giver_person.id,
        role="delegate",
        organisation_id=world.org_a.id,
        voting_right=True,
    )
    proxy = voting.record_proxy(moderator, world.conference.id, giver.id, world.delegate.id)
    return poll, proxy


def run_at_once(app, jobs):
    """Start every job at the same moment; return their results or exceptions, in order."""
    barrier = threading.Barrier(len(jobs))
    results: list = [None] * len(jobs)

    def worker(index, job):
        with app.app_context():
            barrier.wait()
            try:
                results[index] = job()
            except Exception as error:  # noqa: BLE001 (the test inspects it)
                results[index] = error

    threads = [threading.Thread(target=worker, args=(i, job)) for i, job in enumerate(jobs)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not any(thread.is_alive() for thread in threads), "a worker hung"
    return results


def stored(poll_id: int) -> tuple[int, int, int, int]:
    """Ballots, participations, trackers and the counter of a poll, freshly read."""
    db.session.rollback()

    def count(model):
        return db.session.scalar(
            select(func.count()).select_from(model).where(model.poll_id == poll_id)
        )

    cast = db.session.scalar(select(Poll.cast_count).where(Poll.id == poll_id))
    return count(Ballot), count(PollParticipation), count(PollTracker), cast


# --- documents ----------------------------------------------------------------------------------

TEXT = (
    "Wir stellen fest, dass Teilhabe vor Ort wächst.\n\n"
    "Die Kommunen sollen Migrant*innenorganisationen früh beteiligen.\n\n"
    "Das Land soll eine dauerhafte Förderung einführen.\n\n"
    "Wir teilen unsere Erfahrungen."
)
CATALOGUE = (
    "## Bildung\n\n- Mehr Lehrkräfte\n- Kleinere Klassen\n\n"
    "## Arbeit\n\n- Schnellere Anerkennung\n- Anonyme Bewerbungen\n\n"
    "## Teilhabe\n\n- Kommunales Wahlrecht"
)


def resolution(world, *, admit=True, body=TEXT, by=None):
    document = documents.create_document(
        by or world.delegate.person,
        world.conference.id,
        kind="resolution",
        title="Teilhabe stärken",
        body=body,
        reasoning="Weil es *wichtig* ist.",
        submit=True,
    )
    if admit:
        documents.admit_document(world.moderator.person, world.conference.id, document.id)
    return document


def amend(world, document, changes, by=None, **kwargs):
    return documents.file_amendment(
        by or world.delegate_b.person,
        world.conference.id,
        document.id,
        base_version_id=document.current_version_id,
        changes=changes,
        **kwargs,
    )


def catalogue(world, admit=True):
    document = documents.create_document(
        world.delegate.person,
        world.conference.id,
        kind="catalogue",
        title="Forderungen",
        body=CATALOGUE,
        submit=True,
    )
    if admit:
        documents.admit_document(world.moderator.person, world.conference.id, document.id)
    return document


# --- the public archive -------------------------------------------------------------------------

A1_TEXT = """\
Die Konferenz fordert saubere Luft in allen Stadtteilen, auch dort, wo viele Familien mit \
wenig Geld an großen Straßen wohnen.

Die Städte sollen an jeder Grundschule die Luft messen und die Werte veröffentlichen.

Das Netzwerk lädt Fachleute ein, die Mitgliedsorganisationen zu beraten."""
A1_ENGLISH = """\
The conference calls for clean air in all districts, including where many families with \
little money live on busy roads.

The towns should measure the air at every primary school, publish the values and plant trees \
along the school routes.

The network invites experts to advise the member organisations."""
K1_TEXT = """\
## Wohnen

- Die Kommunen bauen mehr Sozialwohnungen.
- Vermieter dürfen niemanden wegen seines Namens ablehnen.

## Gesundheit

- Dolmetschende werden in Arztpraxen von der Krankenkasse bezahlt."""

#: Words that only unpublished things contain; none may ever reach an anonymous visitor.
SECRETS = {
    "draft_title": "Entwurfstitelgeheim",
    "draft_body": "Entwurfskörpergeheim",
    "submitted_title": "Eingereichttitelgeheim",
    "submitted_body": "Eingereichtkörpergeheim",
    "admitted_title": "Zugelassentitelgeheim",
    "admitted_body": "Zugelassenkörpergeheim",
    "withdrawn_title": "Zurückgezogentitelgeheim",
    "withdrawn_body": "Zurückgezogenkörpergeheim",
    "late_amendment": "Spätantragsgeheimtext",
    "draft_poll": "Entwurfsabstimmunggeheim",
}


@dataclass
class Archive:
    """A running conference with published, unpublished and secret things (ids and texts)."""

    conference_id: int
    a1: object
    a2: object
    k1: object
    amendment_adopted: object
    amendment_rejected: object
    late_amendment: object
    unpublished: list = field(default_factory=list)
    open_poll: object = None
    draft_poll: object = None
    secret_poll: object = None
    named_poll: object = None
    #: Ballot keys and trackers of the open poll: its partial count.
    open_poll_tokens: list = field(default_factory=list)


def voted_poll(world, target_kind, target_id, choices, *, secret=False, close=True, title=""):
    """A poll on a target; the two delegates vote ``choices`` (yes/no/abstain or None)."""
    moderator = world.moderator.person
    cid = world.conference.id
    poll = voting.create_poll(
        moderator,
        cid,
        title=title,
        target_kind=target_kind,
        target_id=target_id,
        secret=secret,
        quorum_kind="weight_share",
        quorum="1/2",
    )
    voting.open_poll(moderator, cid, poll.id)
    for acc, choice in zip((world.delegate, world.delegate_b), choices, strict=True):
        if choice is not None:
            voting.cast_ballot(acc.id, poll.id, choice, f"test-{poll.id}-{acc.id}")
    if close:
        voting.close_poll(moderator, cid, poll.id)
    return poll


def build_archive(world) -> Archive:
    """Adopted A1 (amended, translated), rejected A2 (secret ballot), adopted catalogue K1, and
    unpublished drafts, an open poll, a draft poll and a late unadmitted amendment."""
    staff, moderator = world.staff, world.moderator.person
    cid = world.conference.id
    conferences.save_conference(
        staff,
        conference_id=cid,
        title="Testkonferenz",
        number=3,
        status="running",
        languages=["de", "en"],
    )
    create = documents.create_document
    a1 = create(
        moderator,
        cid,
        kind="resolution",
        number="A1",
        title="Saubere Luft in allen Stadtteilen",
        body=A1_TEXT,
        reasoning="Kinder atmen mehr Luft als Erwachsene.",
        organisation_ids=[world.org_a.id],
        submit=True,
    )
    documents.admit_document(moderator, cid, a1.id)
    adopted = documents.file_amendment(
        world.delegate.person,
        cid,
        a1.id,
        base_version_id=a1.current_version_id,
        changes={
            1: "Die Städte sollen an jeder Grundschule die Luft messen, die Werte "
            "veröffentlichen und Bäume an den Schulwegen pflanzen."
        },
        reasoning="Bäume helfen sofort.",
    )
    rejected = documents.file_amendment(
        world.delegate_b.person,
        cid,
        a1.id,
        base_version_id=a1.current_version_id,
        changes={2: "Das Netzwerk berät die Mitgliedsorganisationen selbst."},
    )
    named_poll = voted_poll(world, "amendment", adopted.id, ["yes", "yes"])
    voted_poll(world, "amendment", rejected.id, ["no", "no"])
    documents.set_amendment_deadline(staff, cid, clock.now() - timedelta(days=1))
    late = documents.file_amendment(
        world.delegate.person,
        cid,
        a1.id,
        base_version_id=a1.current_version_id,
        changes={0: f"Die Konferenz fordert {SECRETS['late_amendment']} saubere Luft."},
    )
    documents.set_amendment_deadline(staff, cid, None)
    voted_poll(world, "document", a1.id, ["yes", "abstain"])
    documents.save_translation(
        staff, cid, a1.id, language="en", title="Clean air in all districts", body=A1_ENGLISH
    )

    a2 = create(
        moderator,
        cid,
        kind="resolution",
        number="A2",
        title="Ein Fahrradweg zu jedem Vereinsheim",
        body="Jedes Vereinsheim bekommt einen sicheren Fahrradweg.",
        organisation_ids=[world.org_b.id],
        submit=True,
    )
    documents.admit_document(moderator, cid, a2.id)
    secret_poll = voted_poll(world, "document", a2.id, ["yes", "no"], secret=True)

    k1 = create(
        moderator,
        cid,
        kind="catalogue",
        number="K1",
        title="Forderungen für gutes Wohnen",
        body=K1_TEXT,
        submitting_body="Sprecher*innenrat",
        submit=True,
    )
    documents.admit_document(moderator, cid, k1.id)
    demand = next(d for d in k1.demands if d.label == "1.2")
    voted_poll(world, "demand", demand.id, ["no", "abstain"])
    voted_poll(world, "document", k1.id, ["yes", "yes"])

    unpublished = _unpublished(world)
    draft_poll = voting.create_poll(moderator, cid, title=SECRETS["draft_poll"])
    open_poll = voted_poll(
        world, "question", None, ["yes", None], close=False, title="Pause jetzt?"
    )
    tokens = [b.key for b in _rows(Ballot, open_poll.id)] + [
        t.tracker for t in _rows(PollTracker, open_poll.id)
    ]
    return Archive(
        cid,
        a1,
        a2,
        k1,
        adopted,
        rejected,
        late,
        unpublished,
        open_poll,
        draft_poll,
        secret_poll,
        named_poll,
        tokens,
    )


def _rows(model, poll_id):
    return list(db.session.scalars(select(model).where(model.poll_id == poll_id)))


def _unpublished(world) -> list:
    cid = world.conference.id
    moderator = world.moderator.person
    create = documents.create_document
    draft = create(
        world.delegate.person,
        cid,
        kind="resolution",
        title=SECRETS["draft_title"],
        body=f"Dieser Entwurf enthält {SECRETS['draft_body']}.",
    )
    submitted = create(
        world.delegate_b.person,
        cid,
        kind="resolution",
        title=SECRETS["submitted_title"],
        body=f"Eingereicht, aber nicht zugelassen: {SECRETS['submitted_body']}.",
        submit=True,
    )
    admitted = create(
        moderator,
        cid,
        kind="resolution",
        title=SECRETS["admitted_title"],
        body=f"Zugelassen, noch nicht entschieden: {SECRETS['admitted_body']}.",
        organisation_ids=[world.org_a.id],
        submit=True,
    )
    documents.admit_document(moderator, cid, admitted.id)
    withdrawn = create(
        world.delegate.person,
        cid,
        kind="resolution",
        title=SECRETS["withdrawn_title"],
        body=f"Zurückgezogen vor der Zulassung: {SECRETS['withdrawn_body']}.",
    )
    documents.withdraw_document(world.delegate.person, cid, withdrawn.id)
    return [draft, submitted, admitted, withdrawn]


# --- a server in its own process (fault and scale-out tests) ------------------------------------


def sign_in(url: str, code: str) -> str:
    """Exchange a join code for a bearer token."""
    response = requests.post(url + "/api/v1/auth/join", json={"code": code}, timeout=10)
    assert response.status_code == 201, response.text
    return response.json()["token"]


def api(url: str, method: str, path: str, token: str, body: dict | None = None) -> dict:
    """Call ``/api/v1<path>`` with the token; the JSON answer, which must be a success."""
    response = requests.request(
        method,
        url + "/api/v1" + path,
        json=body,
        headers={"Authorization": f"Bearer {token}"},
        timeout=30,
    )
    assert response.status_code < 300, response.text
    return response.json()


# --- cross-site scripting -----------------------------------------------------------------------

#: Classic cross-site scripting payloads, for tests of anything that renders user text.
PAYLOADS: list[str] = [
    # raw HTML
    "<script>alert(1)</script>",
    "<SCRIPT SRC=https://evil.example/x.js></SCRIPT>",
    "<img src=x onerror=alert(1)>",
    "<IMG SRC=JaVaScRiPt:alert('XSS')>",
    "<svg onload=alert(1)>",
    "<svg/onload=alert(1)>",
    '<iframe src="javascript:alert(1)"></iframe>',
    "<body onload=alert(1)>",
    "<details open ontoggle=alert(1)>",
    '<a href="javascript:alert(1)">Klick</a>',
    '<a href="&#x6A;avascript:alert(1)">Klick</a>',
    '<object data="javascript:alert(1)"></object>',
    '<embed src="data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==">',
    "<form action=javascript:alert(1)><input type=submit></form>",
    '<base href="javascript:/">',
    '<meta http-equiv="refresh" content="0;url=javascript:alert(1)">',
    "<style>@import 'https://evil.example/x.css';</style>",
    '<div style="background:url(javascript:alert(1))">Text</div>',
    "<math><mtext><table><mglyph><style><img src=x onerror=alert(1)>",
    # nested and broken tags
    "<scr<script>ipt>alert(1)</script>",
    "<<script>script>alert(1)<</script>/script>",
    '"><script>alert(1)</script>',
    "'><img src=x onerror=alert(1)//",
    '<img src="x" onerror="alert(1)"',
    "<!--<img src=x onerror=alert(1)>-->",
    # Markdown links and images
    "[Klick](javascript:alert(1))",
    "[Klick](JaVaScRiPt:alert(1))",
    "[Klick](  javascript:alert(1)  )",
    "[Klick](<javascript:alert(1)>)",
    "[Klick](&#106;avascript:alert(1))",
    "[Klick](javascript&#58;alert(1))",
    "[Klick](vbscript:msgbox(1))",
    "[Klick](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
    '[Klick](https://example.org/" onclick="alert(1))',
    "[Klick][ref]\n\n[ref]: javascript:alert(1)",
    "<javascript:alert(1)>",
    '<https://example.org/"onmouseover="alert(1)>',
    "![Bild](javascript:alert(1))",
    '![Bild](https://example.org/x.png" onerror="alert(1))',
    # Markdown contexts around HTML
    "**<img src=x onerror=alert(1)>**",
    "*<em onmouseover=alert(1)>Text</em>*",
    "- <svg/onload=alert(1)>",
    "## <script>alert(1)</script>",
    "1. [Klick](javascript:alert(1)) und <b onclick=alert(1)>fett</b>",
    # entity-encoded variants
    "&lt;script&gt;alert(1)&lt;/script&gt;",
    "&#60;script&#62;alert(1)&#60;/script&#62;",
    "\\<script>alert(1)\\</script>",
    # control characters
    "<scr\x00ipt>alert(1)</scr\x00ipt>",
    '<a href="java\tscript:alert(1)">x</a>',
]


# --- trustees and encrypted ballots --------------------------------------------------------------


@dataclass
class Ceremony:
    """A conference's trustees after their key ceremony, each device's secrets kept here."""

    id: int
    label: str
    people: list
    #: Trustee number -> the key share that stays on that trustee's device.
    shares: dict
    #: Trustee number -> the transport key's secret.
    transport: dict


def appoint_trustees(world, people, threshold) -> Ceremony:
    """Run the key ceremony through the services as the trustees' browsers would."""

    conference_id = world.conference.id
    ceremony = trustees.appoint(
        world.moderator.person, conference_id, [p.id for p in people], threshold
    )
    ceremony_id, label = ceremony.id, ceremony.label
    transport = {}
    for number, person in enumerate(people, start=1):
        secret, public = transport_keypair()
        transport[number] = secret
        trustees.publish_transport_key(person, conference_id, public.hex())
    keys = {
        t["number"]: t["transport_key"]
        for t in trustees.trustee_state(people[0], conference_id)["ceremony"]["trustees"]
    }
    for number, person in enumerate(people, start=1):
        dealing, shares = deal(label, number, threshold, len(people))
        sealed = [
            seal_share(label, number, j, Point.from_hex(keys[j]), share)
            for j, share in shares.items()
        ]
        trustees.publish_dealing(person, conference_id, dealing.to_json(), sealed)
    shares = {}
    for number, person in enumerate(people, start=1):
        state = trustees.trustee_state(person, conference_id)
        dealings = {
            t["number"]: Dealing.from_json(t["dealing"]) for t in state["ceremony"]["trustees"]
        }
        received = {}
        for envelope in state["sealed"]:
            share = open_share(label, envelope, transport[number])
            assert share_is_valid(dealings[envelope["sender"]], number, share)
            received[envelope["sender"]] = share
        shares[number] = combine_shares(number, received)
        trustees.confirm_share(person, conference_id)
    return Ceremony(ceremony_id, label, list(people), shares, transport)


def encrypted_choice(poll, voter_id, marks):
    """An encrypted ballot for vote ``voter_id`` as the phone makes it, with ``marks``."""

    encryption = poll.encryption
    ballot, _ = encrypt_ballot(
        Point.from_hex(encryption["key"]),
        encryption["label"],
        sealed.pseudonym(poll.id, voter_id),
        [Question(**q) for q in encryption["questions"]],
        marks,
    )
    return {"encrypted": ballot}


def decrypt_as(ceremony: Ceremony, number: int, poll):
    """Trustee ``number``'s partial decryption of a counting poll, sent as its page does."""

    db.session.refresh(poll)
    totals = [[Ciphertext.from_json(ct) for ct in row] for row in poll.encryption["totals"]]
    partial = partial_decrypt(poll.encryption["label"], ceremony.shares[number], totals)
    person = ceremony.people[number - 1]
    return voting.submit_decryption(person, poll.conference_id, poll.id, partial)


def verify_closed_boards(tmp_path) -> None:
    """Run the independent verifier on the board of every closed encrypted poll of the
    current app, as an observer would (a separate process reading only the board)."""
    for poll in db.session.scalars(
        select(Poll).where(Poll.state == "closed", Poll.encryption.is_not(None))
    ):
        board = voting.ballot_board(poll)
        if board is None:
            continue
        path = tmp_path / f"board-{poll.id}.json"
        path.write_text(json.dumps(board))
        done = subprocess.run(
            [sys.executable, str(ROOT / "tools" / "verify_board.py"), str(path)],
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert done.returncode == 0, done.stdout + done.stderr
