"""Every page and form, sent anything at all by a visitor, a delegate, a moderator and the
network's staff.

Every route of the URL map (all but the API, which ``test_openapi.py`` covers, and the static
files) gets, for each of its methods, a few examples per role: its path holds an id that exists
or a hostile one (zero, numbers past any id, long and odd texts), its query string and form hold
the keys the view reads (and others) with fitting or hostile values, with a valid CSRF token, a
wrong one or none. Whatever is sent, the answer is never a server error, nothing is logged as an
error, and a refused request (an error page, or a form shown again with its errors) changes
nothing stored. Where a role may not open a route, one example checks the refusal.
"""

from __future__ import annotations

import inspect
import io
import logging
import re
from urllib.parse import quote

import hypothesis
import pytest
from flask_wtf import FlaskForm
from hypothesis import strategies as st
from sqlalchemy import func, select
from wtforms.fields.core import UnboundField

from participation.extensions import db
from participation.models import (
    Accreditation,
    AgendaItem,
    Amendment,
    Document,
    Organisation,
    Person,
    Poll,
    Proxy,
    WorkingGroup,
)
from participation.services import audit
from participation.web.access import level_of
from tests.helpers import (
    build_archive,
    build_world,
    closed_poll_and_proxy,
    csrf_token,
    make_app,
    resolution,
)

#: Examples per route and role where the role may open the route, and where it may not.
EXAMPLES = 6
REFUSED_EXAMPLES = 1

SETTINGS = hypothesis.settings(
    max_examples=EXAMPLES,
    deadline=None,
    database=None,
    derandomize=True,
    suppress_health_check=list(hypothesis.HealthCheck),
)

#: The roles, and how far each reaches (staff manages every conference); an observer reaches
#: what a delegate does, and less.
ROLE_RANK = {"anonymous": 0, "delegate": 2, "moderator": 3, "staff": 4}
LEVEL_RANK = {
    "public": 0,
    "signed_in": 1,
    "observer": 1,
    "delegate": 2,
    "moderator": 3,
    "admin": 4,
    "staff": 4,
}

#: Forms whose success is a page rather than a redirect: printing access slips issues new codes.
ANSWERED_WITH_A_PAGE = {"admin.slips"}

#: What each id in a path names, so that most requests name something that exists.
PATH_MODELS = {
    "conference_id": None,  # the world's conference
    "accreditation_id": Accreditation,
    "item_id": AgendaItem,
    "organisation_id": Organisation,
    "person_id": Person,
    "document_id": Document,
    "amendment_id": Amendment,
    "group_id": WorkingGroup,
    "poll_id": Poll,
    "proxy_id": Proxy,
}

#: Keys some views read through helpers (the blocks of an amendment, a paper count's
#: candidates), and keys no view reads.
EXTRA_KEYS = [
    "block-0",
    "block-1",
    "block-99999999999",
    "yes-1",
    "no-1",
    "approve-1",
    "csrf",
    "id",
    "__proto__",
]
READS = re.compile(r"""\.get(?:list)?\(\s*["']([\w-]+)["']""")
FORM_CLASS = re.compile(r"\b([A-Z]\w*Form)\(")


def keys_read(view) -> list[str]:
    """The query and form keys a view reads: its ``.get("…")`` calls and its forms' fields."""
    source = inspect.getsource(view)
    keys = set(READS.findall(source))
    for name in FORM_CLASS.findall(source):
        form = view.__globals__.get(name)
        if isinstance(form, type) and issubclass(form, FlaskForm):
            keys |= {n for n in dir(form) if isinstance(getattr(form, n), UnboundField)}
    return sorted(keys)


#: Numbers a client may send in place of an id or a count.
ODD_NUMBERS = st.sampled_from(
    [0, -1, 1, 2, 3, 2**31 - 1, 2**31, 2**53 + 1, 2**63, 2**64, -(2**63), 10**30, 10**99]
)
#: Numbers no 32-bit id column holds, as a form or query sends them.
BEYOND_IDS = st.sampled_from([2**31, 2**63, 10**30, -(10**30)]).map(str)
TEXTS = st.one_of(
    st.text(max_size=30),
    st.text(st.characters(codec="utf-8", exclude_categories=["Cs"]), max_size=20),
    st.builds(lambda char, n: char * n, st.characters(), st.integers(0, 20_000)),
    st.sampled_from(
        [
            "",
            " ",
            "\x00",
            "a\x00b",
            "../../etc/passwd",
            "..%2f..%2f",
            "null",
            "true",
            "false",
            "on",
            "yes",
            "1",
            "1.5",
            "1e309",
            "NaN",
            "-0",
            "٣",
            "１２",
            "ﷺ",
            "\u202e",
            "2026-02-30",
            "2026-13-01T25:61",
            "9999-12-31T23:59",
            "0001-01-01T00:00",
            "2026-06-01T10:00+99:00",
            "1/0",
            "0/0",
            "A1",
            "K1",
            "//evil.example",
            "https://evil.example/",
            "javascript:alert(1)",
        ]
    ),
)
VALUES = st.one_of(ODD_NUMBERS.map(str), TEXTS, st.integers().map(str))


#: Form and query keys that name a row, and what they name.
ID_KEYS = {
    ("organisation", "organisations", "organisation_id"): "organisation_id",
    ("accreditation", "accreditations", "giver_id", "holder_id"): "accreditation_id",
    ("person_id",): "person_id",
    ("agenda_item", "parent_id", "agenda_item_id"): "item_id",
    ("base_version_id", "version_id"): "version_id",
    ("to", "from", "block", "position", "before"): "small",
}


def mostly(usual: st.SearchStrategy, now_and_then: st.SearchStrategy) -> st.SearchStrategy:
    """``usual`` three times in four."""
    return st.integers(0, 3).flatmap(lambda n: usual if n else now_and_then)


def _routes(app) -> list[tuple[str, str, list[str]]]:
    """(rule, method, converter names) of every page and form."""
    found = []
    for rule in app.url_map.iter_rules():
        if rule.endpoint == "static" or rule.rule.startswith("/api/"):
            continue
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            found.append((rule, method))
    return sorted(found, key=lambda pair: (pair[0].rule, pair[1]))


def _path_value(name: str, converter: str, ids: dict) -> st.SearchStrategy:
    if converter == "IdConverter":
        hostile = st.one_of(
            ODD_NUMBERS.filter(lambda n: n >= 0).map(str),
            st.sampled_from(["9" * 400, "00000001", "-1"]),
        )
        return mostly(st.sampled_from(ids.get(name) or [1]).map(str), hostile)
    plausible = st.sampled_from(ids.get(name) or ["A1"])
    hostile = TEXTS.filter(lambda text: text != "")
    return mostly(plausible, hostile).map(lambda text: quote(text, safe="/"))


def _path(rule, ids: dict) -> st.SearchStrategy:
    converters = {name: type(conv).__name__ for name, conv in rule._converters.items()}
    parts = {name: _path_value(name, kind, ids) for name, kind in converters.items()}

    def fill(values: dict) -> str:
        path = rule.rule
        for name, value in values.items():
            path = path.replace(
                f"<{'int:' if converters[name] == 'IdConverter' else ''}{name}>", value
            )
            path = path.replace(f"<path:{name}>", value)
        return path

    return st.fixed_dictionaries(parts).map(fill)


def _value(key: str, ids: dict) -> st.SearchStrategy:
    """A value that fits the key, or nearly does; or anything at all."""
    plausible: st.SearchStrategy = TEXTS
    for names, kind in ID_KEYS.items():
        if key in names and ids.get(kind):
            plausible = st.sampled_from(ids[kind]).map(str)
    value = st.one_of(plausible, ODD_NUMBERS.map(str), BEYOND_IDS, VALUES)
    return mostly(value, st.lists(value, min_size=2, max_size=3))


def _inputs(keys: list[str], ids: dict) -> st.SearchStrategy:
    """Some of the keys, with values; now and then one the view does not read."""
    return st.fixed_dictionaries({}, optional={key: _value(key, ids) for key in keys + EXTRA_KEYS})


def _requests(app, rule, method: str, ids: dict) -> st.SearchStrategy:
    keys = keys_read(app.view_functions[rule.endpoint])
    return st.fixed_dictionaries(
        {
            "path": _path(rule, ids),
            "query": mostly(_inputs(keys, ids), st.just({})),
            "form": st.just(None) if method == "GET" else _inputs(keys, ids),
            "csrf": st.sampled_from(["valid", "valid", "valid", "none", "wrong"]),
            "file": mostly(st.none(), st.binary(max_size=300)),
        }
    )


def _examples(role: str, endpoint: str) -> int:
    """Many where the role reaches the view; a few where it is only turned away."""
    needed = LEVEL_RANK[level_of(endpoint)]
    return EXAMPLES if ROLE_RANK[role] >= needed else REFUSED_EXAMPLES


def _what_is_stored(full: bool = True) -> tuple:
    """The audit trail's head and, in ``full``, how many rows each table holds."""
    db.session.rollback()  # read what the request committed, not this session's old snapshot
    counts = tuple(
        db.session.scalar(select(func.count()).select_from(table))
        for table in (db.metadata.sorted_tables if full else ())
    )
    return audit.audit_head()["hash"], counts


@pytest.fixture(scope="module")
def fuzz_app(tmp_path_factory):
    """One app for the module, its limits out of the way of a thousand requests."""
    app = make_app(
        tmp_path_factory.mktemp("fuzz"),
        API_READ_RATE_LIMIT="100000 per minute",
        PDF_RATE_LIMIT="100000 per minute",
        LOGIN_RATE_LIMIT="100000 per minute",
        JOIN_RATE_LIMIT="100000 per minute",
        JOIN_ADDRESS_RATE_LIMIT="100000 per minute",
    )
    with app.app_context():
        yield app
        db.session.remove()
        db.engine.dispose()


@pytest.fixture(scope="module")
def fuzz_world(fuzz_app):
    """The archive (documents, amendments, polls of every kind) and the ids of what it holds."""
    world = build_world()
    closed_poll_and_proxy(world)
    archive = build_archive(world)
    ids = {"conference_id": [world.conference.id], "number": ["A1", "K1", "A2"]}
    for name, model in PATH_MODELS.items():
        if model is not None:
            ids[name] = list(db.session.scalars(select(model.id).order_by(model.id)))
    ids["version_id"] = [archive.a1.current_version_id, archive.k1.current_version_id]
    ids["small"] = [0, 1, 2, 3]
    return world, ids


def _client(app, world, auth, role):
    if role == "anonymous":
        return app.test_client(), "/login"
    client = auth.client_as(app, world, role)
    page = "/admin/people" if role == "staff" else f"/c/{world.conference.id}/documents/new"
    return client, page


@pytest.mark.parametrize("role", list(ROLE_RANK))
def test_every_page_answers_anything_and_a_refusal_changes_nothing(
    fuzz_app, fuzz_world, auth, caplog, role
):
    app = fuzz_app
    world, ids = fuzz_world
    caplog.set_level(logging.INFO)
    held = {}

    def sign_in():
        held["client"], page = _client(app, world, auth, role)
        held["token"] = csrf_token(held["client"], page)

    sign_in()
    seen = {"refused": 0, "done": 0}

    def send(rule, method: str, sent: dict) -> None:
        form = dict(sent["form"] or {})
        if sent["csrf"] == "valid":
            form["csrf_token"] = held["token"]
        elif sent["csrf"] == "wrong":
            form["csrf_token"] = "x" + held["token"][1:]
        if sent["file"] is not None and method == "POST":
            form["file"] = (io.BytesIO(sent["file"]), "liste.csv")
        caplog.clear()
        before = _what_is_stored(full=method != "GET")
        response = held["client"].open(
            sent["path"],
            method=method,
            query_string=sent["query"],
            data=form if method != "GET" else None,
        )
        status = response.status_code
        where = (method, sent["path"], sent["query"], sent["form"], sent["csrf"])
        assert status < 500, (where, status, response.get_data(as_text=True)[:300])
        logged = [r for r in caplog.records if r.levelno >= logging.ERROR or r.exc_info]
        assert not logged, (where, [r.getMessage() for r in logged])
        if status >= 400 or (
            method != "GET"
            and status == 200
            and response.mimetype == "text/html"
            and rule.endpoint not in ANSWERED_WITH_A_PAGE
        ):
            seen["refused"] += 1
            assert _what_is_stored(full=method != "GET") == before, (where, status)
        else:
            seen["done"] += 1
        if rule.endpoint == "auth.logout" and status == 302 and role != "anonymous":
            sign_in()

    for rule, method in _routes(app):
        fuzz = hypothesis.given(st.just(rule), st.just(method), _requests(app, rule, method, ids))(
            send
        )
        hypothesis.settings(SETTINGS, max_examples=_examples(role, rule.endpoint))(fuzz)()
    assert seen["refused"] > 0 and seen["done"] > 0, seen


# --- what the fuzzing found ----------------------------------------------------------------------

#: Numbers past any 32-bit id; SQLite overflows at the last two, PostgreSQL at all three.
PAST_ANY_ID = [str(2**31), str(2**63), str(-(10**30))]


def _stored_now() -> tuple:
    return _what_is_stored(full=True)


@pytest.mark.parametrize("number", PAST_ANY_ID)
def test_a_number_past_any_id_in_a_document_form_is_refused(app, world, auth, number):
    cid = world.conference.id
    document = resolution(world)
    delegate = auth.client_as(app, world, "delegate")
    token = csrf_token(delegate, f"/c/{cid}/documents/new")
    listed = delegate.get(
        f"/c/{cid}/documents", query_string={"agenda_item": number, "organisation": number}
    )
    assert listed.status_code == 200
    before = _stored_now()
    created = delegate.post(
        f"/c/{cid}/documents/new",
        data={
            "kind": "resolution",
            "title": "T",
            "body": "B",
            "organisations": number,
            "csrf_token": token,
        },
    )
    assert created.status_code == 422
    amended = delegate.post(
        f"/c/{cid}/documents/{document.id}/amend",
        data={"base_version_id": number, "block-0": "Neu.", "csrf_token": token},
    )
    assert amended.status_code == 422
    staff = auth.client_as(app, world, "staff")
    token = csrf_token(staff, "/admin/people")
    cosigned = staff.post(
        f"/c/{cid}/documents/{document.id}/cosign",
        data={"organisation": number, "csrf_token": token},
    )
    assert 400 <= cosigned.status_code < 500
    group = staff.post(
        f"/c/{cid}/groups", data={"name": "Arbeitsgruppe Wohnen", "csrf_token": token}
    )
    assert group.status_code == 302
    before = _stored_now()
    member = staff.post(
        group.headers["Location"] + "/members",
        data={"accreditation": number, "csrf_token": token},
    )
    assert member.status_code == 422
    assert _stored_now() == before


@pytest.mark.parametrize("moment", ["0001-01-01T00:00", "9999-12-31T23:59-05:00"])
def test_a_deadline_at_the_calendars_ends_is_refused(app, world, auth, moment):
    cid = world.conference.id
    staff = auth.client_as(app, world, "staff")
    before = _stored_now()
    response = staff.post(
        f"/c/{cid}/documents/deadline",
        data={"deadline": moment, "csrf_token": csrf_token(staff, "/admin/people")},
    )
    assert response.status_code == 422
    assert "Enter the deadline as date and time." in response.get_data(as_text=True)
    assert _stored_now() == before


def test_the_document_list_ignores_query_keys_it_builds_itself(app, world, auth):
    cid = world.conference.id
    resolution(world)
    observer = auth.client_as(app, world, "observer")
    for query in ({"fragment": ""}, {"conference_id": "2"}, {"_external": "1", "_anchor": "x"}):
        response = observer.get(f"/c/{cid}/documents", query_string=query)
        assert response.status_code == 200, query
        assert "Teilhabe stärken" in response.get_data(as_text=True)


def test_a_number_too_long_for_any_column_in_an_admin_form_is_refused(app, world, auth):
    cid = world.conference.id
    staff = auth.client_as(app, world, "staff")
    token = csrf_token(staff, "/admin/people")
    before = _stored_now()
    response = staff.post(
        f"/admin/c/{cid}",
        data={"title": "T", "number": "9" * 400, "status": "running", "csrf_token": token},
    )
    assert response.status_code in (400, 422)
    polls = staff.post(
        f"/c/{cid}/polls", data={"title": "T", "seats": "9" * 400, "csrf_token": token}
    )
    assert polls.status_code in (400, 422)
    assert _stored_now() == before
