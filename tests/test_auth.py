"""Every way in and out: join codes, staff passwords, rate limits, sign-out and revocation."""

from __future__ import annotations

import re

from sqlalchemy import func, select, text

from participation.extensions import db
from participation.models import AuditEntry, LoginSession
from participation.services import access
from tests.helpers import STAFF_PASSWORD, csrf_token, socket_client


def _signed_in_as(client) -> str | None:
    html = client.get("/").get_data(as_text=True)
    match = re.search(r'class="who">([^<]+)<', html)
    return match.group(1) if match else None


def test_access_codes_are_long_random_and_grouped():
    codes = {access.new_access_code() for _ in range(200)}
    assert len(codes) == 200
    for code in list(codes)[:20]:
        groups = code.split("-")
        assert all(len(g) <= 4 for g in groups)
        assert len(code.replace("-", "")) * 5 >= 128
        assert access.normalise_code(code) == code
        assert access.normalise_code(code.lower().replace("-", " ")) == code
    assert access.normalise_code("too-short") is None
    assert access.normalise_code("") is None


def test_codes_are_stored_only_as_hashes(app, world):
    code = world.codes[world.delegate.id]
    assert world.delegate.access_code_hash != code
    dump = "\n".join(db.session.connection().connection.driver_connection.iterdump())
    assert code not in dump and code.replace("-", "") not in dump


def test_join_link_signs_in_and_lands_on_the_live_page(app, world):
    client = app.test_client()
    response = client.get(f"/join/{world.codes[world.delegate.id]}")
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/c/{world.conference.id}/live")
    assert _signed_in_as(client) == "Dana Delegate"
    assert client.get(f"/c/{world.conference.id}/live").status_code == 200


def test_typed_code_is_forgiving_about_case_and_spaces(app, world):
    client = app.test_client()
    typed = world.codes[world.delegate.id].lower().replace("-", " ")
    response = client.post("/join", data={"code": typed, "csrf_token": csrf_token(client, "/join")})
    assert response.status_code == 302
    assert _signed_in_as(client) == "Dana Delegate"


def test_wrong_code_is_refused_and_changes_nothing(app, world):
    before = db.session.scalar(select(func.count()).select_from(LoginSession))
    client = app.test_client()
    response = client.get("/join/AAAA-BBBB-CCCC-DDDD-EEEE-FFFF-GG")
    assert response.status_code == 404
    assert "not valid" in response.get_data(as_text=True) or "nicht" in response.get_data(
        as_text=True
    )
    assert db.session.scalar(select(func.count()).select_from(LoginSession)) == before
    assert _signed_in_as(client) is None


def test_guessing_is_rate_limited_but_right_codes_always_get_in(app, world, auth):
    client = app.test_client()
    for _ in range(5):
        auth.join(app.test_client(), world.codes[world.delegate.id])  # successes never count
    statuses = [
        client.get(f"/join/AAAA-BBBB-CCCC-DDDD-EEEE-FF{i:02d}-GG").status_code for i in range(25)
    ]
    assert statuses[:20] == [404] * 20
    assert statuses[20:] == [429] * 5
    # The code is not locked, and a right code is checked before the counts: the guessing
    # browser itself gets in with it, and so does another on the same address.
    auth.join(client, world.codes[world.delegate_b.id])
    auth.join(app.test_client(), world.codes[world.delegate.id])


def test_staff_sign_in_and_wrong_passwords(app, world, auth):
    client = app.test_client()
    token = csrf_token(client)
    wrong = client.post(
        "/login", data={"email": "staff@example.org", "password": "nope", "csrf_token": token}
    )
    assert wrong.status_code == 403
    unknown = client.post(
        "/login", data={"email": "who@example.org", "password": STAFF_PASSWORD, "csrf_token": token}
    )
    assert unknown.status_code == 403
    assert _signed_in_as(client) is None
    auth.sign_in_staff(client)
    assert _signed_in_as(client) == "Sam Staff"
    assert client.get("/admin/").status_code == 200


def test_sign_in_only_follows_local_next_urls(app, world):
    client = app.test_client()
    token = csrf_token(client)
    response = client.post(
        "/login?next=https://evil.example/",
        data={"email": "staff@example.org", "password": STAFF_PASSWORD, "csrf_token": token},
    )
    assert response.status_code == 302
    assert "evil" not in response.headers["Location"]


def test_only_a_test_app_may_hash_with_argon2_s_cheapest_profile(app, tmp_path):
    from participation.services import access

    assert access.hash_password("x" * 12).startswith("$argon2id$v=19$m=8,t=1,p=1$")
    app.config["TESTING"] = False  # as every real server: the setting alone is not enough
    try:
        assert access.hash_password("x" * 12).startswith("$argon2id$v=19$m=65536,t=3,p=4$")
    finally:
        app.config["TESTING"] = True


def test_passwords_are_hashed_with_argon2(app, world):
    assert world.staff.password_hash.startswith("$argon2")
    assert STAFF_PASSWORD not in world.staff.password_hash


def test_signing_out_kills_the_old_cookie(app, world, auth):
    client = app.test_client()
    auth.join(client, world.codes[world.delegate.id])
    stolen = client.get_cookie("session").value
    client.post("/logout", data={"csrf_token": csrf_token(client, "/")})
    assert _signed_in_as(client) is None
    replay = app.test_client()
    replay.set_cookie("session", stolen)
    assert _signed_in_as(replay) is None
    assert replay.get(f"/c/{world.conference.id}/live").status_code == 302


def test_logout_without_csrf_token_is_refused(app, world, auth):
    client = app.test_client()
    auth.join(client, world.codes[world.delegate.id])
    response = client.post("/logout")
    assert response.status_code == 400
    assert _signed_in_as(client) == "Dana Delegate"


def test_revoking_a_code_ends_its_sessions_and_sockets(app, world, auth):
    phone = app.test_client()
    auth.join(phone, world.codes[world.delegate.id])
    sio = socket_client(app, phone)
    assert sio.is_connected()
    access.revoke_access_code(world.delegate.id, world.staff)
    assert not sio.is_connected()
    assert _signed_in_as(phone) is None
    again = app.test_client()
    assert again.get(f"/join/{world.codes[world.delegate.id]}").status_code == 404
    actions = db.session.scalars(select(AuditEntry.action)).all()
    assert "access_code.revoked" in actions


def test_reissued_code_replaces_the_old_one(app, world, auth):
    old = world.codes[world.delegate.id]
    new = access.issue_access_code(world.delegate.id, world.staff)
    assert app.test_client().get(f"/join/{old}").status_code == 404
    auth.join(app.test_client(), new)


def test_a_joined_phone_acts_only_as_its_accreditation(app, world, auth):
    """Staff who join with a delegate's code are that delegate there, not staff."""
    db.session.execute(
        text("UPDATE person SET is_admin = 1 WHERE id = :id"), {"id": world.delegate.person_id}
    )
    db.session.commit()
    client = app.test_client()
    auth.join(client, world.codes[world.delegate.id])
    assert client.get("/admin/").status_code == 403
