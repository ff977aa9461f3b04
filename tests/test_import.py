"""CSV import of delegates: all rows or none, with an error per bad row."""

from __future__ import annotations

import io

from sqlalchemy import func, select

from participation.extensions import db
from participation.models import Accreditation, Person
from tests.helpers import csrf_token

GOOD = (
    "name;email;organisation;role;voting_right;vote_weight\n"
    "Hülya Şahin;hulya@example.org;Verein Alpha;delegate;ja;1\n"
    "Ivan Petrenko;;VB;delegate;ja;2\n"
    "Grace Owusu;;;observer;nein;1\n"
)


def _upload(auth, app, content: bytes):
    client = app.test_client()
    auth.sign_in_staff(client)
    path = "/admin/c/1/import"
    return client.post(
        path,
        data={
            "csrf_token": csrf_token(client, path),
            "file": (io.BytesIO(content), "delegates.csv"),
        },
        content_type="multipart/form-data",
    )


def _count() -> int:
    return db.session.scalar(select(func.count()).select_from(Accreditation))


def test_good_file_imports_every_row(app, world, auth):
    before = _count()
    response = _upload(auth, app, ("\ufeff" + GOOD).encode())
    assert response.status_code == 302
    assert _count() == before + 3
    ivan = db.session.scalar(select(Person).where(Person.display_name == "Ivan Petrenko"))
    acc = ivan.accreditations[0]
    assert acc.vote_weight == 2 and acc.organisation.short_name == "VB" and acc.voting_right


def test_one_bad_row_imports_nothing_and_names_every_error(app, world, auth):
    bad = GOOD + "Ohne Verein;;Gibt es nicht;delegate;ja;1\n;;;;;\nX;;;chef;vielleicht;0\n"
    before = _count()
    people_before = db.session.scalar(select(func.count()).select_from(Person))
    response = _upload(auth, app, bad.encode())
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "Gibt es nicht" in html
    assert "7" in html  # the line of the third bad row
    assert _count() == before
    assert db.session.scalar(select(func.count()).select_from(Person)) == people_before


def test_comma_separated_and_english_headers(app, world, auth):
    content = "Name,E-Mail,Organisation\nAmir Haddad,amir@example.org,Verein Beta\n"
    assert _upload(auth, app, content.encode()).status_code == 302
    amir = db.session.scalar(select(Person).where(Person.email == "amir@example.org"))
    assert amir.accreditations[0].voting_right  # delegates vote unless the file says otherwise


def test_not_utf8_and_missing_header_are_refused(app, world, auth):
    assert _upload(auth, app, "name\nJürgen\n".encode("latin-1")).status_code == 422
    assert _upload(auth, app, b"foo;bar\n1;2\n").status_code == 422
    assert _upload(auth, app, b"name\n").status_code == 422


def test_duplicate_emails_and_existing_accreditations_are_refused(app, world, auth):
    twice = "name;email\nA;same@example.org\nB;same@example.org\n"
    assert _upload(auth, app, twice.encode()).status_code == 422
    before = _count()
    assert _upload(auth, app, b"name;email\nStaff;staff@example.org\n").status_code == 302
    assert _count() == before + 1
    assert _upload(auth, app, b"name;email\nStaff;staff@example.org\n").status_code == 422
