"""Limits no one can spend for a whole hall: right codes always get in, wrong ones are slowed,
a wrong-password guesser locks out only the account it guesses at, and every signed-in reader
has a read budget of its own. A join link never switches a signed-in browser without asking."""

from __future__ import annotations

import re
from html import unescape

import pytest
from sqlalchemy import func, select

from participation import create_app
from participation.config import ConfigError
from participation.extensions import db
from participation.models import LoginSession
from participation.services import directory
from tests.helpers import (
    STAFF_EMAIL,
    STAFF_PASSWORD,
    accredit_many,
    build_world,
    csrf_token,
    make_app,
)

WRONG = "AAAA-BBBB-CCCC-DDDD-EEEE-FFFF-{:02d}"


def _wrong(number: int) -> str:
    """A well-formed code that opens nothing."""
    return WRONG.format(number % 100)


def _sessions() -> int:
    return db.session.scalar(select(func.count()).select_from(LoginSession))


def _bearer(token: str) -> dict:
    return {"Authorization": f"Bearer {token}"}


def _signed_in_as(client) -> str | None:
    html = client.get("/").get_data(as_text=True)
    match = re.search(r'class="who">([^<]+)<', html)
    return match.group(1) if match else None


def test_a_hall_behind_one_address_joins_while_wrong_codes_pour_in(tmp_path):
    """1,000 phones join from one address while two guessers on it send wrong codes, one
    keeping its cookie, one starting afresh each time. Every right code gets in at once;
    the guessers are answered 429 past their limits."""
    app = make_app(tmp_path, JOIN_RATE_LIMIT="20 per hour", JOIN_ADDRESS_RATE_LIMIT="100 per hour")
    with app.app_context():
        world = build_world()
        codes = accredit_many(world, 1000)
        before = _sessions()
        keeper = app.test_client()  # the guessing browser that keeps its cookie
        joined, kept, fresh = [], [], []
        for number, code in enumerate(codes):
            phone = app.test_client()
            if number % 2:
                joined.append(phone.get(f"/join/{code}").status_code)
            else:
                joined.append(phone.post("/api/v1/auth/join", json={"code": code}).status_code)
            if number % 4 == 0:
                kept.append(keeper.get(f"/join/{_wrong(number)}").status_code)
            elif number % 4 == 2:
                answer = app.test_client().post("/api/v1/auth/join", json={"code": _wrong(number)})
                fresh.append(answer.status_code)
        assert joined == [201, 302] * 500
        assert _sessions() == before + 1000
        # The browser's own 20, then 429; the address's 100 (50 of them fresh), then 429 for
        # every wrong code from it.
        assert kept == [404] * 20 + [429] * 230
        assert fresh == [404] * 50 + [429] * 200
        refused = app.test_client().post("/api/v1/auth/join", json={"code": _wrong(1)})
        assert refused.status_code == 429 and int(refused.headers["Retry-After"]) > 0
        assert refused.get_json()["error"]["status"] == 429
        page = keeper.get(f"/join/{_wrong(2)}")
        assert page.status_code == 429 and "check your code" in page.get_data(as_text=True)
        assert "Content-Security-Policy" in page.headers
        # Past every limit, the guessing browser's right code is still accepted at once.
        assert keeper.get(f"/join/{world.codes[world.delegate.id]}").status_code == 302
        assert _signed_in_as(keeper) == "Dana Delegate"
        db.session.remove()
        db.engine.dispose()


def test_a_typed_wrong_code_counts_like_a_link(app, world):
    client = app.test_client()
    token = csrf_token(client, "/join")
    statuses = [
        client.post("/join", data={"code": _wrong(n), "csrf_token": token}).status_code
        for n in range(21)
    ]
    assert statuses == [404] * 20 + [429]
    right = world.codes[world.delegate.id]
    assert client.post("/join", data={"code": right, "csrf_token": token}).status_code == 302


def test_a_password_guesser_locks_out_only_the_account_it_guesses(tmp_path):
    app = make_app(tmp_path, LOGIN_RATE_LIMIT="3 per hour")
    with app.app_context():
        build_world()
        directory.save_person(
            None,
            display_name="Kim Colleague",
            email="kim@example.org",
            is_admin=True,
            password=STAFF_PASSWORD,
        )
        guesser = app.test_client()
        token = csrf_token(guesser)

        def sign_in(client, email, password):
            data = {"email": email, "password": password, "csrf_token": csrf_token(client)}
            return client.post("/login", data=data).status_code

        guesses = [
            guesser.post(
                "/login", data={"email": STAFF_EMAIL, "password": f"guess {n}", "csrf_token": token}
            ).status_code
            for n in range(5)
        ]
        assert guesses == [403, 403, 403, 429, 429]
        # The same address, another account: no wait.
        colleague = app.test_client()
        assert sign_in(colleague, "kim@example.org", STAFF_PASSWORD) == 302
        assert _signed_in_as(colleague) == "Kim Colleague"
        # The account guessed at waits, even with its right password: that is what keeps
        # the guesser from trying more passwords on it.
        assert sign_in(app.test_client(), STAFF_EMAIL.upper(), STAFF_PASSWORD) == 429
        db.session.remove()
        db.engine.dispose()


def test_one_readers_spent_budget_refuses_no_one_else(tmp_path, auth):
    app = make_app(tmp_path, API_READ_RATE_LIMIT="3 per minute")
    with app.app_context():
        world = build_world()
        greedy = _bearer(auth.api_token(app, world.codes[world.delegate.id]))
        other = _bearer(auth.api_token(app, world.codes[world.delegate_b.id]))
        client = app.test_client()  # every client has the test client's one address
        reads = [client.get("/api/v1/conferences", headers=greedy).status_code for _ in range(4)]
        assert reads == [200, 200, 200, 429]
        assert client.get("/api/v1/audit", headers=other).status_code == 200
        browser = auth.joined_client(app, world.codes[world.observer.id])
        assert browser.get("/api/v1/conferences").status_code == 200
        assert app.test_client().get("/api/v1/conferences").status_code == 200  # anonymous
        db.session.remove()
        db.engine.dispose()


def test_anonymous_readers_share_their_addresss_budget(tmp_path):
    app = make_app(tmp_path, API_READ_RATE_LIMIT="2 per minute")
    with app.app_context():
        first, second = app.test_client(), app.test_client()
        assert first.get("/api/v1/conferences").status_code == 200
        assert second.get("/api/v1/conferences").status_code == 200
        assert first.get("/api/v1/conferences").status_code == 429
        elsewhere = app.test_client()
        elsewhere.environ_base["REMOTE_ADDR"] = "10.0.0.9"
        assert elsewhere.get("/api/v1/conferences").status_code == 200
        db.session.remove()
        db.engine.dispose()


# --- a join link in a browser that is signed in -------------------------------------------------


def _switch_form(html: str) -> tuple[str, dict]:
    """The confirmation's form as a browser without JavaScript submits it."""
    form = re.search(r'<form method="post" action="(/join)"[^>]*>(.*?)</form>', html, re.S)
    assert form, "no form on the page"
    fields = dict(re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)">', form[2]))
    return unescape(form[1]), {name: unescape(value) for name, value in fields.items()}


def test_a_join_link_asks_before_switching_a_signed_in_browser(app, world, auth):
    browser = auth.joined_client(app, world.codes[world.delegate.id])
    before = _sessions()
    page = browser.get(f"/join/{world.codes[world.delegate_b.id]}")
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and page.headers["Cache-Control"] == "no-store"
    assert "You are signed in as <bdi>Dana Delegate</bdi>." in html
    assert "Join as <bdi>Bo Delegate</bdi>" in html and "Testkonferenz" in html
    assert f'href="/c/{world.conference.id}/live"' in html  # the way back
    assert _signed_in_as(browser) == "Dana Delegate" and _sessions() == before

    action, fields = _switch_form(html)
    refused = browser.post(action, data={"code": fields["code"]})  # no CSRF token
    assert refused.status_code == 400 and _signed_in_as(browser) == "Dana Delegate"

    switched = browser.post(action, data=fields)
    assert switched.status_code == 302
    assert switched.headers["Location"].endswith(f"/c/{world.conference.id}/live")
    assert _signed_in_as(browser) == "Bo Delegate"


def test_the_same_accreditations_link_goes_on_to_the_live_page(app, world, auth):
    code = world.codes[world.delegate.id]
    browser = auth.joined_client(app, code)
    before = _sessions()
    again = browser.get(f"/join/{code.lower()}")
    assert again.status_code == 302
    assert again.headers["Location"].endswith(f"/c/{world.conference.id}/live")
    assert _signed_in_as(browser) == "Dana Delegate" and _sessions() == before


def test_a_wrong_link_in_a_signed_in_browser_changes_nothing(app, world, auth):
    browser = auth.staff_client(app)
    assert browser.get(f"/join/{_wrong(7)}").status_code == 404
    assert _signed_in_as(browser) == "Sam Staff"
    page = browser.get(f"/join/{world.codes[world.observer.id]}")
    assert page.status_code == 200 and "Oli Observer" in page.get_data(as_text=True)
    assert 'href="/"' in page.get_data(as_text=True)  # staff go back to the start page
    assert _signed_in_as(browser) == "Sam Staff"


def test_the_limits_come_from_the_environment_and_are_checked(tmp_path, monkeypatch):
    monkeypatch.setenv("PARTICIPATION_INSTANCE", str(tmp_path))
    monkeypatch.delenv("DATABASE_URL", raising=False)
    monkeypatch.setenv("JOIN_ADDRESS_RATE_LIMIT", "7 per minute;70 per hour")
    app = create_app({"SECRET_KEY": "x" * 40})
    assert app.config["JOIN_ADDRESS_RATE_LIMIT"] == "7 per minute;70 per hour"
    assert app.config["JOIN_RATE_LIMIT"] == "20 per minute;200 per hour"
    monkeypatch.setenv("LOGIN_RATE_LIMIT", "ten a minute")
    with pytest.raises(ConfigError, match="LOGIN_RATE_LIMIT"):
        create_app({"SECRET_KEY": "x" * 40})
